/**
 * Flowise (components/apps/flowise.ts, decision 182) against the upstream program itself: the npm
 * registry's `flowise` tarball of the version pinned in Pulumi.orion.yaml.
 * - The tarball has the pinned integrity; its package.json engines admit Debian 12's Node.js 18; every
 *   variable the rendered environment sets is one Flowise reads (dist/commands/base.js flags,
 *   dist/DataSource.js for the postgres settings), `flowise start` exists (bin + dist/commands/start.js)
 *   and `/api/v1/ping` is whitelisted and answers `pong`.
 * - The rendered install script runs for real (bash, the real npm `pack` from the registry, openssl,
 *   the shell library) with `npm install`, apt, systemctl, useradd and the health check stubbed and
 *   its paths rebased into a temp dir: the tarball is checked and installed once, a second run
 *   changes nothing, a wrong integrity stops the run; the unit passes `systemd-analyze verify`.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory, ResolvedService } from "../../components/inventory/load";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { run, runOk, tempDir } from "./helpers";

const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.orion.yaml"), "utf8")).config;
const pinned = doc["homelab:inventory"].services.find((s: any) => s.name === "flowise").app.release as { version: string; integrity: string };
const dir = tempDir("homelab-apps-flowise-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const stubs = path.join(dir, "stubs");
const calls = path.join(dir, "calls.log");
const pkgDir = path.join(dir, "pkg");
const realNpm = runOk("bash", ["-c", "command -v npm"]).stdout.trim();

const STUBS: Record<string, string> = {
  "apt-get": 'echo "apt-get $*" >>"$CALLS"',
  dpkg: "exit 0",
  id: "exit 0",
  useradd: 'echo "useradd $*" >>"$CALLS"',
  systemctl: 'echo "systemctl $*" >>"$CALLS"',
  curl: 'printf pong',
  install: 'args=(); while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done; exec /usr/bin/install "${args[@]}"',
  // `npm pack` is the real client against the registry; `npm install --prefix P … TGZ` unpacks the tarball only
  npm: [
    'if [ "$1" = pack ]; then echo "pack" >>"$CALLS"; exec "$REAL_NPM" "$@"; fi',
    'if [ "$1" = install ]; then prefix="$3"; tgz="${*: -1}"; echo "install $tgz" >>"$CALLS"',
    '  mkdir -p "$prefix/node_modules/flowise" "$prefix/node_modules/.bin"; tar -xzf "$tgz" -C "$prefix/node_modules/flowise" --strip-components=1',
    '  ln -sf ../flowise/bin/run "$prefix/node_modules/.bin/flowise"; exit 0; fi',
    "exit 2",
  ].join("\n"),
};

function script(release = pinned): string {
  const inv = JSON.parse(JSON.stringify(doc["homelab:inventory"]));
  inv.services.find((x: any) => x.name === "flowise").app.release = release;
  const site = loadInventory("orion", inv, Number(doc["homelab:phase"]));
  const p = appPlanOf(site.services.find((x) => x.name === "flowise") as ResolvedService, site, { postgres: { host: "192.168.100.114", port: 5432 } })!;
  return p.script
    .replace(/\/etc\/flowise/g, `${dir}/etc`)
    .replace(/^FLOWISE_PREFIX=.*$/m, `FLOWISE_PREFIX=${dir}/opt`)
    .replace(/^FLOWISE_HOME=.*$/m, `FLOWISE_HOME=${dir}/home`)
    .replace(/^FLOWISE_DIRS=.*$/m, `FLOWISE_DIRS=(${dir}/home ${dir}/home/storage)`)
    .replace(/^UNIT_PATH=.*$/m, `UNIT_PATH=${dir}/flowise.service`);
}

function runInstall(text: string) {
  fs.writeFileSync(calls, "");
  fs.writeFileSync(path.join(dir, "install.sh"), text, { mode: 0o700 });
  const r = run("bash", [path.join(dir, "install.sh")], {
    env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, REAL_NPM: realNpm, DB_PASSWORD: "pw-test-1" },
  });
  return { status: r.status, log: r.stderr, calls: fs.readFileSync(calls, "utf8") };
}

const planOf = () => {
  const site = loadInventory("orion", doc["homelab:inventory"], Number(doc["homelab:phase"]));
  return appPlanOf(site.services.find((x) => x.name === "flowise") as ResolvedService, site, { postgres: { host: "192.168.100.114", port: 5432 } })!;
};

beforeAll(() => {
  fs.mkdirSync(stubs, { recursive: true });
  for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  fs.mkdirSync(pkgDir);
  runOk(realNpm, ["pack", "--silent", `flowise@${pinned.version}`], { cwd: pkgDir });
  runOk("tar", ["-xzf", path.join(pkgDir, `flowise-${pinned.version}.tgz`), "-C", pkgDir]);
});

describe("Flowise: the pinned npm package is the program the module configures", () => {
  const read = (f: string) => fs.readFileSync(path.join(pkgDir, "package", f), "utf8");

  it("the registry tarball has the pinned integrity, and its engines admit Debian 12's Node.js 18", () => {
    const sri = "sha512-" + crypto.createHash("sha512").update(fs.readFileSync(path.join(pkgDir, `flowise-${pinned.version}.tgz`))).digest("base64");
    expect(sri).toBe(pinned.integrity);
    const pkg = JSON.parse(read("package.json"));
    expect(pkg.engines.node).toMatch(/>=18\.15\.0 <19\.0\.0/); // Debian 12: nodejs 18.19.0 / 18.20.4 (bookworm-security)
    expect(pkg.bin.flowise).toBe("./bin/run");
    expect(fs.existsSync(path.join(pkgDir, "package/dist/commands/start.js"))).toBe(true);
  });

  it("every variable of the rendered environment is one Flowise reads; the postgres ones in its DataSource", () => {
    const env = planOf().config.find((c) => c.path === "/etc/flowise/flowise.env")!.text;
    const names = env.split("\n").filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split("=")[0]);
    const flags = read("dist/commands/base.js");
    for (const n of [...names, "DATABASE_PASSWORD"]) expect([n, flags.includes(`${n}: core_1.Flags.string()`)]).toEqual([n, true]);
    const ds = read("dist/DataSource.js");
    expect(ds).toMatch(/case 'postgres':/);
    for (const n of ["DATABASE_HOST", "DATABASE_PORT", "DATABASE_USER", "DATABASE_PASSWORD", "DATABASE_NAME"]) expect(ds).toContain(`process.env.${n}`);
    expect(read("dist/index.js")).toMatch(/process\.env\.HOST[\s\S]*process\.env\.PORT/);
  });

  it("the health URL is whitelisted and answers pong", () => {
    expect(planOf().health).toEqual({ url: "http://192.168.100.113:3000/api/v1/ping", expect: "pong" });
    expect(read("dist/utils/constants.js")).toContain("'/api/v1/ping'");
    expect(read("dist/controllers/ping/index.js")).toContain("send('pong')");
  });
});

describe("Flowise install script, idempotent", () => {
  it("first run: the tarball is packed, checked, installed; files written; service restarted", () => {
    const r = runInstall(script());
    if (r.status !== 0) console.log(r.log);
    expect(r.status).toBe(0);
    expect(r.calls).toContain("pack");
    expect(r.calls).toMatch(new RegExp(`install \\S+/flowise-${pinned.version.replace(/\./g, "\\.")}\\.tgz`));
    expect(r.calls).toContain("systemctl restart flowise.service");
    expect(fs.readFileSync(path.join(dir, "etc/database.env"), "utf8")).toBe("DATABASE_PASSWORD=pw-test-1\n");
    expect((fs.statSync(path.join(dir, "etc/database.env")).mode & 0o777).toString(8)).toBe("600");
    expect(fs.readFileSync(path.join(dir, "etc/flowise.env"), "utf8")).toContain("DATABASE_HOST=192.168.100.114\n");
    expect(r.log).toContain(`installed flowise ${pinned.version}`);
  });

  it("second run: nothing packed, installed or restarted", () => {
    const r = runInstall(script());
    expect(r.status).toBe(0);
    expect(r.calls).not.toMatch(/pack|install |restart|daemon-reload|useradd/);
    expect(r.calls).toContain("systemctl start flowise.service");
  });

  it("a pinned integrity the tarball does not have stops the run before npm installs anything", () => {
    const bad = { version: pinned.version, integrity: `sha512-${"A".repeat(86)}==` };
    const r = runInstall(script(bad));
    expect(r.status).not.toBe(0);
    expect(r.log).toContain(`pinned ${bad.integrity}`);
    expect(r.calls).not.toContain("install ");
  });

  it("systemd-analyze verify accepts the unit", () => {
    const unit = fs.readFileSync(path.join(dir, "flowise.service"), "utf8").replace(/\/opt\/flowise/g, `${dir}/opt`);
    fs.mkdirSync(path.join(dir, "units"));
    fs.writeFileSync(path.join(dir, "units/flowise.service"), unit);
    const r = run("systemd-analyze", ["verify", path.join(dir, "units/flowise.service")], { env: { ...process.env, SYSTEMD_LOG_LEVEL: "notice" } });
    const relevant = (r.stdout + r.stderr).split("\n").filter((l) => l.includes("flowise.service"));
    expect(relevant).toEqual([]);
    expect(r.status).toBe(0);
  });
});
