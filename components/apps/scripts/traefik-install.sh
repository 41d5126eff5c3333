#!/usr/bin/env bash
# shellcheck shell=bash
# Traefik v3 from its upstream release (components/apps/traefik.ts renders the environment block): the
# binary checked against its pinned sha256 (or required to be there), a `traefik` system user allowed to
# bind 80/443 (AmbientCapabilities), the static and dynamic configuration as rendered, the certificate of
# the site's internal CA (TLS_CERT_PEM, TLS_KEY_PEM, TLS_CA_PEM on stdin), the unit converged and /ping
# waited for. The file provider watches the dynamic file, so a changed route needs no restart; a changed
# static file, binary or certificate restarts Traefik. A second run changes nothing.
# Environment: TRAEFIK_URL TRAEFIK_SHA256 (empty: the binary must be installed) TRAEFIK_HINT TRAEFIK_BIN
# CONF CONF_TEXT DYNAMIC DYNAMIC_TEXT TLS_DIR HEALTH_URL HEALTH_EXPECT HEALTH_TIMEOUT.

: "${TRAEFIK_URL?}" "${TRAEFIK_SHA256?}" "${TRAEFIK_HINT?}" "${TRAEFIK_BIN:?}" "${CONF:?}" "${CONF_TEXT:?}" "${DYNAMIC:?}" "${DYNAMIC_TEXT:?}"
: "${TLS_DIR:?}" "${HEALTH_URL:?}" "${HEALTH_EXPECT:?}" "${HEALTH_TIMEOUT:?}"
require_env TLS_CERT_PEM TLS_KEY_PEM TLS_CA_PEM
export DEBIAN_FRONTEND=noninteractive
ensure_packages ca-certificates curl

# 1. The pinned release binary (stamp: the archive's sha256 next to the binary).
stamp="$TRAEFIK_BIN.sha256"
if [ -n "$TRAEFIK_URL" ]; then
  if [ "$(cat "$stamp" 2>/dev/null || true)" != "$TRAEFIK_SHA256" ] || [ ! -x "$TRAEFIK_BIN" ]; then
    dl="$(mktemp -d)"
    fetch_verified "$TRAEFIK_URL" "$TRAEFIK_SHA256" "$dl/traefik.tar.gz"
    tar -xzf "$dl/traefik.tar.gz" -C "$dl" traefik
    install -m 0755 "$dl/traefik" "$TRAEFIK_BIN"
    printf '%s\n' "$TRAEFIK_SHA256" >"$stamp"
    rm -rf "$dl"
    log "installed traefik from $TRAEFIK_URL"
    mark_changed
  fi
elif [ ! -x "$TRAEFIK_BIN" ]; then
  die "traefik is not installed: $TRAEFIK_HINT"
fi

# 2. Its user and files: the key readable by traefik only.
id traefik >/dev/null 2>&1 || useradd --system --home-dir /etc/traefik --shell /usr/sbin/nologin traefik
install -d -o root -g traefik -m 0750 /etc/traefik "$(dirname "$DYNAMIC")" "$TLS_DIR"
put "$TLS_DIR/cert.pem" 0644 root:root <<<"$TLS_CERT_PEM"
put "$TLS_DIR/ca.pem" 0644 root:root <<<"$TLS_CA_PEM"
put "$TLS_DIR/key.pem" 0640 root:traefik <<<"$TLS_KEY_PEM"
put "$CONF" 0640 root:traefik < <(printf '%s' "$CONF_TEXT")
put /etc/systemd/system/traefik.service 0644 root:root <<UNIT
[Unit]
Description=Traefik reverse proxy (managed by homelab, components/apps/traefik.ts)
Wants=network-online.target
After=network-online.target

[Service]
User=traefik
Group=traefik
ExecStart=$TRAEFIK_BIN --configfile=$CONF
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true
Restart=on-failure
RestartSec=3

[Install]
WantedBy=multi-user.target
UNIT
if changed; then systemctl daemon-reload; fi
converge_units traefik.service

# 3. The routes, after the (re)start: the file provider watches them (watch: true), no restart needed.
put "$DYNAMIC" 0640 root:traefik < <(printf '%s' "$DYNAMIC_TEXT")

healthy() {
  local body
  body="$(curl -fsS --max-time 5 "$HEALTH_URL" 2>/dev/null)" && [[ "$body" == *"$HEALTH_EXPECT"* ]]
}
WAIT_TIMEOUT="$HEALTH_TIMEOUT" WAIT_HINT="journalctl -u traefik" wait_until "traefik answers $HEALTH_URL" healthy
