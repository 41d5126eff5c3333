/**
 * Upstream binaries that Debian 12 does not package (rest-server, MinIO server and client).
 * The program installs one only from a pinned URL with its sha256, given in the stack config
 * (`homelab:downloads`); without one, the setup script stops and says what to install. No
 * checksum is baked into the code that could not be verified against the upstream release.
 */
import { z } from "zod";
import { shq as shellQuote } from "../shell";
import { ENSURE_CURL } from "../remote/packages";

/** One pinned upstream artefact. */
export interface PinnedDownload {
  /** HTTPS URL of one fixed release (a binary, or a .tar.gz holding it). */
  url: string;
  /** sha256 of the file at `url`, as published with the release. */
  sha256: string;
}

const Pinned = z.strictObject({
  url: z.string().regex(/^https:\/\/\S+$/, "must be an https URL of one fixed release"),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be the 64-hex-digit sha256 of the file"),
});

/** `homelab:downloads` in the stack config. */
export const DownloadsSchema = z.strictObject({
  /** rest-server release tarball (linux amd64). */
  restServer: Pinned.optional(),
  /** MinIO server binary (linux amd64). */
  minio: Pinned.optional(),
  /** MinIO client binary `mc` (linux amd64). */
  mc: Pinned.optional(),
});
export type Downloads = z.infer<typeof DownloadsSchema>;

/**
 * Script lines that make `dest` the pinned binary: with `pin`, download, check the sha256, unpack
 * (for .tar.gz, the member named like `dest`), install and stamp — only when the stamp differs;
 * without `pin`, stop unless the binary is already there.
 */
export function installPinnedBinary(dest: string, pin: PinnedDownload | undefined, hint: string): string[] {
  if (!pin) return [`require_bin ${shellQuote(dest)} ${shellQuote(`${hint}, or set homelab:downloads`)}`];
  Pinned.parse(pin);
  const name = dest.split("/").pop()!;
  const tarball = /\.(tar\.gz|tgz)$/.test(new URL(pin.url).pathname);
  return [
    `if [ ! -x ${shellQuote(dest)} ] || [ "$(cat ${shellQuote(`${dest}.sha256`)} 2>/dev/null || true)" != ${shellQuote(pin.sha256)} ]; then`,
    `  ${ENSURE_CURL}`,
    '  dl="$(mktemp -d)"',
    `  curl -fsSL --retry 3 -o "$dl/download" ${shellQuote(pin.url)}`,
    `  echo ${shellQuote(`${pin.sha256}  `)}"$dl/download" | sha256sum -c --quiet -`,
    ...(tarball
      ? ['  tar -xzf "$dl/download" -C "$dl"', `  src="$(find "$dl" -type f -name ${shellQuote(name)} | head -n 1)"`, `  [ -n "$src" ] || { log ${shellQuote(`no ${name} in ${pin.url}`)}; exit 1; }`]
      : ['  src="$dl/download"']),
    `  install -m 0755 "$src" ${shellQuote(dest)}`,
    `  echo ${shellQuote(pin.sha256)} >${shellQuote(`${dest}.sha256`)}`,
    '  rm -rf "$dl"',
    `  log ${shellQuote(`installed ${dest}`)}`,
    "  mark_changed",
    "fi",
  ];
}
