# shellcheck shell=bash
# A vendor's apt repository (Grafana's, Wazuh's) with its signing key held to one fingerprint, and
# pinned packages from it (components/shell/index.ts vendorApt). After the toolkit preamble, with:
#   VENDOR_APT_KEY_URL   the published key
#   VENDOR_APT_KEY_FPR   its primary key's fingerprint (40 hex): any other key stops the run
#   VENDOR_APT_KEYRING   where the key is kept (signed-by of the source line)
#   VENDOR_APT_LIST      the sources.list.d file
#   VENDOR_APT_SOURCE    "<uri> <suite> <component>"

# vendor_key_fpr FILE: the fingerprint of the first (primary) key in FILE, or nothing.
vendor_key_fpr() { gpg --batch --show-keys --with-colons "$1" 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }'; }

# vendor_apt_repo: the key (fetched only when missing or not the pinned one) and the source line.
vendor_apt_repo() {
  local tmp got line
  ensure_packages gpg curl ca-certificates
  if [ ! -s "$VENDOR_APT_KEYRING" ] || [ "$(vendor_key_fpr "$VENDOR_APT_KEYRING")" != "$VENDOR_APT_KEY_FPR" ]; then
    tmp="$(mktemp)"
    curl -fsSL --retry 3 -o "$tmp" "$VENDOR_APT_KEY_URL"
    got="$(vendor_key_fpr "$tmp")"
    if [ "$got" != "$VENDOR_APT_KEY_FPR" ]; then
      rm -f "$tmp"
      die "$VENDOR_APT_KEY_URL holds key ${got:-(none)}, not the pinned $VENDOR_APT_KEY_FPR: a rotated key is for a human to check"
    fi
    install -D -m 0644 "$tmp" "$VENDOR_APT_KEYRING"
    rm -f "$tmp"
    log "installed the apt key $VENDOR_APT_KEY_FPR"
  fi
  line="deb [signed-by=$VENDOR_APT_KEYRING] $VENDOR_APT_SOURCE"
  put "$VENDOR_APT_LIST" 0644 root:root <<<"$line"
  if put_changed; then apt-get update -q; fi
}

# vendor_apt_install PACKAGE VERSION: that version installed and held (an upgrade is a new pin).
vendor_apt_install() {
  local pkg="$1" want="$2" have
  have="$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)"
  if [ "$have" != "$want" ]; then
    vendor_apt_repo
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-change-held-packages -o Dpkg::Options::=--force-confold "$pkg=$want"
    apt-mark hold "$pkg" >/dev/null
    mark_changed
    log "$pkg $want installed (was ${have:-none})"
  else
    vendor_apt_repo
  fi
}
