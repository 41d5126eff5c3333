#!/usr/bin/env bash
# shellcheck shell=bash
# Ollama on one guest (components/apps/ollama.ts renders the environment block): the pinned release
# unpacked under /usr (bin/ollama, lib/ollama), the `ollama` system user with its home on the data
# mount, a systemd unit listening on the service address only, the health check, then each model
# pulled by tag and checked against its pinned manifest digest (the registry can move a tag; a
# mismatch stops the run instead of serving another build). A second run changes nothing.
# Environment: OLLAMA_URL OLLAMA_SHA256 OLLAMA_VERSION (empty: ollama must be installed), OLLAMA_HINT,
# OLLAMA_PREFIX (where the archive unpacks: /usr), OLLAMA_HOME, OLLAMA_MODELS_DIR, UNIT_PATH, UNIT_TEXT, HEALTH_URL HEALTH_EXPECT HEALTH_TIMEOUT, MODELS (name:tag),
# MODEL_DIGESTS (sha256 hex of each manifest, or empty for not pinned yet), MANIFEST_ROOT.

: "${OLLAMA_URL?}" "${OLLAMA_SHA256?}" "${OLLAMA_VERSION?}" "${OLLAMA_HINT?}" "${OLLAMA_HOME:?}" "${OLLAMA_MODELS_DIR:?}"
: "${OLLAMA_PREFIX:?}" "${UNIT_PATH:?}" "${UNIT_TEXT:?}" "${HEALTH_URL:?}" "${HEALTH_EXPECT:?}" "${HEALTH_TIMEOUT:?}" "${MANIFEST_ROOT:?}"
[ "${#MODELS[@]}" -eq "${#MODEL_DIGESTS[@]}" ] || die "MODELS and MODEL_DIGESTS differ in length"

ensure_packages curl ca-certificates zstd

# 1. The pinned release (stamp: its sha256).
if [ -n "$OLLAMA_URL" ]; then
  if [ ! -x "$OLLAMA_PREFIX/bin/ollama" ] || [ "$(cat "$OLLAMA_PREFIX/lib/ollama.sha256" 2>/dev/null || true)" != "$OLLAMA_SHA256" ]; then
    dl="$(mktemp -d)"
    fetch_verified "$OLLAMA_URL" "$OLLAMA_SHA256" "$dl/ollama.archive"
    case "$OLLAMA_URL" in
      *.tar.zst) tar --zstd -xf "$dl/ollama.archive" -C "$OLLAMA_PREFIX" ;;
      *) tar -xzf "$dl/ollama.archive" -C "$OLLAMA_PREFIX" ;;
    esac
    echo "$OLLAMA_SHA256" >"$OLLAMA_PREFIX/lib/ollama.sha256"
    rm -rf "$dl"
    log "installed ollama $OLLAMA_VERSION"
    mark_changed
  fi
elif [ ! -x "$OLLAMA_PREFIX/bin/ollama" ]; then
  die "ollama is not installed: $OLLAMA_HINT"
fi

# 2. User and models directory on the data mount.
if ! id ollama >/dev/null 2>&1; then
  useradd -r -s /bin/false -U -d "$OLLAMA_HOME" ollama
  mark_changed
fi
install -d -o ollama -g ollama -m 0755 "$OLLAMA_HOME" "$OLLAMA_MODELS_DIR"

# 3. The unit; restarted only when something above changed.
put "$UNIT_PATH" 0644 root:root <<<"$UNIT_TEXT"
if put_changed; then systemctl daemon-reload; fi
converge_units ollama.service
healthy() {
  local body
  body="$(curl -fsS --max-time 5 "$HEALTH_URL" 2>/dev/null)" && [[ "$body" == *"$HEALTH_EXPECT"* ]]
}
WAIT_TIMEOUT="$HEALTH_TIMEOUT" wait_until "ollama healthy at $HEALTH_URL" healthy

# 4. Models: pull once, then hold each to its pinned manifest digest.
for i in "${!MODELS[@]}"; do
  model="${MODELS[$i]}" want="${MODEL_DIGESTS[$i]}"
  manifest="$MANIFEST_ROOT/${model%%:*}/${model#*:}"
  if [ ! -f "$manifest" ]; then
    OLLAMA_HOST="${HEALTH_URL%/}" "$OLLAMA_PREFIX/bin/ollama" pull "$model" >/dev/null
    log "pulled $model"
  fi
  have="$(sha256sum "$manifest" | cut -d' ' -f1)"
  if [ -z "$want" ]; then
    log "model $model is at manifest sha256 $have (not pinned: set its digest to keep it)"
  elif [ "$have" != "$want" ]; then
    die "model $model: manifest sha256 $have, pinned $want (the registry moved the tag: pin the new digest or restore the old build)"
  fi
done
log "ollama healthy at $HEALTH_URL"
