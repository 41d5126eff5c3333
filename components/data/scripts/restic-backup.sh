#!/usr/bin/env bash
# shellcheck shell=bash
# restic backup agent: dumps -> idempotent init -> backup -> forget --prune -> metrics.
# A failed dump is recorded (homelab_backup_dump_success 0), the rest is still backed up (the
# previous dump of that database stays), and the run fails (exit 4) so systemd and the metrics show it.
# Rendered by components/data/render/resticAgent.ts, which prepends the toolkit preamble and:
#   RESTIC            restic binary
#   HOST_TAG          --host and --tag on backup; scopes forget
#   BACKUP_PATHS=()   paths to back up (the dump dir included when dumps are configured)
#   EXCLUDES=()       --exclude patterns
#   TEXTFILE_DIR      node_exporter textfile-collector dir ("" = no metrics)
#   KEEP_DAILY KEEP_WEEKLY KEEP_MONTHLY   retention of restic forget --prune
#   DUMP_DIR          dump directory ("" = no database dumps)
#   DUMP_DATABASES=() databases dumped with pg_dump_cmd --format=custom
#   DUMP_GLOBALS      1: pg_dumpall_cmd --globals-only (roles) as well
#   pg_dump_cmd / pg_dumpall_cmd   functions defined by the renderer when dumps are configured
#   PRE_BACKUP_COUNT  number of pre_backup_<n> functions (the app's own export, run first)
# Secrets come from files named in the environment (RESTIC_PASSWORD_FILE,
# HOMELAB_REST_PASSWORD_FILE, HOMELAB_S3_SECRET_FILE; systemd EnvironmentFile), never from this script.
export LC_ALL=C

: "${RESTIC_REPOSITORY:?RESTIC_REPOSITORY must be set (EnvironmentFile)}"
: "${RESTIC_PASSWORD_FILE:?RESTIC_PASSWORD_FILE must be set (EnvironmentFile)}"

START_TS=$(date +%s)
BACKUP_RC=-1
STATUS=1
DUMP_FAILED=()
declare -A DUMP_OK=()
PRE_FAILED=()
# dump_metrics FILE NOW: per-database dump gauges; a failed database keeps its previous last-success time.
dump_metrics() {
  local f="$1" now="$2" db prev
  [ "${#DUMP_OK[@]}" -gt 0 ] || return 0
  echo '# HELP homelab_backup_dump_success 1 if the last dump of the database succeeded.'
  echo '# TYPE homelab_backup_dump_success gauge'
  for db in "${DUMP_DATABASES[@]}"; do
    [ -n "${DUMP_OK[$db]:-}" ] && echo "homelab_backup_dump_success{host=\"$HOST_TAG\",database=\"$db\"} ${DUMP_OK[$db]}"
  done
  echo '# HELP homelab_backup_dump_last_success_timestamp_seconds End of the last successful dump of the database.'
  echo '# TYPE homelab_backup_dump_last_success_timestamp_seconds gauge'
  for db in "${DUMP_DATABASES[@]}"; do
    if [ "${DUMP_OK[$db]:-0}" = 1 ]; then
      echo "homelab_backup_dump_last_success_timestamp_seconds{host=\"$HOST_TAG\",database=\"$db\"} $now"
    else
      prev="$(sed -n "s/^homelab_backup_dump_last_success_timestamp_seconds{host=\"$HOST_TAG\",database=\"$db\"} //p" "$f" 2>/dev/null || true)"
      if [ -n "$prev" ]; then echo "homelab_backup_dump_last_success_timestamp_seconds{host=\"$HOST_TAG\",database=\"$db\"} $prev"; fi
    fi
  done
}
write_metrics() {
  [ -n "$TEXTFILE_DIR" ] || return 0
  local f="$TEXTFILE_DIR/restic_backup.prom" now
  now=$(date +%s)
  mkdir -p "$TEXTFILE_DIR"
  {
    dump_metrics "$f" "$now"
    if [ "${PRE_BACKUP_COUNT:-0}" -gt 0 ]; then
      echo '# HELP homelab_backup_pre_success 1 if every pre-backup command of the last run succeeded.'
      echo '# TYPE homelab_backup_pre_success gauge'
      echo "homelab_backup_pre_success{host=\"$HOST_TAG\"} $(( ${#PRE_FAILED[@]} == 0 ? 1 : 0 ))"
    fi
    echo '# HELP restic_backup_last_run_timestamp_seconds End of the last agent run.'
    echo '# TYPE restic_backup_last_run_timestamp_seconds gauge'
    echo "restic_backup_last_run_timestamp_seconds{host=\"$HOST_TAG\"} $now"
    echo '# HELP restic_backup_success 1 if the last agent run succeeded.'
    echo '# TYPE restic_backup_success gauge'
    echo "restic_backup_success{host=\"$HOST_TAG\"} $(( STATUS == 0 ? 1 : 0 ))"
    echo '# HELP restic_backup_exit_code Exit code of the last restic backup (-1 = not reached).'
    echo '# TYPE restic_backup_exit_code gauge'
    echo "restic_backup_exit_code{host=\"$HOST_TAG\"} $BACKUP_RC"
    echo '# HELP restic_backup_duration_seconds Duration of the last agent run.'
    echo '# TYPE restic_backup_duration_seconds gauge'
    echo "restic_backup_duration_seconds{host=\"$HOST_TAG\"} $(( now - START_TS ))"
    if [ -n "${SNAPSHOTS:-}" ]; then
      echo '# HELP restic_snapshots_total Snapshots of this host in the repository after forget.'
      echo '# TYPE restic_snapshots_total gauge'
      echo "restic_snapshots_total{host=\"$HOST_TAG\"} $SNAPSHOTS"
    fi
    if [ "$STATUS" = 0 ]; then
      echo '# HELP restic_backup_last_success_timestamp_seconds End of the last successful run.'
      echo '# TYPE restic_backup_last_success_timestamp_seconds gauge'
      echo "restic_backup_last_success_timestamp_seconds{host=\"$HOST_TAG\"} $now"
    fi
  } >"$f.$$"
  chmod 0644 "$f.$$"
  mv -f "$f.$$" "$f"
}
on_exit() { STATUS=$?; write_metrics || true; exit "$STATUS"; }
trap on_exit EXIT

