#!/usr/bin/env bash
# shellcheck shell=bash
# Applies the router's configuration after components/router/router.ts has put its files (the
# rendered script sets the *_CHANGED flags from `put`). Idempotent: a service restarts only when
# its own file changed, and every file is checked by its own tool before it is loaded.
# Environment (set by the rendered script):
#   IFACES        the interfaces the rendered files name (they must exist: the VM's NICs)
#   BGP           1 when bird.conf is installed
#   NFT_CHANGED DNSMASQ_CHANGED RADVD_CHANGED BIRD_CHANGED SYSCTL_CHANGED ADDR_CHANGED METRICS_CHANGED  1 = file changed
# Uses log/die from the homelab shell library.
for i in "${IFACES[@]}"; do
  ip link show dev "$i" >/dev/null 2>&1 || die "interface $i is missing: the router app's interfaces setting must name the VM's NICs"
done

if [ "${SYSCTL_CHANGED:-0}" = 1 ]; then sysctl -q -p /etc/sysctl.d/90-homelab-router.conf; fi

systemctl daemon-reload
systemctl enable homelab-router-addresses.service >/dev/null
if [ "${ADDR_CHANGED:-0}" = 1 ]; then systemctl restart homelab-router-addresses.service; else systemctl start homelab-router-addresses.service; fi

nft -c -f /etc/nftables.conf || die "/etc/nftables.conf does not load"
systemctl enable nftables.service >/dev/null
if [ "${NFT_CHANGED:-0}" = 1 ] || ! nft list table inet homelab >/dev/null 2>&1; then
  nft -f /etc/nftables.conf
  log "nftables ruleset loaded"
fi

# converge NAME CHANGED: enable the unit; restart it when its file changed, else make sure it runs.
converge() {
  systemctl enable "$1" >/dev/null
  if [ "$2" = 1 ]; then systemctl restart "$1"; else systemctl start "$1"; fi
}

dnsmasq --test -C /etc/dnsmasq.d/homelab.conf >/dev/null 2>&1 || die "dnsmasq rejects /etc/dnsmasq.d/homelab.conf"
converge dnsmasq.service "${DNSMASQ_CHANGED:-0}"
radvd -c -C /etc/radvd.conf >/dev/null 2>&1 || die "radvd rejects /etc/radvd.conf"
converge radvd.service "${RADVD_CHANGED:-0}"

if [ "${BGP:-0}" = 1 ]; then
  bird -p -c /etc/bird/bird.conf || die "bird rejects /etc/bird/bird.conf"
  if [ "${BIRD_CHANGED:-0}" = 1 ] && systemctl is-active --quiet bird.service; then
    birdc configure >/dev/null && log "bird reconfigured"
  fi
  converge bird.service 0
  converge homelab-bird-metrics.timer "${METRICS_CHANGED:-0}"
fi
