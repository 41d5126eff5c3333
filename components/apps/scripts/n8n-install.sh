#!/usr/bin/env bash
# shellcheck shell=bash
# n8n on its guest (components/apps/n8n.ts renders the environment block): Node.js of one pinned
# release (sha256-checked), n8n from its npm tarball checked against the registry's dist.integrity,
# installed under /opt/n8n; the `n8n` user (home on the data mount), the rendered settings, a root-only
# env file with the run-time values (the primary's connection, the encryption key, the OIDC client),
# the unit and the health check. A second run changes nothing; a changed setting restarts n8n.
# Environment: NODE_URL NODE_SHA256 NODE_VERSION, N8N_TARBALL N8N_INTEGRITY N8N_VERSION, DATA_DIR,
# SETTINGS_TEXT, UNIT_TEXT, HEALTH_URL, DB (1: a database on the organisation's primary, 0: SQLite),
# OIDC (1: the client's settings are written), OIDC_LOGIN (1: licensed).
# Stdin: N8N_ENCRYPTION_KEY; with DB: DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD; with OIDC: OIDC_ISSUER
# OIDC_CLIENT_SECRET OIDC_CA_PEM.

: "${NODE_URL:?}" "${NODE_SHA256:?}" "${NODE_VERSION:?}" "${N8N_TARBALL:?}" "${N8N_INTEGRITY:?}" "${N8N_VERSION:?}"
: "${DATA_DIR:?}" "${SETTINGS_TEXT:?}" "${UNIT_TEXT:?}" "${HEALTH_URL:?}" "${DB:?}" "${OIDC:?}" "${OIDC_LOGIN:?}"
require_env N8N_ENCRYPTION_KEY
if [ "$DB" = 1 ]; then require_env DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD; fi
if [ "$OIDC" = 1 ]; then require_env OIDC_ISSUER OIDC_CLIENT_SECRET OIDC_CA_PEM; fi
export DEBIAN_FRONTEND=noninteractive
ensure_packages curl ca-certificates xz-utils openssl

# 1. Node.js (n8n's engines need a newer one than Debian 12's), unpacked under /opt/node.
if [ "$(cat /opt/node/.homelab-sha256 2>/dev/null || true)" != "$NODE_SHA256" ]; then
  dl="$(mktemp -d)"
  fetch_verified "$NODE_URL" "$NODE_SHA256" "$dl/node.tar.xz"
  rm -rf /opt/node.new && install -d /opt/node.new
  tar -xJf "$dl/node.tar.xz" -C /opt/node.new --strip-components=1
  echo "$NODE_SHA256" >/opt/node.new/.homelab-sha256
  rm -rf /opt/node && mv /opt/node.new /opt/node
  rm -rf "$dl"
  log "installed node $NODE_VERSION"
  mark_changed
fi

# 2. n8n: the registry tarball checked against its sha512 integrity, then installed with its dependencies.
if [ "$(cat /opt/n8n/.homelab-integrity 2>/dev/null || true)" != "$N8N_INTEGRITY" ]; then
  dl="$(mktemp -d)"
  curl -fsSL --retry 3 -o "$dl/n8n.tgz" "$N8N_TARBALL"
  got="sha512-$(openssl dgst -sha512 -binary "$dl/n8n.tgz" | base64 -w0)"
  [ "$got" = "$N8N_INTEGRITY" ] || die "n8n $N8N_VERSION: tarball integrity $got is not the pinned $N8N_INTEGRITY"
  rm -rf /opt/n8n.new && install -d /opt/n8n.new
  (cd /opt/n8n.new && PATH="/opt/node/bin:$PATH" npm install --omit=dev --no-audit --no-fund --loglevel=error "$dl/n8n.tgz" >/dev/null)
  echo "$N8N_INTEGRITY" >/opt/n8n.new/.homelab-integrity
  rm -rf /opt/n8n && mv /opt/n8n.new /opt/n8n
  rm -rf "$dl"
  log "installed n8n $N8N_VERSION"
  mark_changed
fi

# 3. The user; its home (n8n's user folder ~/.n8n) on the data mount.
id n8n >/dev/null 2>&1 || adduser --system --shell /usr/sbin/nologin --gecos 'n8n' --group --disabled-password --home "$DATA_DIR" n8n
install -d -o n8n -g n8n -m 0750 "$DATA_DIR"
install -d -m 0755 /etc/n8n

# 4. Settings (no secrets) and the root-only run-time values (systemd reads it before dropping to n8n).
put /etc/n8n/n8n.env 0644 root:root <<<"$SETTINGS_TEXT"
vars=(N8N_ENCRYPTION_KEY)
if [ "$DB" = 1 ]; then
  export DB_POSTGRESDB_HOST="$DB_HOST" DB_POSTGRESDB_PORT="$DB_PORT" DB_POSTGRESDB_DATABASE="$DB_NAME" DB_POSTGRESDB_USER="$DB_USER" DB_POSTGRESDB_PASSWORD="$DB_PASSWORD"
  vars+=(DB_POSTGRESDB_HOST DB_POSTGRESDB_PORT DB_POSTGRESDB_DATABASE DB_POSTGRESDB_USER DB_POSTGRESDB_PASSWORD)
fi
if [ "$OIDC" = 1 ]; then
  put_env OIDC_CA_PEM /etc/n8n/idp-ca.pem 0644 root:root
  if [ "$OIDC_LOGIN" = 1 ]; then
    export N8N_SSO_OIDC_DISCOVERY_ENDPOINT="${OIDC_ISSUER}.well-known/openid-configuration" N8N_SSO_OIDC_CLIENT_SECRET="$OIDC_CLIENT_SECRET"
    vars+=(N8N_SSO_OIDC_DISCOVERY_ENDPOINT N8N_SSO_OIDC_CLIENT_SECRET)
  fi
fi
put_env_file /etc/n8n/secrets.env "${vars[@]}"

# 5. The unit, then the health check (migrations on the first start take a while).
put /etc/systemd/system/n8n.service 0644 root:root <<<"$UNIT_TEXT"
systemctl daemon-reload
converge_units n8n.service
healthy() { curl -fsS --max-time 5 "$HEALTH_URL" >/dev/null 2>&1; }
WAIT_TIMEOUT=300 wait_until "n8n healthy at $HEALTH_URL" healthy
