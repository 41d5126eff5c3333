/**
 * The Docker host (ryzen9 VM 3, seed 002): Docker Engine from Docker's apt repository at pinned
 * package versions, its signing key held to the published fingerprint, and one Compose project
 * rendered from the inventory — n8n (on the organisation's PostgreSQL primary and the site's Redis),
 * Homepage, Uptime Kuma and Portainer, plus the user's own containers (`app.containers`, the seed's
 * media stack) — every image by digest, secrets in root-only env files written from the Command's
 * stdin, never in the compose text. Decisions 270–274.
 *
 * Upstream facts:
 * - Docker's apt repository signing key: fingerprint 9DC8 5822 9FC7 DD38 854A E2D8 8D81 803C 0EBF CD88
 *   ("Docker Release (CE deb)"), the value Docker's install documentation tells users to verify.
 * - Package versions of Docker's bookworm pool (`<name>_<version>_amd64.deb` under
 *   download.docker.com/linux/debian/dists/bookworm/pool/stable/amd64): containerd.io 2.2.1-1~debian.12~bookworm,
 *   docker-ce and docker-ce-cli 29.2.1-1~debian.12~bookworm (epoch 5), docker-compose-plugin
 *   5.0.2-1~debian.12~bookworm.
 * - Compose specification (compose-spec/compose-spec schema/compose-spec.json at 00655e22): top level
 *   `name`, `services` (additionalProperties false); a service's `image`, `container_name`, `restart`,
 *   `env_file`, `environment`, `ports`, `volumes` (test/apps/docker-host.test.ts).
 * - n8n (image 2.37.10, whose exact dependency is npm @n8n/config 2.35.2): the `@Env` names rendered here
 *   are declared in @n8n/config 2.35.2 (dist/configs/database.config.js, instance-settings-config.js,
 *   auth.config.js, endpoints.config.js, diagnostics.config.js, version-notifications.config.js,
 *   generic.config.js; N8N_HOST/PORT/PROTOCOL/EDITOR_BASE_URL in dist/index.js), plus N8N_CACHE_BACKEND
 *   (memory|redis|auto) and QUEUE_BULL_REDIS_HOST/PORT/DB/PASSWORD (configs/cache.config.js,
 *   scaling-mode.config.js; the same names in 2.39.0, bo's n8n); n8n's
 *   RedisClientService builds every Redis client from `queue.bull.redis`. The image keeps its user
 *   folder in /home/node/.n8n (user `node`, uid 1000) and listens on 5678.
 */
import { stringify } from "yaml";
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { readScript, shellScript } from "../shell";
import type { AppModule, AppPlan, AppSource } from "./module";
import { N8N_PORT } from "./n8n";

/** Docker's apt repository and the pinned packages (see the file comment). */
export const DOCKER_APT = {
  url: "https://download.docker.com/linux/debian",
  suite: "bookworm",
  keyUrl: "https://download.docker.com/linux/debian/gpg",
  fingerprint: "9DC858229FC7DD38854AE2D88D81803C0EBFCD88",
  packages: {
    "containerd.io": "2.2.1-1~debian.12~bookworm",
    "docker-ce": "5:29.2.1-1~debian.12~bookworm",
    "docker-ce-cli": "5:29.2.1-1~debian.12~bookworm",
    "docker-compose-plugin": "5.0.2-1~debian.12~bookworm",
  },
} as const;

/** Where the project lives on the guest (seed: "Configs: Local SSD (/opt/docker)"). */
export const DOCKER_DIR = "/opt/docker";
export const COMPOSE_FILE = `${DOCKER_DIR}/compose.yaml`;
/** The Compose project name (`docker compose -p`). */
export const COMPOSE_PROJECT = "homelab";
/** Where the repository key and source go (apt's keyrings directory, sources.list.d). */
export const DOCKER_KEYRING = "/etc/apt/keyrings/docker.asc";
export const DOCKER_SOURCE = "/etc/apt/sources.list.d/docker.list";
const ENV_DIR = `${DOCKER_DIR}/env`;

