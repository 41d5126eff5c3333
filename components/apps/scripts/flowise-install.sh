#!/usr/bin/env bash
# shellcheck shell=bash
# Flowise on one guest (components/apps/flowise.ts renders the environment block): Debian's Node.js,
# the `flowise` npm package of one version whose tarball is checked against its pinned registry
# integrity before npm installs it under FLOWISE_PREFIX, the `flowise` system user with its home on
# the data mount, the rendered environment file plus the database password (from stdin) in a
# root-only file, the systemd unit, then the health check. A second run downloads nothing.
# Environment: FLOWISE_VERSION FLOWISE_INTEGRITY (empty: flowise must be installed), FLOWISE_HINT,
# FLOWISE_PREFIX, FLOWISE_HOME, FLOWISE_DIRS, NODE_MAJORS (majors the package's engines admit),
# ENV_PATH ENV_TEXT SECRET_ENV_PATH DB_PASSWORD_ENV UNIT_PATH UNIT_TEXT, HEALTH_URL HEALTH_EXPECT HEALTH_TIMEOUT.

: "${FLOWISE_VERSION?}" "${FLOWISE_INTEGRITY?}" "${FLOWISE_HINT?}" "${FLOWISE_PREFIX:?}" "${FLOWISE_HOME:?}"
: "${ENV_PATH:?}" "${ENV_TEXT:?}" "${SECRET_ENV_PATH:?}" "${DB_PASSWORD_ENV:?}" "${UNIT_PATH:?}" "${UNIT_TEXT:?}"
: "${HEALTH_URL:?}" "${HEALTH_EXPECT:?}" "${HEALTH_TIMEOUT:?}"
require_env "$DB_PASSWORD_ENV"

# Native modules of Flowise's dependency tree build with node-gyp when no prebuilt binary fits.
ensure_packages nodejs npm curl ca-certificates openssl build-essential python3
major="$(node -p 'process.versions.node.split(".")[0]')"
[[ " ${NODE_MAJORS[*]} " == *" $major "* ]] || die "Node.js $major is not among the majors flowise $FLOWISE_VERSION admits (${NODE_MAJORS[*]})"

# 1. The pinned package: its tarball must have the pinned integrity before npm installs it.
stamp="$FLOWISE_PREFIX/.homelab-integrity"
if [ -n "$FLOWISE_INTEGRITY" ]; then
  if [ ! -x "$FLOWISE_PREFIX/node_modules/.bin/flowise" ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$FLOWISE_INTEGRITY" ]; then
    dl="$(mktemp -d)"
    (cd "$dl" && npm pack --silent "flowise@$FLOWISE_VERSION" >/dev/null)
    tgz="$dl/flowise-$FLOWISE_VERSION.tgz"
    have="sha512-$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)"
    [ "$have" = "$FLOWISE_INTEGRITY" ] || die "flowise $FLOWISE_VERSION: tarball integrity $have, pinned $FLOWISE_INTEGRITY"
    install -d -m 0755 "$FLOWISE_PREFIX"
    npm install --prefix "$FLOWISE_PREFIX" --omit=dev --no-audit --no-fund "$tgz" >/dev/null
    echo "$FLOWISE_INTEGRITY" >"$stamp"
    rm -rf "$dl"
    log "installed flowise $FLOWISE_VERSION"
    mark_changed
  fi
elif [ ! -x "$FLOWISE_PREFIX/node_modules/.bin/flowise" ]; then
  die "flowise is not installed: $FLOWISE_HINT"
fi

# 2. User and state on the data mount (secret keys, uploaded files, logs).
if ! id flowise >/dev/null 2>&1; then
  useradd -r -s /usr/sbin/nologin -U -d "$FLOWISE_HOME" flowise
  mark_changed
fi
for d in "${FLOWISE_DIRS[@]}"; do install -d -o flowise -g flowise -m 0750 "$d"; done

# 3. Environment: the rendered file, and the database password into a root-only file systemd reads.
put "$ENV_PATH" 0644 root:root <<<"$ENV_TEXT"
put "$SECRET_ENV_PATH" 0600 root:root <<<"DATABASE_PASSWORD=${!DB_PASSWORD_ENV}"

# 4. The unit; restarted only when something above changed.
put "$UNIT_PATH" 0644 root:root <<<"$UNIT_TEXT"
if put_changed; then systemctl daemon-reload; fi
converge_units flowise.service
healthy() {
  local body
  body="$(curl -fsS --max-time 5 "$HEALTH_URL" 2>/dev/null)" && [[ "$body" == *"$HEALTH_EXPECT"* ]]
}
WAIT_TIMEOUT="$HEALTH_TIMEOUT" WAIT_HINT="journalctl -u flowise.service" wait_until "flowise healthy at $HEALTH_URL" healthy
