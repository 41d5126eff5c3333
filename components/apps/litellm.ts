/**
 * LiteLLM (orion LXC 1002): the OpenAI-compatible gateway in front of the site's Ollama, run by the OCI
 * runner (components/apps/oci.ts) from `ghcr.io/berriai/litellm-database` by digest, its config.yaml
 * rendered from the inventory (decision 183): one model per model the site's Ollama pulls, the router's
 * usage counters in the site's Redis when a module installs it, the master key generated, keys and spend
 * in the organisation's PostgreSQL (the service's `app.database`).
 *
 * orion pins the tag v1.92.0 by its multi-platform digest (decision 333). Upstream facts (BerriAI/litellm,
 * read in the repository's stored files — docker/Dockerfile.database at 02fc7d10, docker/prod_entrypoint.sh
 * at 129d2ba5, the proxy's health endpoints — since the v1.92.0 tree (b3086ccd) cannot be fetched here;
 * the keys, endpoint and entrypoint below are unchanged across LiteLLM's 1.x proxy):
 * - docs/my-website/docs/proxy/configs.md and proxy_server_config.yaml: config sections `model_list`
 *   (`model_name`, `litellm_params` with `model`, `api_base`, `rpm`), `router_settings` (`redis_host`,
 *   `redis_port`, `redis_password`), `general_settings` (`master_key`, `database_url`); a value
 *   `os.environ/NAME` is read from the environment.
 * - docs/my-website/docs/providers/ollama.md: an Ollama model is `ollama/<name>` with `api_base` the
 *   Ollama server.
 * - docs/my-website/docs/proxy/health.md: `GET /health/liveliness` needs no key and answers
 *   "I'm alive!".
 * - litellm/integrations/prometheus.py: the Prometheus logger checks `premium_user` (LiteLLM Enterprise)
 *   and registers only a "not a premium user" metric without it, so no metrics endpoint is declared; the
 *   port is probed.
 * - docker/Dockerfile.database: ENTRYPOINT docker/prod_entrypoint.sh, CMD `--port 4000` (our arguments
 *   replace the CMD), EXPOSE 4000, `prisma generate` at build; docker/prod_entrypoint.sh runs
 *   `exec litellm "$@"`.
 */
import * as YAML from "yaml";
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { OLLAMA_PORT } from "./ollama";
import { OciContainer, ociAppScript, ociSource, ociVersion } from "./oci";
import type { AppModule, AppPlan, AppPlanContext } from "./module";

export const LITELLM_PORT = 4000;
const CONFIG_DIR = "/etc/litellm";
const CONFIG_PATH = `${CONFIG_DIR}/config.yaml`;
const IMAGE = "ghcr.io/berriai/litellm-database";

type LitellmService = ResolvedService & { app: AppOf<"litellm"> };

/** The site's Ollama and Redis services LiteLLM routes to and counts in (derived, never written). */
function peers(site: Site, context: AppPlanContext) {
  const ollama = site.services.find((s) => s.app?.kind === "ollama") as (ResolvedService & { app: AppOf<"ollama"> }) | undefined;
  const redis = site.services.find((s) => s.app?.kind === "redis" && context.installed?.has(s.name));
  const redisPort = redis?.firewall.find((f) => f.protocol === "tcp")?.port;
  return { ollama, redis: redis && redisPort ? { service: redis.name, host: redis.ipv4!, port: redisPort } : undefined };
}

/** config.yaml (no secrets: the master key, the database URL and the Redis password are `os.environ/…`). */
export function renderLitellmConfig(s: LitellmService, site: Site, context: AppPlanContext): string {
  const { ollama, redis } = peers(site, context);
  const doc: Record<string, unknown> = {
    model_list: (ollama?.app.models ?? []).map((m) => ({
      model_name: m.name.split(":")[0],
      litellm_params: { model: `ollama/${m.name}`, api_base: `http://${ollama!.ipv4}:${OLLAMA_PORT}`, ...(s.app.rpm ? { rpm: s.app.rpm } : {}) },
    })),
    ...(redis ? { router_settings: { redis_host: redis.host, redis_port: redis.port, redis_password: "os.environ/REDIS_PASSWORD" } } : {}),
    general_settings: { master_key: "os.environ/LITELLM_MASTER_KEY", ...(s.app.database ? { database_url: "os.environ/DATABASE_URL" } : {}) },
  };
  return "# Managed by homelab (components/apps/litellm.ts).\n" + YAML.stringify(doc);
}

