/**
 * The OCI runner for real: the rendered unit against Debian's podman 4.3.1 (every flag of its
 * ExecStart/ExecStop/ExecStopPost is one `podman run|stop|rm --help` lists; `systemd-analyze verify`
 * accepts the unit), and the rendered install script (components/apps/oci.ts +
 * scripts/oci-install.sh) run with bash against a throwaway directory: podman, systemctl, curl, apt
 * and install's -o/-g are stubs. It proves: the image is pulled by digest once; the secret reaches
 * a 0600 env file and never the script's text or log; a second run pulls, writes and restarts
 * nothing; a changed setting restarts the container; an unpinned image stops the run with its hint.
 */
import * as fs from "fs";
import * as path from "path";
import { ociAppScript, OciContainer, renderOciUnit } from "../../components/apps/oci";
import { hasCommand, run, runOk, tempDir } from "./helpers";

const dir = tempDir("homelab-apps-oci-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const stubs = path.join(dir, "stubs");
const calls = path.join(dir, "calls.log");
const images = path.join(dir, "images");
const SECRET = "s3cr3t-value-never-in-logs";

const container = (over: Partial<OciContainer> = {}): OciContainer => ({
  name: "webui",
  image: "ghcr.io/example/webui",
  tag: "v1.2.3",
  digest: `sha256:${"b2".repeat(32)}`,
  pinHint: 'set app.image of service "webui"',
  env: { PORT: "8080", JSON: '{"k": "v"}' },
  secretEnv: ["WEBUI_SECRET_KEY"],
  volumes: [{ host: path.join(dir, "data"), container: "/app/data", owner: `${process.getuid!()}:${process.getgid!()}` }],
  publish: [{ address: "198.51.100.21", hostPort: 8080, containerPort: 8080, protocol: "tcp" }],
  ...over,
});

const STUBS: Record<string, string> = {
  "apt-get": 'echo "apt-get $*" >>"$CALLS"',
  dpkg: "exit 0",
  systemctl: 'echo "systemctl $*" >>"$CALLS"',
  curl: 'printf \'{"status":true}\'',
  // podman image exists REF / podman pull --quiet REF: a directory per pulled reference
  podman: [
    'echo "podman $*" >>"$CALLS"',
    'key="$(printf %s "${@: -1}" | tr "/:@" "___")"',
    'case "$1 $2" in "image exists") [ -e "$IMAGES/$key" ] ;; "pull --quiet") mkdir -p "$IMAGES" && touch "$IMAGES/$key" ;; *) exit 2 ;; esac',
  ].join("\n"),
};

function script(c: OciContainer): string {
  return ociAppScript({ title: "webui", source: "test", logTag: "webui", container: c, health: { url: "http://198.51.100.21:8080/health", expect: '"status":true' }, healthTimeout: 5 })
    .replace(/^OCI_UNIT_PATH=.*$/m, `OCI_UNIT_PATH=${dir}/webui.service`)
    .replace(/^OCI_ENV_PATH=.*$/m, `OCI_ENV_PATH=${dir}/oci/webui.env`)
    .replace(/^OCI_SECRET_ENV_PATH=.*$/m, `OCI_SECRET_ENV_PATH=${dir}/oci/webui.secret.env`);
}

function runInstall(text: string, env: Record<string, string> = { WEBUI_SECRET_KEY: SECRET }) {
  fs.writeFileSync(calls, "");
  const file = path.join(dir, "install.sh");
  fs.writeFileSync(file, text, { mode: 0o700 });
  const me = `${process.getuid!()}:${process.getgid!()}`;
  // put installs as root:root; the test may run as another user: map the owner to the test user.
  const installStub = `args=(); while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done; exec /usr/bin/install "\${args[@]}"`;
  fs.writeFileSync(path.join(stubs, "install"), `#!/usr/bin/env bash\n${installStub}\n`, { mode: 0o755 });
  const r = run("bash", [file], { env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, IMAGES: images, ME: me, ...env } });
  return { status: r.status, log: r.stdout + r.stderr, calls: fs.readFileSync(calls, "utf8") };
}

beforeAll(() => {
  fs.mkdirSync(stubs, { recursive: true });
  for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
});

