#!/usr/bin/env bash
# shellcheck shell=bash
# k3s on one node, configured through /etc/rancher/k3s/config.yaml (rendered by
# components/k8s/render/k3s.ts, composed with components/shell). k3s reads that file at every
# start (k3s pkg/configfilearg: DefaultConfig /etc/rancher/k3s/config.yaml; each key is the
# long flag name, a list repeats the flag), so a changed flag only needs a restart, never a
# reinstall. The installer is run only for a fresh node, a version change, or a unit that still
# carries command-line flags from an older install (those would be appended to the file's).
#
# Environment (set above by the renderer): K3S_ROLE (server|agent), K3S_PINNED_VERSION,
# K3S_INSTALL_URL, K3S_CONFIG (the YAML text), K3S_CONFIG_FILE, K3S_SYSTEMD_DIR (where install.sh
# writes the unit: its INSTALL_K3S_SYSTEMD_DIR default). Secret (stdin): K3S_TOKEN; the
# installer keeps K3S_* variables in the unit's environment file (install.sh header).

: "${K3S_ROLE:?}" "${K3S_PINNED_VERSION:?}" "${K3S_INSTALL_URL:?}" "${K3S_CONFIG:?}" "${K3S_CONFIG_FILE:?}" "${K3S_SYSTEMD_DIR:?}"
if [ -z "${K3S_TOKEN:-}" ]; then
  log "K3S_TOKEN must be provided in the environment"
  exit 64
fi
export K3S_TOKEN

case "$K3S_ROLE" in
  server) service=k3s ;;
  agent) service=k3s-agent ;;
  *) die "K3S_ROLE must be server or agent, not $K3S_ROLE" ;;
esac
unit="${K3S_SYSTEMD_DIR}/${service}.service"

put "$K3S_CONFIG_FILE" 0600 root:root <<<"$K3S_CONFIG"

installed_version() {
  if command -v k3s >/dev/null 2>&1; then k3s --version 2>/dev/null | awk 'NR == 1 { print $3 }'; fi
}

# install.sh writes every extra argument into ExecStart as an indented, single-quoted line.
unit_has_flags() {
  [ -f "$unit" ] && grep -Eq "^[[:space:]]+'-" "$unit"
}

if [ "$(installed_version)" = "$K3S_PINNED_VERSION" ] && [ -f "$unit" ] && ! unit_has_flags; then
  if changed; then
    log "$K3S_CONFIG_FILE changed: restarting $service"
    systemctl restart "$service"
  elif systemctl is-active --quiet "$service"; then
    log "k3s $K3S_PINNED_VERSION $K3S_ROLE already configured and active; nothing to do"
  else
    systemctl start "$service"
  fi
else
  # components/remote/packages.ts ENSURE_CURL (the same guard every downloading script uses)
  command -v curl >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends curl ca-certificates >/dev/null; }
  installer="$(mktemp)"
  trap 'rm -f "$installer"' EXIT
  curl -sfL --retry 3 -o "$installer" "$K3S_INSTALL_URL"
  # Only the role as argument: every flag lives in the config file.
  INSTALL_K3S_VERSION="$K3S_PINNED_VERSION" INSTALL_K3S_FORCE_RESTART=true sh "$installer" "$K3S_ROLE"
fi

systemctl is-active --quiet "$service" || die "$service is not active"
log "k3s $K3S_PINNED_VERSION $K3S_ROLE converged"
