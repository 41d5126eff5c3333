#!/usr/bin/env bash
# shellcheck shell=bash
# authentik (server + worker containers under podman + systemd) on a Debian LXC, then wait until it
# is really ready: server and worker healthy, the TLS keypair discovered and the homelab blueprint
# applied. Composed by components/mesh/render/authentik.ts (shellScript), which sets:
#   AK_IMAGE            image reference (tag, plus digest when pinned); the units never pull
#   AK_DATA_DIR         host dir with data/, certs/, templates/ (mounted into the containers)
#   AK_CONFIG_DIR       host dir with authentik.env and blueprints/
#   AK_SECRETS_ENV      root-only env file written from the secret variables named in AK_SECRET_KEYS
#   AK_SECRET_KEYS      bash array: names of the secret variables (they arrive on the Command's stdin)
#   AK_TLS              1: install HOMELAB_TLS_CERT/HOMELAB_TLS_KEY as keypair AK_TLS_KEYPAIR
#   AK_TLS_KEYPAIR      keypair name (file stem in /certs, authentik's certificate discovery)
#   AK_ENV_TEXT         non-secret settings (authentik.env)
#   AK_BLUEPRINT_TEXT   the homelab blueprint (empty: none)
#   AK_BLUEPRINT_REL    its path relative to /blueprints (the blueprint instance's `path`)
#   AK_SERVER_UNIT, AK_WORKER_UNIT   the systemd units
#   AK_SERVER_HTTP      host:port of the server's plain HTTP listener (readiness and API, loopback)
#   AK_WORKER_HTTP      host:port of the worker's own HTTP listener (health)
#   AK_READY_TIMEOUT    seconds to wait for readiness
# Secrets (environment only): AUTHENTIK_* keys, HOMELAB_TLS_CERT/KEY, HOMELAB_CA_CERT, AUTHENTIK_BOOTSTRAP_TOKEN.

ensure_packages podman crun curl jq ca-certificates

trust_ca HOMELAB_CA_CERT

# Secrets: from the Command environment into the root-only env file.
put_env_file "$AK_SECRETS_ENV" "${AK_SECRET_KEYS[@]}"

# The image runs as uid/gid 1000.
install -d -m 0750 -o 1000 -g 1000 "$AK_DATA_DIR/data" "$AK_DATA_DIR/templates" "$AK_DATA_DIR/certs"
install -d -m 0755 "$AK_CONFIG_DIR/blueprints"

if [ "$AK_TLS" = 1 ]; then
  put_env HOMELAB_TLS_CERT "$AK_DATA_DIR/certs/$AK_TLS_KEYPAIR.pem" 0644 1000:1000
  put_env HOMELAB_TLS_KEY "$AK_DATA_DIR/certs/$AK_TLS_KEYPAIR.key" 0600 1000:1000
fi

# Pinned image (tag, plus digest when given); the units never pull.
if ! podman image exists "$AK_IMAGE"; then
  podman pull "$AK_IMAGE"
  mark_changed
fi

put "$AK_CONFIG_DIR/authentik.env" 0644 root:root <<<"$AK_ENV_TEXT"
blueprint_file=""
if [ -n "$AK_BLUEPRINT_TEXT" ]; then
  blueprint_file="$AK_CONFIG_DIR/blueprints/$(basename "$AK_BLUEPRINT_REL")"
  put "$blueprint_file" 0644 root:root <<<"$AK_BLUEPRINT_TEXT"
fi
put /etc/systemd/system/authentik-server.service 0644 root:root <<<"$AK_SERVER_UNIT"
put /etc/systemd/system/authentik-worker.service 0644 root:root <<<"$AK_WORKER_UNIT"

systemctl daemon-reload
converge_units authentik-server authentik-worker

# --- readiness -------------------------------------------------------------------------------
# Every wait below (the library's wait_until) shares one budget of AK_READY_TIMEOUT seconds.
export WAIT_DEADLINE=$((SECONDS + AK_READY_TIMEOUT)) WAIT_INTERVAL=5 WAIT_HINT="journalctl -u authentik-server -u authentik-worker"
http_ok() { curl -fsS -o /dev/null --max-time 10 "$1"; }

# Server: /-/health/ready/ answers once the database is reachable and migrations ran; the worker
# serves the same path on its own listener (authentik src/worker: healthcheck router on listen.http).
wait_until "server ready" http_ok "http://$AK_SERVER_HTTP/-/health/ready/"
wait_until "worker ready" http_ok "http://$AK_WORKER_HTTP/-/health/ready/"

# API calls authenticate with the bootstrap token through a private header file (never argv).
require_env AUTHENTIK_BOOTSTRAP_TOKEN
auth_file="$(mktemp)"
trap 'rm -f "$auth_file"' EXIT
printf 'Authorization: Bearer %s\n' "$AUTHENTIK_BOOTSTRAP_TOKEN" >"$auth_file"
ak_api() { # ak_api METHOD PATH: JSON from the authentik API on the loopback listener
  curl -fsS --max-time 30 -X "$1" -H @"$auth_file" -H "Accept: application/json" "http://$AK_SERVER_HTTP/api/v3$2"
}

keypair_found() {
  [ "$(ak_api GET "/crypto/certificatekeypairs/?name=$AK_TLS_KEYPAIR" | jq -r '.pagination.count // (.results | length)')" -ge 1 ] 2>/dev/null
}
if [ "$AK_TLS" = 1 ]; then wait_until "keypair $AK_TLS_KEYPAIR discovered" keypair_found; fi

# The blueprint counts as applied when its instance reports `successful` with the hash of the file
# on disk (authentik blueprints/v1/tasks.py: last_applied_hash = sha512 of the content, set only on a
# successful apply). A failed apply (e.g. before the keypair existed) is retried through the API.
blueprint_applied() {
  local inst pk status hash
  inst="$(ak_api GET "/managed/blueprints/?path=$AK_BLUEPRINT_REL" | jq -c '.results[0] // empty')" || return 1
  [ -n "$inst" ] || return 1
  pk="$(jq -r .pk <<<"$inst")"
  status="$(jq -r .status <<<"$inst")"
  hash="$(jq -r .last_applied_hash <<<"$inst")"
  if [ "$status" = successful ] && [ "$hash" = "$want_hash" ]; then return 0; fi
  if [ $((SECONDS - last_apply)) -ge 30 ]; then
    log "authentik: blueprint $AK_BLUEPRINT_REL is $status; applying it"
    ak_api POST "/managed/blueprints/$pk/apply/" >/dev/null || true
    last_apply=$SECONDS
  fi
  return 1
}
if [ -n "$blueprint_file" ]; then
  want_hash="$(sha512sum "$blueprint_file" | cut -d' ' -f1)"
  last_apply=$SECONDS
  wait_until "blueprint $AK_BLUEPRINT_REL applied" blueprint_applied
fi
echo "authentik is ready"