# restic 0.14 (Debian 12) reads no RESTIC_CACERT (that arrived in 0.16.0): pass it as --cacert.
CACERT_ARGS=()
if [ -n "${RESTIC_CACERT:-}" ]; then CACERT_ARGS=(--cacert "$RESTIC_CACERT"); fi
# S3 target: the secret key comes from a root-only file named in the environment, never the env file itself.
if [ -n "${HOMELAB_S3_SECRET_FILE:-}" ]; then
  AWS_SECRET_ACCESS_KEY="$(cat "$HOMELAB_S3_SECRET_FILE")"
  export AWS_SECRET_ACCESS_KEY
fi

# rest-server credentials: splice user:password into the rest: URL at run time (URL-encoded with the library's urlencode).
if [ -n "${HOMELAB_REST_PASSWORD_FILE:-}" ] && [[ "$RESTIC_REPOSITORY" =~ ^rest:(https?)://([^/:@]+)@(.*)$ ]]; then
  REST_PW="$(cat "$HOMELAB_REST_PASSWORD_FILE")"
  RESTIC_REPOSITORY="rest:${BASH_REMATCH[1]}://${BASH_REMATCH[2]}:$(urlencode "$REST_PW")@${BASH_REMATCH[3]}"
  unset REST_PW
  export RESTIC_REPOSITORY
fi

# 0. the app's pre-backup commands (its own export), in order; a failure is recorded and fails the run
for ((i = 1; i <= ${PRE_BACKUP_COUNT:-0}; i++)); do
  log "pre-backup command $i"
  if ! "pre_backup_$i"; then
    log "pre-backup command $i FAILED: the run will fail"
    PRE_FAILED+=("$i")
  fi
done

# 1. database dumps (written atomically; the dump dir is part of BACKUP_PATHS)
if [ -n "$DUMP_DIR" ]; then
  install -d -m 0700 "$DUMP_DIR"
  for db in "${DUMP_DATABASES[@]}"; do
    log "pg_dump $db"
    if pg_dump_cmd --format=custom --dbname="$db" >"$DUMP_DIR/$db.dump.tmp"; then
      mv -f "$DUMP_DIR/$db.dump.tmp" "$DUMP_DIR/$db.dump"
      DUMP_OK[$db]=1
    else
      rm -f "$DUMP_DIR/$db.dump.tmp"
      log "pg_dump $db FAILED: keeping its previous dump; the run will fail"
      DUMP_OK[$db]=0
      DUMP_FAILED+=("$db")
    fi
  done
  if [ "$DUMP_GLOBALS" = 1 ]; then
    pg_dumpall_cmd --globals-only >"$DUMP_DIR/globals.sql.tmp"
    mv -f "$DUMP_DIR/globals.sql.tmp" "$DUMP_DIR/globals.sql"
  fi
fi

# 2. repository init only when it does not exist yet
if "$RESTIC" "${CACERT_ARGS[@]}" cat config >/dev/null 2>&1; then
  log "repository exists"
else
  log "initialising repository"
  "$RESTIC" "${CACERT_ARGS[@]}" init
fi

# 3. backup (exit 3 = snapshot created but some files unreadable: keep going, fail at the end)
EXCLUDE_ARGS=()
for e in "${EXCLUDES[@]}"; do EXCLUDE_ARGS+=(--exclude "$e"); done
BACKUP_RC=0
"$RESTIC" "${CACERT_ARGS[@]}" backup --host "$HOST_TAG" --tag homelab --tag "$HOST_TAG" "${EXCLUDE_ARGS[@]}" "${BACKUP_PATHS[@]}" || BACKUP_RC=$?
if [ "$BACKUP_RC" != 0 ] && [ "$BACKUP_RC" != 3 ]; then log "restic backup failed ($BACKUP_RC)"; exit "$BACKUP_RC"; fi

# 4. retention
"$RESTIC" "${CACERT_ARGS[@]}" forget --host "$HOST_TAG" --keep-daily "$KEEP_DAILY" --keep-weekly "$KEEP_WEEKLY" --keep-monthly "$KEEP_MONTHLY" --prune
SNAPSHOTS="$("$RESTIC" "${CACERT_ARGS[@]}" snapshots --host "$HOST_TAG" --json | { grep -o '"short_id"' || true; } | wc -l)"

if [ "$BACKUP_RC" = 3 ]; then log "backup incomplete: some files could not be read"; exit 3; fi
if [ "${#DUMP_FAILED[@]}" -gt 0 ]; then log "database dumps failed: ${DUMP_FAILED[*]}"; exit 4; fi
if [ "${#PRE_FAILED[@]}" -gt 0 ]; then log "pre-backup commands failed: ${PRE_FAILED[*]}"; exit 5; fi
log "done"
