/**
 * The rendered Gitea install script (components/apps/gitea.ts + scripts/gitea-install.sh) run for
 * real with bash, the shell library, sha256sum and jq, twice, against a throwaway directory: every
 * path is rebased into it, and what the script drives (the Gitea binary — a stand-in script that
 * plays Gitea's CLI —, curl for the download and the API, systemctl, runuser, apt/dpkg, id,
 * install's -o/-g) are stubs that log their calls. What it proves: the download is checked against
 * the pinned sha256; app.ini is written with every run-time value filled in (no placeholder left)
 * and the JWT secrets are generated once; the OIDC login source is added once and then updated by
 * id; the organisation and the seed's repositories are created once; a second run changes nothing
 * and restarts nothing; a wrong checksum stops the run. On hx310-db: the repository Wiki.js needs is
 * created with a first commit, the machine user is created once with the stack's password (checked by
 * logging in as it) and made a collaborator with write permission (decision 346).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory, ResolvedService } from "../../components/inventory/load";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanInOrg, appPlanOf } from "../../components/apps/registry";
import { GITEA_RELEASE } from "../../components/apps/gitea";
import { run, tempDir, hasCommand } from "./helpers";

const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.bo.yaml"), "utf8")).config;
const dir = tempDir("homelab-apps-gitea-");
afterAll(() => process.env.KEEP_TMP ? undefined : fs.rmSync(dir, { recursive: true, force: true }));
const stubs = path.join(dir, "bin");
const state = path.join(dir, "state");
const calls = path.join(dir, "calls.log");

/** What the download serves: a stand-in for the Gitea binary that plays the CLI commands the script uses. */
const FAKE_GITEA = [
  "#!/usr/bin/env bash",
  'a=(); while [ $# -gt 0 ]; do case "$1" in --config|--work-path) shift 2 ;; *) a+=("$1"); shift ;; esac; done; set -- "${a[@]}"',
  'echo "gitea $1 $2 $3" >>"$CALLS"',
  'un=""; pw=""; for ((i = 1; i < $#; i++)); do j=$((i + 1)); case "${!i}" in --username) un="${!j}" ;; --password) pw="${!j}" ;; esac; done',
  'case "$1 $2" in',
  '  "generate secret") head -c 32 /dev/urandom | base64 | tr -d "=+/\\n" ;;',
  '  "admin user") case "$3" in',
  '    list) echo "ID Username"; if [ -f "$STATE/admin" ]; then echo "1 homelab-admin"; fi; for u in "$STATE"/user-*; do if [ -e "$u" ]; then echo "2 ${u##*/user-}"; fi; done ;;',
  '    create) if [ "$un" = homelab-admin ]; then touch "$STATE/admin"; else touch "$STATE/user-$un"; echo "create user $un" >>"$CALLS"; fi ;;',
  '    change-password) if [ "$un" = homelab-admin ]; then touch "$STATE/password"; else printf %s "$pw" >"$STATE/pw-$un"; echo "change-password $un" >>"$CALLS"; fi ;;',
  "  esac ;;",
  '  "admin auth") case "$3" in list) echo "ID Name Type"; if [ -f "$STATE/auth" ]; then echo "7 authentik OAuth2"; fi ;; add-oauth) touch "$STATE/auth" ;; update-oauth) shift 3; echo "update-oauth $*" >>"$CALLS" ;; esac ;;',
  "esac",
  "",
].join("\n");

const STUBS: Record<string, string> = {
  "apt-get": 'echo "apt-get $*" >>"$CALLS"',
  dpkg: "exit 0",
  id: "exit 0",
  adduser: 'echo "adduser $*" >>"$CALLS"',
  systemctl: 'echo "systemctl $*" >>"$CALLS"',
  "update-ca-certificates": 'echo "update-ca-certificates" >>"$CALLS"',
  chown: "exit 0",
  runuser: 'shift 3; exec "$@"',
  install: 'args=(); while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done; exec /usr/bin/install "${args[@]}"',
  // curl: the download (-o FILE) serves the stand-in; the API keeps its state in $STATE.
  curl: [
    'out=""; method=GET; url=""; data=""; auth=""',
    'while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2 ;; -X) method="$2"; shift 2 ;; -d) data="$2"; shift 2 ;; -K) auth="$(sed -n \'s/^user = "\\(.*\\)"$/\\1/p\' "$2")"; shift 2 ;; -H|--retry|--max-time) shift 2 ;; -*) shift ;; *) url="$1"; shift ;; esac; done',
    'if [ -n "$out" ]; then cp "$FAKE_GITEA" "$out"; echo "download $url" >>"$CALLS"; exit 0; fi',
    'case "$method $url" in',
    '  "GET "*/api/healthz) exit 0 ;;',
    '  "GET "*/api/v1/user) u="${auth%%:*}"; if [ "$u" = homelab-admin ]; then [ -f "$STATE/password" ] || exit 22; else [ "$(cat "$STATE/pw-$u" 2>/dev/null)" = "${auth#*:}" ] || exit 22; fi ;;',
    '  "PUT "*/collaborators/*) echo "PUT collaborator ${url#*/repos/} $data" >>"$CALLS" ;;',
    '  "GET "*/api/v1/orgs/*) [ -f "$STATE/org" ] || exit 22 ;;',
    '  "POST "*/api/v1/orgs) echo "POST orgs $data" >>"$CALLS"; touch "$STATE/org" ;;',
    '  "GET "*/api/v1/repos/*) [ -f "$STATE/repo-${url##*/}" ] || exit 22 ;;',
    '  "POST "*/repos) n="$(jq -r .name <<<"$data")"; echo "POST repo $n" >>"$CALLS"; echo "repo-init $n $(jq -c \'[.auto_init, .readme, .default_branch]\' <<<"$data")" >>"$CALLS"; touch "$STATE/repo-$n" ;;',
    '  *) echo "unexpected $method $url" >>"$CALLS"; exit 22 ;;',
    "esac",
  ].join("\n"),
};

