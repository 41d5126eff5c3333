/**
 * The Docker host for real (decisions 270–274): the rendered Compose file against Debian's
 * docker-compose 1.29.2 (its bundled compose_spec.json, the Compose specification's JSON schema as
 * Debian ships it, checked with Debian's python3-jsonschema; and `docker-compose config`, Compose's own parser), and the rendered
 * install script (components/apps/dockerHost.ts + scripts/docker-host-install.sh) run with bash in a
 * throwaway directory with the real gpg against a key generated here. apt-get, apt-mark, dpkg-query,
 * systemctl, docker, curl and install's -o/-g are stubs. It proves: the repository key is accepted only
 * with the pinned fingerprint (else nothing is written); the four packages are installed at their
 * pinned versions and held; secrets reach 0600 env files and never the compose text or the log; a
 * second run installs, writes and fetches nothing; an unpinned image is left out (the rest runs), no
 * pinned image at all and a missing Redis password stop the run before anything is installed.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory, ResolvedService, Site } from "../../components/inventory/load";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { DOCKER_APT } from "../../components/apps/dockerHost";
import { hasCommand, run, runOk, tempDir } from "./helpers";

const SPEC = "/usr/lib/python3/dist-packages/compose/config/compose_spec.json";
const dir = tempDir("homelab-docker-host-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const stubs = path.join(dir, "stubs");
const calls = path.join(dir, "calls.log");
const dpkgState = path.join(dir, "dpkg");
const keyFile = path.join(dir, "docker.gpg");
const SECRETS = { N8N_ENCRYPTION_KEY: "encKey0never0in0logs", DB_HOST: "10.0.20.10", DB_PORT: "5432", DB_NAME: "n8n", DB_USER: "n8n", DB_PASSWORD: "dbPass0never0in0logs", REDIS_PASSWORD: "redisPass0never0logs" };
let fingerprint = "";

const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.ryzen9.yaml"), "utf8")).config;
function site(app: Record<string, unknown> = {}): Site {
  const inv = structuredClone(doc["homelab:inventory"]);
  const s = inv.services.find((x: any) => x.name === "docker");
  s.app = { ...s.app, ...app };
  return loadInventory("ryzen9", inv, Number(doc["homelab:phase"]));
}
const D = (c: string) => `sha256:${c.repeat(64)}`;
const PINNED = {
  images: { n8n: { tag: "2.41.1", digest: D("a") }, portainer: { tag: "2.33.7", digest: D("b") } },
  containers: [{ name: "plex", image: "lscr.io/linuxserver/plex", tag: "1.41.0", digest: D("c"), ports: [{ port: 32400 }], volumes: [{ host: "/opt/docker/plex", container: "/config" }, { host: "/mnt/nas/media", container: "/media", readOnly: true }] }],
};
function script(app: Record<string, unknown>, fpr = fingerprint): string {
  const s = site(app);
  const text = appPlanOf(s.services.find((x) => x.name === "docker") as ResolvedService, s)!.script;
  return text
    .split("/opt/docker").join(`${dir}/opt-docker`)
    .replace(/^DOCKER_KEY_FPR=.*$/m, `DOCKER_KEY_FPR=${fpr}`)
    .replace(/^DOCKER_KEYRING=.*$/m, `DOCKER_KEYRING=${dir}/keyrings/docker.asc`)
    .replace(/^DOCKER_SOURCE=.*$/m, `DOCKER_SOURCE=${dir}/sources/docker.list`);
}

const STUBS: Record<string, string> = {
  "apt-get": 'echo "apt-get $*" >>"$CALLS"; if [ "$1" = install ]; then for a in "$@"; do case "$a" in *=*) mkdir -p "$DPKG_STATE"; printf %s "${a#*=}" >"$DPKG_STATE/${a%%=*}" ;; esac; done; fi',
  "apt-mark": 'echo "apt-mark $*" >>"$CALLS"',
  "dpkg-query": 'cat "$DPKG_STATE/${*: -1}" 2>/dev/null',
  dpkg: "exit 0",
  systemctl: 'echo "systemctl $*" >>"$CALLS"',
  docker: 'echo "docker $*" >>"$CALLS"',
  curl: 'echo "curl $*" >>"$CALLS"; out=""; prev=""; for a in "$@"; do [ "$prev" = -o ] && out="$a"; prev="$a"; done; case "${*: -1}" in */gpg) cp "$KEY_FILE" "$out" ;; esac',
  install: 'args=(); while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done; exec /usr/bin/install "${args[@]}"',
};