/** A stock container's image: repository, tag and the digest with where it was published (none: unpinned). */
interface StockImage {
  repository: string;
  tag: string;
  digest?: string;
}

/**
 * Default images (decision 271). Digests only where an upstream-published pin was found:
 * - Homepage v1.13.2 `sha256:c881120b…1955`: three public files pin it (compose stacks run with docker).
 * - Uptime Kuma 1.23.16 `sha256:431fee3b…fe18`: two independent files pin it (a compose file and a NixOS
 *   oci-containers module).
 * - n8n 2.37.10 `sha256:307d6065…53b1ec` (decision 330): independent public files pin that tag by that
 *   digest (`docker.n8n.io/n8nio/n8n:2.37.10@sha256:…` and `n8nio/n8n@sha256:…` with 2.37.10); not
 *   2.41.1 (bo's n8n), for which no digest pin was found.
 * - Portainer: no tag was found pinned to one digest by two independent files: unpinned, so it is left
 *   out of the Compose project (the install logs `app.images.portainer`; decisions 271, 330).
 */
export const DOCKER_HOST_IMAGES: Record<"n8n" | "homepage" | "uptimeKuma" | "portainer", StockImage> = {
  n8n: { repository: "docker.n8n.io/n8nio/n8n", tag: "2.37.10", digest: "sha256:307d6065be25619aa24cfc63a7c2f04ca56d084a08c05c8e9f189a89f353b1ec" },
  homepage: { repository: "ghcr.io/gethomepage/homepage", tag: "v1.13.2", digest: "sha256:c881120b024d6a8e2f3c9664efc568984e4352e47df459d6b32e225374c71955" },
  uptimeKuma: { repository: "louislam/uptime-kuma", tag: "1.23.16", digest: "sha256:431fee3be822b04861cf0e35daf4beef6b7cb37391c5f26c3ad6e12ce280fe18" },
  portainer: { repository: "portainer/portainer-ce", tag: "2.33.7" },
};

export const HOMEPAGE_PORT = 3000;
export const UPTIME_KUMA_PORT = 3001;
export const PORTAINER_PORT = 9443;

type DockerService = ResolvedService & { app: AppOf<"docker-host"> };

/** One container of the project, before rendering. */
export interface ComposeContainer {
  name: string;
  image: StockImage;
  /** Host port → container port, on the service address. */
  ports: Array<{ port: number; container: number; protocol: "tcp" | "udp" }>;
  volumes: Array<{ host: string; container: string; readOnly?: boolean; owner?: string }>;
  /** Non-secret environment, rendered into `<env>/<name>.env`. */
  env: Record<string, string>;
  /** Secret variable names written at run time into `<env>/<name>.secret.env` (0600). */
  secretEnv: string[];
  /** Health URL the install waits for (none: not waited for). */
  health?: string;
  /** The inventory setting that pins it (for the stop message). */
  pinHint: string;
}

const envPath = (c: ComposeContainer) => `${ENV_DIR}/${c.name}.env`;
const secretEnvPath = (c: ComposeContainer) => `${ENV_DIR}/${c.name}.secret.env`;

function pinned(s: DockerService, key: keyof typeof DOCKER_HOST_IMAGES): StockImage {
  const d = DOCKER_HOST_IMAGES[key];
  const o = s.app.images[key];
  return o ? { repository: d.repository, tag: o.tag, digest: o.digest } : d;
}

/** The Redis service n8n caches in: `app.n8nRedis.service`, a `redis` service of this site. */
export function n8nRedis(s: DockerService, site: Site): { host: string; port: number; db: number } | undefined {
  const r = s.app.n8nRedis;
  if (!r) return undefined;
  const target = site.services.find((x) => x.name === r.service);
  if (!target || target.app?.kind !== "redis" || !target.ipv4) throw new Error(`homelab: site "${site.name}": service "${s.name}": app.n8nRedis.service = "${r.service}": no redis service with an address of that name on this site`);
  return { host: target.ipv4, port: 6379, db: r.db };
}

