#!/usr/bin/env bash
# shellcheck shell=bash
# Redis from Debian 12 (components/apps/redis.ts renders the environment block): the package, the data
# directory, redis.conf as rendered, the password file it includes (from REDIS_PASSWORD on stdin,
# root:redis 0640, never in the rendered text), the unit converged and the server waited for: it must
# answer PING with the password and refuse it without. A second run changes nothing and restarts nothing.
# Environment: CONF CONF_TEXT AUTH_CONF DATA_DIR REDIS_PORT HEALTH_TIMEOUT; secret REDIS_PASSWORD.

: "${CONF:?}" "${CONF_TEXT:?}" "${AUTH_CONF:?}" "${DATA_DIR:?}" "${REDIS_PORT:?}" "${HEALTH_TIMEOUT:?}"
require_env REDIS_PASSWORD
case "$REDIS_PASSWORD" in
  *[!A-Za-z0-9]*) die "REDIS_PASSWORD must be letters and digits (it is written unquoted into $AUTH_CONF)" ;;
esac
export DEBIAN_FRONTEND=noninteractive

# 1. Debian's redis-server (bookworm: 7.0).
ensure_packages redis-server redis-tools
version="$(redis-server --version)"
[[ "$version" == *" v=7."* ]] || die "expected Redis 7 from Debian 12, found: $version"

# 2. The data directory (the data mount when persistence is on; Debian's default dir otherwise).
install -d -o redis -g redis -m 0750 "$DATA_DIR"

# 3. The password file, then redis.conf, which includes it last (put runs in this shell so its flag
# reaches converge_units; printf is a builtin, the password is in no argv).
put "$AUTH_CONF" 0640 root:redis < <(printf 'requirepass %s\n' "$REDIS_PASSWORD")
put "$CONF" 0640 root:redis < <(printf '%s' "$CONF_TEXT")

# 4. The service, restarted only when a file changed; then PING with and without the password.
converge_units redis-server.service
ping_auth() { [ "$(REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" PING 2>/dev/null)" = PONG ]; }
WAIT_TIMEOUT="$HEALTH_TIMEOUT" WAIT_HINT="journalctl -u redis-server" wait_until "redis answers PING with its password" ping_auth
if [ "$(env -u REDISCLI_AUTH redis-cli -h 127.0.0.1 -p "$REDIS_PORT" PING 2>&1)" = PONG ]; then
  die "redis answers without a password: $AUTH_CONF is not in effect"
fi
log "redis refuses unauthenticated clients"
