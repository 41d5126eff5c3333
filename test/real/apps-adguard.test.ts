/**
 * The rendered AdGuard Home install (components/apps/adguard.ts + scripts/adguard-install.sh) run for real
 * with bash, the shell library and Debian's htpasswd (apache2-utils) against a throwaway directory: the
 * install directory and unit path are rebased into it, the AdGuard Home binary is a stand-in (the release
 * cannot be downloaded here), `systemctl` and `curl` (the health check) are stubs. It proves: the admin's
 * password becomes a bcrypt hash in the applied AdGuardHome.yaml that verifies against the password
 * (htpasswd -v), the password itself is written nowhere; a second run keeps the hash (no new salt) and
 * restarts nothing; a new password makes a new hash and restarts; a live file rewritten by AdGuard Home
 * itself is not overwritten while the rendering is unchanged.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory, ResolvedService } from "../../components/inventory/load";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { run, tempDir } from "./helpers";

const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.ryzen9.yaml"), "utf8")).config;
const site = loadInventory("ryzen9", doc["homelab:inventory"], Number(doc["homelab:phase"]));
const plan = appPlanOf(site.services.find((s) => s.name === "adguard") as ResolvedService, site)!;
const dir = tempDir("homelab-apps-adguard-");
const agh = path.join(dir, "opt");
const stubs = path.join(dir, "stubs");
const calls = path.join(dir, "calls.log");

const STUBS: Record<string, string> = {
  systemctl: 'echo "systemctl $*" >>"$CALLS"',
  curl: "printf '<html><head><title>Login</title></head></html>'",
  install: 'args=(); while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done; exec /usr/bin/install "${args[@]}"',
};
const script = plan.script.replace(/\/opt\/AdGuardHome/g, agh).replace(/\/etc\/systemd\/system\//g, `${dir}/`);

function install(password: string) {
  fs.writeFileSync(calls, "");
  fs.writeFileSync(path.join(dir, "install.sh"), script, { mode: 0o700 });
  const r = run("bash", [path.join(dir, "install.sh")], {
    env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, ADGUARD_ADMIN_PASSWORD: password, TLS_CERT_PEM: "CERT", TLS_KEY_PEM: "KEY" },
  });
  return { status: r.status, log: r.stderr, calls: fs.readFileSync(calls, "utf8") };
}
const applied = () => YAML.parse(fs.readFileSync(path.join(agh, "AdGuardHome.yaml"), "utf8"));
const verifies = (hash: string, password: string) => {
  const f = path.join(dir, "check.htpasswd");
  fs.writeFileSync(f, `admin:${hash}\n`);
  return run("htpasswd", ["-vi", f, "admin"], { input: `${password}\n` }).status === 0;
};

beforeAll(() => {
  fs.mkdirSync(stubs, { recursive: true });
  for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  fs.mkdirSync(agh, { recursive: true });
  fs.writeFileSync(path.join(agh, "AdGuardHome"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  // The committed inventory pins the release (decision 332): the stand-in counts as that release
  // through its stamp, so the install downloads nothing.
  fs.writeFileSync(path.join(agh, ".homelab-release.sha256"), `${(plan.source as { sha256: string }).sha256}\n`);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("AdGuard Home install script (Debian's htpasswd)", () => {
  const first = "Pw1" + "a".repeat(29);
  const second = "Pw2" + "b".repeat(29);
  let hash = "";

  it("applies AdGuardHome.yaml with a bcrypt hash of the admin password and starts the unit", () => {
    const r = install(first);
    expect([r.status, r.log]).toEqual([0, expect.stringContaining("DNS on 10.0.30.11:53")]);
    hash = applied().users[0].password;
    expect(hash).toMatch(/^\$2[aby]\$10\$/);
    expect(verifies(hash, first)).toBe(true);
    expect(verifies(hash, second)).toBe(false);
    expect(r.calls).toContain("systemctl restart AdGuardHome.service");
    for (const f of fs.readdirSync(agh)) if (fs.statSync(path.join(agh, f)).isFile()) expect([f, fs.readFileSync(path.join(agh, f), "utf8").includes(first)]).toEqual([f, false]);
  });

  it("a second run keeps the hash and restarts nothing", () => {
    const r = install(first);
    expect(r.status).toBe(0);
    expect(applied().users[0].password).toBe(hash);
    expect(r.calls).not.toContain("restart");
  });

  it("does not overwrite the live file AdGuard Home rewrote while the rendering is unchanged", () => {
    const live = path.join(agh, "AdGuardHome.yaml");
    fs.appendFileSync(live, "language: en\n");
    const r = install(first);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(live, "utf8")).toContain("language: en\n");
    expect(r.calls).not.toContain("restart");
  });

  it("a download that is not the pinned archive stops the run before the binary or the config change", () => {
    const stampFile = path.join(agh, ".homelab-release.sha256");
    const before = fs.readFileSync(path.join(agh, "AdGuardHome.yaml"), "utf8");
    fs.writeFileSync(stampFile, `${"0".repeat(64)}\n`);
    const r = install(first);
    expect(r.status).not.toBe(0);
    expect(r.log).toMatch(/sha256sum|FAILED/);
    expect(fs.readFileSync(path.join(agh, "AdGuardHome"), "utf8")).toBe("#!/bin/sh\nexit 0\n");
    expect(fs.readFileSync(path.join(agh, "AdGuardHome.yaml"), "utf8")).toBe(before);
    fs.writeFileSync(stampFile, `${(plan.source as { sha256: string }).sha256}\n`);
  });

  it("a new password makes a new hash and restarts", () => {
    const r = install(second);
    expect(r.status).toBe(0);
    const h = applied().users[0].password;
    expect(h).not.toBe(hash);
    expect(verifies(h, second)).toBe(true);
    expect(r.calls).toContain("systemctl restart AdGuardHome.service");
  });
});
