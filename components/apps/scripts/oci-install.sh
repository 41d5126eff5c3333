#!/usr/bin/env bash
# shellcheck shell=bash
# One container of an app under Debian's podman (components/apps/oci.ts renders the environment
# block and the unit): the image pulled by digest once, the bind-mount directories, the non-secret
# env file, the root-only secret env file written from variables that arrive on stdin, the systemd
# unit, then the health check. The app's own steps may come before (writing its config: a change
# there restarts the container too) and after this part. A second run pulls nothing, writes
# nothing and restarts nothing.
# Environment: OCI_NAME OCI_IMAGE OCI_DIGEST (empty: not pinned, the run stops with OCI_HINT),
# OCI_UNIT_PATH OCI_UNIT_TEXT OCI_ENV_PATH OCI_ENV_TEXT OCI_SECRET_ENV_PATH, OCI_SECRET_VARS (names),
# OCI_VOLUME_DIRS and OCI_VOLUME_OWNERS (uid:gid of each), HEALTH_URL HEALTH_EXPECT HEALTH_TIMEOUT.

: "${OCI_NAME:?}" "${OCI_IMAGE:?}" "${OCI_DIGEST?}" "${OCI_HINT:?}" "${OCI_UNIT_PATH:?}" "${OCI_UNIT_TEXT?}"
: "${OCI_ENV_PATH:?}" "${OCI_ENV_TEXT:?}" "${OCI_SECRET_ENV_PATH:?}" "${HEALTH_URL:?}" "${HEALTH_EXPECT?}" "${HEALTH_TIMEOUT:?}"
[ "${#OCI_VOLUME_DIRS[@]}" -eq "${#OCI_VOLUME_OWNERS[@]}" ] || die "OCI_VOLUME_DIRS and OCI_VOLUME_OWNERS differ in length"

[ -n "$OCI_DIGEST" ] || die "the image of $OCI_NAME ($OCI_IMAGE) is not pinned: $OCI_HINT"
ensure_packages podman curl ca-certificates

# 1. The image, by digest only (a tag can move; a digest cannot).
ref="$OCI_IMAGE@$OCI_DIGEST"
if ! podman image exists "$ref"; then
  podman pull --quiet "$ref" >/dev/null
  log "pulled $ref"
  mark_changed
fi

# 2. State directories (on the guest's data mounts), owned by the user the image runs as.
for i in "${!OCI_VOLUME_DIRS[@]}"; do
  dir="${OCI_VOLUME_DIRS[$i]}" owner="${OCI_VOLUME_OWNERS[$i]}"
  if [ ! -d "$dir" ]; then
    install -d -m 0750 -o "${owner%%:*}" -g "${owner##*:}" "$dir"
    log "created $dir"
  fi
done

# 3. Environment: the rendered file, and the secrets from stdin into a root-only file.
put "$OCI_ENV_PATH" 0600 root:root <<<"$OCI_ENV_TEXT"
if [ "${#OCI_SECRET_VARS[@]}" -gt 0 ]; then
  secrets=""
  for var in "${OCI_SECRET_VARS[@]}"; do
    require_env "$var"
    case "${!var}" in *$'\n'* | *$'\r'*) die "$var holds a newline (podman env files are one line per variable)" ;; esac
    secrets+="$var=${!var}"$'\n'
  done
  put "$OCI_SECRET_ENV_PATH" 0600 root:root <<<"${secrets%$'\n'}"
fi

# 4. The unit; the container is restarted only when something above (or the app's own steps) changed.
put "$OCI_UNIT_PATH" 0644 root:root <<<"$OCI_UNIT_TEXT"
if put_changed; then systemctl daemon-reload; fi
converge_units "$OCI_NAME.service"

healthy() {
  local body
  body="$(curl -fsS --max-time 5 "$HEALTH_URL" 2>/dev/null)" && [[ "$body" == *"$HEALTH_EXPECT"* ]]
}
WAIT_TIMEOUT="$HEALTH_TIMEOUT" WAIT_HINT="journalctl -u $OCI_NAME.service" wait_until "$OCI_NAME healthy at $HEALTH_URL" healthy
