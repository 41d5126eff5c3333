/**
 * Gitea (bo BO-9; reusable on any site): the upstream release binary of one version checked by its
 * sha256, the organisation's PostgreSQL primary (database and owner role `app.database`, created by
 * the data tier), repositories and LFS on the data mount, login through the identity provider (an
 * OIDC login source added/updated with Gitea's own CLI), the seed's repositories created once, a
 * nightly `gitea dump` before the restic backup, health `/api/healthz`.
 *
 * Upstream facts (go-gitea/gitea):
 * - custom/conf/app.example.ini: the keys rendered below (top level APP_NAME, RUN_USER, RUN_MODE,
 *   WORK_PATH; [server] PROTOCOL HTTP_ADDR HTTP_PORT DOMAIN ROOT_URL APP_DATA_PATH DISABLE_SSH
 *   START_SSH_SERVER SSH_DOMAIN SSH_PORT OFFLINE_MODE LFS_START_SERVER LFS_JWT_SECRET; [lfs] PATH;
 *   [repository] ROOT DEFAULT_BRANCH DEFAULT_PRIVATE; [database] DB_TYPE HOST NAME USER PASSWD SSL_MODE;
 *   [security] INSTALL_LOCK SECRET_KEY INTERNAL_TOKEN; [oauth2] JWT_SECRET; [service]
 *   DISABLE_REGISTRATION ALLOW_ONLY_EXTERNAL_REGISTRATION; [oauth2_client] ENABLE_AUTO_REGISTRATION
 *   USERNAME ACCOUNT_LINKING; [openid] ENABLE_OPENID_SIGNIN ENABLE_OPENID_SIGNUP; [metrics] ENABLED TOKEN;
 *   [log] MODE LEVEL; [cron.update_checker] ENABLED). [database] PASSWD has no `_URI` file form, so the
 *   script fills the values in at run time. The JWT secrets are what `gitea generate secret` prints.
 * - cmd/admin_auth_oauth.go: `admin auth add-oauth --name --provider openidConnect --key --secret
 *   --auto-discover-url --scopes`, `update-oauth --id …` (only the flags set change).
 * - cmd/admin_user_*.go: `admin user list --admin` (columns ID, Username, …), `admin user create --admin
 *   --username --email --random-password --must-change-password`, `admin user change-password --username
 *   --password --must-change-password` (the flag defaults to true in current releases, so it is set false).
 * - cmd/generate.go: `generate secret JWT_SECRET|LFS_JWT_SECRET|INTERNAL_TOKEN`.
 * - cmd/dump.go: `dump --file --tempdir` (repositories, database as SQL, app.ini, data); like every CLI
 *   command it loads the settings, so it refuses root and any user but RUN_USER (modules/setting/setting.go).
 * - routers/install/routes.go / web healthcheck: `GET /api/healthz` answers 200 when the database is reachable.
 * - modules/structs/repo.go CreateRepoOption: `name`, `private`, `auto_init` (first commit), `readme`
 *   (template name, "Default"), `default_branch`; modules/structs/repo_collaborator.go
 *   AddCollaboratorOption `permission` (read, write, admin) for `PUT /repos/{owner}/{repo}/collaborators/{user}`
 *   (read from go-gitea/gitea's main branch through the code index: the 1.27 snapshot is too large to fetch).
 * - modules/setting/metrics.go ([metrics] ENABLED, TOKEN, default off and empty); routers/web/web.go mounts
 *   `/metrics` only when ENABLED; routers/web/metrics.go answers 401 unless the request's Authorization
 *   header is exactly `Bearer <TOKEN>` (a non-empty TOKEN).
 * - the OAuth2 callback of a login source named N is `<ROOT_URL>user/oauth2/<N>/callback`.
 */
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { lines, readScript, shellScript } from "../shell";
import type { AppModule, AppPlan, AppSource } from "./module";

