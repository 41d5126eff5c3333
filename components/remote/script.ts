/**
 * Runs a rendered, idempotent bash script on a host over SSH with `command.remote.Command`,
 * delivering its secrets on the Command's secret `stdin`. Shared by the data tier, the mesh
 * (authentik, NetBird) and k3s.
 *
 * Why secrets travel on stdin and not in `environment`: the provider sets `environment` with SSH
 * `setenv`, which sshd silently drops unless `AcceptEnv` lists the variable (Debian allows only
 * LANG/LC_*; pulumi/pulumi-command#48). Editing sshd_config to accept them mutates the host and
 * races the sshd reload, so instead every secret goes into one secret `stdin` document
 * (`NAME=<base64>` lines, {@link secretStdin}). The wrapper ({@link wrapScript}) is the `create`
 * text: it reads that document, exports the variables, writes the script to a private temp file
 * and runs it with bash and stdin closed (`</dev/null`). `create` holds the readable script and
 * nothing secret; plan shows stdin as "[secret]".
 *
 * Contract:
 * - Values are decoded with `$(… | base64 -d)`, so trailing newlines are dropped (a PEM ending in
 *   "\n" arrives without it; scripts write values back with `printf '%s\n'`). Everything else
 *   (spaces, inner newlines, quotes, `$`, backslashes) arrives byte for byte. No NUL bytes.
 * - Values never appear in argv: decoding uses the shell's builtin printf and `export`.
 * - The wrapper is POSIX sh (it runs in the SSH user's login shell); the script itself runs in bash.
 *
 * `sudo` option (SSH user without root, e.g. orion's cloud-init `debian` user): the wrapper still
 * reads stdin and writes the temp file as the SSH user, then runs
 * `sudo -n --preserve-env=<NAMES> bash "$script" </dev/null` with the secret names listed
 * explicitly, so the values move from the wrapper's environment into root's through sudo's
 * environment handling, never through argv or a file. When the SSH user already is root (uid 0)
 * it runs `bash "$script"` directly. Requirements on the host: passwordless sudo that allows
 * preserving those variables (sudoers `SETENV`, implied by `NOPASSWD: ALL`, as cloud-init sets).
 *
 * Provider: @pulumi/command 1.x (pulumi/pulumi-command v1.2.1, provider/pkg/provider/remote/):
 * - `connection` without `privateKey`/`password` authenticates with the SSH agent at SSH_AUTH_SOCK
 *   (connection.go; the 2022 "4.5.0" publish had the 0.5.x API without agent support). The SDK makes
 *   the whole `connection` a secret (it carries the key), so plan shows it as "[secret]".
 * - `addPreviousOutputInEnv` (default true) would `Setenv` PULUMI_COMMAND_STDOUT/STDERR on every update;
 *   sshd refuses variables not in `AcceptEnv` and the provider logs a warning each time
 *   (commandOutputs.go), and a previous stdout may hold something private: always false here.
 * - `logging` (default stdout and stderr): a script whose stdout carries a value (`secretOutput`)
 *   logs stderr only and its `stdout` output is stored as a secret (`additionalSecretOutputs`).
 * - A changed trigger replaces the Command (= runs `create` again; no `update` command is set).
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { heredoc } from "../shell";

/** SSH connection to a host. `privateKey` unset: the provider uses the SSH agent (SSH_AUTH_SOCK) at `pulumi up` time. */
export type GuestConnection = command.types.input.remote.ConnectionArgs;

/** Options of {@link wrapScript}. */
export interface WrapOptions {
  /** Run the script as root with `sudo -n` when the SSH user is not root. Default false (run as the SSH user). */
  sudo?: boolean;
}

const ENV_RE = /^[A-Z_][A-Z0-9_]*$/;

/** sha256 of a rendered text (used as the Command's trigger). */
export function textHash(text: string): string {
  return crypto.createHash("sha256").update(text).digest("hex");
}

/** Validated, de-duplicated, sorted secret names. */
function secretNameList(secretNames: string[]): string[] {
  for (const n of secretNames) if (!ENV_RE.test(n)) throw new Error(`secret name ${JSON.stringify(n)} must match ${ENV_RE}`);
  return [...new Set(secretNames)].sort();
}

/**
 * The `create` text: read `NAME=<base64>` lines from stdin into exported variables, write the
 * script to a private (umask 077) temp file, run it with bash and stdin closed, as the SSH user or
 * (option `sudo`) as root. Pure and deterministic; never contains a secret value.
 */
