/** Small shared bash fragments for the data-tier setup scripts (pure). */
import { heredoc, shellQuote } from "./render/postgres";

/** Preamble with `put DEST MODE OWNER` (content on stdin; sets CHANGED=1 when DEST changed). */
export function setupPreamble(title: string): string[] {
  return [
    "#!/usr/bin/env bash",
    `# ${title}. Managed by homelab (components/data). Idempotent; secrets come from the environment only.`,
    "set -euo pipefail",
    "umask 077",
    "log() { printf '[homelab] %s\\n' \"$*\" >&2; }",
    "CHANGED=0",
    "put() {",
    '  local dest="$1" mode="$2" owner="$3" tmp',
    '  tmp="$(mktemp)"',
    '  cat >"$tmp"',
    '  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then rm -f "$tmp"; return 0; fi',
    '  install -D -o "${owner%%:*}" -g "${owner##*:}" -m "$mode" "$tmp" "$dest"',
    '  rm -f "$tmp"',
    '  log "updated $dest"',
    "  CHANGED=1",
    "}",
    "require_env() { local v; for v in \"$@\"; do if [ -z \"${!v:-}\" ]; then log \"missing secret $v\"; exit 1; fi; done; }",
    "require_bin() { if [ ! -x \"$1\" ]; then log \"missing $1: $2\"; exit 1; fi; }",
  ];
}

/** `put DEST MODE OWNER <<'EOF' text EOF` for a static text. */
export function putText(dest: string, mode: string, owner: string, text: string): string[] {
  const h = heredoc(text);
  return [`put ${shellQuote(dest)} ${mode} ${owner} ${h.open}`, h.body];
}

/** `printf '%s\n' "$VAR" | put DEST MODE OWNER` for a secret or runtime value. */
export function putEnv(dest: string, mode: string, owner: string, envVar: string): string {
  return `printf '%s\\n' "$${envVar}" | put ${shellQuote(dest)} ${mode} ${owner}`;
}
