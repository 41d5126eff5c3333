#!/usr/bin/env bash
# shellcheck shell=bash
# Enrol this host (a site's routing peer) into the NetBird mesh: install the pinned client, trust the
# internal CA, store the setup key and `netbird up` against our coordinator. Composed by
# components/mesh/render/netbirdPeer.ts (shellScript), which sets:
#   MGMT_URL, MGMT_HOST     our management URL (never NetBird's public service) and its host name
#   SETUP_KEY_FILE          where the key from NB_SETUP_KEY is stored (0600)
#   PEER_HOSTNAME           name shown in NetBird
#   NETBIRD_VERSION         pinned client version
#   CLIENT_TARBALL, CLIENT_TARBALL_SHA256, RELEASE_URL   the release tarball and its sha256; when the
#                           sha256 is empty the client comes from NetBird's signed apt repository
#   APT_KEY_URL, APT_KEYRING, APT_SOURCE                  that repository
# Secrets (environment only): NB_SETUP_KEY (may be empty), HOMELAB_CA_CERT.

# No setup key yet (the coordinator's site has not exported one): nothing to do, and nothing fails.
# The Command runs again when its stdin (the key) changes.
if [ -z "${NB_SETUP_KEY:-}" ]; then
  echo "skipped: no setup key for $PEER_HOSTNAME yet (deploy the coordinator's site first, then run pulumi up here again)"
  exit 0
fi

ensure_packages curl jq ca-certificates gnupg

trust_ca HOMELAB_CA_CERT

installed="$(netbird version 2>/dev/null || true)"
if [ "$installed" != "$NETBIRD_VERSION" ]; then
  if [ -n "$CLIENT_TARBALL_SHA256" ]; then
    work="$(mktemp -d)"
    curl -fsSL -o "$work/$CLIENT_TARBALL" "$RELEASE_URL/$CLIENT_TARBALL"
    echo "$CLIENT_TARBALL_SHA256  $work/$CLIENT_TARBALL" | sha256sum -c --quiet -
    tar -xzf "$work/$CLIENT_TARBALL" -C "$work" netbird
    install -m 0755 "$work/netbird" /usr/local/bin/netbird
    rm -rf "$work"
  else
    # NetBird's signed apt repository, version pinned.
    if [ ! -s "$APT_KEYRING" ]; then
      curl -fsSL "$APT_KEY_URL" | gpg --batch --dearmor -o "$APT_KEYRING"
    fi
    echo "$APT_SOURCE" >/etc/apt/sources.list.d/netbird.list
    apt-get update -q
    apt-get install -y -q --allow-downgrades "netbird=${NETBIRD_VERSION}"
    apt-mark hold netbird >/dev/null
  fi
  mark_changed
fi

if ! systemctl cat netbird.service >/dev/null 2>&1; then
  netbird service install
fi
systemctl enable --now netbird.service >/dev/null
if changed; then systemctl restart netbird.service; fi

put_env NB_SETUP_KEY "$SETUP_KEY_FILE" 0600 root:root

# Already connected to this management server? Then nothing to do.
status="$(netbird status --json 2>/dev/null || true)"
if [ -n "$status" ] && jq -e --arg h "$MGMT_HOST" '.management.connected == true and (.management.url | contains($h))' <<<"$status" >/dev/null; then
  echo "already connected to $MGMT_URL"
  exit 0
fi

netbird up --management-url "$MGMT_URL" --setup-key-file "$SETUP_KEY_FILE" --hostname "$PEER_HOSTNAME"
