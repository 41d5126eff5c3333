#!/usr/bin/env bash
# shellcheck shell=bash
# Grafana, the pinned package of Grafana's apt repository (Debian 12 has no grafana package), then
# its secrets and unit. Rendered by components/monitoring/grafana.ts, which prepends the toolkit
# preamble, components/shell/vendor-apt.sh (Grafana's repository, key held to its fingerprint) and:
#   GRAFANA_VERSION              the `grafana` package version (installed and held; an upgrade is a new pin)
#   DATA_DIR                     the data mount (grafana.ini [paths] data)
#   OIDC                         1: generic OAuth through authentik (secret GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET)
# The static files (grafana.ini, provisioning, dashboards) are put after this part. The package's
# postinst (grafana/grafana packaging/deb/control/postinst) creates the grafana user and group, copies
# its sample grafana.ini only when /etc/grafana/grafana.ini is missing (the put replaces it), and on
# every install or upgrade makes every file under /etc/grafana root:grafana 0640.
# Secrets on stdin: GF_SECURITY_ADMIN_PASSWORD, GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET (with OIDC),
# GRAFANA_CA_PEM (the internal CA authentik's certificate chains to).
require_env GF_SECURITY_ADMIN_PASSWORD
vendor_apt_install grafana "$GRAFANA_VERSION"
install -d -o grafana -g grafana -m 0750 "$DATA_DIR"
install -d -m 0755 /etc/grafana/provisioning/datasources /etc/grafana/provisioning/dashboards /etc/grafana/dashboards/homelab
install -d -m 0755 /etc/systemd/system/grafana-server.service.d
vars=(GF_SECURITY_ADMIN_PASSWORD)
if [ "$OIDC" = 1 ]; then
  vars+=(GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET)
  put_env GRAFANA_CA_PEM /etc/grafana/homelab-ca.pem 0644 root:grafana
fi
put_env_file /etc/grafana/homelab.env "${vars[@]}"
# Root-only again after a package upgrade's postinst (put leaves an unchanged file's mode as it finds it).
chown root:root /etc/grafana/homelab.env
chmod 0600 /etc/grafana/homelab.env
