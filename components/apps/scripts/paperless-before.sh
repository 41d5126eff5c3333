#!/usr/bin/env bash
# shellcheck shell=bash
# Paperless-ngx's own steps before the OCI runner (components/apps/paperless.ts renders the environment
# block): the Debian redis-server broker on the guest (loopback and the service address, password
# from stdin; the guest firewall does not open its port), and the container's run-time secrets taken
# from the contracts of AppPlan.database (DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD) and AppPlan.oidc
# (OIDC_ISSUER OIDC_CLIENT_SECRET, OIDC_CA_PEM when given), exported under the names Paperless reads
# so the runner writes them into its root-only env file. A second run changes nothing.
# Environment: REDIS_BIND REDIS_CONF REDIS_DROPIN, OIDC (1: the OIDC login is on), OIDC_CLIENT_ID OIDC_PROVIDER_ID,
# CA_BUNDLE; on stdin PAPERLESS_SECRET_KEY PAPERLESS_REDIS_PASSWORD and the contracts' variables.

: "${REDIS_BIND:?}" "${REDIS_CONF:?}" "${REDIS_DROPIN:?}" "${OIDC:?}" "${OIDC_CLIENT_ID:?}" "${OIDC_PROVIDER_ID:?}" "${CA_BUNDLE:?}"
require_env PAPERLESS_SECRET_KEY PAPERLESS_REDIS_PASSWORD DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD

# 1. The broker: Debian's redis-server with its own config on top of Debian's (later lines win).
ensure_packages redis-server ca-certificates
redis_changed=0
put "$REDIS_CONF" 0640 root:redis <<REDIS
# Managed by homelab (components/apps/paperless.ts): Paperless-ngx's broker.
include /etc/redis/redis.conf
bind 127.0.0.1 $REDIS_BIND
port 6379
requirepass $PAPERLESS_REDIS_PASSWORD
REDIS
if put_changed; then redis_changed=1; fi
put "$REDIS_DROPIN" 0644 root:root <<UNIT
[Service]
ExecStart=
ExecStart=/usr/bin/redis-server $REDIS_CONF --supervised systemd --daemonize no
UNIT
if put_changed; then systemctl daemon-reload; redis_changed=1; fi
systemctl enable redis-server.service >/dev/null
if [ "$redis_changed" = 1 ]; then systemctl restart redis-server.service; else systemctl start redis-server.service; fi

# 2. What the container reads (the runner writes these names into its root-only env file).
export PAPERLESS_DBHOST="$DB_HOST" PAPERLESS_DBPORT="$DB_PORT" PAPERLESS_DBNAME="$DB_NAME" PAPERLESS_DBUSER="$DB_USER" PAPERLESS_DBPASS="$DB_PASSWORD"
PAPERLESS_REDIS="redis://:$(urlencode "$PAPERLESS_REDIS_PASSWORD")@$REDIS_BIND:6379"
export PAPERLESS_REDIS
if [ "$OIDC" = 1 ]; then
  require_env OIDC_ISSUER OIDC_CLIENT_SECRET
  ensure_packages jq
  PAPERLESS_SOCIALACCOUNT_PROVIDERS="$(jq -cn --arg id "$OIDC_PROVIDER_ID" --arg client "$OIDC_CLIENT_ID" --arg secret "$OIDC_CLIENT_SECRET" --arg url "${OIDC_ISSUER%/}" \
    '{openid_connect: {OAUTH_PKCE_ENABLED: true, APPS: [{provider_id: $id, name: "authentik", client_id: $client, secret: $secret, settings: {server_url: $url}}]}}')"
  export PAPERLESS_SOCIALACCOUNT_PROVIDERS
  put "$CA_BUNDLE" 0644 root:root < <(cat /etc/ssl/certs/ca-certificates.crt; printf '%s\n' "${OIDC_CA_PEM:-}")
fi
