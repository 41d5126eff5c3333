/**
 * The rendered install scripts of Paperless-ngx (bo) and Open WebUI (bh) run for real with bash, the
 * shell library and jq, twice, against a throwaway directory: every file path is rebased into it and
 * podman, systemctl, apt and install's -o/-g are stubs that log their calls. It proves: the Redis
 * broker's config and unit drop-in, the container's root-only secret env (database, broker, allauth
 * provider JSON built from the run-time contracts; Open WebUI's OIDC client secret and discovery URL)
 * are written on the first run and nothing is written or restarted on the second; a changed contract
 * value restarts the container; no secret reaches the script text or the log.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory, ResolvedService } from "../../components/inventory/load";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { hasCommand, run, runOk, tempDir } from "./helpers";
import { renderOciUnit, OciContainer } from "../../components/apps/oci";
import { webuiContainer } from "../../components/apps/openWebui";
import { haContainer } from "../../components/apps/homeAssistant";
import { paperlessContainer } from "../../components/apps/paperless";

const dir = tempDir("homelab-apps-oci-apps-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const stubs = path.join(dir, "stubs");
const calls = path.join(dir, "calls.log");
const images = path.join(dir, "images");

const STUBS: Record<string, string> = {
  "apt-get": 'echo "apt-get $*" >>"$CALLS"',
  dpkg: "exit 0",
  systemctl: 'echo "systemctl $*" >>"$CALLS"',
  curl: 'printf \'{"status":true} Paperless-ngx sign in\'',
  podman: [
    'echo "podman $*" >>"$CALLS"',
    'key="$(printf %s "${@: -1}" | tr "/:@" "___")"',
    'case "$1 $2" in "image exists") [ -e "$IMAGES/$key" ] ;; "pull --quiet") mkdir -p "$IMAGES" && touch "$IMAGES/$key" ;; *) exit 2 ;; esac',
  ].join("\n"),
  install: 'args=(); while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done; exec /usr/bin/install "${args[@]}"',
};

const siteOf = (site: string) => {
  const d = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${site}.yaml`), "utf8")).config;
  return loadInventory(site, d["homelab:inventory"], Number(d["homelab:phase"]));
};
function planScript(site: string, service: string): string {
  const s = siteOf(site);
  return appPlanOf(s.services.find((x) => x.name === service) as ResolvedService, s)!.script;
}

/** The script with every absolute path it writes rebased under `root`. */
function rebase(text: string, root: string): string {
  return text.replace(/^((?:OCI_UNIT_PATH|OCI_ENV_PATH|OCI_SECRET_ENV_PATH|REDIS_CONF|REDIS_DROPIN|CA_BUNDLE)=)(\S+)$/gm, (_m, k, v) => `${k}${root}${v}`).replace(/^OCI_VOLUME_DIRS=\((.*)\)$/m, (_m, list: string) => `OCI_VOLUME_DIRS=(${list.split(" ").map((p) => `${root}${p}`).join(" ")})`).replace(/^OCI_VOLUME_OWNERS=\((.*)\)$/m, (_m, list: string) => `OCI_VOLUME_OWNERS=(${list.split(" ").map(() => `${process.getuid!()}:${process.getgid!()}`).join(" ")})`);
}

function runInstall(text: string, env: Record<string, string>) {
  fs.writeFileSync(calls, "");
  const file = path.join(dir, "install.sh");
  fs.writeFileSync(file, text, { mode: 0o700 });
  const r = run("bash", [file], { env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, IMAGES: images, ...env } });
  return { status: r.status, log: r.stdout + r.stderr, calls: fs.readFileSync(calls, "utf8") };
}

beforeAll(() => {
  fs.mkdirSync(stubs, { recursive: true });
  for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
});

const maybe = hasCommand("jq") ? describe : describe.skip;

