#!/usr/bin/env bash
# shellcheck shell=bash
# PostgreSQL extension packages on the primary (components/data/render/pgExtensions.ts renders the
# environment block). pgvector is not in Debian 12: it comes from the PostgreSQL project's apt repository
# (PGDG), whose signing key is checked against its pinned fingerprint before apt trusts it, and the
# package is installed at its pinned version only. Contrib extensions ship in postgresql-15 and need
# nothing here. A second run changes nothing.
# Environment: PGDG_PACKAGES (package=version; empty: no PGDG package), PGDG_HINT (message when a pin is
# missing, else empty), PGDG_KEY_URL, PGDG_KEY_FPR (40 hex), PGDG_KEYRING, PGDG_LIST, PGDG_LIST_TEXT.

: "${PGDG_HINT?}" "${PGDG_KEY_URL:?}" "${PGDG_KEY_FPR:?}" "${PGDG_KEYRING:?}" "${PGDG_LIST:?}" "${PGDG_LIST_TEXT:?}"

[ -z "$PGDG_HINT" ] || die "pgvector is not pinned: $PGDG_HINT"
[ "${#PGDG_PACKAGES[@]}" -gt 0 ] || exit 0

ensure_packages curl ca-certificates gnupg

# 1. The repository's signing key, trusted only when its fingerprint is the pinned one.
if [ ! -s "$PGDG_KEYRING" ]; then
  tmp="$(mktemp -d)"
  curl -fsSL --retry 3 -o "$tmp/key.asc" "$PGDG_KEY_URL"
  fprs="$(gpg --batch --show-keys --with-colons "$tmp/key.asc" | awk -F: '$1 == "fpr" { print $10 }')"
  grep -qx "$PGDG_KEY_FPR" <<<"$fprs" || die "PGDG key at $PGDG_KEY_URL has fingerprints [$fprs], not $PGDG_KEY_FPR"
  install -d -m 0755 "$(dirname "$PGDG_KEYRING")"
  install -m 0644 "$tmp/key.asc" "$PGDG_KEYRING"
  rm -rf "$tmp"
  mark_changed
fi

# 2. The apt source (signed-by that key only), then each package at its pinned version.
put "$PGDG_LIST" 0644 root:root <<<"$PGDG_LIST_TEXT"
if put_changed; then apt-get update -q; fi
for pv in "${PGDG_PACKAGES[@]}"; do
  pkg="${pv%%=*}" want="${pv#*=}"
  have="$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null || true)"
  if [ "$have" != "$want" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pv"
    log "installed $pkg $want"
    mark_changed
  fi
done
