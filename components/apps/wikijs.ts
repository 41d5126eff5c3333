/**
 * Wiki.js 2.5 (hx310-db; decisions 344-347): the upstream image by digest under the OCI runner
 * (components/apps/oci.ts), its database on the organisation's PostgreSQL primary (`AppPlan.database`),
 * its data folder (local Git working copy, uploads cache) on the data mount, the first-start setup
 * finalised through its setup API (administrator from a generated secret), and the `git` storage
 * target — a repository of the site's Gitea, pushed and pulled as a Gitea machine user whose generated
 * password arrives as a peer secret (`AppPlan.peerSecrets`) — set through its GraphQL API, once.
 *
 * Upstream facts (requarks/wiki, tag v2.5.314):
 * - dev/build/Dockerfile: node:24-alpine, `USER node` (uid 1000 of that image), WORKDIR /wiki, `EXPOSE 3000`,
 *   git in the image; dev/build/config.yml: `port: 3000`, `bindIP: 0.0.0.0`, `db.type $(DB_TYPE)`,
 *   `host $(DB_HOST)`, `port $(DB_PORT)`, `user $(DB_USER)`, `pass $(DB_PASS)`, `db $(DB_NAME)`,
 *   `ssl $(DB_SSL)` (server/helpers/config.js substitutes `$(NAME)` from the environment).
 * - server/app/data.yml: `dataPath: ./data` (/wiki/data).
 * - server/core/config.js: an empty settings table starts the setup wizard (server/setup.js), whose
 *   `GET *` answers the setup page and `POST /finalize` takes `adminEmail`, `adminPassword`, `siteUrl`,
 *   `telemetry`, answers `{ ok: true }` and restarts into the wiki; server/controllers/common.js
 *   `GET /healthz` answers `{"ok":true}` once the wiki runs (the health check).
 * - server/graph/schemas/authentication.graphql: `authentication { login(username, password, strategy) {
 *   responseResult { succeeded message } jwt } }`, strategy `local`.
 * - server/graph/schemas/storage.graphql: `storage { targets { key isEnabled mode syncInterval config
 *   { key value } } }` and `storage { updateTargets(targets: [StorageTargetInput]!) { responseResult } }`,
 *   StorageTargetInput `{ isEnabled, key, mode, syncInterval, config: [KeyValuePairInput] }`;
 *   server/graph/resolvers/storage.js: an input value is the JSON `{"v": <value>}`, a listed value the
 *   JSON of the prop with `value` (`********` for a sensitive one); the patch replaces the target's
 *   whole config; `status { key status message }` after the target's init.
 * - server/modules/storage/git/definition.yml: props `authType` (basic|ssh), `repoUrl`, `branch`,
 *   `sshPrivateKeyMode`, `sshPrivateKeyPath`, `sshPrivateKeyContent`, `verifySSL`, `basicUsername`,
 *   `basicPassword` (sensitive), `defaultEmail`, `defaultName`, `localRepoPath` (default ./data/repo),
 *   `alwaysNamespace`, `gitBinaryPath`; modes sync|push|pull, schedule PT5M; storage.js refuses a branch
 *   the remote does not have ("Invalid branch! Make sure it exists on the remote first").
 */
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { readScript } from "../shell";
import { GITEA_PORT, giteaMachineSecretEnv } from "./gitea";
import type { AppModule, AppPlan, AppPlanContext } from "./module";
import { OciContainer, ociAppScript, ociPlanBase, ociStateDir } from "./oci";

/**
 * The image pin used unless the inventory sets `app.image`: ghcr.io/requarks/wiki 2.5.314 with the digest
 * found identically in three independent public files pinning that tag (decision 344).
 */
export const WIKIJS_IMAGE = { repository: "ghcr.io/requarks/wiki", tag: "2.5.314", digest: "sha256:68f0d1848261ae76492ba358e30a96a76fed5d97a3fff381656082bf90f70d7e" };
export const WIKIJS_PORT = 3000;
const DATA_IN_CONTAINER = "/wiki/data";
/** The image's `node` user (node:24-alpine uid/gid 1000) owns the data folder. */
const NODE_USER = "1000:1000";
const SETUP_SH = readScript(__dirname, "scripts/wikijs-setup.sh");

/** GraphQL documents sent by the setup (operations and fields as in storage.graphql / authentication.graphql). */
export const WIKIJS_GQL = {
  login: "mutation ($username: String!, $password: String!, $strategy: String!) { authentication { login(username: $username, password: $password, strategy: $strategy) { responseResult { succeeded message } jwt } } }",
  targets: "{ storage { targets { key isEnabled mode syncInterval config { key value } } } }",
  update: "mutation ($targets: [StorageTargetInput]!) { storage { updateTargets(targets: $targets) { responseResult { succeeded message } } } }",
  status: "{ storage { status { key status message } } }",
} as const;

type WikiService = ResolvedService & { app: AppOf<"wikijs"> };

const dataDir = (s: WikiService) => ociStateDir(s, "Wiki.js");
const domainOf = (site: Site) => site.inventory.dns?.domain ?? `${site.name}.internal`;