function runInstall(text: string, env: Record<string, string> = SECRETS) {
  fs.writeFileSync(calls, "");
  const file = path.join(dir, "install.sh");
  fs.writeFileSync(file, text, { mode: 0o700 });
  const r = run("bash", [file], { env: { PATH: `${stubs}:${process.env.PATH}`, HOME: dir, GNUPGHOME: path.join(dir, "gnupg-show"), CALLS: calls, DPKG_STATE: dpkgState, KEY_FILE: keyFile, ...env } });
  return { status: r.status, log: r.stdout + r.stderr, calls: fs.readFileSync(calls, "utf8") };
}

beforeAll(() => {
  fs.mkdirSync(stubs, { recursive: true });
  for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  // A real OpenPGP key standing in for Docker's (the test cannot download theirs).
  const home = path.join(dir, "gnupg");
  fs.mkdirSync(home, { mode: 0o700 });
  fs.mkdirSync(path.join(dir, "gnupg-show"), { mode: 0o700 });
  runOk("gpg", ["--batch", "--homedir", home, "--passphrase", "", "--quick-gen-key", "homelab test <test@example.invalid>", "ed25519", "sign", "never"]);
  fs.writeFileSync(keyFile, runOk("gpg", ["--homedir", home, "--armor", "--export"]).stdout);
  fingerprint = runOk("gpg", ["--homedir", home, "--with-colons", "--list-keys"]).stdout.split("\n").find((l) => l.startsWith("fpr:"))!.split(":")[9];
});