const SECRETS = { GITEA_SECRET_KEY: "s3cret-KEY-value", GITEA_ADMIN_PASSWORD: "adm1n-PW", DB_HOST: "192.168.9.20", DB_PORT: "5432", DB_NAME: "gitea", DB_USER: "gitea", DB_PASSWORD: "pg-PW-gitea", METRICS_TOKEN: "m3tr1csT0ken", OIDC_ISSUER: "https://192.168.9.30:9443/application/o/gitea/", OIDC_CLIENT_SECRET: "cl13nt-secret", OIDC_CA_PEM: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" };

/** bo's committed Gitea, its script with every absolute path rebased into the temp dir. */
function script(sha256: string): string {
  const site = loadInventory("bo", doc["homelab:inventory"], Number(doc["homelab:phase"]));
  const p = appPlanOf(site.services.find((s) => s.name === "gitea") as ResolvedService, site)!;
  return p.script
    .split(GITEA_RELEASE.sha256)
    .join(sha256)
    .replace(/\/etc\/gitea/g, `${dir}/etc/gitea`)
    .replace(/\/etc\/systemd\/system/g, `${dir}/etc/systemd/system`)
    .replace(/\/usr\/local\//g, `${dir}/usr/local/`)
    .replace(/\/var\/lib\/gitea/g, `${dir}/var/lib/gitea`);
}

function runInstall(text: string) {
  fs.writeFileSync(calls, "");
  fs.writeFileSync(path.join(dir, "install.sh"), text, { mode: 0o700 });
  return run("bash", [path.join(dir, "install.sh")], {
    env: { ...process.env, ...SECRETS, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, STATE: state, FAKE_GITEA: path.join(dir, "fake-gitea") },
  });
}

const maybe = hasCommand("jq") ? describe : describe.skip;
maybe("Gitea install script, idempotent", () => {
  let sha: string;
  beforeAll(() => {
    fs.mkdirSync(stubs, { recursive: true });
    fs.mkdirSync(state, { recursive: true });
    for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    // What a Debian guest already has.
    fs.mkdirSync(path.join(dir, "usr/local/bin"), { recursive: true });
    fs.writeFileSync(path.join(dir, "fake-gitea"), FAKE_GITEA, { mode: 0o755 });
    sha = crypto.createHash("sha256").update(FAKE_GITEA).digest("hex");
  });
  const ini = () => fs.readFileSync(path.join(dir, "etc/gitea/app.ini"), "utf8");
  const jwt = () => fs.readFileSync(path.join(dir, "etc/gitea/jwt_secret"), "utf8");

  it("a download that does not match the pinned sha256 stops the run before anything is installed", () => {
    const r = runInstall(script("0".repeat(64)));
    expect(r.status).not.toBe(0);
    expect(fs.existsSync(path.join(dir, "usr/local/bin/gitea"))).toBe(false);
  });
  it("first run: binary checked and installed, app.ini complete, login source, organisation and the seed's repositories created", () => {
    const r = runInstall(script(sha));
    if (r.status !== 0) throw new Error(r.stderr);
    const c = fs.readFileSync(calls, "utf8");
    expect(fs.readFileSync(path.join(dir, "usr/local/lib/gitea.sha256"), "utf8").trim()).toBe(sha);
    expect(ini()).not.toMatch(/@[A-Z_]+@/);
    expect(ini()).toContain("PASSWD = pg-PW-gitea\n");
    expect(ini()).toContain("[metrics]\nENABLED = true\nTOKEN = m3tr1csT0ken\n");
    expect(ini()).toContain("HOST = 192.168.9.20:5432\n");
    expect(ini()).toContain("SECRET_KEY = s3cret-KEY-value\n");
    expect(ini()).toContain(`JWT_SECRET = ${jwt().trim()}\n`);
    expect(fs.statSync(path.join(dir, "etc/gitea/app.ini")).mode & 0o777).toBe(0o640);
    expect(c).toContain("gitea admin auth add-oauth");
    expect(c).toMatch(/POST orgs .*"username":"apiary"/);
    expect(c.match(/^POST repo .*$/gm)).toEqual(["POST repo apiary-infrastructure", "POST repo apiary-ai-agents", "POST repo apiary-web", "POST repo apiary-odoo-mods"]);
    expect(c).toContain("systemctl restart gitea.service");
    expect(c).toContain("update-ca-certificates");
    expect(r.stderr).toContain("gitea healthy at http://192.168.9.40:3000/api/healthz");
  });
  it("second run: nothing changes, nothing restarts, the login source is updated by id, secrets are kept", () => {
    const before = { ini: ini(), jwt: jwt(), mtime: fs.statSync(path.join(dir, "etc/gitea/app.ini")).mtimeMs };
    const r = runInstall(script(sha));
    if (r.status !== 0) throw new Error(r.stderr);
    const c = fs.readFileSync(calls, "utf8");
    expect(c).not.toMatch(/download|add-oauth|POST |restart|admin user create|update-ca-certificates/);
    expect(c).toContain("update-oauth --id 7 --provider openidConnect --key gitea --secret cl13nt-secret --auto-discover-url https://192.168.9.30:9443/application/o/gitea/.well-known/openid-configuration\n");
    expect(c).toContain("systemctl start gitea.service");
    expect(r.stderr).not.toContain("updated ");
    expect({ ini: ini(), jwt: jwt(), mtime: fs.statSync(path.join(dir, "etc/gitea/app.ini")).mtimeMs }).toEqual(before);
  });
});

maybe("Gitea install script on hx310-db: machine user and auto-initialised repository", () => {
  const hx = loadInventory("hx310-db", YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.hx310-db.yaml"), "utf8")).config["homelab:inventory"], 3);
  const root = path.join(dir, "hx");
  const hxState = path.join(dir, "hx-state");
  const env = { ...SECRETS, DB_HOST: "192.168.110.10", GITEA_MACHINE_WIKIJS_PASSWORD: "machine-PW-wikijs" };
  let sha: string;
  const text = () =>
    appPlanInOrg(hx.services.find((s) => s.name === "gitea") as ResolvedService, hx, [hx])!
      .script.split(GITEA_RELEASE.sha256)
      .join(sha)
      .replace(/\/etc\/gitea/g, `${root}/etc/gitea`)
      .replace(/\/etc\/systemd\/system/g, `${root}/etc/systemd/system`)
      .replace(/\/usr\/local\//g, `${root}/usr/local/`)
      .replace(/\/var\/lib\/gitea/g, `${root}/var/lib/gitea`);
  const runHx = (e: Record<string, string>) => {
    fs.writeFileSync(calls, "");
    fs.writeFileSync(path.join(dir, "install-hx.sh"), text(), { mode: 0o700 });
    const r = run("bash", [path.join(dir, "install-hx.sh")], { env: { ...process.env, ...e, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, STATE: hxState, FAKE_GITEA: path.join(dir, "fake-gitea") } });
    return { ...r, calls: fs.readFileSync(calls, "utf8") };
  };
  beforeAll(() => {
    fs.mkdirSync(hxState, { recursive: true });
    fs.mkdirSync(path.join(root, "usr/local/bin"), { recursive: true });
    sha = crypto.createHash("sha256").update(FAKE_GITEA).digest("hex");
  });
  it("first run: wiki created with a first commit on main, homelab-proxmox empty; the machine user created with the stack's password and granted write", () => {
    const r = runHx(env);
    if (r.status !== 0) throw new Error(r.stderr);
    expect(r.calls).toContain('repo-init wiki [true,"Default","main"]');
    expect(r.calls).toContain('repo-init homelab-proxmox [null,null,"main"]');
    expect(r.calls).toContain("create user wikijs");
    expect(fs.readFileSync(path.join(hxState, "pw-wikijs"), "utf8")).toBe("machine-PW-wikijs");
    expect(r.calls).toContain('PUT collaborator hx310-db/wiki/collaborators/wikijs {"permission":"write"}');
    expect(r.stdout + r.stderr).not.toContain("machine-PW-wikijs");
  });
  it("second run: no user created, no password set; a rotated password is set again", () => {
    const r = runHx(env);
    expect(r.status).toBe(0);
    expect(r.calls).not.toMatch(/create user|change-password|POST /);
    const r2 = runHx({ ...env, GITEA_MACHINE_WIKIJS_PASSWORD: "rotated-PW" });
    expect(r2.status).toBe(0);
    expect(r2.calls).toContain("change-password wikijs");
    expect(fs.readFileSync(path.join(hxState, "pw-wikijs"), "utf8")).toBe("rotated-PW");
  });
  it("without the machine user's password the run stops before touching anything", () => {
    const { GITEA_MACHINE_WIKIJS_PASSWORD: _drop, ...rest } = env;
    const r = runHx(rest);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("missing GITEA_MACHINE_WIKIJS_PASSWORD");
  });
});