export function wikijsContainer(s: WikiService): OciContainer {
  const img = s.app.image ?? { tag: WIKIJS_IMAGE.tag, digest: WIKIJS_IMAGE.digest };
  return {
    name: "wikijs",
    image: WIKIJS_IMAGE.repository,
    tag: img.tag,
    digest: img.digest,
    pinHint: `set app.image { tag, digest } of service "${s.name}"`,
    env: { DB_TYPE: "postgres", DB_SSL: "false" },
    // The primary's connection (AppPlan.database contract) under the names config.yml reads.
    secretEnv: ["DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASS"],
    volumes: [{ host: dataDir(s), container: DATA_IN_CONTAINER, owner: NODE_USER }],
    publish: [{ address: s.ipv4!, hostPort: WIKIJS_PORT, containerPort: WIKIJS_PORT, protocol: "tcp" }],
    stopTimeout: 30,
  };
}

/** The Gitea service, repository URL and machine user of the git storage target. */
export function wikijsGitSource(s: WikiService, site: Site): { gitea: ResolvedService; repoUrl: string; user: string; branch: string } | undefined {
  const g = s.app.git;
  if (!g) return undefined;
  const gitea = site.services.find((x) => x.name === g.service && x.app?.kind === "gitea") as (ResolvedService & { app: AppOf<"gitea"> }) | undefined;
  if (!gitea) throw new Error(`homelab: site "${site.name}": service "${s.name}": app.git.service = "${g.service}": no active gitea service of that name`);
  const owner = gitea.app.owner ?? site.inventory.organisation;
  return { gitea, repoUrl: `http://${gitea.ipv4}:${GITEA_PORT}/${owner}/${g.repository}.git`, user: g.user, branch: g.branch };
}

/**
 * The `git` StorageTargetInput without its one secret (`basicPassword`, added on the guest): every prop
 * of definition.yml, so the patch (which replaces the whole config) leaves none at a stale value.
 */
export function wikijsGitTarget(s: WikiService, site: Site): { isEnabled: boolean; key: string; mode: string; syncInterval: string; config: Array<{ key: string; value: string }> } | undefined {
  const src = wikijsGitSource(s, site);
  if (!src) return undefined;
  const props: Record<string, string | boolean> = {
    authType: "basic",
    repoUrl: src.repoUrl,
    branch: src.branch,
    sshPrivateKeyMode: "path",
    sshPrivateKeyPath: "",
    sshPrivateKeyContent: "",
    verifySSL: true,
    basicUsername: src.user,
    defaultEmail: `${s.name}@${domainOf(site)}`,
    defaultName: "Wiki.js",
    localRepoPath: "./data/repo",
    alwaysNamespace: false,
    gitBinaryPath: "",
  };
  return { isEnabled: true, key: "git", mode: "sync", syncInterval: "PT5M", config: Object.entries(props).map(([key, v]) => ({ key, value: JSON.stringify({ v }) })) };
}

function plan(s: WikiService, site: Site, context: AppPlanContext = {}): AppPlan {
  if (!s.app.database) throw new Error(`homelab: service "${s.name}": Wiki.js keeps its pages in a database on the organisation's PostgreSQL primary: set app.database`);
  const c = wikijsContainer(s);
  const dir = dataDir(s);
  const base = `http://${s.ipv4}:${WIKIJS_PORT}`;
  const health = { url: `${base}/healthz`, expect: '"ok":true' };
  const src = wikijsGitSource(s, site);
  if (src && context.installed && !context.installed.has(src.gitea.name)) throw new Error(`homelab: service "${s.name}": app.git.service = "${src.gitea.name}": Gitea is not installed by this program on this site`);
  const target = wikijsGitTarget(s, site);
  const gitSecret = src ? giteaMachineSecretEnv(src.user) : "";
  const script = ociAppScript({
    title: `Wiki.js ${s.name} (${site.name})`,
    source: "components/apps/wikijs.ts",
    logTag: `wikijs-${s.name}`,
    container: c,
    // The setup wizard answers every GET before the first start is finalised: reachable is enough here.
    health: { url: health.url },
    healthTimeout: 600,
    env: {
      WIKI_URL: base,
      SITE_URL: base,
      ADMIN_EMAIL: s.app.adminEmail ?? `admin@${domainOf(site)}`,
      // One JSON object; `$` as \u0024 so the shell text holds no `$name` in single quotes (jq decodes it).
      GQL_DOCS: JSON.stringify(WIKIJS_GQL).replace(/\$/g, "\\u0024"),
      GIT: !!target,
      GIT_TARGET: target ? JSON.stringify(target) : "",
      GIT_SECRET: gitSecret,
      GIT_STAMP: "/etc/homelab/oci/wikijs-git.sha256",
    },
    before: 'require_env DB_HOST DB_PORT DB_NAME DB_USER DB_PASSWORD\nexport DB_PASS="$DB_PASSWORD"',
    after: SETUP_SH,
  });
  return {
    ...ociPlanBase("wikijs", s, c, { port: WIKIJS_PORT, description: "Wiki.js" }, [dir], health),
    // Pages, users and settings are in PostgreSQL (dumped on the primary); the data folder holds the Git
    // working copy and the upload cache.
    backup: { paths: [dir], localDatabases: [], preBackup: [] },
    database: s.app.database,
    ...(src ? { peerSecrets: [{ service: src.gitea.name, env: gitSecret }] } : {}),
    metrics: [],
    secrets: [{ env: "WIKIJS_ADMIN_PASSWORD", length: 32 }],
    script,
  };
}

export const wikijsModule: AppModule<"wikijs"> = {
  kind: "wikijs",
  installNote: "the upstream image by digest under podman (OCI runner): Wiki.js's supported install; Debian packages neither Wiki.js nor a Node.js 24",
  plan,
};