export const GITEA_PORT = 3000;
export const GITEA_CONF = "/etc/gitea/app.ini";
export const GITEA_WORK_DIR = "/var/lib/gitea";
/**
 * The environment variable of machine user `name`'s generated password: declared as a secret of the
 * Gitea plan and named by the consumer's `peerSecrets` (e.g. Wiki.js's git storage).
 */
export function giteaMachineSecretEnv(name: string): string {
  return `GITEA_MACHINE_${name.toUpperCase().replace(/-/g, "_")}_PASSWORD`;
}

/** Name of the OIDC login source (and the segment of its callback URL). */
export const GITEA_AUTH_SOURCE = "authentik";
export const GITEA_ADMIN = "homelab-admin";

/**
 * The pinned release: Gitea 1.27.3 linux-amd64 from dl.gitea.com, sha256 as Gitea publishes it beside
 * the binary (`gitea-1.27.3-linux-amd64.sha256`), carried identically by several independent public
 * repositories that pin this build (a Go tool's release map `gitea@v1.27.3/linux/amd64`, a Rust
 * constant noting it matches the GitHub release's .sha256, Python and shell installers).
 */
export const GITEA_RELEASE = {
  version: "1.27.3",
  url: "https://dl.gitea.com/gitea/1.27.3/gitea-1.27.3-linux-amd64",
  sha256: "4da93c2c10b6980c359bcb86d5573ebfd7770e2e151756534edee24c8c12d971",
} as const;

const INSTALL_SH = readScript(__dirname, "scripts/gitea-install.sh");

type GiteaService = ResolvedService & { app: AppOf<"gitea"> };

const rootUrl = (s: GiteaService) => `http://${s.ipv4}:${GITEA_PORT}/`;

/** Gitea's OAuth2 callback for login source `name`. */
export function giteaRedirectUri(root: string, name = GITEA_AUTH_SOURCE): string {
  return `${root.replace(/\/+$/, "")}/user/oauth2/${encodeURIComponent(name)}/callback`;
}

function dataMount(s: GiteaService): string {
  if (!s.dataMounts.some((d) => d.path === GITEA_WORK_DIR)) throw new Error(`homelab: service "${s.name}": Gitea needs a data mount at ${GITEA_WORK_DIR} (repositories and LFS)`);
  return GITEA_WORK_DIR;
}

/**
 * app.ini with `@NAME@` placeholders for what is known only on the guest at run time (the primary's
 * connection and password, the stack's secret key, the JWT secrets Gitea generates there).
 */
