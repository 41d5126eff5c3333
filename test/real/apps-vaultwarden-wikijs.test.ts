/**
 * hx310-db's rendered Vaultwarden and Wiki.js installs run for real with bash, the shell library, jq,
 * openssl, sqlite3 and Debian's `argon2` CLI, several times, against a throwaway directory: every path
 * they write is rebased into it; podman, systemctl, apt, update-ca-certificates and install's -o/-g are
 * stubs that log their calls, and curl is a stand-in for Vaultwarden's /alive and for Wiki.js's setup
 * wizard, /healthz and GraphQL API (behaving as requarks/wiki v2.5.314's server/setup.js and
 * server/graph/resolvers/storage.js do: finalize once, login with strategy local, updateTargets
 * patching the whole config, targets listing a sensitive value as ********).
 *
 * Vaultwarden: ADMIN_TOKEN is an Argon2id PHC string with upstream's bitwarden preset (vaultwarden
 * 1.37.1 src/main.rs: m=65540, t=3, p=4, 32-byte hash, 16-byte salt) that the argon2 CLI verifies for
 * the token and not for another; the key reaches Rocket as PKCS#8 of the same key; a second run keeps
 * the PHC string and restarts nothing; a new token makes a new one; the pre-backup copy of a live WAL
 * database is consistent. Wiki.js: the setup is finalised once with the stack's administrator, the git
 * target is sent once with every definition.yml prop and the Gitea password, and sent again only when
 * the password or the stored target changed.
 */
import * as fs from "fs";
import * as path from "path";
import { loadInventory, ResolvedService } from "../../components/inventory/load";
import { appPlanOf } from "../../components/apps/registry";
import { renderOciUnit } from "../../components/apps/oci";
import { vaultwardenContainer } from "../../components/apps/vaultwarden";
import { wikijsContainer } from "../../components/apps/wikijs";
import { committedInventory, committedPhase } from "../helpers/inventory";
import { hasCommand, run, runOk, tempDir } from "./helpers";

