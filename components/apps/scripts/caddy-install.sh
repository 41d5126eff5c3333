#!/usr/bin/env bash
# shellcheck shell=bash
# Caddy as the site's reverse proxy (components/apps/reverseProxy.ts renders the environment block):
# Debian's caddy, the certificate chain and key of the internal CA from stdin, the rendered Caddyfile
# checked by `caddy validate` before it replaces the running one, then the health check. A second run
# writes nothing and restarts nothing.
# Environment: CADDYFILE CADDYFILE_TEXT TLS_DIR HEALTH_URL HEALTH_EXPECT HEALTH_TIMEOUT; TLS_CERT_PEM and
# TLS_KEY_PEM arrive on stdin.

: "${CADDYFILE:?}" "${CADDYFILE_TEXT:?}" "${TLS_DIR:?}" "${HEALTH_URL:?}" "${HEALTH_EXPECT:?}" "${HEALTH_TIMEOUT:?}"
require_env TLS_CERT_PEM
require_env TLS_KEY_PEM

ensure_packages caddy curl ca-certificates

install -d -m 0750 -o root -g caddy "$TLS_DIR"
put "$TLS_DIR/cert.pem" 0644 root:caddy <<<"$TLS_CERT_PEM"
put "$TLS_DIR/key.pem" 0640 root:caddy <<<"$TLS_KEY_PEM"

# The new Caddyfile must validate before it is put in place.
staged="$(mktemp)"
printf '%s\n' "$CADDYFILE_TEXT" >"$staged"
caddy validate --config "$staged" --adapter caddyfile >/dev/null 2>&1 || { caddy validate --config "$staged" --adapter caddyfile; die "the rendered Caddyfile does not validate"; }
rm -f "$staged"
put "$CADDYFILE" 0644 root:root <<<"$CADDYFILE_TEXT"

converge_units caddy.service
healthy() {
  local body
  body="$(curl -fsS --max-time 5 "$HEALTH_URL" 2>/dev/null)" && [[ "$body" == *"$HEALTH_EXPECT"* ]]
}
WAIT_TIMEOUT="$HEALTH_TIMEOUT" WAIT_HINT="journalctl -u caddy.service" wait_until "caddy healthy at $HEALTH_URL" healthy