export function renderGiteaIni(s: GiteaService, site: Site): string {
  const w = dataMount(s);
  const sec = (name: string, kv: Array<[string, string | number | boolean]>) => [``, `[${name}]`, ...kv.map(([k, v]) => `${k} = ${v}`)];
  return lines(
    "; Managed by homelab (components/apps/gitea.ts); the values between at signs are filled in on the guest.",
    `APP_NAME = ${site.inventory.organisation} Gitea`,
    "RUN_USER = git",
    "RUN_MODE = prod",
    `WORK_PATH = ${w}`,
    ...sec("server", [
      ["PROTOCOL", "http"],
      ["HTTP_ADDR", s.ipv4!],
      ["HTTP_PORT", GITEA_PORT],
      ["DOMAIN", s.ipv4!],
      ["ROOT_URL", rootUrl(s)],
      ["APP_DATA_PATH", `${w}/data`],
      ["DISABLE_SSH", false],
      ["START_SSH_SERVER", false],
      ["SSH_DOMAIN", s.ipv4!],
      ["SSH_PORT", 22],
      ["OFFLINE_MODE", true],
      ["LFS_START_SERVER", true],
      ["LFS_JWT_SECRET", "@LFS_JWT_SECRET@"],
    ]),
    ...sec("lfs", [["PATH", `${w}/lfs`]]),
    ...sec("repository", [
      ["ROOT", `${w}/repositories`],
      ["DEFAULT_BRANCH", "main"],
      ["DEFAULT_PRIVATE", "private"],
    ]),
    ...sec("database", [
      ["DB_TYPE", "postgres"],
      ["HOST", "@DB_HOST@:@DB_PORT@"],
      ["NAME", "@DB_NAME@"],
      ["USER", "@DB_USER@"],
      ["PASSWD", "@DB_PASSWORD@"],
      ["SSL_MODE", "disable"],
    ]),
    ...sec("security", [
      ["INSTALL_LOCK", true],
      ["SECRET_KEY", "@GITEA_SECRET_KEY@"],
      ["INTERNAL_TOKEN", "@INTERNAL_TOKEN@"],
    ]),
    ...sec("oauth2", [["JWT_SECRET", "@JWT_SECRET@"]]),
    ...sec("service", [
      ["DISABLE_REGISTRATION", !s.app.sso],
      ["ALLOW_ONLY_EXTERNAL_REGISTRATION", true],
    ]),
    ...sec("oauth2_client", [
      ["ENABLE_AUTO_REGISTRATION", s.app.sso],
      ["USERNAME", "nickname"],
      ["ACCOUNT_LINKING", "login"],
    ]),
    ...sec("openid", [
      ["ENABLE_OPENID_SIGNIN", false],
      ["ENABLE_OPENID_SIGNUP", false],
    ]),
    // /metrics answers only `Authorization: Bearer <TOKEN>` (routers/web/metrics.go): the organisation's app metrics token.
    ...sec("metrics", [
      ["ENABLED", true],
      ["TOKEN", "@METRICS_TOKEN@"],
    ]),
    ...sec("log", [
      ["MODE", "console"],
      ["LEVEL", "Info"],
    ]),
    ...sec("cron.update_checker", [["ENABLED", false]]),
  );
}

function unit(): string {
  return lines(
    "# Managed by homelab (components/apps/gitea.ts).",
    "[Unit]",
    "Description=Gitea",
    "After=network-online.target",
    "Wants=network-online.target",
    "[Service]",
    "Type=simple",
    "User=git",
    "Group=git",
    `WorkingDirectory=${GITEA_WORK_DIR}`,
    `Environment=USER=git HOME=${GITEA_WORK_DIR} GITEA_WORK_DIR=${GITEA_WORK_DIR}`,
    `ExecStart=/usr/local/bin/gitea web --config ${GITEA_CONF}`,
    "Restart=always",
    "RestartSec=5",
    "[Install]",
    "WantedBy=multi-user.target",
  );
}

/** The dump's oneshot unit (run by its timer and, as the git user, by the restic agent's pre-backup hook). */
export const GITEA_DUMP_UNIT = "gitea-dump.service";

/** The nightly dump: 20 minutes before the guest's restic backup (`backup.at`), into the data mount. */
export function giteaDumpUnits(s: GiteaService): { service: string; timer: string; command: string } {
  const at = s.backup && "at" in s.backup ? s.backup.at : "01:00";
  const [h, m] = at.split(":").map(Number);
  const t = (h * 60 + m - 20 + 1440) % 1440;
  const when = `${String(Math.floor(t / 60)).padStart(2, "0")}:${String(t % 60).padStart(2, "0")}`;
  const command = `/usr/local/bin/gitea dump --config ${GITEA_CONF} --work-path ${GITEA_WORK_DIR} --file ${GITEA_WORK_DIR}/dumps/gitea-dump.zip --tempdir ${GITEA_WORK_DIR}/dumps`;
  return {
    command,
    service: lines("# Managed by homelab (components/apps/gitea.ts).", "[Unit]", "Description=gitea dump (before the restic backup)", "[Service]", "Type=oneshot", "User=git", `WorkingDirectory=${GITEA_WORK_DIR}`, `ExecStartPre=/usr/bin/rm -f ${GITEA_WORK_DIR}/dumps/gitea-dump.zip`, `ExecStart=${command}`),
    timer: lines("# Managed by homelab (components/apps/gitea.ts).", "[Unit]", "Description=nightly gitea dump", "[Timer]", `OnCalendar=*-*-* ${when}:00`, "Persistent=true", "[Install]", "WantedBy=timers.target"),
  };
}

