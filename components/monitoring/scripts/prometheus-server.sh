#!/usr/bin/env bash
# shellcheck shell=bash
# Prometheus, Alertmanager and blackbox_exporter on the Prometheus guest: secrets, checks, units.
# Rendered by components/monitoring/prometheusServer.ts, which prepends the toolkit preamble, the
# package installation and the static files (prometheus.yml, rules, blackbox.yml, /etc/default/*), and:
#   DATA_DIR          the data mount holding the TSDB (owned by prometheus)
#   ALERTMANAGER      1: run Alertmanager (its config arrives as ALERTMANAGER_CONFIG on stdin)
#   SECRETS_DIR       scrape credentials directory
#   CA_FILE           CA bundle for the internal-CA TLS targets
#   APP_TOKEN_FILE    file name of the app metrics token in SECRETS_DIR
# Secrets and run-time values on stdin: ALERTMANAGER_CONFIG, PROMETHEUS_CA_PEM,
# REST_SERVER_METRICS_PASSWORD (optional), MINIO_PROMETHEUS_TOKEN (optional), APP_METRICS_TOKEN (optional:
# the bearer token of the apps' protected /metrics, written to $SECRETS_DIR/$APP_TOKEN_FILE).

install -d -o prometheus -g prometheus -m 0750 "$DATA_DIR" "$DATA_DIR/metrics2"
install -d -o root -g prometheus -m 0750 "$SECRETS_DIR"
install -d -o root -g prometheus -m 0755 "$(dirname "$CA_FILE")"
if [ -n "${PROMETHEUS_CA_PEM:-}" ]; then put_env PROMETHEUS_CA_PEM "$CA_FILE" 0644 root:prometheus; fi
if [ -n "${REST_SERVER_METRICS_PASSWORD:-}" ]; then
  put_env REST_SERVER_METRICS_PASSWORD "$SECRETS_DIR/rest-server.password" 0640 root:prometheus
fi
if [ -n "${MINIO_PROMETHEUS_TOKEN:-}" ]; then
  put_env MINIO_PROMETHEUS_TOKEN "$SECRETS_DIR/minio.token" 0640 root:prometheus
else
  log "no MinIO metrics token (homelab:minioPrometheusToken): the minio job stays down until one is set"
fi

if [ -n "${APP_METRICS_TOKEN:-}" ]; then put_env APP_METRICS_TOKEN "$SECRETS_DIR/$APP_TOKEN_FILE" 0640 root:prometheus; fi

# Refuse a configuration Prometheus would not load before restarting anything.
promtool check config --syntax-only /etc/prometheus/prometheus.yml >/dev/null
promtool check rules /etc/prometheus/rules/*.yml >/dev/null

units=(prometheus.service prometheus-blackbox-exporter.service)
if [ "$ALERTMANAGER" = 1 ]; then
  require_env ALERTMANAGER_CONFIG
  put_env ALERTMANAGER_CONFIG /etc/prometheus/alertmanager.yml 0640 root:prometheus
  amtool check-config /etc/prometheus/alertmanager.yml >/dev/null
  units+=(prometheus-alertmanager.service)
else
  systemctl disable --now prometheus-alertmanager.service >/dev/null 2>&1 || true
fi
converge_units "${units[@]}"

# Ready when the API answers (the unit may take a while to replay its WAL).
WAIT_TIMEOUT=120 wait_until "prometheus ready on 127.0.0.1:9090" curl -fsS -o /dev/null http://127.0.0.1:9090/-/ready
