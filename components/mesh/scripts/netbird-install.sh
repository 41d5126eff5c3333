#!/usr/bin/env bash
# shellcheck shell=bash
# NetBird coordinator (management, signal, relay/STUN as podman containers under systemd) on a Debian
# LXC. Composed by components/mesh/render/netbirdServer.ts (shellScript), which sets:
#   NB_IMAGES           bash array: image references (tag, plus digest when pinned); units never pull
#   NB_DATA_DIR, NB_CONFIG_DIR   management data dir (SQLite store) and config dir
#   NB_SECRETS_ENV      root-only env file written from the variables named in NB_SECRET_KEYS
#   NB_SECRET_KEYS      bash array: names of the secret variables (they arrive on the Command's stdin)
#   NB_TLS_CERT_FILE, NB_TLS_KEY_FILE   where HOMELAB_TLS_CERT / HOMELAB_TLS_KEY are written
#   NB_MGMT_CONFIG, NB_MGMT_CONFIG_TEXT management.json (secret fields are {{ .NAME }} placeholders)
#   NB_UNIT_PATHS, NB_UNIT_TEXTS        bash arrays: systemd units (signal, relay, management)
#   NB_OIDC_DISCOVERY   the IdP's discovery URL; management exits at start when it does not answer
#   NB_MGMT_DOMAIN, NB_MGMT_PORT        where the management API answers (TLS, verified)
#   NB_WAIT_TIMEOUT     seconds to wait for the IdP and for management
# Secrets (environment only): NB_AUTH_SECRET, NB_DATASTORE_ENC_KEY, NB_IDP_SA_PASSWORD, HOMELAB_TLS_KEY.

# jq: the API setup script (run on this host after install) parses the management API with it.
ensure_packages podman crun ca-certificates curl jq

install -d -m 0750 "$NB_DATA_DIR" "$NB_CONFIG_DIR"

trust_ca HOMELAB_CA_CERT

# Secrets: from the Command environment into root-only files.
put_env_file "$NB_SECRETS_ENV" "${NB_SECRET_KEYS[@]}"
put_env HOMELAB_TLS_CERT "$NB_TLS_CERT_FILE" 0644 root:root
put_env HOMELAB_TLS_KEY "$NB_TLS_KEY_FILE" 0600 root:root

for image in "${NB_IMAGES[@]}"; do
  if ! podman image exists "$image"; then
    podman pull "$image"
    mark_changed
  fi
done

put "$NB_MGMT_CONFIG" 0640 root:root <<<"$NB_MGMT_CONFIG_TEXT"
for i in "${!NB_UNIT_PATHS[@]}"; do
  put "${NB_UNIT_PATHS[$i]}" 0644 root:root <<<"${NB_UNIT_TEXTS[$i]}"
done
systemctl daemon-reload

# Each wait (the library's wait_until) gives up after NB_WAIT_TIMEOUT seconds.
export WAIT_TIMEOUT="$NB_WAIT_TIMEOUT"

# Management loads the IdP's discovery document at start and exits when it fails
# (management/cmd/management.go ApplyOIDCConfig, v0.77.1): start it only once discovery answers with
# the certificate the containers will verify (the host's bundle, internal CA included).
discovery_ok() { curl -fsS -o /dev/null --max-time 10 "$NB_OIDC_DISCOVERY"; }
wait_until "OIDC discovery answers ($NB_OIDC_DISCOVERY)" discovery_ok

converge_units netbird-signal netbird-relay netbird-management

# The management API answers (TLS verified against the installed CA; 401 = up, no token).
mgmt_up() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --resolve "$NB_MGMT_DOMAIN:$NB_MGMT_PORT:127.0.0.1" "https://$NB_MGMT_DOMAIN:$NB_MGMT_PORT/api/accounts" || true)"
  [ "$code" = 401 ] || [ "$code" = 200 ]
}
wait_until "management API is up (journalctl -u netbird-management)" mgmt_up
echo "netbird management is up"