function plan(s: GiteaService, site: Site): AppPlan {
  if (!s.app.database) throw new Error(`homelab: service "${s.name}": Gitea keeps its data in a database on the organisation's primary: set app.database`);
  const src: AppSource = { type: "release", ...GITEA_RELEASE };
  const conf = renderGiteaIni(s, site);
  const dump = giteaDumpUnits(s);
  const health = { url: `http://${s.ipv4}:${GITEA_PORT}/api/healthz` };
  const owner = s.app.owner ?? site.inventory.organisation;
  const oidc = s.app.sso ? { clientId: "gitea", name: "Gitea", redirectUris: [giteaRedirectUri(rootUrl(s))], launchUrl: rootUrl(s) } : undefined;
  const script = shellScript({
    title: `Gitea ${s.name} (${site.name})`,
    source: "components/apps/gitea.ts",
    logTag: `gitea-${s.name}`,
    env: {
      GITEA_URL: src.url,
      GITEA_SHA256: src.sha256,
      GITEA_VERSION: src.version,
      CONF: GITEA_CONF,
      CONF_TEXT: conf,
      WORK_DIR: GITEA_WORK_DIR,
      UNIT_TEXT: unit(),
      DUMP_SERVICE_TEXT: dump.service,
      DUMP_TIMER_TEXT: dump.timer,
      HEALTH_URL: health.url,
      API_URL: `http://${s.ipv4}:${GITEA_PORT}/api/v1`,
      OWNER: owner,
      REPOS: s.app.repositories,
      AUTO_INIT: s.app.autoInit,
      MACHINE_USERS: s.app.machineUsers.map((u) => u.name),
      MACHINE_SECRETS: s.app.machineUsers.map((u) => giteaMachineSecretEnv(u.name)),
      // One "user repository permission" triple per grant.
      MACHINE_GRANTS: s.app.machineUsers.flatMap((u) => u.repositories.map((r) => `${u.name} ${r} ${u.permission}`)),
      ADMIN_USER: GITEA_ADMIN,
      AUTH_NAME: GITEA_AUTH_SOURCE,
      OIDC: !!oidc,
      OIDC_CLIENT_ID: oidc?.clientId ?? "",
    },
    body: INSTALL_SH,
  });
  return {
    kind: "gitea",
    service: s.name,
    address: s.ipv4!,
    version: src.version,
    source: src,
    config: [{ path: GITEA_CONF, text: conf }],
    dataPaths: [GITEA_WORK_DIR],
    ports: [
      { port: GITEA_PORT, protocol: "tcp", description: "Gitea web, API and git over HTTP" },
      { port: 22, protocol: "tcp", description: "git over SSH (the guest's OpenSSH, Gitea's authorized_keys)" },
    ],
    health,
    // The restic agent runs as root and Gitea's CLI refuses root (modules/setting/setting.go
    // `loadRunModeFrom`: "Gitea is not supposed to be run as root", and RUN_USER must match the
    // current user): the hook starts the dump's own oneshot unit (User=git) and waits for it.
    backup: { paths: [GITEA_WORK_DIR], localDatabases: [], preBackup: [`systemctl start ${GITEA_DUMP_UNIT}`] },
    oidc,
    database: s.app.database,
    metrics: [{ job: "gitea", port: GITEA_PORT, scheme: "http", path: "/metrics", auth: "bearer" }],
    secrets: [
      { env: "GITEA_SECRET_KEY", length: 64 },
      { env: "GITEA_ADMIN_PASSWORD", length: 32 },
      ...s.app.machineUsers.map((u) => ({ env: giteaMachineSecretEnv(u.name), length: 40 })),
    ],
    script,
  };
}

export const giteaModule: AppModule<"gitea"> = {
  kind: "gitea",
  installNote: "upstream release binary (Debian 12 has no gitea package) of one version, checked by the sha256 Gitea publishes; an upgrade is a new pin",
  plan,
};
