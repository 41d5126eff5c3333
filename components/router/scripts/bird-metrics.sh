#!/usr/bin/env bash
# shellcheck shell=bash
# BGP session metrics for node_exporter's textfile collector, from `birdc show protocols all`
# (BIRD 2.0.12 has no Prometheus exporter of its own and Debian ships none). Run by
# homelab-bird-metrics.timer on the router. Environment:
#   BIRD_SOCKET   birdc control socket (default /run/bird/bird.ctl)
#   PROTOCOL      the BGP protocol's name in bird.conf
#   TEXTFILE_DIR  node_exporter textfile-collector directory
# Writes $TEXTFILE_DIR/homelab_bgp.prom atomically:
#   homelab_bgp_session_up{protocol}       1 when the session is Established, else 0
#   homelab_bgp_routes_imported{protocol}  routes accepted from the peer (after the import filter)
#   homelab_bgp_routes_exported{protocol}  routes announced to the peer
set -euo pipefail
: "${PROTOCOL:?PROTOCOL is required}" "${TEXTFILE_DIR:?TEXTFILE_DIR is required}"
socket="${BIRD_SOCKET:-/run/bird/bird.ctl}"
out="$(birdc -r -s "$socket" show protocols all "$PROTOCOL" 2>/dev/null || true)"
up=0
imported=0
exported=0
if printf '%s\n' "$out" | grep -Eq '^[[:space:]]*BGP state:[[:space:]]+Established'; then up=1; fi
routes="$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*Routes:[[:space:]]*//p' | head -n 1)"
if [ -n "$routes" ]; then
  imported="$(printf '%s\n' "$routes" | sed -n 's/^\([0-9][0-9]*\) imported.*/\1/p')"
  exported="$(printf '%s\n' "$routes" | sed -n 's/.*[^0-9]\([0-9][0-9]*\) exported.*/\1/p')"
fi
mkdir -p "$TEXTFILE_DIR"
tmp="$(mktemp "$TEXTFILE_DIR/.homelab_bgp.XXXXXX")"
{
  echo "# HELP homelab_bgp_session_up Whether the BGP session is Established (birdc show protocols)."
  echo "# TYPE homelab_bgp_session_up gauge"
  echo "homelab_bgp_session_up{protocol=\"$PROTOCOL\"} $up"
  echo "# HELP homelab_bgp_routes_imported Routes accepted from the BGP peer."
  echo "# TYPE homelab_bgp_routes_imported gauge"
  echo "homelab_bgp_routes_imported{protocol=\"$PROTOCOL\"} ${imported:-0}"
  echo "# HELP homelab_bgp_routes_exported Routes announced to the BGP peer."
  echo "# TYPE homelab_bgp_routes_exported gauge"
  echo "homelab_bgp_routes_exported{protocol=\"$PROTOCOL\"} ${exported:-0}"
} >"$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" "$TEXTFILE_DIR/homelab_bgp.prom"
