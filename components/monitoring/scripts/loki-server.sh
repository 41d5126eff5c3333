# shellcheck shell=bash
# Grafana Loki from Grafana's apt repository, configured from the inventory (components/monitoring/logs.ts,
# after the toolkit preamble, components/shell/vendor-apt.sh and /etc/loki/config.yml put), with:
#   LOKI_VERSION   the pinned package version
#   DATA_DIR       the data mount (owned by the package's user `loki`)
#   HEALTH_URL     Loki's /ready
#   S3             1: chunks in the object store (LOKI_S3_SECRET_KEY and LOKI_CA_PEM on stdin)
# The package (grafana/loki tools/packaging) brings /etc/systemd/system/loki.service (User=loki,
# -config.file /etc/loki/config.yml) and its postinst adds the system user loki.

vendor_apt_install loki "$LOKI_VERSION"
install -d -o loki -m 0750 "$DATA_DIR"
chown loki "$DATA_DIR"
if [ "$S3" = 1 ]; then
  require_env LOKI_S3_SECRET_KEY LOKI_CA_PEM
  put_env_file /etc/loki/s3.env LOKI_S3_SECRET_KEY
  put_env LOKI_CA_PEM /etc/loki/ca.pem 0644 root:root
fi
put /etc/systemd/system/loki.service.d/homelab.conf 0644 root:root <<<"$LOKI_DROPIN"
systemctl daemon-reload
converge_units loki.service
WAIT_TIMEOUT=180 WAIT_HINT="journalctl -u loki" wait_until "loki ready at $HEALTH_URL" curl -fsS -o /dev/null "$HEALTH_URL"
