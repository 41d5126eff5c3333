/**
 * The rendered n8n install script (components/apps/n8n.ts + scripts/n8n-install.sh) run for real with
 * bash, the shell library, sha256sum, openssl, base64 and tar, twice, against a throwaway directory:
 * every path is rebased into it; the downloads serve a Node.js archive the test builds (its `npm` a
 * stand-in that lays out n8n's entry point) and an n8n tarball of known content, and systemctl, apt,
 * dpkg, id, adduser and install's -o/-g are stubs that log their calls. What it proves: Node.js is
 * checked against its sha256 and n8n against the registry-style sha512 integrity (a mismatch stops the
 * run before anything is installed); the settings file is the rendered one and the run-time values
 * (the primary's connection, the encryption key) land only in the root-only env file; a second run
 * downloads nothing, changes nothing and restarts nothing.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory, ResolvedService } from "../../components/inventory/load";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { N8N_RELEASE, NODE_RELEASE } from "../../components/apps/n8n";
import { run, runOk, tempDir, hasCommand } from "./helpers";

const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.bo.yaml"), "utf8")).config;
const dir = tempDir("homelab-apps-n8n-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const stubs = path.join(dir, "bin");
const calls = path.join(dir, "calls.log");
const files = path.join(dir, "downloads");

const STUBS: Record<string, string> = {
  "apt-get": 'echo "apt-get $*" >>"$CALLS"',
  dpkg: "exit 0",
  id: "exit 0",
  adduser: 'echo "adduser $*" >>"$CALLS"',
  systemctl: 'echo "systemctl $*" >>"$CALLS"',
  install: 'args=(); while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done; exec /usr/bin/install "${args[@]}"',
  curl: [
    'out=""; url=""',
    'while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2 ;; --retry|--max-time) shift 2 ;; -*) shift ;; *) url="$1"; shift ;; esac; done',
    'if [ -n "$out" ]; then cp "$FILES/${url##*/}" "$out"; echo "download $url" >>"$CALLS"; exit 0; fi',
    'case "$url" in *:5678/healthz/readiness) echo ok ;; *) exit 22 ;; esac',
  ].join("\n"),
};

