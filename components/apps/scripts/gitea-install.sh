#!/usr/bin/env bash
# shellcheck shell=bash
# Gitea on its guest (components/apps/gitea.ts renders the environment block): the pinned release
# binary (sha256-checked), the `git` user, app.ini (the rendered text with its run-time values filled
# in: the primary's connection, the stack's secrets and the JWT secrets Gitea generated on this guest),
# the unit, the health check, the OIDC login source, the admin user, the organisation's repositories
# and the nightly `gitea dump` timer. A second run changes nothing; a changed setting rewrites app.ini
# and restarts Gitea.
# Environment: GITEA_URL GITEA_SHA256 GITEA_VERSION, CONF, CONF_TEXT (placeholders @NAME@), WORK_DIR,
# UNIT_TEXT, DUMP_SERVICE_TEXT, DUMP_TIMER_TEXT, HEALTH_URL, API_URL, OWNER, REPOS, AUTO_INIT (repositories
# created with a first commit), MACHINE_USERS and MACHINE_SECRETS (the variable of each one's password),
# MACHINE_GRANTS ("user repository permission"), ADMIN_USER, AUTH_NAME, OIDC (1: log in through the
# identity provider), OIDC_CLIENT_ID.
# Stdin: GITEA_SECRET_KEY GITEA_ADMIN_PASSWORD, each machine user's password; DB_HOST DB_PORT DB_NAME
# DB_USER DB_PASSWORD; METRICS_TOKEN (the organisation's app metrics token, Prometheus's bearer token for
# /metrics); with OIDC: OIDC_ISSUER OIDC_CLIENT_SECRET OIDC_CA_PEM.

: "${GITEA_URL:?}" "${GITEA_SHA256:?}" "${GITEA_VERSION:?}" "${CONF:?}" "${CONF_TEXT:?}" "${WORK_DIR:?}" "${UNIT_TEXT:?}"
: "${DUMP_SERVICE_TEXT:?}" "${DUMP_TIMER_TEXT:?}" "${HEALTH_URL:?}" "${API_URL:?}" "${OWNER:?}" "${ADMIN_USER:?}" "${AUTH_NAME:?}" "${OIDC:?}" "${OIDC_CLIENT_ID?}"
require_env GITEA_SECRET_KEY GITEA_ADMIN_PASSWORD DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD METRICS_TOKEN
[ "${#MACHINE_USERS[@]}" -eq "${#MACHINE_SECRETS[@]}" ] || die "MACHINE_USERS and MACHINE_SECRETS differ in length"
if [ "${#MACHINE_SECRETS[@]}" -gt 0 ]; then require_env "${MACHINE_SECRETS[@]}"; fi
if [ "$OIDC" = 1 ]; then require_env OIDC_ISSUER OIDC_CLIENT_SECRET OIDC_CA_PEM; fi
export DEBIAN_FRONTEND=noninteractive
ensure_packages git curl ca-certificates jq

# 1. The pinned binary (a stamp of its sha256: a second run downloads nothing).
bin=/usr/local/bin/gitea
if [ "$(cat /usr/local/lib/gitea.sha256 2>/dev/null || true)" != "$GITEA_SHA256" ] || [ ! -x "$bin" ]; then
  dl="$(mktemp -d)"
  fetch_verified "$GITEA_URL" "$GITEA_SHA256" "$dl/gitea"
  install -m 0755 "$dl/gitea" "$bin"
  install -d /usr/local/lib
  echo "$GITEA_SHA256" >/usr/local/lib/gitea.sha256
  rm -rf "$dl"
  log "installed gitea $GITEA_VERSION"
  mark_changed
fi

# 2. The user and the directories on the data mount (repositories, LFS, data, dumps).
id git >/dev/null 2>&1 || adduser --system --shell /bin/bash --gecos 'Gitea' --group --disabled-password --home "$WORK_DIR" git
install -d -o git -g git -m 0750 "$WORK_DIR" "$WORK_DIR/repositories" "$WORK_DIR/lfs" "$WORK_DIR/data" "$WORK_DIR/custom" "$WORK_DIR/dumps"
install -d -o root -g git -m 0750 /etc/gitea

# 3. The identity provider's CA (its TLS certificate chains to it) in the system trust store.
if [ "$OIDC" = 1 ]; then trust_ca OIDC_CA_PEM; fi

# 4. JWT secrets Gitea generates itself (base64 of 32 random bytes), once, kept beside app.ini.
for s in JWT_SECRET LFS_JWT_SECRET INTERNAL_TOKEN; do
  f="/etc/gitea/${s,,}"
  if [ ! -s "$f" ]; then
    (umask 077 && "$bin" generate secret "$s" >"$f")
    chown root:git "$f"
    chmod 0640 "$f"
  fi
done

# 5. app.ini: the rendered text with its run-time values (pure bash substitution: no value reaches argv).
text="$CONF_TEXT"
for k in DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD GITEA_SECRET_KEY METRICS_TOKEN; do
  text="${text//@$k@/${!k}}"
done
for s in JWT_SECRET LFS_JWT_SECRET INTERNAL_TOKEN; do
  text="${text//@$s@/$(cat "/etc/gitea/${s,,}")}"
done
if [[ "$text" =~ @[A-Z_]+@ ]]; then die "app.ini has an unfilled placeholder ${BASH_REMATCH[0]}"; fi
put "$CONF" 0640 root:git <<<"$text"

