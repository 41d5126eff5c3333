#!/usr/bin/env bash
# shellcheck shell=bash
# Vaultwarden's own steps before the OCI runner (components/apps/vaultwarden.ts renders the environment
# block): the site's CA in the system trust store (the runner's health check verifies the certificate),
# the certificate and its key (as PKCS#8) for Rocket's TLS, and ADMIN_TOKEN, the Argon2id PHC string of
# the generated admin token, exported for the runner's root-only env file. The PHC string is kept while
# it still verifies against the token, so a second run makes no new salt and restarts nothing; a new
# token makes a new one.
# Environment: TLS_DIR PHC_FILE ARGON2_M ARGON2_T ARGON2_P ARGON2_L; on stdin VAULTWARDEN_ADMIN_TOKEN and
# AppPlan.tls's TLS_CERT_PEM TLS_KEY_PEM TLS_CA_PEM.

: "${TLS_DIR:?}" "${PHC_FILE:?}" "${ARGON2_M:?}" "${ARGON2_T:?}" "${ARGON2_P:?}" "${ARGON2_L:?}"
require_env VAULTWARDEN_ADMIN_TOKEN TLS_CERT_PEM TLS_KEY_PEM TLS_CA_PEM
ensure_packages argon2 sqlite3 openssl ca-certificates

# 1. TLS: the CA trusted by this guest, the chain and the key (PKCS#8, a form every rustls loader takes).
trust_ca TLS_CA_PEM
install -d -m 0755 "$TLS_DIR"
put "$TLS_DIR/cert.pem" 0644 root:root <<<"$TLS_CERT_PEM"
put "$TLS_DIR/key.pem" 0600 root:root < <(openssl pkey <<<"$TLS_KEY_PEM")

# 2. The admin token's PHC string: $argon2id$v=19$m=M,t=T,p=P$<salt>$<hash> (base64 without padding).
argon2_phc() { # SALT: the PHC string of the token with that salt
  printf '%s' "$VAULTWARDEN_ADMIN_TOKEN" | argon2 "$1" -id -k "$ARGON2_M" -t "$ARGON2_T" -p "$ARGON2_P" -l "$ARGON2_L" -e
}
phc_verifies() { # PHC: true when PHC is the token's hash with our parameters and its own salt
  local phc="$1" salt64 salt
  [[ "$phc" =~ ^\$argon2id\$v=19\$m=${ARGON2_M},t=${ARGON2_T},p=${ARGON2_P}\$([A-Za-z0-9+/]+)\$[A-Za-z0-9+/]+$ ]] || return 1
  salt64="${BASH_REMATCH[1]}"
  while [ $((${#salt64} % 4)) -ne 0 ]; do salt64+="="; done
  salt="$(base64 -d <<<"$salt64" 2>/dev/null)" || return 1
  [ "$(argon2_phc "$salt")" = "$phc" ]
}
phc="$(cat "$PHC_FILE" 2>/dev/null || true)"
if ! phc_verifies "$phc"; then
  phc="$(argon2_phc "$(openssl rand -hex 8)")"
  put "$PHC_FILE" 0600 root:root <<<"$phc"
  log "made a new Argon2id PHC string for the admin token"
fi
ADMIN_TOKEN="$phc"
export ADMIN_TOKEN
