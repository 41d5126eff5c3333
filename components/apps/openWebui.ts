/**
 * Open WebUI (bh BH-2, ep's Konstanze EP-4, orion's LXC 1001): the upstream image by digest under the
 * OCI runner (components/apps/oci.ts), its data directory on the data mount, its model server from
 * the inventory (`app.upstream`: an Ollama service of the site, or an OpenAI-compatible base URL),
 * login through the organisation's identity provider (`AppPlan.oidc`), the health route and a
 * consistent copy of its SQLite database before each backup.
 *
 * Upstream facts (open-webui/open-webui; the v0.11.0 tree is over this workplace's snapshot limit, so
 * they were read in the indexed backend sources, which carry them unchanged from the PersistentConfig
 * era to the 2026 config-key map, `oauth.oidc.* → env`):
 * - backend/open_webui/env.py: `DATA_DIR` defaults to `<backend>/data`, /app/backend/data in the image;
 *   the SQLite database is `<DATA_DIR>/webui.db`; `WEBUI_SECRET_KEY` signs sessions.
 * - backend/open_webui/config.py: `OLLAMA_BASE_URL`, `ENABLE_OLLAMA_API`, `OPENAI_API_BASE_URL(S)`,
 *   `ENABLE_OPENAI_API`, `WEBUI_URL`, and the OIDC client `OAUTH_CLIENT_ID`, `OAUTH_CLIENT_SECRET`,
 *   `OPENID_PROVIDER_URL` (the discovery document), `OPENID_REDIRECT_URI`, `OAUTH_PROVIDER_NAME`,
 *   `OAUTH_SCOPES`, `ENABLE_OAUTH_SIGNUP`, `OAUTH_MERGE_ACCOUNTS_BY_EMAIL`; `ENABLE_PERSISTENT_CONFIG`
 *   (default True: values saved in the database win over the environment after the first start).
 * - backend/open_webui/main.py: `GET /health` answers `{"status": true}` (no auth, no database);
 *   the OIDC callback is `/oauth/{provider}/callback`, provider `oidc` for the generic client.
 * - the image listens on 8080 and runs as root (Dockerfile `PORT=8080`, `UID=0`).
 */
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import type { AppModule, AppPlan } from "./module";
import { OciContainer, ociAppScript, ociPlanBase } from "./oci";
import { OLLAMA_PORT } from "./ollama";

/** The image pin used unless the inventory sets `app.image`: Renovate-pinned in bjw-s-labs/home-ops (decision 162). */
export const OPEN_WEBUI_IMAGE = { repository: "ghcr.io/open-webui/open-webui", tag: "v0.11.0", digest: "sha256:72c0ba641ba75e7aa52655cb242570906ececd09b1140fb736483038a22b3228" };
/** Where the image keeps its data (env.py DATA_DIR). */
export const OPEN_WEBUI_DATA = "/app/backend/data";
/** The port the image listens on. */
export const OPEN_WEBUI_CONTAINER_PORT = 8080;
const CA_BUNDLE = "/etc/homelab/oci/open-webui-ca.pem";
const CA_IN_CONTAINER = "/etc/ssl/certs/homelab-ca-bundle.pem";

type WebuiService = ResolvedService & { app: AppOf<"open-webui"> };

function dataDir(s: WebuiService): string {
  const m = s.dataMounts.find((d) => d.path === "/var/lib/open-webui");
  if (!m) throw new Error(`homelab: service "${s.name}": Open WebUI keeps its data on a data mount at /var/lib/open-webui`);
  return m.path;
}

/** The model server: `{ ollama: url }` or `{ openai: url }` (see the setting's doc in components/inventory/apps.ts). */
export function webuiUpstream(s: WebuiService, site: Site): { ollama: string } | { openai: string } {
  const u = s.app.upstream;
  if (u && "openai" in u) return { openai: u.openai.replace(/\/+$/, "") };
  const candidates = site.services.filter((x) => x.app?.kind === "ollama" && (u ? x.name === u.ollama : true));
  if (u && candidates.length === 0) throw new Error(`homelab: site "${site.name}": service "${s.name}": app.upstream.ollama = "${u.ollama}": no ollama service of that name on this site`);
  if (candidates.length !== 1) throw new Error(`homelab: site "${site.name}": service "${s.name}": set app.upstream ({ ollama: <service> } or { openai: <base URL> }): the site has ${candidates.length} ollama services`);
  return { ollama: `http://${candidates[0].ipv4}:${OLLAMA_PORT}` };
}

