# shellcheck shell=bash
# Grafana's apt repository (apt.grafana.com) with its signing key held to one fingerprint, and one
# pinned package from it. Part of the Loki and Alloy setups (components/monitoring/render/grafanaApt.ts),
# after the toolkit preamble, with:
#   GRAFANA_APT_KEY_URL   the published key (armored)
#   GRAFANA_APT_KEY_FPR   its primary key's fingerprint (40 hex): any other key stops the run
#   GRAFANA_APT_KEYRING   where the key is kept (signed-by of the source line)
#   GRAFANA_APT_LIST      the sources.list.d file

# grafana_key_fpr FILE: the fingerprint of the first (primary) key in FILE, or nothing.
grafana_key_fpr() { gpg --batch --show-keys --with-colons "$1" 2>/dev/null | awk -F: '$1 == "fpr" { print $10; exit }'; }

# grafana_apt_repo: the key (fetched only when missing or not the pinned one) and the source line.
grafana_apt_repo() {
  local tmp got line
  ensure_packages gpg curl ca-certificates
  if [ ! -s "$GRAFANA_APT_KEYRING" ] || [ "$(grafana_key_fpr "$GRAFANA_APT_KEYRING")" != "$GRAFANA_APT_KEY_FPR" ]; then
    tmp="$(mktemp)"
    curl -fsSL --retry 3 -o "$tmp" "$GRAFANA_APT_KEY_URL"
    got="$(grafana_key_fpr "$tmp")"
    if [ "$got" != "$GRAFANA_APT_KEY_FPR" ]; then
      rm -f "$tmp"
      die "$GRAFANA_APT_KEY_URL holds key ${got:-(none)}, not the pinned $GRAFANA_APT_KEY_FPR: a rotated key is for a human to check"
    fi
    install -D -m 0644 "$tmp" "$GRAFANA_APT_KEYRING"
    rm -f "$tmp"
    log "installed Grafana's apt key $GRAFANA_APT_KEY_FPR"
  fi
  line="deb [signed-by=$GRAFANA_APT_KEYRING] https://apt.grafana.com stable main"
  put "$GRAFANA_APT_LIST" 0644 root:root <<<"$line"
  if put_changed; then apt-get update -q; fi
}

# grafana_apt_install PACKAGE VERSION: that version installed and held (an upgrade is a new pin).
grafana_apt_install() {
  local pkg="$1" want="$2" have
  have="$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)"
  if [ "$have" != "$want" ]; then
    grafana_apt_repo
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-change-held-packages -o Dpkg::Options::=--force-confold "$pkg=$want"
    apt-mark hold "$pkg" >/dev/null
    mark_changed
    log "$pkg $want installed (was ${have:-none})"
  else
    grafana_apt_repo
  fi
}