function plan(s: LitellmService, site: Site, context: AppPlanContext = {}): AppPlan {
  const { ollama, redis } = peers(site, context);
  if (!ollama) throw new Error(`homelab: service "${s.name}": LiteLLM routes to the site's Ollama, and site "${site.name}" runs none`);
  if (s.app.database && !context.postgres) throw new Error(`homelab: service "${s.name}": LiteLLM's database "${s.app.database}" needs the organisation's active postgres-primary`);
  const health = { url: `http://${s.ipv4}:${LITELLM_PORT}/health/liveliness`, expect: "I'm alive!" };
  const container: OciContainer = {
    name: "litellm",
    image: IMAGE,
    tag: s.app.image.tag,
    digest: s.app.image.digest,
    pinHint: `set app.image.digest of service "${s.name}" to the sha256 digest of ${IMAGE}:${s.app.image.tag}`,
    secretEnv: ["LITELLM_MASTER_KEY", ...(s.app.database ? ["DATABASE_URL"] : []), ...(redis ? ["REDIS_PASSWORD"] : [])],
    volumes: [{ host: CONFIG_DIR, container: CONFIG_DIR, readOnly: true }],
    publish: [{ address: s.ipv4!, hostPort: LITELLM_PORT, containerPort: LITELLM_PORT, protocol: "tcp" }],
    args: ["--config", CONFIG_PATH, "--port", String(LITELLM_PORT)],
  };
  const config = renderLitellmConfig(s, site, context);
  const db = s.app.database && context.postgres ? { name: s.app.database, host: context.postgres.host, port: context.postgres.port } : undefined;
  // Before the runner writes the secret env file: the master key gets LiteLLM's `sk-` prefix, the
  // database URL is composed from the owner's password (letters and digits: no escaping needed).
  const before = [
    `install -d -m 0755 ${CONFIG_DIR}`,
    'put "$LITELLM_CONFIG_PATH" 0644 root:root <<<"$LITELLM_CONFIG_TEXT"',
    'require_env LITELLM_MASTER_KEY',
    'case "$LITELLM_MASTER_KEY" in sk-*) ;; *) LITELLM_MASTER_KEY="sk-$LITELLM_MASTER_KEY" ;; esac',
    ...(db ? ['require_env DB_PASSWORD', "# shellcheck disable=SC2034 # read by name (OCI_SECRET_VARS) by the runner below", `DATABASE_URL="postgresql://${db.name}:$DB_PASSWORD@${db.host}:${db.port}/${db.name}"`] : []),
  ].join("\n");
  const script = ociAppScript({
    title: `LiteLLM ${s.name} (${site.name})`,
    source: "components/apps/litellm.ts",
    logTag: `litellm-${s.name}`,
    container,
    health,
    env: { LITELLM_CONFIG_PATH: CONFIG_PATH, LITELLM_CONFIG_TEXT: config },
    before,
  });
  return {
    kind: "litellm",
    service: s.name,
    address: s.ipv4!,
    version: ociVersion(container),
    source: ociSource(container),
    config: [{ path: CONFIG_PATH, text: config }],
    dataPaths: [],
    ports: [{ port: LITELLM_PORT, protocol: "tcp", description: "LiteLLM API" }],
    health,
    // Keys, budgets and spend are in the primary's database, dumped there; nothing on the guest.
    backup: { paths: [], localDatabases: [], preBackup: [] },
    // AppInstall gives the owner password of `database` as DB_PASSWORD (module.ts AppPlan.database).
    ...(db ? { database: db.name } : {}),
    ...(redis ? { peerSecrets: [{ service: redis.service, env: "REDIS_PASSWORD" }] } : {}),
    metrics: [],
    secrets: [{ env: "LITELLM_MASTER_KEY", length: 48 }],
    script,
  };
}

export const litellmModule: AppModule<"litellm"> = {
  kind: "litellm",
  installNote: "the upstream image ghcr.io/berriai/litellm-database by digest under the OCI runner (PyPI is not reachable for a hashed pip lock; the image carries LiteLLM's Prisma client)",
  plan,
};
