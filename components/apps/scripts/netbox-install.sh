#!/usr/bin/env bash
# shellcheck shell=bash
# NetBox on a Debian 12 VM (components/apps/netbox.ts renders the environment block): the data disks,
# the VM's own PostgreSQL (peer authentication) and Redis (loopback, requirepass), the upstream source at
# the pinned commit (the release tag must name it), the venv built from its requirements.txt and the
# upgrade steps of upstream's upgrade.sh whenever the commit changes, configuration.py (secrets only in
# the 0600 environment file), the superuser created once, gunicorn and the rq worker under systemd,
# nginx on the service port, and the health check. A second run changes nothing and restarts nothing.
# Environment: PG_DISK PG_DIR DATA_DISK DATA_DIR NETBOX_DIR NETBOX_REPO NETBOX_VERSION NETBOX_COMMIT
# DB_NAME SUPERUSER (name and e-mail) CONF CONF_TEXT GUNICORN_CONF GUNICORN_TEXT ENV_FILE NGINX_SITE
# UNIT_WEB UNIT_RQ SSO HEALTH_URL HEALTH_TIMEOUT, and the function write_nginx_site (the rendered site); secrets NETBOX_SECRET_KEY
# NETBOX_REDIS_PASSWORD NETBOX_SUPERUSER_PASSWORD (and with SSO, OIDC_ISSUER OIDC_CLIENT_SECRET OIDC_CA_PEM).

: "${PG_DISK:?}" "${PG_DIR:?}" "${DATA_DISK:?}" "${DATA_DIR:?}" "${NETBOX_DIR:?}" "${NETBOX_REPO:?}" "${NETBOX_VERSION:?}" "${NETBOX_COMMIT:?}"
: "${DB_NAME:?}" "${SUPERUSER[0]:?}" "${SUPERUSER[1]:?}" "${CONF:?}" "${CONF_TEXT:?}" "${GUNICORN_CONF:?}" "${GUNICORN_TEXT:?}" "${ENV_FILE:?}"
: "${NGINX_SITE:?}" "${UNIT_WEB:?}" "${UNIT_RQ:?}" "${SSO:?}" "${HEALTH_URL:?}" "${HEALTH_TIMEOUT:?}"
require_env NETBOX_SECRET_KEY NETBOX_REDIS_PASSWORD NETBOX_SUPERUSER_PASSWORD
case "$NETBOX_REDIS_PASSWORD" in
  *[!A-Za-z0-9]*) die "NETBOX_REDIS_PASSWORD must be letters and digits (it is written unquoted into redis's include file)" ;;
esac
export DEBIAN_FRONTEND=noninteractive
any=0
# shellcheck disable=SC2034 # CHANGED is the shell library's flag (changed, converge_units)
section() { if changed; then any=1; fi; CHANGED=0; }

# 1. The data disks, before any package writes there (PostgreSQL's cluster lives on the first).
ensure_data_disk "$PG_DISK" "$PG_DIR"
ensure_data_disk "$DATA_DISK" "$DATA_DIR"
section

# 2. Debian's packages: PostgreSQL 15, Redis 7, nginx, and what NetBox's requirements build against.
ensure_packages postgresql redis-server nginx git curl ca-certificates python3 python3-venv python3-dev \
  build-essential libxml2-dev libxslt1-dev libffi-dev libpq-dev libssl-dev zlib1g-dev
python3 -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 12) else 1)' \
  || die "NetBox $NETBOX_VERSION needs Python 3.10-3.12; found $(python3 -V 2>&1)"
systemctl enable --now postgresql >/dev/null

# 3. Redis on loopback (Debian's default bind) with the password in an included root:redis file.
put /etc/redis/homelab-auth.conf 0640 root:redis < <(printf 'requirepass %s\n' "$NETBOX_REDIS_PASSWORD")
if ! grep -qxF 'include /etc/redis/homelab-auth.conf' /etc/redis/redis.conf; then
  printf '%s\n' 'include /etc/redis/homelab-auth.conf' >>/etc/redis/redis.conf
  mark_changed
fi
converge_units redis-server.service
section

# 4. The netbox system user, the role of the same name (peer authentication) and its database.
id netbox >/dev/null 2>&1 || { adduser --system --group --home "$DATA_DIR" --no-create-home netbox >/dev/null; mark_changed; }
psql_q() { runuser -u postgres -- psql -XtAq -v ON_ERROR_STOP=1 "$@"; }
if [ "$(psql_q -c "SELECT 1 FROM pg_roles WHERE rolname = 'netbox'")" != 1 ]; then
  psql_q -c "CREATE ROLE netbox LOGIN"
  mark_changed
