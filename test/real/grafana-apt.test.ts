/**
 * A vendor apt repository setup (components/shell/vendor-apt.sh, in the Alloy setup
 * rendered for a ryzen9 guest, and in Grafana's setup, decision 380) run for real with bash, Debian's gpg
 * and the shell library: a throwaway
 * signing key (GNUPGHOME in a temp dir) stands in for https://apt.grafana.com/gpg.key; curl, apt-get,
 * apt-mark, dpkg and dpkg-query are stubs; keyring and source list are rebased into the temp dir.
 * Proves: the key is installed only when its fingerprint is the pinned one, a key with another
 * fingerprint stops the run and is not installed, a second run fetches nothing and updates nothing,
 * and the package is installed at its pinned version and held, once. Grafana's setup: installed at its
 * pin and held, a new pin upgrades it, and the secrets file is root-only again after the package's
 * postinst (grafana/grafana packaging/deb/control/postinst, simulated by the apt-get stub: every file
 * under /etc/grafana 0640) has widened it.
 */
import * as fs from "fs";
import * as path from "path";
import { renderAlloySetup } from "../../components/monitoring/logs";
import { renderGrafanaSetup } from "../../components/monitoring/grafana";
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
  "apt-get":
    'echo "apt-get $*" >>"$CALLS"; for a in "$@"; do case "$a" in alloy=*) echo "${a#alloy=}" >"$STATE" ;; grafana=*) echo "${a#grafana=}" >"$STATE"; mkdir -p "$POSTINST_DIR"; find "$POSTINST_DIR" -type f -exec chmod 0640 {} + ;; esac; done',
  chown: 'echo "chown $*" >>"$CALLS"',
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

/** Grafana's setup at `version`, every path it writes rebased into the temp dir. */
function grafanaScript(fpr: string, version: string): string {
  return renderGrafanaSetup({ address: "198.51.100.9", domain: "example.internal", dataDir: "/var/lib/grafana", prometheusUrl: "http://198.51.100.9:9090", version })
    .replace(/^VENDOR_APT_KEY_FPR=.*$/m, `VENDOR_APT_KEY_FPR=${fpr}`)
    .replace(/^VENDOR_APT_KEYRING=.*$/m, `VENDOR_APT_KEYRING=${dir}/keyrings/grafana.asc`)
    .replace(/^VENDOR_APT_LIST=.*$/m, `VENDOR_APT_LIST=${dir}/grafana.list`)
    .replace(/^DATA_DIR=.*$/m, `DATA_DIR=${dir}/g/var/lib/grafana`)
    .replace(/\/etc\/(grafana|systemd)/g, `${dir}/g/etc/$1`);
}

function runSetup(text: string, key: string) {
  fs.writeFileSync(calls, "");
  fs.writeFileSync(path.join(dir, "setup.sh"), text, { mode: 0o700 });
  const env = { ...process.env, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, FAKE_KEY: key, STATE: state, POSTINST_DIR: `${dir}/g/etc/grafana`, GF_SECURITY_ADMIN_PASSWORD: "not-a-real-password" };
  const r = run("bash", [path.join(dir, "setup.sh")], { env });
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

describe("Grafana from the same repository: pinned, held, its secrets file root-only", () => {
  let good: { file: string; fpr: string };
  const envFile = () => `${dir}/g/etc/grafana/homelab.env`;
  const mode = (f: string) => (fs.statSync(f).mode & 0o777).toString(8);
  beforeAll(() => {
    fs.mkdirSync(stubs, { recursive: true });
    for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    good = makeKey("grafana-pinned");
    fs.rmSync(state, { force: true });
    fs.rmSync(`${dir}/keyrings`, { recursive: true, force: true });
  });

  it("installs grafana at its pin, holds it, writes the configuration and a root-only secrets file", () => {
    const r = runSetup(grafanaScript(good.fpr, "12.4.3"), good.file);
    expect(r.status).toBe(0);
    expect(r.calls).toMatch(/apt-get install .*grafana=12\.4\.3/);
    expect(r.calls).toContain("apt-mark hold grafana");
    expect(r.calls).toContain("systemctl restart grafana-server.service");
    expect(fs.readFileSync(envFile(), "utf8")).toBe("GF_SECURITY_ADMIN_PASSWORD=not-a-real-password\n");
    expect(mode(envFile())).toBe("600");
    expect(fs.readFileSync(`${dir}/g/etc/grafana/grafana.ini`, "utf8")).toContain("reporting_enabled = false");
  });

  it("a new pin upgrades and holds it; the postinst's 0640 on the secrets file is undone in the same run", () => {
    const r = runSetup(grafanaScript(good.fpr, "12.4.4"), good.file);
    expect(r.status).toBe(0);
    expect(r.calls).toMatch(/apt-get install .*--allow-change-held-packages.*grafana=12\.4\.4/);
    expect(r.calls).toContain("apt-mark hold grafana");
    expect(r.calls).toContain("chown root:root " + envFile());
    expect(mode(envFile())).toBe("600");
    expect(r.calls).toContain("systemctl restart grafana-server.service");
  });

  it("a second run at the same pin installs and restarts nothing", () => {
    const r = runSetup(grafanaScript(good.fpr, "12.4.4"), good.file);
    expect(r.status).toBe(0);
    expect(r.calls).not.toMatch(/curl|apt-get|apt-mark|restart/);
    expect(r.calls).toContain("systemctl start grafana-server.service");
  });
});
