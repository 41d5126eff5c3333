/**
 * A vendor apt repository setup (components/shell/vendor-apt.sh, in the Alloy setup
 * rendered for a ryzen9 guest) run for real with bash, Debian's gpg and the shell library: a throwaway
 * signing key (GNUPGHOME in a temp dir) stands in for https://apt.grafana.com/gpg.key; curl, apt-get,
 * apt-mark, dpkg and dpkg-query are stubs; keyring and source list are rebased into the temp dir.
 * Proves: the key is installed only when its fingerprint is the pinned one, a key with another
 * fingerprint stops the run and is not installed, a second run fetches nothing and updates nothing,
 * and the package is installed at its pinned version and held, once.
 */
import * as fs from "fs";
import * as path from "path";
import { renderAlloySetup } from "../../components/monitoring/logs";
import { run, runOk, tempDir } from "./helpers";

const dir = tempDir("homelab-grafana-apt-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const stubs = path.join(dir, "stubs");
const calls = path.join(dir, "calls.log");
const state = path.join(dir, "installed-version");

function makeKey(name: string): { file: string; fpr: string } {
  const home = path.join(dir, `gnupg-${name}`);
  fs.mkdirSync(home, { mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: home };
  runOk("gpg", ["--batch", "--passphrase", "", "--quick-gen-key", `${name} <${name}@example.invalid>`, "ed25519", "sign", "1d"], { env });
  const fpr = runOk("gpg", ["--batch", "--with-colons", "--list-keys"], { env }).stdout.split("\n").find((l) => l.startsWith("fpr:"))!.split(":")[9];
  const file = path.join(dir, `${name}.asc`);
  fs.writeFileSync(file, runOk("gpg", ["--batch", "--armor", "--export", fpr], { env }).stdout);
  return { file, fpr };
}

const STUBS: Record<string, string> = {
  curl: 'echo "curl $*" >>"$CALLS"; while [ $# -gt 0 ]; do if [ "$1" = -o ]; then cp "$FAKE_KEY" "$2"; exit 0; fi; shift; done',
  "apt-get": 'echo "apt-get $*" >>"$CALLS"; for a in "$@"; do case "$a" in alloy=*) echo "${a#alloy=}" >"$STATE" ;; esac; done',
  "apt-mark": 'echo "apt-mark $*" >>"$CALLS"',
  dpkg: "exit 0",
  "dpkg-query": '[ -s "$STATE" ] && tr -d "\\n" <"$STATE"',
  systemctl: 'echo "systemctl $*" >>"$CALLS"',
  install: 'args=(); while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done; exec /usr/bin/install "${args[@]}"',
};

function script(fpr: string): string {
  return renderAlloySetup({ version: "1.18.1-1", lokiUrl: "http://198.51.100.21:3100/loki/api/v1/push", site: "test", instance: "guest" })
    .replace(/^VENDOR_APT_KEY_FPR=.*$/m, `VENDOR_APT_KEY_FPR=${fpr}`)
    .replace(/^VENDOR_APT_KEYRING=.*$/m, `VENDOR_APT_KEYRING=${dir}/keyrings/grafana.asc`)
    .replace(/^VENDOR_APT_LIST=.*$/m, `VENDOR_APT_LIST=${dir}/grafana.list`)
    .replace(/put \/etc\/alloy\/config\.alloy/, `put ${dir}/config.alloy`);
}

function runSetup(text: string, key: string) {
  fs.writeFileSync(calls, "");
  fs.writeFileSync(path.join(dir, "setup.sh"), text, { mode: 0o700 });
  const r = run("bash", [path.join(dir, "setup.sh")], { env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, FAKE_KEY: key, STATE: state } });
  return { status: r.status, log: r.stderr, calls: fs.readFileSync(calls, "utf8") };
}

describe("Grafana apt repository: key held to its fingerprint, package pinned", () => {
  let good: { file: string; fpr: string };
  let other: { file: string; fpr: string };
  beforeAll(() => {
    fs.mkdirSync(stubs, { recursive: true });
    for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    good = makeKey("pinned");
    other = makeKey("rotated");
  });

  it("refuses a key whose fingerprint is not the pinned one, installing nothing", () => {
    const r = runSetup(script(good.fpr), other.file);
    expect(r.status).not.toBe(0);
    expect(r.log).toContain(`holds key ${other.fpr}, not the pinned ${good.fpr}`);
    expect(fs.existsSync(`${dir}/keyrings/grafana.asc`)).toBe(false);
    expect(r.calls).not.toMatch(/apt-get install/);
  });

  it("installs the pinned key, the source line and the pinned version, held", () => {
    const r = runSetup(script(good.fpr), good.file);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(`${dir}/grafana.list`, "utf8")).toBe(`deb [signed-by=${dir}/keyrings/grafana.asc] https://apt.grafana.com stable main\n`);
    expect(r.calls).toMatch(/apt-get install .*alloy=1\.18\.1-1/);
    expect(r.calls).toContain("apt-mark hold alloy");
    expect(r.calls).toContain("systemctl restart alloy.service");
    expect(fs.readFileSync(`${dir}/config.alloy`, "utf8")).toContain('url = "http://198.51.100.21:3100/loki/api/v1/push"');
  });

  it("a second run fetches nothing, installs nothing and restarts nothing", () => {
    const r = runSetup(script(good.fpr), good.file);
    expect(r.status).toBe(0);
    expect(r.calls).not.toMatch(/curl|apt-get|apt-mark|restart/);
    expect(r.calls).toContain("systemctl start alloy.service");
  });
});