export function wrapScript(script: string, secretNames: string[], options: WrapOptions = {}): string {
  const names = secretNameList(secretNames);
  const h = heredoc(script, "HOMELAB_SCRIPT");
  const run = options.sudo
    ? [
        `# run as root; secrets reach root only through sudo's environment (--preserve-env lists them), never argv`,
        `if [ "$(id -u)" -eq 0 ]; then bash "$script" </dev/null; else sudo -n ${names.length ? `--preserve-env=${names.join(",")} ` : ""}bash "$script" </dev/null; fi`,
      ]
    : ['bash "$script" </dev/null'];
  return [
    "set -eu",
    "umask 077",
    `# secrets (${names.length ? names.join(" ") : "none"}) arrive on stdin as NAME=<base64> lines; they are never part of this text`,
    'while IFS= read -r line || [ -n "$line" ]; do',
    '  case "$line" in',
    '    *=*) name="${line%%=*}"; value="$(printf %s "${line#*=}" | base64 -d)"; export "$name=$value" ;;',
    "  esac",
    "done",
    'script="$(mktemp)"',
    "trap 'rm -f \"$script\"' EXIT",
    `cat >"$script" ${h.open}`,
    h.body,
    ...run,
    "",
  ].join("\n");
}

/** The stdin document wrapScript() reads, from plain values (`NAME=<base64>` lines, names sorted). Pure. */
export function encodeSecrets(values: Record<string, string>): string {
  const names = secretNameList(Object.keys(values));
  return names.map((n) => `${n}=${Buffer.from(String(values[n]), "utf8").toString("base64")}`).join("\n") + "\n";
}

/** Encode secrets as the (secret) stdin document wrapScript() reads. */
export function secretStdin(secrets: Record<string, pulumi.Input<string>>): pulumi.Output<string> {
  const names = Object.keys(secrets).sort();
  return pulumi.secret(
    pulumi.all(names.map((n) => secrets[n])).apply((values) => encodeSecrets(Object.fromEntries(names.map((n, i) => [n, String(values[i])])))),
  );
}

/** Arguments of {@link remoteScript}. */
export interface RemoteScriptArgs {
  /** SSH connection to the host. */
  connection: pulumi.Input<GuestConnection>;
  /** The rendered script (no secrets). An Output only when it depends on another stack's (non-secret) values. */
  script: pulumi.Input<string>;
  /** Secrets exported to the script as environment variables. Default none. */
  secrets?: Record<string, pulumi.Input<string>>;
  /** Extra trigger values (e.g. a non-secret hash of another input). Default none. */
  triggers?: pulumi.Input<string>[];
  /** Run the script as root via `sudo -n` when the SSH user is not root (see module doc). Default false. */
  sudo?: boolean;
  /** The script prints a value on stdout (keys, tokens): never log stdout, and store it as a secret. Default false. */
  secretOutput?: boolean;
}

/** The provider's `logging` for a script ({@link RemoteScriptArgs.secretOutput}). */
export function scriptLogging(secretOutput: boolean | undefined): command.types.enums.remote.Logging {
  return secretOutput ? command.types.enums.remote.Logging.Stderr : command.types.enums.remote.Logging.StdoutAndStderr;
}

/** One idempotent script run on a host; re-runs when the script text (trigger hash) or a secret changes. */
export function remoteScript(name: string, a: RemoteScriptArgs, opts: pulumi.CustomResourceOptions): command.remote.Command {
  const secrets = a.secrets ?? {};
  const names = Object.keys(secrets);
  const wrapOpts: WrapOptions = a.sudo ? { sudo: true } : {};
  const create = typeof a.script === "string" ? wrapScript(a.script, names, wrapOpts) : pulumi.output(a.script).apply((s) => wrapScript(s, names, wrapOpts));
  const hash = typeof a.script === "string" ? textHash(a.script) : pulumi.output(a.script).apply(textHash);
  return new command.remote.Command(
    name,
    {
      connection: a.connection,
      create,
      stdin: secretStdin(secrets),
      triggers: [hash, ...(a.triggers ?? [])],
      logging: scriptLogging(a.secretOutput),
      addPreviousOutputInEnv: false,
    },
    a.secretOutput ? pulumi.mergeOptions(opts, { additionalSecretOutputs: ["stdout"] }) : opts,
  );
}