const dir = tempDir("homelab-apps-vw-wiki-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const stubs = path.join(dir, "stubs");
const calls = path.join(dir, "calls.log");
const images = path.join(dir, "images");
const state = path.join(dir, "state");
const site = loadInventory("hx310-db", committedInventory("hx310-db"), committedPhase("hx310-db"));
const planOf = (name: string) => appPlanOf(site.services.find((x) => x.name === name) as ResolvedService, site)!;

/** curl: Vaultwarden's /alive, and Wiki.js's setup wizard and API with their state in $STATE/wiki.json. */
const CURL = String.raw`#!/usr/bin/env node
const fs = require("fs");
const a = process.argv.slice(2);
let url = "", cfg = "", body = null;
for (let i = 0; i < a.length; i++) {
  if (a[i] === "--max-time" || a[i] === "-H") i++;
  else if (a[i] === "-K") cfg = fs.readFileSync(a[++i], "utf8");
  else if (a[i] === "--data-binary") { i++; body = JSON.parse(fs.readFileSync(0, "utf8")); }
  else if (/^https?:/.test(a[i])) url = a[i];
}
const f = process.env.STATE + "/wiki.json";
const st = fs.existsSync(f) ? JSON.parse(fs.readFileSync(f, "utf8")) : { setup: false, git: null };
const save = () => fs.writeFileSync(f, JSON.stringify(st));
const log = (m) => fs.appendFileSync(process.env.CALLS, "curl " + m + "\n");
const out = (o) => process.stdout.write(typeof o === "string" ? o : JSON.stringify(o));
const fail = (m) => { log("FAIL " + m); process.exit(22); };
if (url.endsWith("/alive")) { out('"2026-11-29T19:00:00.000Z"'); process.exit(0); }
if (url.endsWith("/healthz")) { out(st.setup ? { ok: true } : "<!DOCTYPE html><title>Wiki.js Setup</title>"); process.exit(0); }
if (url.endsWith("/finalize")) {
  if (st.setup) fail("finalize after setup");
  const keys = Object.keys(body).sort().join(",");
  if (keys !== "adminEmail,adminPassword,siteUrl,telemetry") fail("finalize body " + keys);
  Object.assign(st, { setup: true, admin: body.adminEmail, password: body.adminPassword, siteUrl: body.siteUrl, telemetry: body.telemetry });
  save(); log("POST /finalize " + body.adminEmail + " " + body.siteUrl);
  out({ ok: true, redirectPath: "/", redirectPort: 3000 }); process.exit(0);
}
if (!url.endsWith("/graphql") || !st.setup) fail(url);
const q = body.query, v = body.variables || {};
if (q.includes("login(")) {
  log("graphql login " + v.username + " " + v.strategy);
  const ok = v.username === st.admin && v.password === st.password && v.strategy === "local";
  out({ data: { authentication: { login: ok ? { responseResult: { succeeded: true, message: "Login success" }, jwt: "jwt-ok" } : { responseResult: { succeeded: false, message: "Invalid email / username or password." }, jwt: null } } } });
  process.exit(0);
}
if (!cfg.includes('header = "Authorization: Bearer jwt-ok"')) fail("no session");
const SENSITIVE = ["basicPassword", "sshPrivateKeyContent"];
if (q.includes("updateTargets(")) {
  const t = v.targets;
  if (!q.includes("[StorageTargetInput]!") || t.length !== 1) fail("update document");
  for (const x of t) {
    const extra = Object.keys(x).filter((k) => !["isEnabled", "key", "mode", "syncInterval", "config"].includes(k));
    if (extra.length) fail("StorageTargetInput has no " + extra);
    // storage.js: the value of each pair is the JSON {"v": value}; the whole config is replaced.
    st.git = { isEnabled: x.isEnabled, mode: x.mode, syncInterval: x.syncInterval, config: Object.fromEntries(x.config.map((c) => [c.key, JSON.parse(c.value).v])) };
  }
  save(); log("graphql updateTargets " + Object.keys(st.git.config).join(","));
  out({ data: { storage: { updateTargets: { responseResult: { succeeded: true, message: "Storage targets updated successfully" } } } } });
  process.exit(0);
}
if (q.includes("targets {")) {
  const g = st.git;
  const targets = [{ key: "disk", isEnabled: false, mode: "push", syncInterval: "P0D", config: [] }];
  if (g) targets.push({ key: "git", isEnabled: g.isEnabled, mode: g.mode, syncInterval: g.syncInterval, config: Object.entries(g.config).map(([k, val]) => ({ key: k, value: JSON.stringify({ type: "String", value: SENSITIVE.includes(k) && String(val).length > 0 ? "********" : val }) })) });
  out({ data: { storage: { targets } } }); process.exit(0);
}
if (q.includes("status {")) { out({ data: { storage: { status: st.git ? [{ key: "git", status: "operational", message: "" }] : [] } } }); process.exit(0); }
fail("query " + q);
`;

const STUBS: Record<string, string> = {
  "apt-get": 'echo "apt-get $*" >>"$CALLS"',
  dpkg: "exit 0",
  systemctl: 'echo "systemctl $*" >>"$CALLS"',
  "update-ca-certificates": 'echo "update-ca-certificates" >>"$CALLS"',
  podman: [
    'echo "podman $*" >>"$CALLS"',
    'key="$(printf %s "${@: -1}" | tr "/:@" "___")"',
    'case "$1 $2" in "image exists") [ -e "$IMAGES/$key" ] ;; "pull --quiet") mkdir -p "$IMAGES" && touch "$IMAGES/$key" ;; *) exit 2 ;; esac',
  ].join("\n"),
  install: 'args=(); while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done; exec /usr/bin/install "${args[@]}"',
};

/** The script with every absolute path it writes rebased under `root` (the library's CA path too). */
function rebase(text: string, root: string): string {
  return text
    .replace(/^((?:OCI_UNIT_PATH|OCI_ENV_PATH|OCI_SECRET_ENV_PATH|TLS_DIR|PHC_FILE|GIT_STAMP)=)'?([^'\s]+)'?$/gm, (_m, k, v) => `${k}${root}${v}`)
    .replace(/^OCI_VOLUME_DIRS=\((.*)\)$/m, (_m, list: string) => `OCI_VOLUME_DIRS=(${list.split(" ").map((p) => `${root}${p.replace(/'/g, "")}`).join(" ")})`)
    .replace(/^OCI_VOLUME_OWNERS=\((.*)\)$/m, (_m, list: string) => `OCI_VOLUME_OWNERS=(${list.split(" ").map(() => `${process.getuid!()}:${process.getgid!()}`).join(" ")})`)
    .split("/usr/local/share/ca-certificates/")
    .join(`${root}/usr/local/share/ca-certificates/`);
}

function runInstall(text: string, env: Record<string, string>) {
  fs.writeFileSync(calls, "");
  const file = path.join(dir, "install.sh");
  fs.writeFileSync(file, text, { mode: 0o700 });
  const r = run("bash", [file], { env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, IMAGES: images, STATE: state, ...env } });
  return { status: r.status, log: r.stdout + r.stderr, calls: fs.readFileSync(calls, "utf8") };
}

beforeAll(() => {
  fs.mkdirSync(stubs, { recursive: true });
  fs.mkdirSync(state, { recursive: true });
  for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(stubs, "curl"), CURL, { mode: 0o755 });
});

const tools = ["argon2", "openssl", "jq", "sqlite3", "base64"].every(hasCommand);
const maybe = tools ? describe : describe.skip;

maybe("Vaultwarden install (hx310-db), idempotent", () => {
  const root = path.join(dir, "vw");
  const key = () => runOk("openssl", ["ecparam", "-name", "prime256v1", "-genkey", "-noout"]).stdout;
  let env: Record<string, string>;
  beforeAll(() => {
    env = { VAULTWARDEN_ADMIN_TOKEN: "adminTOKENneverLOGGED0123456789abcdefABCDEF012345", TLS_KEY_PEM: key(), TLS_CERT_PEM: "-----BEGIN CERTIFICATE-----\nMIIBleaf\n-----END CERTIFICATE-----", TLS_CA_PEM: "-----BEGIN CERTIFICATE-----\nMIIBroot\n-----END CERTIFICATE-----" };
  });
  const text = () => rebase(planOf("vaultwarden").script, root);
  const phc = () => /^ADMIN_TOKEN=(.*)$/m.exec(fs.readFileSync(path.join(root, "etc/homelab/oci/vaultwarden.secret.env"), "utf8"))![1];
  /** The argon2 CLI's answer for `token` with the salt and parameters of `p` (what verifying means). */
  const verifies = (p: string, token: string) => {
    const m = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(p)!;
    const salt = Buffer.from(m[4], "base64").toString("latin1");
    const r = run("argon2", [salt, "-id", "-k", m[1], "-t", m[2], "-p", m[3], "-l", String(Buffer.from(m[5], "base64").length), "-e"], { input: token });
    return r.stdout.trim() === p;
  };

  it("first run: PHC string with upstream's preset that verifies the token only, PKCS#8 key, CA trusted, container started", () => {
    const r = runInstall(text(), env);
    expect([r.status, r.log]).toEqual([0, expect.any(String)]);
    const p = phc();
    // password-hash crate PHC grammar as vaultwarden's admin.rs parses it: $argon2id$v=19$m=..,t=..,p=..$<salt>$<hash>
    expect(p).toMatch(/^\$argon2id\$v=19\$m=65540,t=3,p=4\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(verifies(p, env.VAULTWARDEN_ADMIN_TOKEN)).toBe(true);
    expect(verifies(p, "another-token")).toBe(false);
    const k = fs.readFileSync(path.join(root, "etc/homelab/oci/vaultwarden-tls/key.pem"), "utf8");
    expect(k.startsWith("-----BEGIN PRIVATE KEY-----\n")).toBe(true);
    const pub = (pem: string) => runOk("openssl", ["pkey", "-pubout"], { input: pem }).stdout;
    expect(pub(k)).toBe(pub(env.TLS_KEY_PEM));
    expect(fs.statSync(path.join(root, "etc/homelab/oci/vaultwarden-tls/key.pem")).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(root, "usr/local/share/ca-certificates/homelab-ca.crt"), "utf8")).toContain("MIIBroot");
    expect(fs.readFileSync(path.join(root, "etc/homelab/oci/vaultwarden.env"), "utf8")).toContain("\nSIGNUPS_ALLOWED=false\n");
    expect(r.calls).toContain("podman pull --quiet docker.io/vaultwarden/server@sha256:ebdfe70701c60ac0c28c697e787cea767d7972940b786037b29fe0d507f821e8");
    expect(r.calls).toContain("systemctl restart vaultwarden.service");
    expect(r.log).not.toContain(env.VAULTWARDEN_ADMIN_TOKEN);
    expect(text()).not.toContain(env.VAULTWARDEN_ADMIN_TOKEN);
  });
  it("second run: same PHC string, nothing pulled, written or restarted", () => {
    const before = phc();
    const r = runInstall(text(), env);
    expect(r.status).toBe(0);
    expect(phc()).toBe(before);
    expect(r.calls).not.toMatch(/pull|restart|daemon-reload/);
    expect(r.log).not.toContain("updated ");
  });
  it("a new admin token makes a new PHC string and restarts Vaultwarden", () => {
    const before = phc();
    const r = runInstall(text(), { ...env, VAULTWARDEN_ADMIN_TOKEN: "rotatedTOKEN0123456789" });
    expect(r.status).toBe(0);
    expect(phc()).not.toBe(before);
    expect(verifies(phc(), "rotatedTOKEN0123456789")).toBe(true);
    expect(r.calls).toContain("systemctl restart vaultwarden.service");
  });
  it("the pre-backup command copies a live WAL database consistently", () => {
    const data = path.join(root, "data");
    fs.mkdirSync(data, { recursive: true });
    const db = path.join(data, "db.sqlite3");
    runOk("sqlite3", [db, "PRAGMA journal_mode=WAL; CREATE TABLE ciphers(id TEXT); INSERT INTO ciphers VALUES ('a'),('b');"]);
    const cmd = planOf("vaultwarden").backup.preBackup[0].split("/var/lib/vaultwarden").join(data);
    runOk("bash", ["-c", cmd]);
    expect(runOk("sqlite3", [`${db}.backup`, "SELECT count(*) FROM ciphers;"]).stdout.trim()).toBe("2");
  });
});

maybe("Wiki.js install (hx310-db), idempotent", () => {
  const root = path.join(dir, "wiki");
  const env = { DB_HOST: "192.168.110.10", DB_PORT: "5432", DB_NAME: "wikijs", DB_USER: "wikijs", DB_PASSWORD: "pg-pass-never-logged", WIKIJS_ADMIN_PASSWORD: "wiki-admin-never-logged", GITEA_MACHINE_WIKIJS_PASSWORD: "gitea-machine-never-logged" };
  const text = () => rebase(planOf("wikijs").script, root);
  const wiki = () => JSON.parse(fs.readFileSync(path.join(state, "wiki.json"), "utf8"));

  it("first run: database contract in the secret env, setup finalised with the stack's administrator, git target set", () => {
    const r = runInstall(text(), env);
    expect([r.status, r.log.slice(-2000)]).toEqual([0, expect.any(String)]);
    const sec = fs.readFileSync(path.join(root, "etc/homelab/oci/wikijs.secret.env"), "utf8");
    expect(sec).toBe("DB_HOST=192.168.110.10\nDB_PORT=5432\nDB_NAME=wikijs\nDB_USER=wikijs\nDB_PASS=pg-pass-never-logged\n");
    expect(r.calls).toContain("curl POST /finalize admin@homelab-proxmox.internal http://192.168.100.11:3000");
    expect(wiki()).toMatchObject({ setup: true, password: env.WIKIJS_ADMIN_PASSWORD, telemetry: false });
    expect(r.calls).toContain("curl graphql login admin@homelab-proxmox.internal local");
    const g = wiki().git;
    expect({ ...g, config: undefined }).toEqual({ isEnabled: true, mode: "sync", syncInterval: "PT5M", config: undefined });
    // definition.yml's props, all of them (the patch replaces the whole config).
    expect(Object.keys(g.config).sort()).toEqual(["alwaysNamespace", "authType", "basicPassword", "basicUsername", "branch", "defaultEmail", "defaultName", "gitBinaryPath", "localRepoPath", "repoUrl", "sshPrivateKeyContent", "sshPrivateKeyMode", "sshPrivateKeyPath", "verifySSL"]);
    expect(g.config).toMatchObject({ authType: "basic", repoUrl: "http://192.168.100.12:3000/hx310-db/wiki.git", branch: "main", basicUsername: "wikijs", basicPassword: env.GITEA_MACHINE_WIKIJS_PASSWORD, verifySSL: true });
    expect(r.calls).toContain("systemctl restart wikijs.service");
    expect(r.log).not.toContain("never-logged");
    expect(r.calls).not.toContain("never-logged");
  });
  it("second run: no setup, no update, nothing restarted", () => {
    const r = runInstall(text(), env);
    expect(r.status).toBe(0);
    expect(r.calls).not.toMatch(/finalize|updateTargets|pull|restart|daemon-reload|FAIL/);
  });
  it("a new Gitea password (listed as ******** by Wiki.js) is sent again, from the stamp", () => {
    const r = runInstall(text(), { ...env, GITEA_MACHINE_WIKIJS_PASSWORD: "rotated-gitea" });
    expect(r.status).toBe(0);
    expect(r.calls).toContain("curl graphql updateTargets");
    expect(wiki().git.config.basicPassword).toBe("rotated-gitea");
    expect(r.calls).not.toMatch(/finalize|restart/);
  });
  it("a target changed in Wiki.js's UI is set back to the rendered one", () => {
    const w = wiki();
    w.git.config.branch = "master";
    fs.writeFileSync(path.join(state, "wiki.json"), JSON.stringify(w));
    const r = runInstall(text(), { ...env, GITEA_MACHINE_WIKIJS_PASSWORD: "rotated-gitea" });
    expect(r.status).toBe(0);
    expect(wiki().git.config.branch).toBe("main");
  });
  it("a wrong administrator password stops the run naming the stack secret", () => {
    const r = runInstall(text(), { ...env, WIKIJS_ADMIN_PASSWORD: "not-the-one" });
    expect(r.status).not.toBe(0);
    expect(r.log).toContain("Wiki.js login as admin@homelab-proxmox.internal failed: Invalid email / username or password.");
  });
});

/** Both units against Debian's podman 4.3 (`podman run --help`) and systemd (`systemd-analyze verify`). */
describe("Vaultwarden's and Wiki.js's units", () => {
  const svc = (name: string) => site.services.find((x) => x.name === name) as any;
  const units = (): Array<[string, string]> => [
    ["vaultwarden", renderOciUnit(vaultwardenContainer(svc("vaultwarden"), site))],
    ["wikijs", renderOciUnit(wikijsContainer(svc("wikijs")))],
  ];
  (hasCommand("podman") ? it : it.skip)("every flag of each ExecStart is one podman run lists", () => {
    const help = runOk("podman", ["run", "--help"]).stdout;
    for (const [name, unit] of units()) {
      const words = /^ExecStart=(.*)$/m.exec(unit)![1].split(/\s+/);
      const flags = words.slice(0, words.findIndex((w) => w.includes("@sha256:"))).filter((w) => w.startsWith("--")).map((w) => w.replace(/=.*$/, ""));
      for (const f of flags) expect([name, f, help.includes(`${f} `)]).toEqual([name, f, true]);
    }
  });
  (hasCommand("systemd-analyze") ? it : it.skip)("systemd-analyze verify accepts each unit", () => {
    const d = path.join(dir, "units");
    fs.mkdirSync(d, { recursive: true });
    for (const [name, unit] of units()) {
      fs.writeFileSync(path.join(d, `${name}.service`), unit);
      const r = run("systemd-analyze", ["verify", path.join(d, `${name}.service`)], { env: { ...process.env, SYSTEMD_LOG_LEVEL: "notice" } });
      expect((r.stdout + r.stderr).split("\n").filter((l) => l.includes(`${name}.service`))).toEqual([]);
    }
  });
});
