#!/usr/bin/env bash
# shellcheck shell=bash
# PostgreSQL helpers shared by postgres-primary.sh and postgres-replica.sh (composed by
# components/data/render/pgSetup.ts after the toolkit library and the environment block):
#   PG_BIN DATA_DIR MAIN_CONF CONF_PATH HBA_PATH SOCKET_DIR PG_PORT PG_OS_USER READY_TIMEOUT
#   as_pg / pg_start / pg_restart   functions defined by the renderer (host-specific commands)

is_ready() { "$PG_BIN/pg_isready" -q -h "$SOCKET_DIR" -p "$PG_PORT"; }
wait_ready() {
  local i
  for ((i = 0; i < READY_TIMEOUT; i++)); do
    if is_ready; then return 0; fi
    sleep 1
  done
  log "server on port $PG_PORT did not become ready in ${READY_TIMEOUT}s"
  return 1
}
psql_pg() { as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -p "$PG_PORT" -U "$PG_OS_USER" -d postgres "$@"; }

# put_pg DEST MODE: put stdin as DEST, owned by the cluster's OS user.
put_pg() { put "$1" "$2" "$PG_OS_USER:$PG_OS_USER"; }

# read_secret VAR FILE: keep VAR if already set in the environment, else read it from FILE.
read_secret() {
  local var="$1" file="$2"
  if [ -z "${!var:-}" ]; then
    if [ ! -r "$file" ]; then log "secret $var not set and $file not readable"; exit 1; fi
    printf -v "$var" '%s' "$(cat "$file")"
  fi
  export "${var?}"
}

ensure_include_dir() {
  local inc
  inc="$(basename "$(dirname "$CONF_PATH")")"
  if ! grep -Eq "^[[:space:]]*include_dir[[:space:]]*=[[:space:]]*'${inc}'" "$MAIN_CONF"; then
    printf "include_dir = '%s'\n" "$inc" >>"$MAIN_CONF"
    log "added include_dir '$inc' to $MAIN_CONF"
    CONF_CHANGED=1
  fi
  install -d -o "$PG_OS_USER" -g "$PG_OS_USER" -m 0755 "$(dirname "$CONF_PATH")"
}

# conf_changed: the settings changed outside install_config (a fresh base backup).
conf_changed() { CONF_CHANGED=1; }

# converge_running: start if down, restart on conf change, reload on hba change.
converge_running() {
  if ! is_ready; then
    log "starting cluster"
    pg_start
  elif [ "$CONF_CHANGED" = 1 ]; then
    log "settings changed: restarting cluster"
    pg_restart
  elif [ "$HBA_CHANGED" = 1 ]; then
    log "pg_hba changed: reloading"
    wait_ready
    psql_pg -c 'SELECT pg_reload_conf();' >/dev/null
  fi
  wait_ready
}

# install_config: postgresql.conf include ($PG_CONF) and pg_hba.conf ($PG_HBA); sets the flags.
install_config() {
  ensure_include_dir
  put_pg "$CONF_PATH" 0644 <<<"$PG_CONF"
  if put_changed; then CONF_CHANGED=1; fi
  put_pg "$HBA_PATH" 0640 <<<"$PG_HBA"
  if put_changed; then HBA_CHANGED=1; fi
}

CONF_CHANGED=0
HBA_CHANGED=0