maybe("Paperless-ngx install (bo), idempotent", () => {
  const root = path.join(dir, "paperless");
  const DB = { DB_HOST: "192.168.9.21", DB_PORT: "5432", DB_NAME: "paperless", DB_USER: "paperless", DB_PASSWORD: "db-pass-never-logged" };
  const OIDC = { OIDC_ISSUER: "https://192.168.9.30:9443/application/o/paperless/", OIDC_CLIENT_SECRET: "oidc-secret-never-logged", OIDC_CA_PEM: "-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----" };
  const env = { PAPERLESS_SECRET_KEY: "django-key-never-logged", PAPERLESS_REDIS_PASSWORD: "redis pass/+never-logged", ...DB, ...OIDC };
  const text = () => rebase(planScript("bo", "paperless"), root);
  const secretEnv = () =>
    Object.fromEntries(
      fs
        .readFileSync(path.join(root, "etc/homelab/oci/paperless.secret.env"), "utf8")
        .trim()
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );

  it("first run: broker configured and started, secrets written from the contracts, container started and healthy", () => {
    const r = runInstall(text(), env);
    expect(r.status).toBe(0);
    const conf = fs.readFileSync(path.join(root, "etc/redis/redis-paperless.conf"), "utf8");
    expect(conf).toContain("include /etc/redis/redis.conf\nbind 127.0.0.1 192.168.9.42\nport 6379\nrequirepass redis pass/+never-logged\n");
    expect(fs.readFileSync(path.join(root, "etc/systemd/system/redis-server.service.d/homelab-paperless.conf"), "utf8")).toContain(
      `ExecStart=\nExecStart=/usr/bin/redis-server ${root}/etc/redis/redis-paperless.conf --supervised systemd --daemonize no\n`,
    );
    expect(r.calls).toContain("systemctl restart redis-server.service");
    const sec = secretEnv();
    expect(sec).toMatchObject({ PAPERLESS_DBHOST: "192.168.9.21", PAPERLESS_DBPORT: "5432", PAPERLESS_DBNAME: "paperless", PAPERLESS_DBUSER: "paperless", PAPERLESS_DBPASS: DB.DB_PASSWORD });
    expect(sec.PAPERLESS_REDIS).toBe("redis://:redis%20pass%2F%2Bnever-logged@192.168.9.42:6379");
    // django-allauth SOCIALACCOUNT_PROVIDERS (settings.py json.loads): one openid_connect app, the blueprint's client
    expect(JSON.parse(sec.PAPERLESS_SOCIALACCOUNT_PROVIDERS)).toEqual({
      openid_connect: { OAUTH_PKCE_ENABLED: true, APPS: [{ provider_id: "authentik", name: "authentik", client_id: "paperless", secret: OIDC.OIDC_CLIENT_SECRET, settings: { server_url: "https://192.168.9.30:9443/application/o/paperless" } }] },
    });
    expect(fs.statSync(path.join(root, "etc/homelab/oci/paperless.secret.env")).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(root, "etc/homelab/oci/paperless-ca.pem"), "utf8")).toContain("MIIBtest");
    for (const d of ["data", "media", "consume", "export"]) expect(fs.statSync(path.join(root, "opt/paperless", d)).isDirectory()).toBe(true);
    expect(r.calls).toContain("systemctl restart paperless.service");
    for (const v of Object.values(env)) if (v.length > 12 && !v.startsWith("https") && !v.startsWith("-----")) expect(r.log).not.toContain(v);
    for (const v of [DB.DB_PASSWORD, OIDC.OIDC_CLIENT_SECRET, env.PAPERLESS_SECRET_KEY]) expect(text()).not.toContain(v);
  });
  it("second run: nothing written, nothing restarted", () => {
    const r = runInstall(text(), env);
    expect(r.status).toBe(0);
    expect(r.calls).not.toMatch(/restart|pull|daemon-reload/);
    expect(r.log).not.toContain("updated ");
  });
  it("a new database password (rotated on the primary) rewrites the secret file and restarts Paperless, not Redis", () => {
    const r = runInstall(text(), { ...env, DB_PASSWORD: "rotated" });
    expect(r.calls).toContain("systemctl restart paperless.service");
    expect(r.calls).not.toContain("systemctl restart redis-server.service");
    expect(secretEnv().PAPERLESS_DBPASS).toBe("rotated");
  });
  it("without the database contract the run stops before touching anything", () => {
    const { DB_PASSWORD: _drop, ...rest } = env;
    const r = runInstall(text(), rest);
    expect(r.status).not.toBe(0);
    expect(r.log).toContain("missing DB_PASSWORD");
    expect(r.calls).toBe("");
  });
});

