#!/usr/bin/env bash
# shellcheck shell=bash
# AdGuard Home from its upstream release (components/apps/adguard.ts renders the environment block): the
# binary checked against its pinned sha256 (or required to be there), the certificate of the site's
# internal CA for DoT/DoH (TLS_CERT_PEM, TLS_KEY_PEM on stdin), the admin's bcrypt hash made from
# ADGUARD_ADMIN_PASSWORD with `htpasswd -B` (password on stdin; kept while it still verifies, so a second
# run makes no new salt), AdGuardHome.yaml as rendered with that hash, its unit converged and the login
# page waited for. AdGuard Home rewrites its own file, so the rendered text is compared with the last one
# applied (a stamp), not with the live file. A second run changes nothing.
# Environment: ADGUARD_URL ADGUARD_SHA256 (empty: the binary must be installed) ADGUARD_HINT ADGUARD_DIR
# CONF CONF_TEXT HASH_PLACEHOLDER DNS_ADDRESS HEALTH_URL HEALTH_EXPECT HEALTH_TIMEOUT.

: "${ADGUARD_URL?}" "${ADGUARD_SHA256?}" "${ADGUARD_HINT?}" "${ADGUARD_DIR:?}" "${CONF:?}" "${CONF_TEXT:?}" "${HASH_PLACEHOLDER:?}"
: "${DNS_ADDRESS:?}" "${HEALTH_URL:?}" "${HEALTH_EXPECT:?}" "${HEALTH_TIMEOUT:?}"
require_env ADGUARD_ADMIN_PASSWORD TLS_CERT_PEM TLS_KEY_PEM
export DEBIAN_FRONTEND=noninteractive
ensure_packages ca-certificates curl apache2-utils
BIN="$ADGUARD_DIR/AdGuardHome"

# 1. The pinned release binary (stamp: the archive's sha256).
install -d -o root -g root -m 0700 "$ADGUARD_DIR" "$ADGUARD_DIR/tls"
stamp="$ADGUARD_DIR/.homelab-release.sha256"
if [ -n "$ADGUARD_URL" ]; then
  if [ "$(cat "$stamp" 2>/dev/null || true)" != "$ADGUARD_SHA256" ] || [ ! -x "$BIN" ]; then
    dl="$(mktemp -d)"
    fetch_verified "$ADGUARD_URL" "$ADGUARD_SHA256" "$dl/agh.tar.gz"
    tar -xzf "$dl/agh.tar.gz" -C "$dl"
    found="$(find "$dl" -type f -name AdGuardHome -perm -u+x | head -n 1)"
    [ -n "$found" ] || die "$ADGUARD_URL holds no AdGuardHome binary"
    install -m 0755 "$found" "$BIN"
    printf '%s\n' "$ADGUARD_SHA256" >"$stamp"
    rm -rf "$dl"
    log "installed AdGuard Home from $ADGUARD_URL"
    mark_changed
  fi
elif [ ! -x "$BIN" ]; then
  die "AdGuard Home is not installed: $ADGUARD_HINT"
fi

# 2. The certificate for DoT and DoH.
put "$ADGUARD_DIR/tls/cert.pem" 0600 root:root <<<"$TLS_CERT_PEM"
put "$ADGUARD_DIR/tls/key.pem" 0600 root:root <<<"$TLS_KEY_PEM"

# 3. The admin's bcrypt hash: kept while the password still verifies against it.
hashfile="$ADGUARD_DIR/.homelab-admin.htpasswd"
if ! htpasswd -vi "$hashfile" admin <<<"$ADGUARD_ADMIN_PASSWORD" >/dev/null 2>&1; then
  put "$hashfile" 0600 root:root < <(htpasswd -niBC 10 admin <<<"$ADGUARD_ADMIN_PASSWORD" | sed -n 1p)
fi
hash="$(sed -n 's/^admin://p' "$hashfile")"
[[ "$hash" == \$2* ]] || die "no bcrypt hash for the AdGuard Home admin"

# 4. AdGuardHome.yaml: applied when the rendering (or the hash) changed, or the file is missing.
put "$ADGUARD_DIR/.homelab-applied.yaml" 0600 root:root < <(printf '%s' "${CONF_TEXT//$HASH_PLACEHOLDER/$hash}")
if put_changed || [ ! -s "$CONF" ]; then
  install -m 0600 "$ADGUARD_DIR/.homelab-applied.yaml" "$CONF"
  mark_changed
fi

# 5. The unit (root: it binds 53, 443 and 853 on the service address), then the login page.
put /etc/systemd/system/AdGuardHome.service 0644 root:root <<UNIT
[Unit]
Description=AdGuard Home DNS (managed by homelab, components/apps/adguard.ts)
Wants=network-online.target
After=network-online.target

[Service]
ExecStart=$BIN --no-check-update -c $CONF -w $ADGUARD_DIR
WorkingDirectory=$ADGUARD_DIR
Restart=always
RestartSec=5

[Install]
WantedBy=multi-user.target
UNIT
if changed; then systemctl daemon-reload; fi
converge_units AdGuardHome.service
healthy() {
  local body
  body="$(curl -fsS --max-time 5 "$HEALTH_URL" 2>/dev/null)" && [[ "$body" == *"$HEALTH_EXPECT"* ]]
}
WAIT_TIMEOUT="$HEALTH_TIMEOUT" WAIT_HINT="journalctl -u AdGuardHome" wait_until "AdGuard Home answers $HEALTH_URL" healthy
log "DNS on $DNS_ADDRESS:53"