describe("the Docker host install", () => {
  test("gpg and Debian's docker-compose are installed (.ci/run)", () => {
    expect(hasCommand("gpg")).toBe(true);
    expect(hasCommand("docker-compose")).toBe(true);
    expect(fs.existsSync(SPEC)).toBe(true);
  });

  test("first run: key held to its fingerprint, pinned packages held, env files, compose up; secrets only in 0600 files", () => {
    const r = runInstall(script(PINNED));
    expect([r.status, r.log]).toEqual([0, expect.any(String)]);
    expect(fs.readFileSync(`${dir}/keyrings/docker.asc`, "utf8")).toBe(fs.readFileSync(keyFile, "utf8"));
    expect(fs.readFileSync(`${dir}/sources/docker.list`, "utf8")).toBe(`deb [arch=amd64 signed-by=${dir}/keyrings/docker.asc] https://download.docker.com/linux/debian bookworm stable\n`);
    const install = r.calls.split("\n").find((l) => l.startsWith("apt-get install") && l.includes("docker-ce="))!;
    for (const [p, v] of Object.entries(DOCKER_APT.packages)) expect(install).toContain(`${p}=${v}`);
    expect(r.calls).toContain("apt-mark hold containerd.io docker-ce docker-ce-cli docker-compose-plugin");
    expect(r.calls).toContain(`docker compose -p homelab -f ${dir}/opt-docker/compose.yaml up -d --remove-orphans --quiet-pull`);
    const secretFile = `${dir}/opt-docker/env/n8n.secret.env`;
    expect(fs.statSync(secretFile).mode & 0o777).toBe(0o600);
    const secretEnv = fs.readFileSync(secretFile, "utf8");
    expect(secretEnv).toContain(`N8N_ENCRYPTION_KEY=${SECRETS.N8N_ENCRYPTION_KEY}`);
    expect(secretEnv).toContain(`DB_POSTGRESDB_PASSWORD=${SECRETS.DB_PASSWORD}`);
    expect(secretEnv).toContain(`QUEUE_BULL_REDIS_PASSWORD=${SECRETS.REDIS_PASSWORD}`);
    const compose = fs.readFileSync(`${dir}/opt-docker/compose.yaml`, "utf8");
    for (const v of Object.values(SECRETS).filter((x) => x.includes("never"))) {
      expect(r.log).not.toContain(v);
      expect(compose).not.toContain(v);
      expect(fs.readFileSync(`${dir}/opt-docker/env/n8n.env`, "utf8")).not.toContain(v);
    }
    expect(fs.statSync(`${dir}/opt-docker/n8n`).isDirectory()).toBe(true);
  });

  test("the written compose file satisfies Debian's Compose schema and Compose's own parser", () => {
    const compose = YAML.parse(fs.readFileSync(`${dir}/opt-docker/compose.yaml`, "utf8"));
    // Debian's python3-jsonschema (a dependency of docker-compose), the validator Compose 1.29 itself uses.
    const validate = (doc: unknown) => run("python3", ["-c", "import json,sys,jsonschema; jsonschema.validate(json.load(sys.stdin), json.load(open(sys.argv[1])))", SPEC], { input: JSON.stringify(doc) });
    const ok = validate(compose);
    expect([ok.status, ok.stderr]).toEqual([0, ""]);
    // And a broken file is refused by the same schema (no test that cannot fail).
    const bad = validate({ services: { n8n: { ...compose.services.n8n, restrt: "always" } } });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("restrt");
    const r = run("docker-compose", ["-p", "homelab", "-f", `${dir}/opt-docker/compose.yaml`, "config", "--quiet"], { env: { ...process.env, HOME: dir } });
    expect([r.status, r.stderr]).toEqual([0, ""]);
  });

  test("second run: nothing fetched, installed or written", () => {
    const r = runInstall(script(PINNED));
    expect(r.status).toBe(0);
    expect(r.calls).not.toMatch(/apt-get (update|install)/);
    expect(r.calls).not.toMatch(/curl .*\/gpg/);
    expect(r.log).not.toMatch(/updated |installed |created /);
  });

  test("a key with another fingerprint stops the run before the source or any package", () => {
    fs.rmSync(`${dir}/keyrings`, { recursive: true, force: true });
    fs.rmSync(`${dir}/sources`, { recursive: true, force: true });
    const r = runInstall(script(PINNED, DOCKER_APT.fingerprint));
    expect(r.status).not.toBe(0);
    expect(r.log).toContain(`not the pinned ${DOCKER_APT.fingerprint}`);
    expect(fs.existsSync(`${dir}/keyrings/docker.asc`)).toBe(false);
    expect(fs.existsSync(`${dir}/sources/docker.list`)).toBe(false);
  });

  test("the committed inventory (Portainer unpinned: decisions 271, 330) runs the pinned containers and leaves Portainer out, naming its setting", () => {
    const r = runInstall(script({}));
    expect([r.status, r.log]).toEqual([0, expect.any(String)]);
    expect(r.log).toContain('left out, not pinned by digest: portainer (portainer/portainer-ce:2.33.7): set app.images.portainer { tag, digest } of service "docker"');
    expect(r.log).not.toContain("app.images.n8n");
    const compose = YAML.parse(fs.readFileSync(`${dir}/opt-docker/compose.yaml`, "utf8"));
    expect(Object.keys(compose.services).sort()).toEqual(["homepage", "n8n", "uptime-kuma"]);
    expect(r.calls).toContain("docker compose -p homelab");
  });

  test("with no image pinned at all the run stops before anything is installed", () => {
    // The inventory cannot unpin the module's defaults, so the rendered text is emptied where the script reads it.
    const text = script({}).replace('[ -n "$COMPOSE_TEXT" ]', 'COMPOSE_TEXT=""; [ -n "$COMPOSE_TEXT" ]');
    expect(text).toContain('COMPOSE_TEXT=""; [ -n');
    const r = runInstall(text);
    expect(r.status).not.toBe(0);
    expect(r.log).toContain("no image of the Docker host is pinned by digest");
    expect(r.calls).toBe("");
  });

  test("a secret with a dollar sign is refused before the env file is written", () => {
    fs.rmSync(`${dir}/opt-docker/env/n8n.secret.env`, { force: true });
    const r = runInstall(script(PINNED), { ...SECRETS, DB_PASSWORD: "pa$word" });
    expect(r.status).not.toBe(0);
    expect(r.log).toContain("DB_POSTGRESDB_PASSWORD contains a dollar sign");
    expect(fs.existsSync(`${dir}/opt-docker/env/n8n.secret.env`)).toBe(false);
  });

  test("without the Redis password the run stops naming it", () => {
    const { REDIS_PASSWORD: _omit, ...rest } = SECRETS;
    const r = runInstall(script(PINNED), rest);
    expect(r.status).not.toBe(0);
    expect(r.log).toContain("missing REDIS_PASSWORD");
    expect(r.calls).toBe("");
  });
});
