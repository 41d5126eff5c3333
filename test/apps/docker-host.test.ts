/**
 * The Docker host (ryzen9 VM 3, decisions 270–274): Docker's apt repository and pinned packages, the
 * Compose project rendered from the inventory (checked against the Compose specification's schema
 * facts), its images by digest or stopping unpinned, secrets only by name, and the contracts with
 * the inventory: ports, backups, n8n's database on the primary and its Redis.
 */
import * as YAML from "yaml";
import { loadInventory, ResolvedService, Site } from "../../components/inventory/load";
import { appPlanOf } from "../../components/apps/registry";
import { appContractProblems } from "../../components/apps/contract";
import { AppOf } from "../../components/inventory/apps";
import { COMPOSE_FILE, DOCKER_APT, DOCKER_HOST_IMAGES, dockerContainers, renderCompose } from "../../components/apps/dockerHost";
import { organisationOf, primaryDatabases } from "../../components/inventory/org";
import { stackDocument } from "../helpers/inventory";

const doc = (site: string) => stackDocument(site).config;
const raw = (site: string) => doc(site)["homelab:inventory"];
const load = (site: string, inv = raw(site)): Site => loadInventory(site, inv, Number(doc(site)["homelab:phase"]));
type Docker = ResolvedService & { app: AppOf<"docker-host"> };
const svc = (site: Site) => site.services.find((s) => s.name === "docker")! as Docker;
const withApp = (app: Record<string, unknown>) => {
  const inv = raw("ryzen9");
  const s = inv.services.find((x: any) => x.name === "docker");
  s.app = { ...s.app, ...app };
  return load("ryzen9", inv);
};
const DIGEST = (c: string) => `sha256:${c.repeat(64)}`;
const allPinned = { images: { portainer: { tag: "2.33.7", digest: DIGEST("b") } } };

/**
 * The Compose specification's facts this renderer relies on (compose-spec/compose-spec
 * schema/compose-spec.json at commit 00655e22): the top level allows `version`, `name`, `include`,
 * `services`, `models`, `networks`, `volumes`, `secrets`, `configs` and `x-*`, nothing else; service
 * names match ^[a-zA-Z0-9._-]+$; a service is an object without unknown keys (`x-*` allowed) where
 * `image`, `container_name` and `restart` are strings, `env_file` is a path or a list of paths (or
 * objects), `ports` is a unique list of numbers, strings or port objects, `volumes` a unique list of
 * strings or mount objects. `composeProblems` carries exactly those facts (the service keys it allows
 * are the ones this renderer writes, each a property of the spec's service definition).
 */
const TOP_LEVEL = ["version", "name", "include", "services", "models", "networks", "volumes", "secrets", "configs"];
const STRINGS = ["image", "container_name", "restart"];
/** The carried facts as a check (an empty list: the document satisfies them). */
function composeProblems(doc: any): string[] {
  const out: string[] = [];
  for (const k of Object.keys(doc)) if (!TOP_LEVEL.includes(k) && !k.startsWith("x-")) out.push(`top-level ${k}`);
  for (const [name, svc] of Object.entries<any>(doc.services ?? {})) {
    if (!/^[a-zA-Z0-9._-]+$/.test(name)) out.push(`service name ${name}`);
    for (const k of Object.keys(svc)) if (!["image", "container_name", "restart", "env_file", "ports", "volumes"].includes(k) && !k.startsWith("x-")) out.push(`${name}.${k}`);
    for (const k of STRINGS) if (k in svc && typeof svc[k] !== "string") out.push(`${name}.${k} not a string`);
    const ef = svc.env_file;
    if (ef !== undefined && typeof ef !== "string" && !(Array.isArray(ef) && ef.every((x) => typeof x === "string" || typeof x === "object"))) out.push(`${name}.env_file`);
    for (const k of ["ports", "volumes"]) {
      const v = svc[k];
      if (v === undefined) continue;
      if (!Array.isArray(v) || new Set(v.map((x: unknown) => JSON.stringify(x))).size !== v.length) out.push(`${name}.${k} not a unique list`);
      else if (!v.every((x: unknown) => typeof x === "string" || typeof x === "object" || (k === "ports" && typeof x === "number"))) out.push(`${name}.${k} items`);
    }
  }
  return out;
}
const validate = (doc: unknown) => composeProblems(doc).length === 0;

