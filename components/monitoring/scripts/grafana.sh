#!/usr/bin/env bash
# shellcheck shell=bash
# Grafana from the pinned upstream .deb (Debian 12 has no grafana package), then its secrets and unit.
# Rendered by components/monitoring/grafana.ts, which prepends the toolkit preamble and:
#   GRAFANA_URL GRAFANA_SHA256   the pinned .deb ("" = grafana must already be installed)
#   DATA_DIR                     the data mount (grafana.ini [paths] data)
#   OIDC                         1: generic OAuth through authentik (secret GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET)
# The static files (grafana.ini, provisioning, dashboards) are put after this part.
# Secrets on stdin: GF_SECURITY_ADMIN_PASSWORD, GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET (with OIDC),
# GRAFANA_CA_PEM (the internal CA authentik's certificate chains to).
require_env GF_SECURITY_ADMIN_PASSWORD
stamp=/etc/grafana/homelab-package.sha256
if ! dpkg -s grafana >/dev/null 2>&1 || { [ -n "$GRAFANA_SHA256" ] && [ "$(cat "$stamp" 2>/dev/null || true)" != "$GRAFANA_SHA256" ]; }; then
  [ -n "$GRAFANA_URL" ] || die "grafana is not installed: set homelab:grafanaPackage to a pinned .deb URL and its sha256"
  command -v curl >/dev/null 2>&1 || ensure_packages curl ca-certificates
  dl="$(mktemp -d)"
  fetch_verified "$GRAFANA_URL" "$GRAFANA_SHA256" "$dl/grafana.deb"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$dl/grafana.deb"
  install -d -m 0755 /etc/grafana
  echo "$GRAFANA_SHA256" >"$stamp"
  rm -rf "$dl"
  mark_changed
fi
install -d -o grafana -g grafana -m 0750 "$DATA_DIR"
install -d -m 0755 /etc/grafana/provisioning/datasources /etc/grafana/provisioning/dashboards /etc/grafana/dashboards/homelab
install -d -m 0755 /etc/systemd/system/grafana-server.service.d
vars=(GF_SECURITY_ADMIN_PASSWORD)
if [ "$OIDC" = 1 ]; then
  vars+=(GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET)
  put_env GRAFANA_CA_PEM /etc/grafana/homelab-ca.pem 0644 root:grafana
fi
put_env_file /etc/grafana/homelab.env "${vars[@]}"
