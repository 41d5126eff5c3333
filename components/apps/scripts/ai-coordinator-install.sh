#!/usr/bin/env bash
# shellcheck shell=bash
# The AI coordinator on a Debian 12 VM (components/apps/aiCoordinator.ts renders the environment block):
# the state disk, Debian's Python, the ai-coordinator user and a venv with the pinned packages; then, once
# the operator's repository is set, the code at the pinned commit (the venv rebuilt when the commit or the
# pins change), the environment files (secrets only in the 0600 one), the unit, and the health check.
# Without a repository it stops after the runtime, saying which setting is missing (decision 321).
# A second run changes nothing and restarts nothing.
# Environment: REPO REV HINT APP_DIR STATE_DISK STATE_DIR PACKAGES REQUIREMENTS ENV_PATH ENV_TEXT
# SECRET_ENV_PATH LITELLM DATABASE UNIT_PATH UNIT_TEXT HEALTH_URL HEALTH_TIMEOUT; secrets
# LITELLM_MASTER_KEY (with LITELLM=1) and DB_* (with DATABASE set).

: "${REPO?}" "${REV?}" "${HINT?}"
: "${APP_DIR:?}" "${STATE_DISK:?}" "${STATE_DIR:?}" "${REQUIREMENTS?}" "${ENV_PATH:?}" "${ENV_TEXT:?}" "${SECRET_ENV_PATH:?}"
: "${LITELLM:?}" "${DATABASE?}" "${UNIT_PATH:?}" "${UNIT_TEXT:?}" "${HEALTH_URL:?}" "${HEALTH_TIMEOUT:?}"
[ "${#PACKAGES[@]}" -gt 0 ] || die "PACKAGES is empty"
export DEBIAN_FRONTEND=noninteractive

# 1. The state directory on the data disk; Debian's Python 3.11 and git.
ensure_data_disk "$STATE_DISK" "$STATE_DIR"
ensure_packages python3 python3-venv git curl ca-certificates libpq5
id ai-coordinator >/dev/null 2>&1 || { adduser --system --group --home "$STATE_DIR" --no-create-home ai-coordinator >/dev/null; mark_changed; }
install -d -o ai-coordinator -g ai-coordinator -m 0750 "$STATE_DIR"

# 2. The code at the pinned commit (owned by root: the service cannot rewrite it).
install -d -m 0755 "$APP_DIR" "$APP_DIR/src"
if [ -n "$REPO" ] && [ "$(git -C "$APP_DIR/src" rev-parse HEAD 2>/dev/null || true)" != "$REV" ]; then
  [ -d "$APP_DIR/src/.git" ] || git -C "$APP_DIR/src" init -q
  git -C "$APP_DIR/src" fetch -q "$REPO" '+refs/heads/*:refs/remotes/origin/*' '+refs/tags/*:refs/tags/*'
  git -C "$APP_DIR/src" checkout -q --force --detach "$REV"
  log "coordinator code at $REV"
  mark_changed
fi

# 3. The venv: the pinned packages, then the repository's own requirements file when configured.
stamp="$REV ${PACKAGES[*]} $REQUIREMENTS"
if [ "$(cat "$APP_DIR/venv/.homelab-stamp" 2>/dev/null || true)" != "$stamp" ]; then
  rm -rf "$APP_DIR/venv"
  python3 -m venv "$APP_DIR/venv"
  "$APP_DIR/venv/bin/pip" install -q --no-input "${PACKAGES[@]}"
  if [ -n "$REPO" ] && [ -n "$REQUIREMENTS" ]; then
    [ -f "$APP_DIR/src/$REQUIREMENTS" ] || die "$REQUIREMENTS is not in $REPO at $REV"
    "$APP_DIR/venv/bin/pip" install -q --no-input -r "$APP_DIR/src/$REQUIREMENTS"
  fi
  printf '%s\n' "$stamp" >"$APP_DIR/venv/.homelab-stamp"
  log "venv: ${PACKAGES[*]}"
  mark_changed
fi

if [ -z "$REPO" ]; then
  log "the runtime is ready; no coordinator runs until its code is configured: $HINT"
  exit 0
fi

# 4. The environment: peers (rendered) and secrets (0600, from stdin).
put "$ENV_PATH" 0644 root:root <<<"$ENV_TEXT"
secret_vars=()
if [ "$LITELLM" = 1 ]; then
  require_env LITELLM_MASTER_KEY
  case "$LITELLM_MASTER_KEY" in sk-*) OPENAI_API_KEY="$LITELLM_MASTER_KEY" ;; *) OPENAI_API_KEY="sk-$LITELLM_MASTER_KEY" ;; esac
  export OPENAI_API_KEY
  secret_vars+=(OPENAI_API_KEY)
fi
if [ -n "$DATABASE" ]; then
  require_env DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD
  export DATABASE_URL="postgresql://$DB_USER:$DB_PASSWORD@$DB_HOST:$DB_PORT/$DB_NAME"
  secret_vars+=(DATABASE_URL)
fi
if [ "${#secret_vars[@]}" -gt 0 ]; then
  put_env_file "$SECRET_ENV_PATH" "${secret_vars[@]}"
else
  put "$SECRET_ENV_PATH" 0600 root:root </dev/null
fi

# 5. The unit, restarted only when something above changed; then the health check.
put "$UNIT_PATH" 0644 root:root <<<"$UNIT_TEXT"
if put_changed; then systemctl daemon-reload; fi
converge_units ai-coordinator.service
healthy() { curl -fsS -o /dev/null --max-time 5 "$HEALTH_URL"; }
WAIT_TIMEOUT="$HEALTH_TIMEOUT" WAIT_HINT="journalctl -u ai-coordinator" wait_until "coordinator healthy at $HEALTH_URL" healthy