/** The containers of the project, in order: the stock four, then `app.containers`. */
export function dockerContainers(s: DockerService, site: Site): ComposeContainer[] {
  const ip = s.ipv4!;
  const redis = n8nRedis(s, site);
  const base = `http://${ip}:${N8N_PORT}/`;
  const n8n: ComposeContainer = {
    name: "n8n",
    image: pinned(s, "n8n"),
    ports: [{ port: N8N_PORT, container: N8N_PORT, protocol: "tcp" }],
    volumes: [{ host: `${DOCKER_DIR}/n8n`, container: "/home/node/.n8n", owner: "1000:1000" }],
    env: {
      DB_TYPE: s.app.database ? "postgresdb" : "sqlite",
      N8N_PORT: String(N8N_PORT),
      N8N_PROTOCOL: "http",
      N8N_HOST: ip,
      N8N_EDITOR_BASE_URL: base,
      // Served over plain HTTP on the LAN (Traefik terminates TLS in front): a Secure cookie would never come back.
      N8N_SECURE_COOKIE: "false",
      N8N_METRICS: "true",
      N8N_DIAGNOSTICS_ENABLED: "false",
      N8N_VERSION_NOTIFICATIONS_ENABLED: "false",
      N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: "true",
      GENERIC_TIMEZONE: site.inventory.timezone,
      ...(redis ? { N8N_CACHE_BACKEND: "redis", QUEUE_BULL_REDIS_HOST: redis.host, QUEUE_BULL_REDIS_PORT: String(redis.port), QUEUE_BULL_REDIS_DB: String(redis.db) } : {}),
    },
    secretEnv: [
      "N8N_ENCRYPTION_KEY",
      ...(s.app.database ? ["DB_POSTGRESDB_HOST", "DB_POSTGRESDB_PORT", "DB_POSTGRESDB_DATABASE", "DB_POSTGRESDB_USER", "DB_POSTGRESDB_PASSWORD"] : []),
      ...(redis ? ["QUEUE_BULL_REDIS_PASSWORD"] : []),
    ],
    // 200 only once connected, migrated and started: n8n 2.37.10's dist/abstract-server.js (npm tarball) mounts
    // `${endpoints.health}/readiness` beside `/healthz`, which answers before migrations (decision 312).
    health: `http://${ip}:${N8N_PORT}/healthz/readiness`,
    pinHint: `set app.images.n8n { tag, digest } of service "${s.name}"`,
  };
  const homepage: ComposeContainer = {
    name: "homepage",
    image: pinned(s, "homepage"),
    ports: [{ port: HOMEPAGE_PORT, container: 3000, protocol: "tcp" }],
    volumes: [{ host: `${DOCKER_DIR}/homepage`, container: "/app/config" }],
    // Homepage (v1) answers only the host names it is told; the service address and its DNS name.
    env: { HOMEPAGE_ALLOWED_HOSTS: `${ip}:${HOMEPAGE_PORT},${s.name}.${site.inventory.dns.domain}` },
    secretEnv: [],
    health: `http://${ip}:${HOMEPAGE_PORT}/`,
    pinHint: `set app.images.homepage { tag, digest } of service "${s.name}"`,
  };
  const kuma: ComposeContainer = {
    name: "uptime-kuma",
    image: pinned(s, "uptimeKuma"),
    ports: [{ port: UPTIME_KUMA_PORT, container: 3001, protocol: "tcp" }],
    volumes: [{ host: `${DOCKER_DIR}/uptime-kuma`, container: "/app/data" }],
    env: { TZ: site.inventory.timezone },
    secretEnv: [],
    health: `http://${ip}:${UPTIME_KUMA_PORT}/`,
    pinHint: `set app.images.uptimeKuma { tag, digest } of service "${s.name}"`,
  };
  const portainer: ComposeContainer = {
    name: "portainer",
    image: pinned(s, "portainer"),
    ports: [{ port: PORTAINER_PORT, container: 9443, protocol: "tcp" }],
    volumes: [
      { host: "/var/run/docker.sock", container: "/var/run/docker.sock" },
      { host: `${DOCKER_DIR}/portainer`, container: "/data" },
    ],
    env: {},
    secretEnv: [],
    health: `https://${ip}:${PORTAINER_PORT}/`,
    pinHint: `set app.images.portainer { tag, digest } of service "${s.name}"`,
  };
  const extra: ComposeContainer[] = s.app.containers.map((c) => ({
    name: c.name,
    image: { repository: c.image, tag: c.tag, digest: c.digest },
    ports: c.ports.map((p) => ({ port: p.port, container: p.container ?? p.port, protocol: p.protocol })),
    volumes: c.volumes.map((v) => ({ host: v.host, container: v.container, readOnly: v.readOnly })),
    env: c.environment,
    secretEnv: [],
    pinHint: `app.containers "${c.name}" of service "${s.name}"`,
  }));
  const all = [n8n, homepage, kuma, portainer, ...extra];
  const names = new Set<string>();
  for (const c of all) {
    if (names.has(c.name)) throw new Error(`homelab: site "${site.name}": service "${s.name}": app.containers: "${c.name}" is already a container of the Docker host`);
    names.add(c.name);
  }
  const ports = new Set<string>();
  for (const c of all)
    for (const p of c.ports) {
      const k = `${p.port}/${p.protocol}`;
      if (ports.has(k)) throw new Error(`homelab: site "${site.name}": service "${s.name}": port ${k} of container "${c.name}" is published twice`);
      ports.add(k);
    }
  return all;
}