# 6. Units: Gitea and its nightly dump (before the restic agent's backup).
put /etc/systemd/system/gitea.service 0644 root:root <<<"$UNIT_TEXT"
put /etc/systemd/system/gitea-dump.service 0644 root:root <<<"$DUMP_SERVICE_TEXT"
put /etc/systemd/system/gitea-dump.timer 0644 root:root <<<"$DUMP_TIMER_TEXT"
systemctl daemon-reload
converge_units gitea.service
systemctl enable --now gitea-dump.timer >/dev/null
healthy() { curl -fsS --max-time 5 "$HEALTH_URL" >/dev/null 2>&1; }
WAIT_TIMEOUT=180 wait_until "gitea healthy at $HEALTH_URL" healthy

gitea_cli() { runuser -u git -- "$bin" --config "$CONF" --work-path "$WORK_DIR" "$@"; }

# 7. The admin user (its password from the stack), then the OIDC login source (added once, updated by id).
if ! gitea_cli admin user list --admin | awk 'NR > 1 { print $2 }' | grep -qx "$ADMIN_USER"; then
  gitea_cli admin user create --admin --username "$ADMIN_USER" --email "$ADMIN_USER@localhost" --random-password --must-change-password=false >/dev/null
  log "created admin $ADMIN_USER"
fi
# The password is set through the API with basic auth from a curl config file (never argv).
auth_cfg="$(umask 077 && mktemp)"
trap 'rm -f "$auth_cfg"' EXIT
printf 'user = "%s:%s"\n' "$ADMIN_USER" "$GITEA_ADMIN_PASSWORD" >"$auth_cfg"
# Gitea's CLI takes passwords and client secrets only as flags: they are argv of one short process on
# this root-only guest (decision 142), never part of this script's text.
if ! curl -fsS -K "$auth_cfg" "$API_URL/user" >/dev/null 2>&1; then
  gitea_cli admin user change-password --username "$ADMIN_USER" --password "$GITEA_ADMIN_PASSWORD" --must-change-password=false >/dev/null
fi
if [ "$OIDC" = 1 ]; then
  discovery="${OIDC_ISSUER}.well-known/openid-configuration"
  id="$(gitea_cli admin auth list | awk -v n="$AUTH_NAME" 'NR > 1 && $2 == n { print $1 }')"
  if [ -z "$id" ]; then
    gitea_cli admin auth add-oauth --name "$AUTH_NAME" --provider openidConnect --key "$OIDC_CLIENT_ID" --secret "$OIDC_CLIENT_SECRET" --auto-discover-url "$discovery" --scopes openid --scopes email --scopes profile
    log "added login source $AUTH_NAME"
  else
    gitea_cli admin auth update-oauth --id "$id" --provider openidConnect --key "$OIDC_CLIENT_ID" --secret "$OIDC_CLIENT_SECRET" --auto-discover-url "$discovery"
  fi
fi

# 8. The organisation and its repositories (created once, private; never deleted).
api() { curl -fsS -K "$auth_cfg" -H 'Content-Type: application/json' "$@"; }
if ! api "$API_URL/orgs/$OWNER" >/dev/null 2>&1; then
  api -X POST "$API_URL/orgs" -d "$(jq -cn --arg u "$OWNER" '{username: $u, visibility: "private"}')" >/dev/null
  log "created organisation $OWNER"
fi
for r in "${REPOS[@]}"; do
  if ! api "$API_URL/repos/$OWNER/$r" >/dev/null 2>&1; then
    init=false
    for a in "${AUTO_INIT[@]}"; do if [ "$a" = "$r" ]; then init=true; fi; done
    api -X POST "$API_URL/orgs/$OWNER/repos" -d "$(jq -cn --arg n "$r" --argjson init "$init" '{name: $n, private: true, default_branch: "main"} + (if $init then {auto_init: true, readme: "Default"} else {} end)')" >/dev/null
    log "created repository $OWNER/$r"
  fi
done

# 9. Machine users (their passwords from the stack, checked by logging in as them) and their grants.
for i in "${!MACHINE_USERS[@]}"; do
  u="${MACHINE_USERS[$i]}" var="${MACHINE_SECRETS[$i]}"
  if ! gitea_cli admin user list | awk 'NR > 1 { print $2 }' | grep -qx "$u"; then
    gitea_cli admin user create --username "$u" --email "$u@localhost" --random-password --must-change-password=false >/dev/null
    log "created machine user $u"
  fi
  user_cfg="$(umask 077 && mktemp)"
  printf 'user = "%s:%s"\n' "$u" "${!var}" >"$user_cfg"
  if ! curl -fsS -K "$user_cfg" "$API_URL/user" >/dev/null 2>&1; then
    gitea_cli admin user change-password --username "$u" --password "${!var}" --must-change-password=false >/dev/null
    log "set the password of machine user $u"
  fi
  rm -f "$user_cfg"
done
for g in "${MACHINE_GRANTS[@]}"; do
  read -r u r perm <<<"$g"
  # PUT is idempotent: it adds the collaborator or sets its permission.
  api -X PUT "$API_URL/repos/$OWNER/$r/collaborators/$u" -d "$(jq -cn --arg p "$perm" '{permission: $p}')" >/dev/null
done