const SECRETS = { N8N_ENCRYPTION_KEY: "3ncrypt10n-KEY", DB_HOST: "192.168.9.20", DB_PORT: "5432", DB_NAME: "n8n", DB_USER: "n8n", DB_PASSWORD: "pg-PW-n8n", OIDC_ISSUER: "https://192.168.9.30:9443/application/o/n8n/", OIDC_CLIENT_SECRET: "cl13nt-secret", OIDC_CA_PEM: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" };

/** bo's committed n8n, its script with every absolute path and pin rebased onto the test's files. */
function script(pins: { nodeSha: string; integrity: string }): string {
  const site = loadInventory("bo", doc["homelab:inventory"], Number(doc["homelab:phase"]));
  const p = appPlanOf(site.services.find((s) => s.name === "n8n") as ResolvedService, site)!;
  return p.script
    .split(NODE_RELEASE.sha256)
    .join(pins.nodeSha)
    .split(N8N_RELEASE.integrity)
    .join(pins.integrity)
    .replace(/\/opt\/(node|n8n)/g, `${dir}/opt/$1`)
    .replace(/\/etc\/(n8n|systemd\/system)/g, `${dir}/etc/$1`)
    .replace(/\/var\/lib\/n8n/g, `${dir}/var/lib/n8n`);
}

function runInstall(text: string) {
  fs.writeFileSync(calls, "");
  fs.writeFileSync(path.join(dir, "install.sh"), text, { mode: 0o700 });
  return run("bash", [path.join(dir, "install.sh")], { env: { ...process.env, ...SECRETS, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, FILES: files } });
}

const maybe = hasCommand("xz") && hasCommand("openssl") ? describe : describe.skip;
maybe("n8n install script, idempotent", () => {
  let pins: { nodeSha: string; integrity: string };
  beforeAll(() => {
    fs.mkdirSync(stubs, { recursive: true });
    for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    // A Node.js release archive whose npm lays out n8n's entry point where the unit runs it.
    const tree = path.join(dir, "node-tree", "node-v24-linux-x64", "bin");
    fs.mkdirSync(tree, { recursive: true });
    fs.writeFileSync(path.join(tree, "npm"), '#!/usr/bin/env bash\necho "npm $*" >>"$CALLS"\nmkdir -p node_modules/n8n/bin && echo n8n >node_modules/n8n/bin/n8n\n', { mode: 0o755 });
    fs.mkdirSync(files);
    runOk("tar", ["-cJf", path.join(files, path.basename(NODE_RELEASE.url)), "-C", path.join(dir, "node-tree"), "node-v24-linux-x64"]);
    fs.writeFileSync(path.join(files, path.basename(N8N_RELEASE.tarball)), "a stand-in for the n8n package tarball\n");
    pins = {
      nodeSha: crypto.createHash("sha256").update(fs.readFileSync(path.join(files, path.basename(NODE_RELEASE.url)))).digest("hex"),
      integrity: "sha512-" + crypto.createHash("sha512").update(fs.readFileSync(path.join(files, path.basename(N8N_RELEASE.tarball)))).digest("base64"),
    };
  });
  const secretsEnv = () => fs.readFileSync(path.join(dir, "etc/n8n/secrets.env"), "utf8");

  it("a tarball that does not match the pinned integrity stops the run before n8n is installed", () => {
    const r = runInstall(script({ ...pins, integrity: "sha512-" + Buffer.alloc(64).toString("base64") }));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/tarball integrity .* is not the pinned/);
    expect(fs.existsSync(path.join(dir, "opt/n8n"))).toBe(false);
  });
  it("first run: Node.js and n8n checked and installed, settings and run-time values written, n8n restarted and healthy", () => {
    const r = runInstall(script(pins));
    if (r.status !== 0) throw new Error(r.stderr);
    const c = fs.readFileSync(calls, "utf8");
    expect(c).toMatch(/^npm install --omit=dev .*n8n\.tgz$/m);
    expect(fs.existsSync(path.join(dir, "opt/n8n/node_modules/n8n/bin/n8n"))).toBe(true);
    expect(fs.readFileSync(path.join(dir, "etc/n8n/n8n.env"), "utf8")).toContain("DB_TYPE=postgresdb\n");
    expect(secretsEnv().trimEnd().split("\n").sort()).toEqual(
      ["N8N_ENCRYPTION_KEY=3ncrypt10n-KEY", "DB_POSTGRESDB_HOST=192.168.9.20", "DB_POSTGRESDB_PORT=5432", "DB_POSTGRESDB_DATABASE=n8n", "DB_POSTGRESDB_USER=n8n", "DB_POSTGRESDB_PASSWORD=pg-PW-n8n"].sort(),
    );
    expect(fs.statSync(path.join(dir, "etc/n8n/secrets.env")).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dir, "etc/n8n/n8n.env"), "utf8")).not.toMatch(/pg-PW|3ncrypt/);
    // Not licensed (decision 51): the client secret is not handed to n8n.
    expect(secretsEnv()).not.toContain("cl13nt-secret");
    expect(c).toContain("systemctl restart n8n.service");
    expect(r.stderr).toContain("n8n healthy at http://192.168.9.41:5678/healthz/readiness");
  });
  it("second run: nothing downloaded, nothing changed, nothing restarted", () => {
    const before = fs.statSync(path.join(dir, "etc/n8n/secrets.env")).mtimeMs;
    const r = runInstall(script(pins));
    if (r.status !== 0) throw new Error(r.stderr);
    const c = fs.readFileSync(calls, "utf8");
    expect(c).not.toMatch(/download|npm |restart/);
    expect(c).toContain("systemctl start n8n.service");
    expect(r.stderr).not.toContain("updated ");
    expect(fs.statSync(path.join(dir, "etc/n8n/secrets.env")).mtimeMs).toBe(before);
  });
});