/** The container (env without secrets; secrets and the run-time OIDC values come from stdin). */
export function webuiContainer(s: WebuiService, site: Site): OciContainer {
  const img = s.app.image ?? { tag: OPEN_WEBUI_IMAGE.tag, digest: OPEN_WEBUI_IMAGE.digest };
  const base = `http://${s.ipv4}:${s.app.port}`;
  const up = webuiUpstream(s, site);
  const env: Record<string, string> = {
    WEBUI_URL: base,
    // The inventory is the configuration: environment values win over ones saved in the database.
    ENABLE_PERSISTENT_CONFIG: "False",
    ...("ollama" in up
      ? { ENABLE_OLLAMA_API: "True", OLLAMA_BASE_URL: up.ollama, ENABLE_OPENAI_API: "False" }
      : { ENABLE_OLLAMA_API: "False", ENABLE_OPENAI_API: "True", OPENAI_API_BASE_URL: up.openai }),
    ...(s.app.sso
      ? {
          ENABLE_OAUTH_SIGNUP: "True",
          OAUTH_MERGE_ACCOUNTS_BY_EMAIL: "True",
          OAUTH_PROVIDER_NAME: "authentik",
          OAUTH_CLIENT_ID: oidcClientId(s, site),
          OAUTH_SCOPES: "openid email profile",
          OPENID_REDIRECT_URI: `${base}/oauth/oidc/callback`,
          // The provider's certificate chains to the organisation's CA: trust it next to Debian's roots.
          SSL_CERT_FILE: CA_IN_CONTAINER,
          REQUESTS_CA_BUNDLE: CA_IN_CONTAINER,
        }
      : {}),
  };
  return {
    name: "open-webui",
    image: OPEN_WEBUI_IMAGE.repository,
    tag: img.tag,
    digest: img.digest,
    pinHint: `set app.image { tag, digest } of service "${s.name}"`,
    env,
    secretEnv: ["WEBUI_SECRET_KEY", ...(s.app.sso ? ["OAUTH_CLIENT_SECRET", "OPENID_PROVIDER_URL"] : [])],
    volumes: [{ host: dataDir(s), container: OPEN_WEBUI_DATA }, ...(s.app.sso ? [{ host: CA_BUNDLE, container: CA_IN_CONTAINER, readOnly: true }] : [])],
    publish: [{ address: s.ipv4!, hostPort: s.app.port, containerPort: OPEN_WEBUI_CONTAINER_PORT, protocol: "tcp" }],
  };
}

/** The client id (and authentik application slug): unique in the organisation. */
export function oidcClientId(s: ResolvedService, site: Site): string {
  return `${site.name}-${s.name}`;
}

/** The app's own steps before the runner: the OIDC values from the run-time contract, the CA bundle. */
const BEFORE_OIDC = `# OIDC (AppPlan.oidc contract): the issuer and client secret arrive on stdin at run time.
require_env OIDC_ISSUER
require_env OIDC_CLIENT_SECRET
export OAUTH_CLIENT_SECRET="$OIDC_CLIENT_SECRET"
export OPENID_PROVIDER_URL="\${OIDC_ISSUER%/}/.well-known/openid-configuration"
install -d -m 0755 "\${CA_BUNDLE%/*}"
put "$CA_BUNDLE" 0644 root:root < <(cat /etc/ssl/certs/ca-certificates.crt; printf '%s\\n' "\${OIDC_CA_PEM:-}")`;

const BACKUP_COPY = "webui.db.backup";

function plan(s: WebuiService, site: Site): AppPlan {
  const c = webuiContainer(s, site);
  const data = dataDir(s);
  const base = `http://${s.ipv4}:${s.app.port}`;
  const health = { url: `${base}/health`, expect: '"status":true' };
  const script = ociAppScript({
    title: `Open WebUI ${s.name} (${site.name})`,
    source: "components/apps/openWebui.ts",
    logTag: `open-webui-${s.name}`,
    container: c,
    health,
    env: s.app.sso ? { CA_BUNDLE } : {},
    before: ["ensure_packages sqlite3 ca-certificates", ...(s.app.sso ? [BEFORE_OIDC] : [])].join("\n"),
  });
  return {
    ...ociPlanBase("open-webui", s, c, { port: s.app.port, description: "Open WebUI" }, [data], health),
    // A consistent copy of the SQLite database (sqlite3 .backup) lies beside it before restic reads the directory.
    backup: { paths: [data], localDatabases: [], preBackup: [`sqlite3 ${data}/webui.db ".backup '${data}/${BACKUP_COPY}'"`] },
    ...(s.app.sso ? { oidc: { clientId: oidcClientId(s, site), name: `Open WebUI ${s.name} (${site.name})`, redirectUris: [`${base}/oauth/oidc/callback`], launchUrl: base } } : {}),
    // Open WebUI serves no Prometheus metrics; its port is probed.
    metrics: [],
    secrets: [{ env: "WEBUI_SECRET_KEY", length: 48 }],
    script,
  };
}

export const openWebuiModule: AppModule<"open-webui"> = {
  kind: "open-webui",
  installNote: "the upstream image by digest under podman (OCI runner): upstream ships Open WebUI as that image; its Python stack is not in Debian",
  plan,
};