/** `repository:tag@digest`; only for pinned images. */
export function imageReference(c: ComposeContainer): string {
  if (!c.image.digest) throw new Error(`homelab: container ${c.name}: image ${c.image.repository} is not pinned: ${c.pinHint}`);
  return `${c.image.repository}:${c.image.tag}@${c.image.digest}`;
}

/** The containers that run: those whose image is pinned by digest (decision 271: an unpinned one is left out). */
export function deployedContainers(containers: readonly ComposeContainer[]): ComposeContainer[] {
  return containers.filter((c) => !!c.image.digest);
}

/**
 * The Compose file (Compose specification) of the pinned containers: no secret values, only env file
 * paths; undefined when no image is pinned. No top-level `name` (the install passes `-p homelab`): Debian's docker-compose
 * 1.29 schema, which the real test validates against, predates that key.
 */
export function renderCompose(s: DockerService, containers: readonly ComposeContainer[]): string | undefined {
  const deployed = deployedContainers(containers);
  if (!deployed.length) return undefined;
  const services: Record<string, unknown> = {};
  for (const c of deployed) {
    services[c.name] = {
      image: imageReference(c),
      container_name: c.name,
      restart: "unless-stopped",
      env_file: [envPath(c), ...(c.secretEnv.length ? [secretEnvPath(c)] : [])],
      ...(c.ports.length ? { ports: c.ports.map((p) => `${s.ipv4}:${p.port}:${p.container}/${p.protocol}`) } : {}),
      ...(c.volumes.length ? { volumes: c.volumes.map((v) => `${v.host}:${v.container}${v.readOnly ? ":ro" : ""}`) } : {}),
    };
  }
  return `# Managed by homelab (components/apps/dockerHost.ts), rendered from the inventory; secrets are in ${ENV_DIR}/*.secret.env.\n${stringify({ services }, { lineWidth: 0 })}`;
}

/** A container's non-secret env file (Compose `env_file`: one NAME=VALUE per line). */
export function renderEnvFile(c: ComposeContainer): string {
  for (const [k, v] of Object.entries(c.env)) if (/[\n\r]/.test(v)) throw new Error(`homelab: container ${c.name}: env ${k} holds a newline`);
  return ["# Managed by homelab (components/apps/dockerHost.ts).", ...Object.entries(c.env).map(([k, v]) => `${k}=${v}`), ""].join("\n");
}

const INSTALL_SH = readScript(__dirname, "scripts/docker-host-install.sh");

/** The first running container's image (n8n's when pinned); `unpinned` only when nothing can run. */
function source(containers: readonly ComposeContainer[]): AppSource {
  const [first] = deployedContainers(containers);
  if (!first) return { type: "unpinned", package: containers.map((c) => c.image.repository).join(", "), hint: containers.map((c) => c.pinHint).join("; ") };
  return { type: "oci", image: `${first.image.repository}:${first.image.tag}`, digest: first.image.digest! };
}