describe("the unit against Debian's podman", () => {
  const unit = renderOciUnit(container());
  const podman = hasCommand("podman");
  (podman ? it : it.skip)("every flag the unit passes is one podman 4.3 lists", () => {
    const words = (line: string) => unit.match(new RegExp(`^${line}=(.*)$`, "m"))![1].split(/\s+/);
    const flags = (ws: string[]) => ws.filter((w) => w.startsWith("--")).map((w) => w.replace(/=.*$/, ""));
    const check = (sub: string, ws: string[]) => {
      const help = runOk("podman", [sub, "--help"]).stdout;
      for (const f of flags(ws)) expect([sub, f, help.includes(`${f} `)]).toEqual([sub, f, true]);
    };
    const start = words("ExecStart");
    expect(start.slice(0, 2)).toEqual(["/usr/bin/podman", "run"]);
    check("run", start.slice(0, start.findIndex((w) => w.includes("@sha256:"))));
    check("stop", words("ExecStop"));
    check("rm", words("ExecStopPost"));
  });
  (podman ? it : it.skip)("systemd-analyze verify accepts it", () => {
    const units = path.join(dir, "units");
    fs.mkdirSync(units, { recursive: true });
    fs.writeFileSync(path.join(units, "webui.service"), unit);
    const r = run("systemd-analyze", ["verify", path.join(units, "webui.service")], { env: { ...process.env, SYSTEMD_LOG_LEVEL: "notice" } });
    expect((r.stdout + r.stderr).split("\n").filter((l) => l.includes("webui.service"))).toEqual([]);
  });
});

describe("the install script, idempotent", () => {
  it("passes shellcheck as rendered", () => {
    const f = path.join(dir, "lint.sh");
    fs.writeFileSync(f, script(container()));
    const r = run("shellcheck", ["--shell=bash", "--severity=style", f]);
    expect(r.stdout + r.stderr).toBe("");
  });
  it("first run: pulls by digest, writes the env files and the unit, restarts the container", () => {
    const r = runInstall(script(container()));
    expect(r.status).toBe(0);
    expect(r.calls).toContain(`podman pull --quiet ghcr.io/example/webui@sha256:${"b2".repeat(32)}`);
    expect(r.calls).toContain("systemctl daemon-reload");
    expect(r.calls).toContain("systemctl restart webui.service");
    expect(fs.readFileSync(path.join(dir, "oci/webui.env"), "utf8")).toContain('\nJSON={"k": "v"}\n');
    const secretFile = path.join(dir, "oci/webui.secret.env");
    expect(fs.readFileSync(secretFile, "utf8")).toBe(`WEBUI_SECRET_KEY=${SECRET}\n`);
    expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(dir, "data")).isDirectory()).toBe(true);
    expect(r.log).not.toContain(SECRET);
    expect(script(container())).not.toContain(SECRET);
  });
  it("second run: nothing pulled, written or restarted", () => {
    const r = runInstall(script(container()));
    expect(r.status).toBe(0);
    expect(r.calls).not.toMatch(/pull|restart|daemon-reload/);
    expect(r.calls).toContain("systemctl start webui.service");
  });
  it("a changed setting or a rotated secret restarts the container", () => {
    expect(runInstall(script(container({ env: { PORT: "8081", JSON: '{"k": "v"}' } }))).calls).toContain("systemctl restart webui.service");
    expect(runInstall(script(container({ env: { PORT: "8081", JSON: '{"k": "v"}' } })), { WEBUI_SECRET_KEY: "rotated" }).calls).toContain("systemctl restart webui.service");
  });
  it("a missing secret or an unpinned image stops the run, naming what to set", () => {
    const missing = runInstall(script(container()), {});
    expect(missing.status).not.toBe(0);
    expect(missing.log).toContain("missing WEBUI_SECRET_KEY");
    const unpinned = runInstall(script(container({ digest: undefined })));
    expect(unpinned.status).not.toBe(0);
    expect(unpinned.log).toContain('the image of webui (ghcr.io/example/webui) is not pinned: set app.image of service "webui"');
    expect(unpinned.calls).toBe("");
  });
});
