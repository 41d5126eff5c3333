/**
 * Runs the secret-on-stdin wrapper (components/remote/script.ts) for real: `bash -c "<create>"`
 * with the NAME=<base64> document on stdin, exactly as command.remote.Command runs it over SSH.
 * Proves the script sees the exact values, has its own stdin closed, and that no value is ever
 * part of the `create` text or of any process's argv; the sudo variant runs against a fake
 * `sudo` (and `id`) that emulates env_reset + --preserve-env. Also shellchecks the wrappers.
 */
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { encodeSecrets, secretStdin, wrapScript } from "../../components/remote/script";
import { k3sAgentScript, k3sServerScript } from "../../components/k8s/render/k3s";
import { waitFor } from "./helpers";

const PEM = [
  "-----BEGIN PRIVATE KEY-----",
  "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3m9+Zt8yQ5b7Lq2w",
  "hY4f0c1XyZ3k+T1x9q/J0aXb7ZOhRANCAAT0=",
  "-----END PRIVATE KEY-----",
  "",
].join("\n");

/** Secret values with everything a shell could mangle. */
const SECRETS: Record<string, string> = {
  SPACEY: "two  words\tand a trailing space ",
  MULTI: "line one\nline two\n\nline four after a blank",
  QUOTES: `it's "double" and 'single' and \`backtick\` and \\back\\slash`,
  DOLLAR: "$HOME ${PATH} $(id -u) `id` $$ $1 %s %d \\n !event",
  LEADING: "-n =starts=with=equals",
  UNICODE: "grüße ✓ 密码",
  TLS_KEY: PEM,
  EMPTY: "",
};
const NAMES = Object.keys(SECRETS);
/** What the script receives: the value minus trailing newlines ($(…) drops them; documented contract). */
const received = (v: string) => v.replace(/\n+$/, "");

let root: string;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "remote-script-"));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** The test script: dump every secret to $OUT/<NAME>, probe stdin, then wait for the test's go-ahead. */
function probeScript(out: string): string {
  return [
    "#!/usr/bin/env bash",
    "set -euo pipefail",
    `OUT='${out}'`,
    `for n in ${NAMES.join(" ")}; do`,
    '  if [ "${!n+set}" = set ]; then printf %s "${!n}" >"$OUT/$n"; fi',
    "done",
    'if IFS= read -r first; then printf "data:%s" "$first" >"$OUT/stdin"; else printf "eof:%s" "${first:-}" >"$OUT/stdin"; fi',
    'readlink /proc/$$/fd/0 >"$OUT/stdin-target"',
    'printf %s "${HOMELAB_CANARY:-unset}" >"$OUT/canary"',
    'id -u >"$OUT/uid"',
    ': >"$OUT/ready"',
    'for _ in $(seq 1 200); do [ -e "$OUT/go" ] && break; sleep 0.05; done',
    'echo "probe done"',
    "",
  ].join("\n");
}

/** Every process's argv on this machine (NUL-separated args joined with spaces). */
function allArgv(): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      out.push(fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" "));
    } catch {
      /* process exited */
    }
  }
  return out;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  argvDuringRun: string[];
}