describe("Docker host (ryzen9 VM 3)", () => {
  const site = load("ryzen9");
  const s = svc(site);

  test("the committed inventory plans it: n8n pinned, Portainer unpinned (no digest found) and left out, the rest installs", () => {
    const p = appPlanOf(s, site)!;
    expect(p.kind).toBe("docker-host");
    expect(p.source).toEqual({ type: "oci", image: "docker.n8n.io/n8nio/n8n:2.37.10", digest: DOCKER_HOST_IMAGES.n8n.digest });
    expect(p.version).toContain("n8n 2.37.10@sha256:307d6065be25");
    expect(p.version).toContain("portainer 2.33.7@unpinned (left out)");
    expect(p.script).toMatch(/UNPINNED=\(.*app\.images\.portainer/s);
    expect(p.script).not.toMatch(/app\.images\.n8n/);
    // The compose text holds the pinned containers only: nothing is pulled by tag.
    const compose = YAML.parse(p.config.find((c) => c.path === COMPOSE_FILE)!.text);
    for (const svc of Object.values(compose.services) as Array<{ image: string }>) expect(svc.image).toMatch(/@sha256:[0-9a-f]{64}$/);
    expect(p.metrics.map((m) => m.job)).toEqual(["n8n"]);
    // n8n 2.37.10 (npm tarball, dist/abstract-server.js): `${endpoints.health}/readiness` is 200 only once migrated.
    expect(p.health.url).toBe("http://10.0.40.10:5678/healthz/readiness");
    expect(p.script).toContain("http://10.0.40.10:5678/healthz/readiness");
    expect(appContractProblems(s, p)).toEqual([]);
  });

  test("the found pins are the published ones (decision 271)", () => {
    expect(DOCKER_HOST_IMAGES.homepage).toEqual({ repository: "ghcr.io/gethomepage/homepage", tag: "v1.13.2", digest: "sha256:c881120b024d6a8e2f3c9664efc568984e4352e47df459d6b32e225374c71955" });
    expect(DOCKER_HOST_IMAGES.uptimeKuma).toEqual({ repository: "louislam/uptime-kuma", tag: "1.23.16", digest: "sha256:431fee3be822b04861cf0e35daf4beef6b7cb37391c5f26c3ad6e12ce280fe18" });
    expect(DOCKER_HOST_IMAGES.portainer.digest).toBeUndefined();
  });

  // n8n 2.37.10's image digest (decision 330): pinned to that tag by independent public files — an
  // n8n → Codex runner's container inventory (`docker.n8n.io/n8nio/n8n:2.37.10@sha256:307d6065…`), a
  // catalogue entry (`image_audit.index_digest`, linux/amd64 + linux/arm64) and test fixtures
  // (`n8nio/n8n@sha256:307d6065…`, "n8n runtime 2.37.10 (pinned)"). A multi-arch index digest: pulls on amd64.
  test("n8n's pin: tag 2.37.10 at the digest public files pin it to", () => {
    expect(DOCKER_HOST_IMAGES.n8n).toEqual({ repository: "docker.n8n.io/n8nio/n8n", tag: "2.37.10", digest: "sha256:307d6065be25619aa24cfc63a7c2f04ca56d084a08c05c8e9f189a89f353b1ec" });
    for (const i of Object.values(DOCKER_HOST_IMAGES)) if (i.digest) expect(i.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  /**
   * Every variable the Docker host gives n8n is declared with `@Env('…')` in npm @n8n/config 2.35.2, the
   * exact dependency of n8n 2.37.10 (`npm view n8n@2.37.10 dependencies`): dist/configs/database.config.js
   * (DB_TYPE, DB_POSTGRESDB_*), instance-settings-config.js (N8N_ENCRYPTION_KEY,
   * N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS), dist/index.js (N8N_HOST/PORT/PROTOCOL/EDITOR_BASE_URL),
   * auth.config.js (N8N_SECURE_COOKIE), endpoints.config.js (N8N_METRICS), diagnostics.config.js,
   * version-notifications.config.js, generic.config.js (GENERIC_TIMEZONE), cache.config.js
   * (N8N_CACHE_BACKEND: memory|redis|auto), scaling-mode.config.js (QUEUE_BULL_REDIS_HOST/PORT/DB/PASSWORD).
   */
  const N8N_2_37_ENV = new Set([
    "DB_TYPE", "DB_POSTGRESDB_HOST", "DB_POSTGRESDB_PORT", "DB_POSTGRESDB_DATABASE", "DB_POSTGRESDB_USER", "DB_POSTGRESDB_PASSWORD",
    "N8N_ENCRYPTION_KEY", "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS", "N8N_HOST", "N8N_PORT", "N8N_PROTOCOL", "N8N_EDITOR_BASE_URL",
    "N8N_SECURE_COOKIE", "N8N_METRICS", "N8N_DIAGNOSTICS_ENABLED", "N8N_VERSION_NOTIFICATIONS_ENABLED", "GENERIC_TIMEZONE",
    "N8N_CACHE_BACKEND", "QUEUE_BULL_REDIS_HOST", "QUEUE_BULL_REDIS_PORT", "QUEUE_BULL_REDIS_DB", "QUEUE_BULL_REDIS_PASSWORD",
  ]);
  test("n8n's environment uses only names n8n 2.37.10 reads", () => {
    const n8n = dockerContainers(s, site)[0];
    const names = [...Object.keys(n8n.env), ...n8n.secretEnv];
    expect(names.length).toBeGreaterThan(15);
    for (const k of names) expect(N8N_2_37_ENV).toContain(k);
    expect(["memory", "redis", "auto"]).toContain(n8n.env.N8N_CACHE_BACKEND);
  });

  test("Docker's repository: the key's published fingerprint and bookworm package versions, installed and held", () => {
    expect(DOCKER_APT.fingerprint).toBe("9DC858229FC7DD38854AE2D88D81803C0EBFCD88");
    for (const v of Object.values(DOCKER_APT.packages)) expect(v).toMatch(/~debian\.12~bookworm$/);
    const p = appPlanOf(s, site)!;
    expect(p.script).toContain(`DOCKER_KEY_FPR=${DOCKER_APT.fingerprint}`);
    expect(p.script).toContain("docker-ce=5:29.2.1-1~debian.12~bookworm");
    expect(p.script).toContain('apt-mark hold "${names[@]}"');
    expect(p.script).toContain("DOCKER_KEYRING=/etc/apt/keyrings/docker.asc");
    expect(p.script).toContain('signed-by=$DOCKER_KEYRING');
  });

  test("with every image pinned the Compose file is rendered and satisfies the Compose specification's schema facts", () => {
    const site2 = withApp(allPinned);
    const p = appPlanOf(svc(site2), site2)!;
    expect(p.source.type).toBe("oci");
    const text = p.config.find((c) => c.path === COMPOSE_FILE)!.text;
    const compose = YAML.parse(text);
    expect(validate(compose)).toBe(true);
    expect(Object.keys(compose.services)).toEqual(["n8n", "homepage", "uptime-kuma", "portainer"]);
    for (const svcDef of Object.values<any>(compose.services)) {
      expect(svcDef.image).toMatch(/^[^@\s]+:[^@\s]+@sha256:[0-9a-f]{64}$/);
      // Published on the service address only, never on every address.
      for (const port of svcDef.ports) expect(port).toMatch(/^10\.0\.40\.10:\d+:\d+\/(tcp|udp)$/);
    }
    // A broken render would be caught: an unknown key fails the same check.
    expect(validate({ ...compose, services: { ...compose.services, n8n: { ...compose.services.n8n, envfile: "x" } } })).toBe(false);
  });

  test("secrets stay out of the compose text and the env files: names only, values from stdin into 0600 files", () => {
    const site2 = withApp(allPinned);
    const p = appPlanOf(svc(site2), site2)!;
    const all = p.config.map((c) => c.text).join("\n");
    expect(all).not.toMatch(/PASSWORD=|ENCRYPTION_KEY=/);
    expect(p.script).toMatch(/SECRET_ENV_VARS=\(.*N8N_ENCRYPTION_KEY DB_POSTGRESDB_HOST DB_POSTGRESDB_PORT DB_POSTGRESDB_DATABASE DB_POSTGRESDB_USER DB_POSTGRESDB_PASSWORD QUEUE_BULL_REDIS_PASSWORD/);
    expect(p.secrets).toEqual([{ env: "N8N_ENCRYPTION_KEY", length: 48, protect: true }]);
    const compose = YAML.parse(p.config.find((c) => c.path === COMPOSE_FILE)!.text);
    expect(compose.services.n8n.env_file).toEqual(["/opt/docker/env/n8n.env", "/opt/docker/env/n8n.secret.env"]);
  });

  test("n8n: its database on the organisation's primary (docker's address only) and its cache in Redis DB 1 of the site's redis", () => {
    const p = appPlanOf(s, site)!;
    expect(p.database).toBe("n8n");
    const org = organisationOf(site, []);
    const pg = site.services.find((x) => x.app?.kind === "postgres-primary")! as any;
    expect(primaryDatabases(org, pg).find((d) => d.name === "n8n")!.clients).toEqual(["10.0.40.10/32"]);
    const n8n = dockerContainers(s, site)[0];
    const redis = site.services.find((x) => x.name === "redis")!;
    expect(n8n.env).toMatchObject({ DB_TYPE: "postgresdb", N8N_CACHE_BACKEND: "redis", QUEUE_BULL_REDIS_HOST: redis.ipv4, QUEUE_BULL_REDIS_PORT: "6379", QUEUE_BULL_REDIS_DB: "1" });
    // Redis's generated requirepass is handed over by the apps tier (peer secret of the redis service).
    expect(p.peerSecrets).toEqual([{ service: "redis", env: "REDIS_PASSWORD" }]);
    // Redis admits the Docker host (decision 61).
    expect(redis.firewall.find((f) => f.port === 6379)!.sources).toContain("10.0.40.10/32");
    expect(() => dockerContainers(svc(withApp({ n8nRedis: { service: "postgres", db: 1 } })), site)).toThrow(/no redis service/);
  });

  test("user containers (the media stack) are rendered pinned; their ports must be declared; names and ports are unique", () => {
    const plex = { name: "plex", image: "lscr.io/linuxserver/plex", tag: "1.41.0", digest: DIGEST("c"), ports: [{ port: 32400 }], volumes: [{ host: "/opt/docker/plex", container: "/config" }, { host: "/mnt/nas/media", container: "/media", readOnly: true }] };
    const site2 = withApp({ ...allPinned, containers: [plex] });
    const p = appPlanOf(svc(site2), site2)!;
    const compose = YAML.parse(p.config.find((c) => c.path === COMPOSE_FILE)!.text);
    expect(validate(compose)).toBe(true);
    expect(compose.services.plex).toMatchObject({ image: `lscr.io/linuxserver/plex:1.41.0@${DIGEST("c")}`, ports: ["10.0.40.10:32400:32400/tcp"], volumes: ["/opt/docker/plex:/config", "/mnt/nas/media:/media:ro"] });
    expect(appContractProblems(svc(site2), p)).toEqual([]);
    const site3 = withApp({ containers: [{ ...plex, ports: [{ port: 4444 }] }] });
    expect(appContractProblems(svc(site3), appPlanOf(svc(site3), site3)!).join("\n")).toMatch(/port 4444\/tcp/);
    expect(() => appPlanOf(svc(withApp({ containers: [{ ...plex, name: "n8n" }] })), site)).toThrow(/already a container/);
    expect(() => appPlanOf(svc(withApp({ containers: [{ ...plex, ports: [{ port: 3000 }] }] })), site)).toThrow(/published twice/);
    expect(() => withApp({ containers: [{ ...plex, digest: "latest" }] })).toThrow(/sha256/);
  });

  test("an unpinned image is left out of the Compose project (decision 271); with none pinned nothing is rendered", () => {
    const containers = dockerContainers(s, site);
    const unpinned = containers.filter((c) => !c.image.digest).map((c) => c.name);
    expect(unpinned).toEqual(["portainer"]);
    const compose = YAML.parse(renderCompose(s, containers)!);
    expect(Object.keys(compose.services)).toEqual(containers.filter((c) => c.image.digest).map((c) => c.name));
    expect(Object.keys(compose.services)).not.toContain("portainer");
    const p = appPlanOf(s, site)!;
    expect(p.version).toContain("portainer 2.33.7@unpinned (left out)");
    expect(p.ports.map((x) => x.description)).not.toContain("portainer (container)");
    expect(p.config.map((c) => c.path)).not.toContain("/opt/docker/env/portainer.env");
    expect(renderCompose(s, containers.map((c) => ({ ...c, image: { ...c.image, digest: undefined } })))).toBeUndefined();
  });
});

describe("the Docker host's install in the rendered stack", () => {
  test("runs as the VM's cloud-init user through sudo (a Debian cloud VM has no root login), secrets only on stdin", async () => {
    const { renderSite, named } = await import("../helpers/render");
    const r = await renderSite("ryzen9");
    const cmd = named(r, "ryzen9-docker-app-install", "command:remote:Command").inputs as any;
    expect(cmd.create).toMatch(/sudo -n --preserve-env=[A-Z_,]*N8N_ENCRYPTION_KEY/);
    expect(cmd.create).not.toMatch(/N8N_ENCRYPTION_KEY=[^$\s"]/);
    // n8n encrypts its credentials with this key: it is generated once and protected.
    expect(named(r, "ryzen9-docker-app-n8n-encryption-key").protect).toBe(true);
  });
});
