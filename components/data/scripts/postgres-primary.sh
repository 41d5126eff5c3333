#!/usr/bin/env bash
# shellcheck shell=bash
# PostgreSQL 15 primary: config, hba, roles, databases, slots, pgBackRest stanza. Idempotent:
# re-running converges, never wipes data. Composed by components/data/render/pgSetup.ts after
# postgres-lib.sh; besides that file's inputs it reads:
#   SECRET_VARS=() SECRET_FILES=()  password variables and the root-only files read when unset
#   PG_CONF PG_HBA INIT_SQL         rendered texts (render/pgConf.ts, render/pgSql.ts)
#   create_cluster                  function: creates the cluster when PG_VERSION is missing
#   PGBR                            1: pgBackRest (then PGBR_CONF PGBR_CONF_TEXT PGBR_LOG_PATH
#                                   PGBR_POSIX_PATH PGBR_REPO_TYPE PGBR_CRED PGBR_CA_ENV PGBR_CA_FILE
#                                   STANZA PGBR_CHECK PGBR_INITIAL_FULL PGBR_UNIT_DIR PGBR_UNIT_NAMES=()
#                                   PGBR_UNIT_TEXTS=() and the functions pgbr_enable_timers, pgbr_timers_enabled)

# 1. secrets (from the environment or root-only files; never part of this script)
for i in "${!SECRET_VARS[@]}"; do read_secret "${SECRET_VARS[$i]}" "${SECRET_FILES[$i]}"; done

# 2. cluster exists (never re-initialised when PG_VERSION is present)
if [ ! -f "$DATA_DIR/PG_VERSION" ]; then
  log "no cluster in $DATA_DIR: creating"
  create_cluster
fi

# 3. configuration
install_config

# 4. pgBackRest config (before start: archive_command needs it)
if [ "$PGBR" = 1 ]; then
  if [ -n "$PGBR_CA_ENV" ]; then
    # the S3 endpoint's CA (public; arrives with the secrets)
    install -d -m 0755 "$(dirname "$PGBR_CA_FILE")"
    put_env "$PGBR_CA_ENV" "$PGBR_CA_FILE" 0644 root:root
  fi
  put_pg "$PGBR_CONF" 0640 <<<"$PGBR_CONF_TEXT"
  install -d -o "$PG_OS_USER" -g "$PG_OS_USER" -m 0750 "$PGBR_LOG_PATH"
  if [ -n "$PGBR_POSIX_PATH" ]; then install -d -o "$PG_OS_USER" -g "$PG_OS_USER" -m 0750 "$PGBR_POSIX_PATH"; fi
  if [ "$PGBR_REPO_TYPE" = s3 ]; then
    # S3 credentials: written from the environment only when provided (root+postgres readable, 0640).
    if [ -n "${PGBACKREST_REPO1_S3_KEY:-}" ] && [ -n "${PGBACKREST_REPO1_S3_KEY_SECRET:-}" ]; then
      put_pg "$PGBR_CRED" 0640 < <(printf '[global]\nrepo1-s3-key=%s\nrepo1-s3-key-secret=%s\n' "$PGBACKREST_REPO1_S3_KEY" "$PGBACKREST_REPO1_S3_KEY_SECRET")
    elif [ ! -f "$PGBR_CRED" ]; then
      log "warning: no S3 credentials (set PGBACKREST_REPO1_S3_KEY/_SECRET or provide $PGBR_CRED); WAL archiving will fail"
    fi
  fi
fi

# 5. running with the current settings
converge_running

# 6. roles, databases, slots (idempotent SQL; passwords via psql \getenv)
psql_pg <<<"$INIT_SQL"

# 7. pgBackRest stanza (stanza-create is a no-op when the stanza already matches)
if [ "$PGBR" = 1 ]; then
  as_pg pgbackrest --config="$PGBR_CONF" --stanza="$STANZA" stanza-create
  if [ "$PGBR_CHECK" = 1 ]; then as_pg pgbackrest --config="$PGBR_CONF" --stanza="$STANZA" check; fi
  # 8. a base backup from the start: point-in-time recovery needs one (the timers take the next ones)
  if [ "$PGBR_INITIAL_FULL" = 1 ] && as_pg pgbackrest --config="$PGBR_CONF" --stanza="$STANZA" --output=json info | grep -q '"backup":\[\]'; then
    log "no backup in the repository yet: taking a full backup"
    as_pg pgbackrest --config="$PGBR_CONF" --stanza="$STANZA" --type=full backup
  fi
  # 9. weekly full + daily differential backups (systemd timers; retention in pgbackrest.conf)
  if [ -n "$PGBR_UNIT_DIR" ]; then
    UNITS_CHANGED=0
    for i in "${!PGBR_UNIT_NAMES[@]}"; do
      put "$PGBR_UNIT_DIR/${PGBR_UNIT_NAMES[$i]}" 0644 root:root <<<"${PGBR_UNIT_TEXTS[$i]}"
      if put_changed; then UNITS_CHANGED=1; fi
    done
    if [ "$UNITS_CHANGED" = 1 ] || ! pgbr_timers_enabled; then
      log "enabling the pgBackRest backup timers"
      pgbr_enable_timers
    fi
  fi
fi

log "primary converged"
