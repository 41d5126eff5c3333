/**
 * Small shell helpers shared by the mesh renderers. Pure string functions.
 */

/** Quote a value for POSIX shells (single quotes, embedded quotes escaped). */
export function shq(value: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}

/** Reject values that must never contain newlines or NULs (paths, names, URLs). */
export function assertSingleLine(label: string, value: string): string {
  if (/[\n\r\0]/.test(value)) throw new Error(`${label} must be a single line`);
  return value;
}

/** A sha256 hex digest (64 lowercase hex characters). */
export function assertSha256(label: string, value: string): string {
  if (!/^[0-9a-f]{64}$/.test(value)) throw new Error(`${label} must be a 64-character lowercase sha256 hex digest`);
  return value;
}

/** An OCI content digest "sha256:<64 hex>". */
export function assertOciDigest(label: string, value: string): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(value)) throw new Error(`${label} must look like sha256:<64 hex>`);
  return value;
}

/** Heredoc delimiter that does not occur in the body. */
export function heredocTag(body: string, base = "HOMELAB_EOF"): string {
  let tag = base;
  let i = 0;
  while (body.split("\n").some((l) => l === tag)) tag = `${base}_${++i}`;
  return tag;
}

/** Shell snippet that atomically writes `content` to `path` only when it differs; sets CHANGED=1 on change. */
export function writeFileIfChanged(path: string, content: string, mode: string, owner = "root:root"): string {
  const body = content.endsWith("\n") ? content : content + "\n";
  const tag = heredocTag(body);
  return [
    `tmp="$(mktemp)"`,
    `cat >"$tmp" <<'${tag}'`,
    body + tag,
    `if ! cmp -s "$tmp" ${shq(path)}; then`,
    `  install -D -m ${mode} -o ${owner.split(":")[0]} -g ${owner.split(":")[1]} "$tmp" ${shq(path)}`,
    `  CHANGED=1`,
    `fi`,
    `rm -f "$tmp"`,
  ].join("\n");
}