/** bash -c "<create>" with `stdin` fed and closed; scans all argv while the probe waits. */
async function runWrapper(create: string, stdin: string, out: string | undefined, env: NodeJS.ProcessEnv = {}, shell = "bash"): Promise<Run> {
  const child = spawn(shell, ["-c", create], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((res) => child.on("close", (code) => res(code)));
  child.stdin.end(stdin);
  let argvDuringRun: string[] = [];
  if (out) {
    let done = false;
    void exited.then(() => (done = true));
    await waitFor(() => done || fs.existsSync(path.join(out, "ready")), 20_000, 20);
    argvDuringRun = allArgv();
    fs.writeFileSync(path.join(out, "go"), "");
  }
  const status = await exited;
  return { status, stdout, stderr, argvDuringRun };
}

function outDir(name: string): string {
  const d = path.join(root, name);
  fs.mkdirSync(d);
  return d;
}

function assertSecretsArrived(out: string): void {
  for (const n of NAMES) {
    expect({ n, v: fs.readFileSync(path.join(out, n), "utf8") }).toEqual({ n, v: received(SECRETS[n]) });
  }
  expect(fs.readFileSync(path.join(out, "stdin"), "utf8")).toBe("eof:");
  expect(fs.readFileSync(path.join(out, "stdin-target"), "utf8").trim()).toBe("/dev/null");
}

function assertNoSecretInArgv(argv: string[]): void {
  expect(argv.length).toBeGreaterThan(1);
  const doc = encodeSecrets(SECRETS);
  const needles = [
    ...Object.values(SECRETS).filter((v) => v.length >= 6).flatMap((v) => [v, received(v), ...v.split("\n").filter((l) => l.length >= 6)]),
    ...doc.trim().split("\n").map((l) => l.slice(l.indexOf("=") + 1)).filter((b) => b.length >= 6),
  ];
  for (const a of argv) for (const s of needles) expect(a.includes(s) ? { argv: a, secret: s } : null).toBeNull();
}

function shellcheck(text: string, shell: "sh" | "bash", file: string): string {
  fs.writeFileSync(file, text);
  const r = spawnSync("shellcheck", [`--shell=${shell}`, "--severity=style", file], { encoding: "utf8" });
  return (r.stdout ?? "") + (r.stderr ?? "") + (r.status === 0 ? "" : `exit ${r.status}`);
}

describe("stdin document", () => {
  test("secretStdin() is encodeSecrets(): sorted NAME=<base64> lines, secret", async () => {
    const o = secretStdin({ B_TWO: "x y", A_ONE: pulumi.output("$z\n") });
    const v = await new Promise<string>((res) => o.apply((s) => (res(s), s)));
    expect(v).toBe(encodeSecrets({ A_ONE: "$z\n", B_TWO: "x y" }));
    expect(v).toBe(`A_ONE=${Buffer.from("$z\n").toString("base64")}\nB_TWO=${Buffer.from("x y").toString("base64")}\n`);
    expect(await (o as any).isSecret).toBe(true);
  });
});

describe("wrapper (run as the SSH user)", () => {
  test("create never contains a value; shellcheck passes (sh and bash)", () => {
    const create = wrapScript(probeScript("/tmp/x"), NAMES);
    for (const v of Object.values(SECRETS).filter((x) => x.length > 0)) expect(create).not.toContain(received(v));
    expect(create).not.toContain("BEGIN PRIVATE KEY");
    expect(shellcheck(create, "sh", path.join(root, "plain-sh.sh"))).toBe("");
    expect(shellcheck(create, "bash", path.join(root, "plain-bash.sh"))).toBe("");
  });

  for (const shell of ["bash", "dash"]) {
    test(`${shell} -c: the script sees the exact values, its stdin is closed, no value in any argv`, async () => {
      if (shell === "dash" && spawnSync("sh", ["-c", "command -v dash"]).status !== 0) return;
      const out = outDir(`plain-${shell}`);
      const r = await runWrapper(wrapScript(probeScript(out), NAMES), encodeSecrets(SECRETS), out, { HOMELAB_CANARY: "inherited" }, shell);
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toBe("probe done\n");
      assertSecretsArrived(out);
      assertNoSecretInArgv(r.argvDuringRun);
      expect(fs.readFileSync(path.join(out, "canary"), "utf8")).toBe("inherited");
    });
  }

  test("a stdin document without a trailing newline still delivers the last value", async () => {
    const out = outDir("no-final-newline");
    const r = await runWrapper(wrapScript(probeScript(out), NAMES), encodeSecrets(SECRETS).replace(/\n$/, ""), out);
    expect(r.status).toBe(0);
    assertSecretsArrived(out);
  });

  test("the temp script is removed and the script's exit status is the Command's", async () => {
    const create = wrapScript('echo "$0" >&2\nexit 7\n', []);
    const r = await runWrapper(create, "", undefined);
    expect(r.status).toBe(7);
    expect(fs.existsSync(r.stderr.trim())).toBe(false);
  });
});

describe("wrapper with { sudo: true }", () => {
  let bin: string;
  beforeAll(() => {
    bin = path.join(root, "fakebin");
    fs.mkdirSync(bin);
    // id -u → 1000 (a non-root SSH user like orion's `debian`); anything else → the real id.
    fs.writeFileSync(path.join(bin, "id"), `#!/bin/sh\nif [ "$1" = -u ] && [ -z "\${FAKE_SUDO_ROOT:-}" ]; then echo 1000; else exec /usr/bin/id "$@"; fi\n`, { mode: 0o755 });
    // sudo: log argv, require -n, emulate env_reset (keep PATH + the --preserve-env list), run as "root".
    fs.writeFileSync(
      path.join(bin, "sudo"),
      [
        "#!/bin/bash",
        "set -eu",
        `printf '%s\\n' "$@" >'${path.join(bin, "sudo.argv")}'`,
        '[ "${1:-}" = -n ] || { echo "fake sudo: -n missing" >&2; exit 1; }',
        "shift",
        "keep=' PATH '",
        'case "${1:-}" in --preserve-env=*) IFS=, read -r -a names <<<"${1#--preserve-env=}"; keep+="${names[*]} "; shift ;; esac',
        'while IFS= read -r v; do case "$keep" in *" $v "*) ;; *) unset "$v" 2>/dev/null || true ;; esac; done < <(compgen -e)',
        "export FAKE_SUDO_ROOT=1",
        'exec "$@"',
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
  });
  const env = () => ({ PATH: `${bin}:${process.env.PATH}`, HOMELAB_CANARY: "must-not-cross-sudo" });

  test("create never contains a value and names the variables for sudo explicitly; shellcheck passes", () => {
    const create = wrapScript(probeScript("/tmp/x"), NAMES, { sudo: true });
    for (const v of Object.values(SECRETS).filter((x) => x.length > 0)) expect(create).not.toContain(received(v));
    expect(create).toContain(`sudo -n --preserve-env=${[...NAMES].sort().join(",")} bash "$script" </dev/null`);
    expect(wrapScript("true\n", [], { sudo: true })).toContain('sudo -n bash "$script" </dev/null');
    expect(shellcheck(create, "sh", path.join(root, "sudo-sh.sh"))).toBe("");
    expect(shellcheck(create, "bash", path.join(root, "sudo-bash.sh"))).toBe("");
  });

  test("non-root user: values cross sudo through its environment only (not argv), stdin closed", async () => {
    const out = outDir("sudo");
    const r = await runWrapper(wrapScript(probeScript(out), NAMES, { sudo: true }), encodeSecrets(SECRETS), out, env());
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    assertSecretsArrived(out);
    assertNoSecretInArgv(r.argvDuringRun);
    // sudo's argv: exactly -n, the explicit list, bash and the temp file.
    const argv = fs.readFileSync(path.join(bin, "sudo.argv"), "utf8").trimEnd().split("\n");
    expect(argv.slice(0, 3)).toEqual(["-n", `--preserve-env=${[...NAMES].sort().join(",")}`, "bash"]);
    expect(argv).toHaveLength(4);
    // env_reset emulation really dropped what was not listed, and the script ran "as root".
    expect(fs.readFileSync(path.join(out, "canary"), "utf8")).toBe("unset");
    expect(fs.readFileSync(path.join(out, "uid"), "utf8").trim()).toBe(String(process.getuid!()));
  });

  test("root user: runs bash directly, sudo is never called", async () => {
    const out = outDir("sudo-as-root");
    fs.rmSync(path.join(bin, "sudo.argv"), { force: true });
    const r = await runWrapper(wrapScript(probeScript(out), NAMES, { sudo: true }), encodeSecrets(SECRETS), out, { ...env(), FAKE_SUDO_ROOT: "1" });
    expect(r.status).toBe(0);
    assertSecretsArrived(out);
    expect(fs.existsSync(path.join(bin, "sudo.argv"))).toBe(false);
    expect(fs.readFileSync(path.join(out, "canary"), "utf8")).toBe("must-not-cross-sudo");
  });

  test("k3s server and agent via the wrapper: exit 64 without K3S_TOKEN on stdin", async () => {
    // With the token the node script converges /etc/rancher/k3s/config.yaml and the unit: that run is
    // tested against temporary paths in test/real/k8s-lint.test.ts, never against this machine's /etc.
    const create = wrapScript(k3sServerScript({ serverAddress: "192.168.2.159" }), ["K3S_TOKEN"], { sudo: true });
    const missing = await runWrapper(create, "", undefined, env());
    expect(missing.status).toBe(64);
    expect(missing.stderr).toContain("K3S_TOKEN must be provided");
    const agent = await runWrapper(wrapScript(k3sAgentScript({ serverAddress: "192.168.2.159" }), ["K3S_TOKEN"], { sudo: true }), "", undefined, env());
    expect(agent.status).toBe(64);
  });
});