maybe("Open WebUI install (bh), idempotent", () => {
  const root = path.join(dir, "webui");
  const env = { WEBUI_SECRET_KEY: "webui-key-never-logged", OIDC_ISSUER: "https://192.168.9.30:9443/application/o/bh-open-webui/", OIDC_CLIENT_SECRET: "webui-oidc-never-logged" };
  const text = () => rebase(planScript("bh", "open-webui"), root);
  it("first run: the OIDC discovery URL and client secret from the contract in the root-only env file", () => {
    const r = runInstall(text(), env);
    expect(r.status).toBe(0);
    const sec = fs.readFileSync(path.join(root, "etc/homelab/oci/open-webui.secret.env"), "utf8");
    expect(sec).toBe(
      "WEBUI_SECRET_KEY=webui-key-never-logged\nOAUTH_CLIENT_SECRET=webui-oidc-never-logged\nOPENID_PROVIDER_URL=https://192.168.9.30:9443/application/o/bh-open-webui/.well-known/openid-configuration\n",
    );
    expect(fs.readFileSync(path.join(root, "etc/homelab/oci/open-webui.env"), "utf8")).toContain("\nOLLAMA_BASE_URL=http://192.168.50.20:11434\n");
    expect(r.calls).toContain(`podman pull --quiet ghcr.io/open-webui/open-webui@sha256:72c0ba641ba75e7aa52655cb242570906ececd09b1140fb736483038a22b3228`);
    expect(r.calls).toContain("systemctl restart open-webui.service");
    expect(r.log).not.toContain("never-logged");
  });
  it("second run: nothing pulled, written or restarted", () => {
    const r = runInstall(text(), env);
    expect(r.status).toBe(0);
    expect(r.calls).not.toMatch(/pull|restart|daemon-reload/);
  });
  it("the OIDC contract is required when sso is on", () => {
    const r = runInstall(text(), { WEBUI_SECRET_KEY: env.WEBUI_SECRET_KEY });
    expect(r.status).not.toBe(0);
    expect(r.log).toContain("missing OIDC_ISSUER");
  });
});

/** The three apps' units against Debian's podman 4.3 (`podman run --help`) and systemd (`systemd-analyze verify`). */
describe("the apps' units", () => {
  const containers = (): Array<[string, OciContainer]> => {
    const bh = siteOf("bh");
    const bo = siteOf("bo");
    const svc = (site: typeof bh, name: string) => site.services.find((x) => x.name === name) as any;
    return [
      ["open-webui", webuiContainer(svc(bh, "open-webui"), bh)],
      ["home-assistant", haContainer(svc(bh, "home-assistant"), bh)],
      ["paperless", paperlessContainer(svc(bo, "paperless"), bo)],
    ];
  };
  (hasCommand("podman") ? it : it.skip)("every flag of each ExecStart is one podman run lists", () => {
    const help = runOk("podman", ["run", "--help"]).stdout;
    for (const [name, c] of containers()) {
      const words = renderOciUnit(c).match(/^ExecStart=(.*)$/m)![1].split(/\s+/);
      const flags = words.slice(0, words.findIndex((w) => w.includes("@sha256:"))).filter((w) => w.startsWith("--")).map((w) => w.replace(/=.*$/, ""));
      for (const f of flags) expect([name, f, help.includes(`${f} `)]).toEqual([name, f, true]);
    }
  });
  (hasCommand("systemd-analyze") ? it : it.skip)("systemd-analyze verify accepts each unit", () => {
    const units = path.join(dir, "units");
    fs.mkdirSync(units, { recursive: true });
    for (const [name, c] of containers()) {
      fs.writeFileSync(path.join(units, `${name}.service`), renderOciUnit(c));
      const r = run("systemd-analyze", ["verify", path.join(units, `${name}.service`)], { env: { ...process.env, SYSTEMD_LOG_LEVEL: "notice" } });
      expect((r.stdout + r.stderr).split("\n").filter((l) => l.includes(`${name}.service`))).toEqual([]);
    }
  });
});