function plan(s: DockerService, site: Site): AppPlan {
  const containers = dockerContainers(s, site);
  const deployed = deployedContainers(containers);
  const compose = renderCompose(s, containers);
  const redis = n8nRedis(s, site);
  const waited = deployed.filter((c) => c.health);
  const health = { url: (waited[0] ?? containers[0]).health! };
  const n8nRuns = deployed.some((c) => c.name === "n8n");
  const script = shellScript({
    title: `Docker host ${s.name} (${site.name})`,
    source: "components/apps/dockerHost.ts",
    logTag: `docker-host-${s.name}`,
    env: {
      DOCKER_APT_URL: DOCKER_APT.url,
      DOCKER_APT_SUITE: DOCKER_APT.suite,
      DOCKER_KEY_URL: DOCKER_APT.keyUrl,
      DOCKER_KEY_FPR: DOCKER_APT.fingerprint,
      DOCKER_KEYRING,
      DOCKER_SOURCE,
      COMPOSE_PROJECT,
      DOCKER_PACKAGES: Object.entries(DOCKER_APT.packages).map(([p, v]) => `${p}=${v}`),
      UNPINNED: containers.filter((c) => !c.image.digest).map((c) => `${c.name} (${c.image.repository}:${c.image.tag}): ${c.pinHint}`),
      COMPOSE_FILE,
      COMPOSE_TEXT: compose ?? "",
      ENV_PATHS: deployed.map(envPath),
      ENV_TEXTS: deployed.map(renderEnvFile),
      SECRET_ENV_PATHS: deployed.filter((c) => c.secretEnv.length).map(secretEnvPath),
      SECRET_ENV_VARS: deployed.filter((c) => c.secretEnv.length).map((c) => c.secretEnv.join(" ")),
      STATE_DIRS: deployed.flatMap((c) => c.volumes.filter((v) => v.host.startsWith(`${DOCKER_DIR}/`)).map((v) => v.host)),
      STATE_OWNERS: deployed.flatMap((c) => c.volumes.filter((v) => v.host.startsWith(`${DOCKER_DIR}/`)).map((v) => v.owner ?? "0:0")),
      HEALTH_URLS: waited.map((c) => c.health!),
      DB: !!s.app.database,
      REDIS: !!redis,
    },
    body: INSTALL_SH,
  });
  return {
    kind: "docker-host",
    service: s.name,
    address: s.ipv4!,
    version: containers.map((c) => `${c.name} ${c.image.tag}@${c.image.digest ? c.image.digest.slice(0, 19) : "unpinned (left out)"}`).join(", "),
    source: source(containers),
    config: [...(compose ? [{ path: COMPOSE_FILE, text: compose }] : []), ...deployed.map((c) => ({ path: envPath(c), text: renderEnvFile(c) }))],
    // The state lives on the VM's own disk under /opt/docker (a VM's data disks are not formatted by the program).
    dataPaths: [],
    ports: deployed.flatMap((c) => c.ports.map((p) => ({ port: p.port, protocol: p.protocol, description: `${c.name} (container)` }))),
    health,
    backup: { paths: [DOCKER_DIR], localDatabases: [], preBackup: [] },
    database: s.app.database,
    // The Redis guest's generated requirepass, handed over by the apps tier (module.ts peerSecrets).
    ...(redis ? { peerSecrets: [{ service: s.app.n8nRedis!.service, env: "REDIS_PASSWORD" }] } : {}),
    metrics: n8nRuns ? [{ job: "n8n", port: N8N_PORT, scheme: "http", path: "/metrics" }] : [],
    secrets: [{ env: "N8N_ENCRYPTION_KEY", length: 48, protect: true }],
    script,
  };
}

export const dockerHostModule: AppModule<"docker-host"> = {
  kind: "docker-host",
  installNote: "Docker Engine from Docker's apt repository at pinned versions (key held to its fingerprint) and one Compose project rendered from the inventory, every image by digest",
  plan,
};
