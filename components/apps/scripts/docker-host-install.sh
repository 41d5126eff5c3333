#!/usr/bin/env bash
# shellcheck shell=bash
# The Docker host (components/apps/dockerHost.ts renders the environment block): Docker's apt
# repository with its signing key held to the pinned fingerprint, Docker Engine and the Compose
# plugin at pinned versions (held), the state directories, one env file per container (non-secret,
# rendered) and root-only secret env files written from stdin, the Compose file, `docker compose up`,
# then each container's health URL. A second run downloads, writes and recreates nothing.
# Environment: DOCKER_APT_URL DOCKER_APT_SUITE DOCKER_KEY_URL DOCKER_KEY_FPR DOCKER_KEYRING DOCKER_SOURCE, DOCKER_PACKAGES
# (name=version), UNPINNED (containers left out: not pinned), COMPOSE_PROJECT COMPOSE_FILE COMPOSE_TEXT, ENV_PATHS ENV_TEXTS,
# SECRET_ENV_PATHS SECRET_ENV_VARS (space-separated names per file), STATE_DIRS STATE_OWNERS,
# HEALTH_URLS, DB (1: n8n on the organisation's primary), REDIS (1: n8n's cache in Redis).
# Stdin: N8N_ENCRYPTION_KEY; with DB: DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD; with REDIS: REDIS_PASSWORD.

: "${DOCKER_APT_URL:?}" "${DOCKER_APT_SUITE:?}" "${DOCKER_KEY_URL:?}" "${DOCKER_KEY_FPR:?}" "${DOCKER_KEYRING:?}" "${DOCKER_SOURCE:?}"
: "${COMPOSE_PROJECT:?}" "${COMPOSE_FILE:?}" "${COMPOSE_TEXT?}" "${DB:?}" "${REDIS:?}"
[ "${#ENV_PATHS[@]}" -eq "${#ENV_TEXTS[@]}" ] || die "ENV_PATHS and ENV_TEXTS differ in length"
[ "${#SECRET_ENV_PATHS[@]}" -eq "${#SECRET_ENV_VARS[@]}" ] || die "SECRET_ENV_PATHS and SECRET_ENV_VARS differ in length"
[ "${#STATE_DIRS[@]}" -eq "${#STATE_OWNERS[@]}" ] || die "STATE_DIRS and STATE_OWNERS differ in length"

# 0. Nothing runs from an image that is not pinned by digest: such a container is left out of the project.
for m in "${UNPINNED[@]}"; do log "left out, not pinned by digest: $m"; done
[ -n "$COMPOSE_TEXT" ] || die "no image of the Docker host is pinned by digest (see above)"
require_env N8N_ENCRYPTION_KEY
if [ "$DB" = 1 ]; then require_env DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD; fi
if [ "$REDIS" = 1 ]; then
  [ -n "${REDIS_PASSWORD:-}" ] || die "missing REDIS_PASSWORD: the Redis guest's requirepass (app.n8nRedis; the apps tier hands it over from the Redis install)"
fi
export DEBIAN_FRONTEND=noninteractive
ensure_packages ca-certificates curl gnupg

# 1. Docker's repository, its key accepted only with the pinned fingerprint.
key_changed=0
if [ ! -s "$DOCKER_KEYRING" ]; then
  tmp="$(mktemp)"
  curl -fsSL --retry 3 -o "$tmp" "$DOCKER_KEY_URL"
  fprs="$(gpg --show-keys --with-colons "$tmp" 2>/dev/null | awk -F: '$1 == "fpr" { print $10 }')"
  grep -qx "$DOCKER_KEY_FPR" <<<"$fprs" || die "Docker's repository key at $DOCKER_KEY_URL has fingerprint(s) $(tr '\n' ' ' <<<"$fprs")— not the pinned $DOCKER_KEY_FPR"
  install -d -m 0755 "${DOCKER_KEYRING%/*}"
  install -m 0644 "$tmp" "$DOCKER_KEYRING"
  rm -f "$tmp"
  log "installed Docker's repository key $DOCKER_KEY_FPR"
  key_changed=1
fi
put "$DOCKER_SOURCE" 0644 root:root <<<"deb [arch=amd64 signed-by=$DOCKER_KEYRING] $DOCKER_APT_URL $DOCKER_APT_SUITE stable"
if put_changed || [ "$key_changed" = 1 ]; then apt-get update -q; fi

# 2. The pinned packages (held, so no upgrade moves them); installed only when a version differs.
want=() names=()
for pv in "${DOCKER_PACKAGES[@]}"; do
  name="${pv%%=*}" version="${pv#*=}"
  names+=("$name")
  [ "$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)" = "$version" ] || want+=("$pv")
done
if [ "${#want[@]}" -gt 0 ]; then
  apt-mark unhold "${names[@]}" >/dev/null 2>&1 || true
  apt-get install -y -q --allow-downgrades "${want[@]}"
  log "installed ${want[*]}"
  mark_changed
fi
apt-mark hold "${names[@]}" >/dev/null
systemctl enable --now docker.service >/dev/null

# 3. State directories, owned by the user each image runs as.
for i in "${!STATE_DIRS[@]}"; do
  dir="${STATE_DIRS[$i]}" owner="${STATE_OWNERS[$i]}"
  if [ ! -d "$dir" ]; then
    install -d -m 0750 -o "${owner%%:*}" -g "${owner##*:}" "$dir"
    log "created $dir"
  fi
done

# 4. Env files: the rendered ones, then the secrets from stdin into root-only files.
if [ "$DB" = 1 ]; then
  export DB_POSTGRESDB_HOST="$DB_HOST" DB_POSTGRESDB_PORT="$DB_PORT" DB_POSTGRESDB_DATABASE="$DB_NAME" DB_POSTGRESDB_USER="$DB_USER" DB_POSTGRESDB_PASSWORD="$DB_PASSWORD"
fi
if [ "$REDIS" = 1 ]; then export QUEUE_BULL_REDIS_PASSWORD="$REDIS_PASSWORD"; fi
for i in "${!ENV_PATHS[@]}"; do
  put "${ENV_PATHS[$i]}" 0644 root:root <<<"${ENV_TEXTS[$i]}"
done
for i in "${!SECRET_ENV_PATHS[@]}"; do
  read -r -a vars <<<"${SECRET_ENV_VARS[$i]}"
  # Compose may expand ${...} in env files: a value with a dollar sign is refused rather than altered.
  for var in "${vars[@]}"; do
    case "${!var:-}" in *'$'*) die "$var contains a dollar sign (Compose env files could expand it)" ;; esac
  done
  put_env_file "${SECRET_ENV_PATHS[$i]}" "${vars[@]}"
done

# 5. The Compose project: checked by Compose itself, then converged (Compose recreates only changed containers).
put "$COMPOSE_FILE" 0644 root:root <<<"$COMPOSE_TEXT"
docker compose -p "$COMPOSE_PROJECT" -f "$COMPOSE_FILE" config --quiet
docker compose -p "$COMPOSE_PROJECT" -f "$COMPOSE_FILE" up -d --remove-orphans --quiet-pull

healthy() { curl -fsSk --max-time 5 -o /dev/null "$1"; }
for url in "${HEALTH_URLS[@]}"; do
  WAIT_TIMEOUT=300 WAIT_HINT="docker compose -p $COMPOSE_PROJECT logs" wait_until "healthy at $url" healthy "$url"
done
