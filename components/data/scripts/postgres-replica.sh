#!/usr/bin/env bash
# shellcheck shell=bash
# PostgreSQL 15 streaming replica: pg_basebackup -R -S <slot> -X stream into an empty data dir,
# hot standby; never wipes data. Composed by components/data/render/pgSetup.ts after
# postgres-lib.sh; besides that file's inputs it reads:
#   PRIMARY_HOST PRIMARY_PORT REPL_USER SLOT PASSFILE   where and how to stream from
#   REPL_ENV REPL_FILE    variable holding the replication password, file read when it is unset
#   PG_CONF PG_HBA        rendered texts (render/pgConf.ts)
#   ADOPT                 1: run adopt_cluster (renderer's function) when MAIN_CONF is missing

# 1. replication password -> libpq passfile (escaped per libpq rules; never on a command line)
read_secret "$REPL_ENV" "$REPL_FILE"
pgpass_escape() { local s="${1//\\/\\\\}"; printf '%s' "${s//:/\\:}"; }
put_pg "$PASSFILE" 0600 < <(printf '%s:%s:replication:%s:%s\n' "$(pgpass_escape "$PRIMARY_HOST")" "$PRIMARY_PORT" "$(pgpass_escape "$REPL_USER")" "$(pgpass_escape "${!REPL_ENV}")")

# 2. base backup only into an empty data directory
if [ -f "$DATA_DIR/PG_VERSION" ]; then
  if [ ! -f "$DATA_DIR/standby.signal" ]; then
    log "refusing: $DATA_DIR holds a cluster that is not a standby (no standby.signal); not touching it"
    exit 2
  fi
  log "standby already initialised in $DATA_DIR: skipping pg_basebackup"
else
  if [ -d "$DATA_DIR" ] && [ -n "$(ls -A "$DATA_DIR")" ]; then
    log "refusing: $DATA_DIR is not empty and has no PG_VERSION"
    exit 2
  fi
  install -d -o "$PG_OS_USER" -g "$PG_OS_USER" -m 0700 "$DATA_DIR"
  log "pg_basebackup from $PRIMARY_HOST:$PRIMARY_PORT slot $SLOT"
  as_pg env PGPASSFILE="$PASSFILE" "$PG_BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U "$REPL_USER" -w \
    -D "$DATA_DIR" -R -S "$SLOT" -X stream --checkpoint=fast --progress
  conf_changed
  if [ "$ADOPT" = 1 ] && [ ! -f "$MAIN_CONF" ]; then
    for f in postgresql.conf pg_hba.conf pg_ident.conf; do
      [ -f "$DATA_DIR/$f" ] || install -o "$PG_OS_USER" -g "$PG_OS_USER" -m 0600 /dev/null "$DATA_DIR/$f"
    done
    adopt_cluster
  fi
fi
if [ -f "$DATA_DIR/recovery.conf" ]; then log "recovery.conf found: not supported since PostgreSQL 12"; exit 2; fi

# 3. configuration
install_config

# 4. running, in recovery, streaming from the slot
converge_running
in_recovery="$(psql_pg -At -c 'SELECT pg_is_in_recovery();')"
if [ "$in_recovery" != t ]; then log "server is not in recovery: not a standby"; exit 1; fi
log "replica converged (slot $SLOT)"
