#!/usr/bin/env bash
# shellcheck shell=bash
# restic check of this guest's repository, reported to the node_exporter textfile collector
# (restic_check_success, restic_check_last_run_timestamp_seconds, restic_check_duration_seconds).
# Rendered by components/monitoring/render/resticCheck.ts, which prepends the toolkit preamble and:
#   RESTIC         restic binary
#   TEXTFILE_DIR   node_exporter textfile-collector dir
#   READ_DATA_SUBSET  restic check --read-data-subset value ("" = structure only)
# The repository, its password file and the rest-server password file come from the restic
# agent's EnvironmentFile (/etc/restic/restic.env), never from this script.
export LC_ALL=C
: "${RESTIC_REPOSITORY:?RESTIC_REPOSITORY must be set (EnvironmentFile)}"

START_TS=$(date +%s)
write_metrics() {
  local f="$TEXTFILE_DIR/restic_check.prom" now
  now=$(date +%s)
  mkdir -p "$TEXTFILE_DIR"
  {
    echo '# HELP restic_check_success 1 if the last restic check succeeded.'
    echo '# TYPE restic_check_success gauge'
    echo "restic_check_success $(( STATUS == 0 ? 1 : 0 ))"
    echo '# HELP restic_check_last_run_timestamp_seconds End of the last restic check.'
    echo '# TYPE restic_check_last_run_timestamp_seconds gauge'
    echo "restic_check_last_run_timestamp_seconds $now"
    echo '# HELP restic_check_duration_seconds Duration of the last restic check.'
    echo '# TYPE restic_check_duration_seconds gauge'
    echo "restic_check_duration_seconds $(( now - START_TS ))"
  } >"$f.$$"
  chmod 0644 "$f.$$"
  mv -f "$f.$$" "$f"
}
STATUS=1
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

# rest-server credentials are spliced into the rest: URL at run time (URL-encoded with the library's urlencode), as the backup agent does.
if [ -n "${HOMELAB_REST_PASSWORD_FILE:-}" ] && [[ "$RESTIC_REPOSITORY" =~ ^rest:(https?)://([^/:@]+)@(.*)$ ]]; then
  REST_PW="$(urlencode "$(cat "$HOMELAB_REST_PASSWORD_FILE")")"
  RESTIC_REPOSITORY="rest:${BASH_REMATCH[1]}://${BASH_REMATCH[2]}:${REST_PW}@${BASH_REMATCH[3]}"
  unset REST_PW
  export RESTIC_REPOSITORY
fi

args=(check)
if [ -n "$READ_DATA_SUBSET" ]; then args+=(--read-data-subset "$READ_DATA_SUBSET"); fi
"$RESTIC" "${CACERT_ARGS[@]}" "${args[@]}"