fi
if [ "$(psql_q -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
  runuser -u postgres -- createdb -O netbox -E UTF8 -T template0 "$DB_NAME"
  mark_changed
fi
for d in media scripts reports; do install -d -o netbox -g netbox -m 0750 "$DATA_DIR/$d"; done
section

# 5. The source at the pinned commit: the release tag is fetched and must name that commit.
install -d -m 0755 "$NETBOX_DIR"
upgrade=0
if [ "$(git -C "$NETBOX_DIR" rev-parse HEAD 2>/dev/null || true)" != "$NETBOX_COMMIT" ]; then
  [ -d "$NETBOX_DIR/.git" ] || git -C "$NETBOX_DIR" init -q
  git -C "$NETBOX_DIR" fetch -q --depth 1 "$NETBOX_REPO" "refs/tags/v$NETBOX_VERSION"
  tagged="$(git -C "$NETBOX_DIR" rev-parse 'FETCH_HEAD^{commit}')"
  [ "$tagged" = "$NETBOX_COMMIT" ] || die "tag v$NETBOX_VERSION of $NETBOX_REPO is $tagged, not the pinned $NETBOX_COMMIT"
  git -C "$NETBOX_DIR" checkout -q --force --detach "$NETBOX_COMMIT"
  log "netbox source at v$NETBOX_VERSION ($NETBOX_COMMIT)"
  upgrade=1
  mark_changed
fi
[ "$(cat "$NETBOX_DIR/venv/.homelab-commit" 2>/dev/null || true)" = "$NETBOX_COMMIT" ] || upgrade=1
install -d -o netbox -g netbox -m 0755 "$NETBOX_DIR/netbox/static"

# 6. configuration.py and gunicorn.py (no secrets), the environment file (0600, read by systemd).
put "$CONF" 0644 root:root <<<"$CONF_TEXT"
put "$GUNICORN_CONF" 0644 root:root <<<"$GUNICORN_TEXT"
env_vars=(NETBOX_SECRET_KEY NETBOX_REDIS_PASSWORD)
if [ "$SSO" = 1 ]; then
  require_env OIDC_ISSUER OIDC_CLIENT_SECRET OIDC_CA_PEM
  trust_ca OIDC_CA_PEM
  export NETBOX_OIDC_ENDPOINT="${OIDC_ISSUER%/}" REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
  env_vars+=(NETBOX_OIDC_ENDPOINT OIDC_CLIENT_SECRET REQUESTS_CA_BUNDLE)
fi
put_env_file "$ENV_FILE" "${env_vars[@]}"
export NETBOX_SECRET_KEY NETBOX_REDIS_PASSWORD

# 7. A new commit (or no venv built for it): upstream's upgrade.sh steps, run as netbox.
manage() { runuser -u netbox -- "$NETBOX_DIR/venv/bin/python3" "$NETBOX_DIR/netbox/manage.py" "$@"; }
if [ "$upgrade" = 1 ]; then
  systemctl stop netbox.service netbox-rq.service 2>/dev/null || true
  rm -rf "$NETBOX_DIR/venv"
  python3 -m venv "$NETBOX_DIR/venv"
  "$NETBOX_DIR/venv/bin/pip" install -q --no-input -r "$NETBOX_DIR/requirements.txt"
  manage migrate --no-input
  manage trace_paths --no-input
  manage collectstatic --no-input
  manage remove_stale_contenttypes --no-input
  manage reindex --lazy
  manage clearsessions
  printf '%s\n' "$NETBOX_COMMIT" >"$NETBOX_DIR/venv/.homelab-commit"
  log "netbox $NETBOX_VERSION installed and migrated"
  mark_changed
fi

# 8. The superuser, once (its password from the generated secret; later changes are the operator's).
if [ "$(psql_q -d "$DB_NAME" -c "SELECT 1 FROM users_user WHERE username = '${SUPERUSER[0]}'")" != 1 ]; then
  DJANGO_SUPERUSER_PASSWORD="$NETBOX_SUPERUSER_PASSWORD" manage createsuperuser --noinput --username "${SUPERUSER[0]}" --email "${SUPERUSER[1]}"
  log "superuser ${SUPERUSER[0]} created"
fi

# 9. gunicorn and the rq worker.
put /etc/systemd/system/netbox.service 0644 root:root <<<"$UNIT_WEB"
put /etc/systemd/system/netbox-rq.service 0644 root:root <<<"$UNIT_RQ"
if changed; then systemctl daemon-reload; fi
converge_units netbox.service netbox-rq.service
section

# 10. nginx on the service port (Debian's default site would answer on port 80: removed).
write_nginx_site
ln -sfn "$NGINX_SITE" /etc/nginx/sites-enabled/netbox
if [ -e /etc/nginx/sites-enabled/default ]; then rm -f /etc/nginx/sites-enabled/default; mark_changed; fi
nginx -t -q
converge_units nginx.service
section

healthy() { curl -fsS -o /dev/null --max-time 5 "$HEALTH_URL"; }
WAIT_TIMEOUT="$HEALTH_TIMEOUT" WAIT_HINT="journalctl -u netbox -u nginx" wait_until "netbox healthy at $HEALTH_URL" healthy
[ "$any" = 0 ] || log "netbox converged"
