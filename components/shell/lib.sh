# shellcheck shell=bash
# homelab shell library: inlined by components/shell (shellScript) into every generated setup
# script, right after `set -euo pipefail`. Functions only, plus the change flags they maintain.
# Secrets reach a script only in its environment (the Command's stdin), never in its text: the
# functions below take variable *names* and read values with ${!name}, never through argv.

CHANGED=0
PUT_CHANGED=0

# log MESSAGE...: one line on stderr, prefixed with [$LOG_TAG] (default "homelab").
log() { printf '[%s] %s\n' "${LOG_TAG:-homelab}" "$*" >&2; }

# die MESSAGE...: log the message and exit 1.
die() {
  log "$*"
  exit 1
}

# changed: true when a put (or mark_changed) changed something in this run.
changed() { [ "$CHANGED" = 1 ]; }

# mark_changed: record a change made outside put (a package, an image, a binary).
mark_changed() { CHANGED=1; }

# put_changed: true when the last put changed its file.
put_changed() { [ "$PUT_CHANGED" = 1 ]; }

# put DEST MODE OWNER: install stdin as DEST (mode MODE, owner user:group OWNER) only when the
# content differs. On a change sets CHANGED=1 and PUT_CHANGED=1; otherwise PUT_CHANGED=0.
# Always returns 0. Run it in the current shell (stdin from a heredoc or a here-string, not as
# the right side of a pipe) so that the flags survive.
put() {
  local dest="$1" mode="$2" owner="$3" tmp
  tmp="$(umask 077 && mktemp)"
  cat >"$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    PUT_CHANGED=0
    return 0
  fi
  install -D -o "${owner%%:*}" -g "${owner##*:}" -m "$mode" "$tmp" "$dest"
  rm -f "$tmp"
  log "updated $dest"
  PUT_CHANGED=1
  CHANGED=1
}

# require_env VAR...: exit 1 unless every named variable is set and non-empty.
require_env() {
  local v
  for v in "$@"; do
    if [ -z "${!v:-}" ]; then die "missing $v (it arrives on the command's stdin)"; fi
  done
}

# put_env VAR DEST MODE OWNER: put the value of $VAR (plus a newline) as DEST.
put_env() {
  require_env "$1"
  put "$2" "$3" "$4" <<<"${!1}"
}

# put_env_file DEST VAR...: root-only KEY=VALUE file (systemd EnvironmentFile / podman --env-file)
# from the named variables; refuses values with a newline, a double quote or a backslash.
put_env_file() {
  local dest="$1" var content=""
  shift
  for var in "$@"; do
    require_env "$var"
    case "${!var}" in
      *$'\n'* | *'"'* | *\\*) die "$var contains a newline, quote or backslash" ;;
    esac
    content+="$var=${!var}"$'\n'
  done
  put "$dest" 0600 root:root <<<"${content%$'\n'}"
}

# require_bin PATH HINT: exit 1 with HINT unless PATH is an executable.
require_bin() {
  if [ ! -x "$1" ]; then die "missing $1: $2"; fi
}

# trust_ca VAR: install the PEM in $VAR (when set) as the homelab CA in the system trust store.
trust_ca() {
  if [ -z "${!1:-}" ]; then return 0; fi
  put /usr/local/share/ca-certificates/homelab-ca.crt 0644 root:root <<<"${!1}"
  if put_changed; then update-ca-certificates >/dev/null; fi
}

# apt-get, one at a time per guest: the program runs several commands on one guest at once (Prometheus,
# Grafana, Alloy and exporters share a guest), and apt-get stops at once when another holds dpkg's lock.
# Every script of the toolkit takes this lock around apt-get (flock from util-linux, waiting at most 10
# minutes), so they queue instead of failing. HOMELAB_APT_LOCK moves the lock file (tests).
apt-get() { flock -w 600 "${HOMELAB_APT_LOCK:-/run/lock/homelab-apt.lock}" apt-get "$@"; }

# ensure_packages PKG...: apt-get install the packages dpkg does not list as installed.
ensure_packages() {
  local p missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  fi
}

# fetch_verified URL SHA256 DEST: download URL to DEST and stop unless DEST's sha256 is SHA256. It makes
# sure curl is there first (Debian's standard LXC template has none), so a call needs no guard of its own.
fetch_verified() {
  command -v curl >/dev/null 2>&1 || ensure_packages curl ca-certificates
  curl -fsSL --retry 3 -o "$3" "$1"
  echo "$2  $3" | sha256sum -c --quiet -
}

# converge_units UNIT...: enable each unit; restart it when something changed, else start it.
converge_units() {
  local u
  for u in "$@"; do
    systemctl enable "$u" >/dev/null
    if changed; then systemctl restart "$u"; else systemctl start "$u"; fi
  done
}

# urlencode TEXT: TEXT percent-encoded for a URL (RFC 3986 unreserved characters kept).
urlencode() {
  local s="$1" out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    case "$c" in
      [a-zA-Z0-9.~_-]) out+="$c" ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}

# wait_until WHAT COMMAND...: run COMMAND until it succeeds, every WAIT_INTERVAL seconds (default 2), and
# log WHAT; die naming WHAT once the shell's SECONDS reaches WAIT_DEADLINE (default: WAIT_TIMEOUT seconds,
# default 300, from the call). WAIT_HINT, when set, is added to that message (where to look).
wait_until() {
  local what="$1" start="$SECONDS" deadline
  deadline="${WAIT_DEADLINE:-$((SECONDS + ${WAIT_TIMEOUT:-300}))}"
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || die "$what: not reached within $((SECONDS - start))s${WAIT_HINT:+ ($WAIT_HINT)}"
    sleep "${WAIT_INTERVAL:-2}"
  done
  log "$what"
}
