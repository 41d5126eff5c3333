/**
 * The one shell toolkit of the project: every generated script is built from these parts, so there
 * is one way to quote, one heredoc builder, one "install this file if it changed" and one preamble.
 *
 * - {@link shq} quotes a value for POSIX shells; {@link envBlock} turns a record into `NAME=value`
 *   assignments (arrays become bash arrays), which is how renderers parameterise the committed
 *   `.sh` files ({@link readScript}).
 * - {@link heredoc} builds a quoted heredoc whose delimiter never occurs in its body.
 * - {@link shellScript} is the standard script: shebang, title, `set -euo pipefail`, `umask 077`,
 *   the library `lib.sh` (log/die, put/put_env/put_env_file with the CHANGED flags, require_env,
 *   require_bin, trust_ca, ensure_packages, converge_units), an environment block, then the body.
 * - {@link putText} / {@link putEnv} are the call sites of the library's `put`.
 *
 * Secrets never go through here: scripts name the variables that carry them (the Command's secret
 * stdin, components/remote/script.ts) and read them at run time.
 */
import * as fs from "fs";
import * as path from "path";

/** Quote a value for POSIX shells: bare when it is only safe characters, else single-quoted ('\'' for embedded quotes). */
export function shq(value: string): string {
  if (/^[A-Za-z0-9_./:=@%+,-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
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

const ENV_RE = /^[A-Z_][A-Z0-9_]*$/;

/** An environment variable name (upper case, digits, underscores). */
export function assertEnvName(value: string): string {
  if (!ENV_RE.test(value)) throw new Error(`environment variable name ${JSON.stringify(value)} must match ${ENV_RE}`);
  return value;
}

/** Join lines, dropping `false`/`undefined`/`null` entries, with a trailing newline. */
export function lines(...ls: (string | false | undefined | null)[]): string {
  return ls.filter((l): l is string => typeof l === "string").join("\n") + "\n";
}

/** Heredoc delimiter based on `base` that does not occur as a line of `body`. */
export function heredocTag(body: string, base = "HOMELAB_EOF"): string {
  let tag = base;
  let i = 0;
  while (body.split("\n").includes(tag)) tag = `${base}_${++i}`;
  return tag;
}

/** A quoted (non-expanding) heredoc: the opener `<<'TAG'` and the body with its terminator line. */
export function heredoc(body: string, tag = "HOMELAB_EOF"): { open: string; body: string } {
  const t = heredocTag(body, tag);
  return { open: `<<'${t}'`, body: `${body.endsWith("\n") ? body : body + "\n"}${t}` };
}

/** A value of {@link envBlock}: strings and numbers become scalars, arrays bash arrays, booleans 1/0. */
export type EnvValue = string | number | boolean | readonly string[];

/** `NAME=value` lines (values quoted with {@link shq}; arrays as `NAME=(a b)`; booleans as 1/0), in the given order. */
export function envBlock(vars: Record<string, EnvValue>): string[] {
  return Object.entries(vars).map(([name, v]) => {
    assertEnvName(name);
    if (Array.isArray(v)) return `${name}=(${v.map((x) => shq(String(x))).join(" ")})`;
    if (typeof v === "boolean") return `${name}=${v ? 1 : 0}`;
    return `${name}=${shq(String(v))}`;
  });
}

/** The library every script gets (components/shell/lib.sh): its header comment becomes one line naming the file. */
export const SHELL_LIB: string =
  "# --- homelab shell library (components/shell/lib.sh) ---\n" + stripHeader(fs.readFileSync(path.join(__dirname, "lib.sh"), "utf8")).replace(/^(#[^\n]*\n)+\n*/, "");

/** Drop a leading shebang and `# shellcheck shell=…` directive: the script's own preamble replaces them. */
function stripHeader(text: string): string {
  const ls = text.split("\n");
  while (ls.length && (/^#!/.test(ls[0]) || /^# shellcheck shell=/.test(ls[0]))) ls.shift();
  return ls.join("\n").replace(/^\n+/, "").replace(/\n*$/, "\n");
}

/**
 * A committed `.sh` file (e.g. `readScript(__dirname, "scripts/x.sh")`), without its shebang and
 * shellcheck directive, to be composed with {@link shellScript}.
 */
export function readScript(dir: string, file: string): string {
  return stripHeader(fs.readFileSync(path.join(dir, file), "utf8"));
}

/** Arguments of {@link shellScript}. */
export interface ShellScriptArgs {
  /** One-line description (second line of the script). */
  title: string;
  /** Who renders it, e.g. `components/data/render/postgres.ts` (named in the "Managed by" comment). */
  source: string;
  /** Prefix of the library's `log` lines. Default `homelab`. */
  logTag?: string;
  /** Assignments placed after the library (see {@link envBlock}). Default none. */
  env?: Record<string, EnvValue>;
  /** The script's own lines, or one text (e.g. from {@link readScript}), after the environment block. */
  body: string | readonly string[];
  /** Include lib.sh. Default true. */
  library?: boolean;
}

/** The standard bash script: preamble, library, environment block, body; ends with one newline. */
export function shellScript(a: ShellScriptArgs): string {
  const body = typeof a.body === "string" ? a.body : a.body.join("\n");
  const env = envBlock({ ...(a.logTag ? { LOG_TAG: a.logTag } : {}), ...(a.env ?? {}) });
  const parts = [
    "#!/usr/bin/env bash",
    `# ${assertSingleLine("title", a.title)}`,
    `# Managed by homelab (${a.source}). Secrets come from the environment only, never from this text.`,
    "set -euo pipefail",
    "umask 077",
    ...(a.library === false ? [] : ["", SHELL_LIB.trimEnd()]),
    ...(env.length ? ["", ...env] : []),
    "",
    body.replace(/\n*$/, ""),
    "",
  ];
  return parts.join("\n");
}

/** `put DEST MODE OWNER <<'EOF' … EOF` for a static (non-secret) text; two elements: the command line and the heredoc body. */
export function putText(dest: string, mode: string, owner: string, text: string): string[] {
  const h = heredoc(text);
  return [`put ${shq(dest)} ${mode} ${owner} ${h.open}`, h.body];
}

/** `put_env VAR DEST MODE OWNER`: the value of a (secret or runtime) variable plus a newline as DEST. */
export function putEnv(dest: string, mode: string, owner: string, envVar: string): string {
  return `put_env ${assertEnvName(envVar)} ${shq(dest)} ${mode} ${owner}`;
}

/** A vendor's apt repository: its key (URL and pinned primary fingerprint) and source line. */
export interface VendorApt {
  keyUrl: string;
  /** 40 hex digits, upper case (gpg's colon output). */
  keyFingerprint: string;
  keyring: string;
  list: string;
  /** `<uri> <suite> <component>` of the `deb` line. */
  source: string;
}

/**
 * The environment and the shell functions (vendor-apt.sh: `vendor_apt_repo`, `vendor_apt_install
 * PACKAGE VERSION`) of a pinned vendor repository, to spread into a shellScript's `env` and `body`.
 */
export function vendorApt(repo: VendorApt): { env: Record<string, string>; body: string } {
  if (!/^[0-9A-F]{40}$/.test(repo.keyFingerprint)) throw new Error(`homelab: ${repo.keyUrl}: the key fingerprint must be 40 upper-case hex digits`);
  return {
    env: { VENDOR_APT_KEY_URL: repo.keyUrl, VENDOR_APT_KEY_FPR: repo.keyFingerprint, VENDOR_APT_KEYRING: repo.keyring, VENDOR_APT_LIST: repo.list, VENDOR_APT_SOURCE: repo.source },
    body: readScript(__dirname, "vendor-apt.sh").trimEnd(),
  };
}

/** The shell function `ensure_data_disk DEVICE MOUNTPOINT [FSTAB]` (data-disk.sh): format an empty VM data disk once, never reformat, mount by UUID. */
export function dataDisk(): string {
  return readScript(__dirname, "data-disk.sh").trimEnd();
}
