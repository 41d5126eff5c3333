/**
 * Runs a rendered, idempotent bash script on a guest over SSH with `command.remote.Command`.
 *
 * Why secrets travel on stdin and not in `environment`: the provider sets `environment` with SSH
 * `setenv`, which sshd silently drops unless `AcceptEnv` lists the variable (Debian allows only
 * LANG/LC_*; pulumi/pulumi-command#48). So every secret goes into one secret `stdin` document
 * (`NAME=<base64>` lines); the wrapper exports them, then runs the script from a temp file with
 * stdin closed. `create` holds the readable script and nothing secret; plan shows stdin as "[secret]".
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import { heredoc } from "./render/postgres";

/** SSH connection to a guest (root). `privateKey` unset: the provider uses the SSH agent (SSH_AUTH_SOCK) at `pulumi up` time. */
export type GuestConnection = command.types.input.remote.ConnectionArgs;

const ENV_RE = /^[A-Z_][A-Z0-9_]*$/;

/** sha256 of a rendered text (used as the Command's trigger). */
export function textHash(text: string): string {
  return crypto.createHash("sha256").update(text).digest("hex");
}

/**
 * The `create` text: read `NAME=<base64>` lines from stdin into exported variables, write the
 * script to a root-only temp file, run it with bash and stdin closed. Pure and deterministic.
 */
export function wrapScript(script: string, secretNames: string[]): string {
  for (const n of secretNames) if (!ENV_RE.test(n)) throw new Error(`secret name ${JSON.stringify(n)} must match ${ENV_RE}`);
  const h = heredoc(script, "HOMELAB_SCRIPT");
  const names = [...new Set(secretNames)].sort();
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
    'bash "$script" </dev/null',
    "",
  ].join("\n");
}

/** Encode secrets as the stdin document wrapScript() reads. */
export function secretStdin(secrets: Record<string, pulumi.Input<string>>): pulumi.Output<string> {
  const names = Object.keys(secrets).sort();
  return pulumi.secret(
    pulumi.all(names.map((n) => secrets[n])).apply((values) => names.map((n, i) => `${n}=${Buffer.from(String(values[i]), "utf8").toString("base64")}`).join("\n") + "\n"),
  );
}

/** Arguments of {@link remoteScript}. */
export interface RemoteScriptArgs {
  /** SSH connection to the guest. */
  connection: GuestConnection;
  /** The rendered script (no secrets). An Output only when it depends on another stack's (non-secret) values. */
  script: pulumi.Input<string>;
  /** Secrets exported to the script as environment variables. Default none. */
  secrets?: Record<string, pulumi.Input<string>>;
  /** Extra trigger values (e.g. a non-secret hash of another input). Default none. */
  triggers?: pulumi.Input<string>[];
}

/** One idempotent script run on a guest; re-runs when the script text (trigger hash) or a secret changes. */
export function remoteScript(name: string, a: RemoteScriptArgs, opts: pulumi.CustomResourceOptions): command.remote.Command {
  const secrets = a.secrets ?? {};
  const names = Object.keys(secrets);
  const create = typeof a.script === "string" ? wrapScript(a.script, names) : pulumi.output(a.script).apply((s) => wrapScript(s, names));
  const hash = typeof a.script === "string" ? textHash(a.script) : pulumi.output(a.script).apply(textHash);
  return new command.remote.Command(
    name,
    {
      connection: a.connection,
      create,
      stdin: secretStdin(secrets),
      triggers: [hash, ...(a.triggers ?? [])],
    },
    opts,
  );
}
