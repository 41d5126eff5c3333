#!/usr/bin/env bash
# shellcheck shell=bash
# Odoo with its own PostgreSQL on one guest (components/apps/odoo.ts renders the environment block):
# local PostgreSQL 15 and the database owned by the `odoo` role (peer authentication over the socket),
# the pinned Odoo Debian package, the custom addons at one commit, odoo.conf (the master password is
# added from ODOO_ADMIN_PASSWD at run time), the database initialised once, the service converged and
# its health check waited for. A second run changes nothing; a changed setting rewrites odoo.conf and
# restarts Odoo.
# Environment: ODOO_DEB_URL ODOO_DEB_DIGEST_ALGORITHM (sha1 | sha256: what upstream publishes)
# ODOO_DEB_DIGEST ODOO_DEB_VERSION (empty: the package must be installed),
# ODOO_HINT, DB_NAME, DATA_DIR, CONF, CONF_TEXT, ADDONS_DIR ADDONS_REPO ADDONS_REV ADDONS_MODULES
# (empty: no custom addons), HEALTH_URL HEALTH_EXPECT HEALTH_TIMEOUT.

: "${ODOO_DEB_URL?}" "${ODOO_DEB_DIGEST_ALGORITHM?}" "${ODOO_DEB_DIGEST?}" "${ODOO_DEB_VERSION?}" "${ODOO_HINT?}" "${DB_NAME:?}" "${DATA_DIR:?}" "${CONF:?}" "${CONF_TEXT:?}"
: "${ADDONS_DIR?}" "${ADDONS_REPO?}" "${ADDONS_REV?}" "${HEALTH_URL:?}" "${HEALTH_EXPECT:?}" "${HEALTH_TIMEOUT:?}"
require_env ODOO_ADMIN_PASSWD
export DEBIAN_FRONTEND=noninteractive

# 1. The local PostgreSQL (Debian 12: 15), on the data mount /var/lib/postgresql.
ensure_packages postgresql postgresql-client git curl ca-certificates
systemctl enable --now postgresql >/dev/null

# 2. The pinned Odoo package.
installed="$(dpkg-query -W -f='${Version}' odoo 2>/dev/null || true)"
if [ -n "$ODOO_DEB_URL" ]; then
  if [ "$installed" != "$ODOO_DEB_VERSION" ]; then
    dl="$(mktemp -d)"
    curl -fsSL --retry 3 -o "$dl/odoo.deb" "$ODOO_DEB_URL"
    case "$ODOO_DEB_DIGEST_ALGORITHM" in
      sha1 | sha256) ;;
      *) die "ODOO_DEB_DIGEST_ALGORITHM must be sha1 or sha256, not '$ODOO_DEB_DIGEST_ALGORITHM'" ;;
    esac
    echo "$ODOO_DEB_DIGEST  $dl/odoo.deb" | "${ODOO_DEB_DIGEST_ALGORITHM}sum" -c --quiet -
    chmod 0755 "$dl"; chmod 0644 "$dl/odoo.deb"
    apt-get update -qq
    apt-get install -y -qq -o Dpkg::Options::=--force-confold "$dl/odoo.deb" >/dev/null
    rm -rf "$dl"
    log "installed odoo $ODOO_DEB_VERSION"
    mark_changed
  fi
elif [ -z "$installed" ]; then
  die "odoo is not installed: $ODOO_HINT"
fi
id odoo >/dev/null 2>&1 || die "the odoo package did not create the odoo user"

# 3. The role and database (owner odoo; Odoo connects over the socket as the system user odoo).
psql_q() { runuser -u postgres -- psql -XtAq -v ON_ERROR_STOP=1 "$@"; }
if [ "$(psql_q -c "SELECT 1 FROM pg_roles WHERE rolname = 'odoo'")" != 1 ]; then
  psql_q -c "CREATE ROLE odoo LOGIN"
  mark_changed
fi
if [ "$(psql_q -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
  runuser -u postgres -- createdb -O odoo -E UTF8 -T template0 "$DB_NAME"
  mark_changed
fi

# 4. Filestore and sessions on the data mount.
install -d -o odoo -g odoo -m 0750 "$DATA_DIR"

# 5. Custom addons at one commit.
addons_changed=0
if [ -n "$ADDONS_REPO" ]; then
  install -d -o odoo -g odoo -m 0755 "$ADDONS_DIR"
  if [ "$(runuser -u odoo -- git -C "$ADDONS_DIR" rev-parse HEAD 2>/dev/null || true)" != "$ADDONS_REV" ]; then
    [ -d "$ADDONS_DIR/.git" ] || runuser -u odoo -- git -C "$ADDONS_DIR" init -q
    runuser -u odoo -- git -C "$ADDONS_DIR" fetch -q "$ADDONS_REPO" '+refs/heads/*:refs/remotes/origin/*' '+refs/tags/*:refs/tags/*'
    runuser -u odoo -- git -C "$ADDONS_DIR" checkout -q --detach "$ADDONS_REV"
    log "addons at $ADDONS_REV"
    addons_changed=1
    mark_changed
  fi
fi

# 6. odoo.conf: the rendered options plus the master password from the environment (put runs in this
# shell, not in a pipeline's subshell, so its CHANGED flag reaches converge_units).
put "$CONF" 0640 root:odoo < <(printf '%sadmin_passwd = %s\n' "$CONF_TEXT" "$ODOO_ADMIN_PASSWD")

# 7. Initialise the database once (base without demo data), then the custom modules.
odoo_run() { runuser -u odoo -- /usr/bin/odoo -c "$CONF" -d "$DB_NAME" --stop-after-init --no-http "$@"; }
if [ "$(psql_q -d "$DB_NAME" -c "SELECT to_regclass('public.ir_module_module') IS NOT NULL")" != t ]; then
  systemctl stop odoo
  odoo_run -i base --without-demo=all
  mark_changed
fi
if [ "${#ADDONS_MODULES[@]}" -gt 0 ] && [ "$addons_changed" = 1 ]; then
  systemctl stop odoo
  modules="$(IFS=,; echo "${ADDONS_MODULES[*]}")"
  odoo_run -i "$modules" -u "$modules"
fi

# 8. The service, restarted only when something above changed; then its health check.
converge_units odoo.service
healthy() {
  local body
  body="$(curl -fsS --max-time 5 "$HEALTH_URL" 2>/dev/null)" && [[ "$body" == *"$HEALTH_EXPECT"* ]]
}
WAIT_TIMEOUT="$HEALTH_TIMEOUT" wait_until "odoo healthy at $HEALTH_URL" healthy
