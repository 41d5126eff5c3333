#!/usr/bin/env bash
# shellcheck shell=bash
# Host prerequisites of a k3s node (rendered by components/k8s/render/k3s.ts, composed with
# components/shell). Runs on installed and adopted clusters alike; it never touches k3s itself
# except to restart it once after the NVIDIA runtime appeared.
#
# - Longhorn (every node): open-iscsi with iscsid running (Longhorn attaches every volume over
#   iSCSI) and nfs-common (RWX volumes and NFS backup targets).
# - NVIDIA (GPU nodes): the NVIDIA container toolkit at a pinned version from NVIDIA's apt
#   repository, its signing key checked against a pinned fingerprint. k3s looks for
#   nvidia-container-runtime on PATH when containerd's config is generated at start
#   (k3s pkg/agent/containerd/nvidia.go), so a running k3s is restarted after the toolkit changes.
#   The driver itself is the operator's (the script only warns when nvidia-smi is missing).
#
# Environment (set above by the renderer): LONGHORN (1|0), NVIDIA (1|0), NVIDIA_TOOLKIT_VERSION,
# NVIDIA_KEY_URL, NVIDIA_KEY_FINGERPRINT, NVIDIA_REPO_BASE, NVIDIA_KEYRING, NVIDIA_LIST.

: "${LONGHORN:?}" "${NVIDIA:?}"

if [ "$LONGHORN" = 1 ]; then
  ensure_packages open-iscsi nfs-common
  systemctl enable --now iscsid >/dev/null
fi

if [ "$NVIDIA" = 1 ]; then
  : "${NVIDIA_TOOLKIT_VERSION:?}" "${NVIDIA_KEY_URL:?}" "${NVIDIA_KEY_FINGERPRINT:?}" "${NVIDIA_REPO_BASE:?}" "${NVIDIA_KEYRING:?}" "${NVIDIA_LIST:?}"
  if ! command -v nvidia-smi >/dev/null 2>&1; then
    log "warning: nvidia-smi not found; install the NVIDIA driver on this node (the toolkit needs it at run time)"
  fi
  if [ ! -s "$NVIDIA_KEYRING" ]; then
    ensure_packages curl ca-certificates gnupg
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    curl -fsSL --retry 3 -o "$work/key.asc" "$NVIDIA_KEY_URL"
    fingerprint="$(GNUPGHOME="$work" gpg --batch --quiet --show-keys --with-colons "$work/key.asc" | awk -F: '$1 == "fpr" { print $10; exit }')"
    if [ "$fingerprint" != "$NVIDIA_KEY_FINGERPRINT" ]; then
      die "NVIDIA signing key fingerprint is ${fingerprint:-missing}, expected $NVIDIA_KEY_FINGERPRINT; repository not added"
    fi
    GNUPGHOME="$work" gpg --batch --quiet --dearmor --output "$work/key.gpg" "$work/key.asc"
    put "$NVIDIA_KEYRING" 0644 root:root <"$work/key.gpg"
  fi
  put "$NVIDIA_LIST" 0644 root:root <<<"deb [signed-by=$NVIDIA_KEYRING] $NVIDIA_REPO_BASE/$(dpkg --print-architecture) /"
  installed="$(dpkg-query -W -f='${Version}' nvidia-container-toolkit 2>/dev/null || true)"
  if [ "$installed" != "$NVIDIA_TOOLKIT_VERSION" ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-downgrades \
      "nvidia-container-toolkit=$NVIDIA_TOOLKIT_VERSION" \
      "nvidia-container-toolkit-base=$NVIDIA_TOOLKIT_VERSION" \
      "libnvidia-container-tools=$NVIDIA_TOOLKIT_VERSION" \
      "libnvidia-container1=$NVIDIA_TOOLKIT_VERSION"
    log "nvidia-container-toolkit $NVIDIA_TOOLKIT_VERSION installed (was ${installed:-absent})"
    for service in k3s k3s-agent; do
      if systemctl is-active --quiet "$service"; then
        log "restarting $service so that it registers the nvidia runtime"
        systemctl restart "$service"
      fi
    done
  fi
fi
log "host prerequisites converged (longhorn=$LONGHORN nvidia=$NVIDIA)"
