#!/usr/bin/env bash
# shellcheck shell=bash
# WireGuard on one guest (components/apps/wireguard.ts renders the environment block): Debian's
# wireguard-tools and nftables, the rendered wg-quick config with the private key from stdin (0600),
# wg-quick@WG_IF enabled and restarted only when the config changed, then the listening port checked.
# Environment: WG_IF WG_CONF WG_CONF_TEXT WG_PORT; WG_PRIVATE_KEY arrives on stdin.

: "${WG_IF:?}" "${WG_CONF:?}" "${WG_CONF_TEXT:?}" "${WG_PORT:?}"
require_env WG_PRIVATE_KEY

ensure_packages wireguard-tools nftables

install -d -m 0700 "$(dirname "$WG_CONF")"
# The key goes in after ListenPort, composed in the shell (never on a command line).
conf=""
while IFS= read -r line; do
  conf+="$line"$'\n'
  if [[ "$line" == "ListenPort = "* ]]; then conf+="PrivateKey = $WG_PRIVATE_KEY"$'\n'; fi
done <<<"$WG_CONF_TEXT"
put "$WG_CONF" 0600 root:root <<<"${conf%$'\n'}"
converge_units "wg-quick@$WG_IF.service"
[ "$(wg show "$WG_IF" listen-port)" = "$WG_PORT" ] || die "$WG_IF does not listen on $WG_PORT"
log "$WG_IF listens on udp/$WG_PORT"
