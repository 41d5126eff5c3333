/**
 * Vaultwarden (hx310-db; decisions 340-343): the upstream image by digest under the OCI runner
 * (components/apps/oci.ts), SQLite and its attachments, sends and RSA keys on the data mount, TLS on
 * 443 itself with a certificate of the site's internal CA (`AppPlan.tls`), signups closed, the admin
 * page behind an Argon2id PHC `ADMIN_TOKEN` computed on the guest from a generated secret, a
 * consistent copy of the SQLite database before each restic backup, health `/alive`.
 *
 * Upstream facts (dani-garcia/vaultwarden, tag 1.37.1):
 * - .env.template / src/config.rs: `DOMAIN` (default http://localhost; the URL the vault is reached at),
 *   `SIGNUPS_ALLOWED` (default true), `INVITATIONS_ALLOWED` (default true: an admin may invite
 *   although signups are closed), `DATA_FOLDER` (default `data`), `DATABASE_URL` (default
 *   `sqlite://<DATA_FOLDER>/db.sqlite3`), `ENABLE_DB_WAL` (default true), `ENABLE_WEBSOCKET` (default
 *   true; notifications on the same port), `ADMIN_TOKEN` ("preferably an Argon2 PHC string"; unset: the
 *   admin page is off), `ROCKET_ADDRESS`, `ROCKET_PORT`, `ROCKET_TLS={certs="…",key="…"}`.
 * - src/main.rs `hash --preset bitwarden` (the default): Argon2id, m=65540 KiB, t=3, p=4 (argon2 crate
 *   defaults: version 0x13, 32-byte output); src/api/admin.rs verifies a token starting with `$argon2`
 *   with the parameters in the PHC string (`PasswordHash::new`, `verify_password(token.trim())`).
 * - src/api/web.rs: `GET /alive` answers 200 through a database connection (the health check).
 * - src/api/admin.rs `invite_user`: without SMTP an invitation is stored, and src/api/core/accounts.rs
 *   lets an invited address register although signups are closed.
 * - docker/Dockerfile.debian: the image runs `/start.sh` as root from `/`, `VOLUME /data`,
 *   `ROCKET_PORT=80`, built with `DB=sqlite,mysql,postgresql`; docker/healthcheck.sh probes
 *   `http(s)://localhost:$ROCKET_PORT/alive` (https when ROCKET_TLS is set).
 */
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { readScript } from "../shell";
import type { AppModule, AppPlan } from "./module";
import { OciContainer, ociAppScript, ociPlanBase, ociStateDir, sqliteBackupCopy } from "./oci";

/**
 * The image pin used unless the inventory sets `app.image`: vaultwarden/server 1.37.1, its multi-arch
 * index digest, found identically in four independent public files pinning that tag (decision 340).
 */
export const VAULTWARDEN_IMAGE = { repository: "docker.io/vaultwarden/server", tag: "1.37.1", digest: "sha256:ebdfe70701c60ac0c28c697e787cea767d7972940b786037b29fe0d507f821e8" };
/** Vaultwarden serves TLS on this port itself (until a reverse proxy fronts it, decision 75). */
export const VAULTWARDEN_PORT = 443;
/** Upstream's `bitwarden` hash preset (src/main.rs): Argon2id m=65540 KiB, t=3, p=4, 32-byte hash. */
export const VAULTWARDEN_ARGON2 = { memoryKiB: 65540, iterations: 3, parallelism: 4, length: 32 } as const;
const DATA_IN_CONTAINER = "/data";
const TLS_DIR = "/etc/homelab/oci/vaultwarden-tls";
const TLS_IN_CONTAINER = "/ssl";
/** Where the PHC string of the admin token is kept on the guest (root only). */
export const VAULTWARDEN_PHC_FILE = "/etc/homelab/oci/vaultwarden-admin.phc";
const BEFORE_SH = readScript(__dirname, "scripts/vaultwarden-before.sh");

type VaultwardenService = ResolvedService & { app: AppOf<"vaultwarden"> };

const dataDir = (s: VaultwardenService) => ociStateDir(s, "Vaultwarden");

function domainOf(s: VaultwardenService, site: Site): string {
  const d = site.inventory.dns?.domain;
  if (!d) throw new Error(`homelab: site "${site.name}": inventory.dns.domain = undefined: Vaultwarden's certificate and DOMAIN need the site's DNS domain (service "${s.name}")`);
  return d;
}

/** The URL clients use (`DOMAIN`): the service's name in the site's domain, on 443. */
export function vaultwardenUrl(s: VaultwardenService, site: Site): string {
  return `https://${s.name}.${domainOf(s, site)}`;
}

/** The container (no secret in it: ADMIN_TOKEN reaches the root-only env file from the install). */
export function vaultwardenContainer(s: VaultwardenService, site: Site): OciContainer {
  const img = s.app.image ?? { tag: VAULTWARDEN_IMAGE.tag, digest: VAULTWARDEN_IMAGE.digest };
  return {
    name: "vaultwarden",
    image: VAULTWARDEN_IMAGE.repository,
    tag: img.tag,
    digest: img.digest,
    pinHint: `set app.image { tag, digest } of service "${s.name}"`,
    env: {
      DOMAIN: vaultwardenUrl(s, site),
      SIGNUPS_ALLOWED: "false",
      // The admin page invites the first users (no SMTP: the invitee registers with that address).
      INVITATIONS_ALLOWED: "true",
      DATA_FOLDER: DATA_IN_CONTAINER,
      ENABLE_WEBSOCKET: "true",
      ROCKET_ADDRESS: "0.0.0.0",
      ROCKET_PORT: String(VAULTWARDEN_PORT),
      ROCKET_TLS: `{certs="${TLS_IN_CONTAINER}/cert.pem",key="${TLS_IN_CONTAINER}/key.pem"}`,
    },
    secretEnv: ["ADMIN_TOKEN"],
    volumes: [
      { host: dataDir(s), container: DATA_IN_CONTAINER },
      { host: TLS_DIR, container: TLS_IN_CONTAINER, readOnly: true },
    ],
    publish: [{ address: s.ipv4!, hostPort: VAULTWARDEN_PORT, containerPort: VAULTWARDEN_PORT, protocol: "tcp" }],
    stopTimeout: 30,
  };
}

function plan(s: VaultwardenService, site: Site): AppPlan {
  const c = vaultwardenContainer(s, site);
  const dir = dataDir(s);
  const primary = s.app.role === "primary";
  const health = { url: `https://${s.ipv4}/alive` };
  const script = ociAppScript({
    title: `Vaultwarden ${s.name} (${site.name})`,
    source: "components/apps/vaultwarden.ts",
    logTag: `vaultwarden-${s.name}`,
    container: c,
    health,
    env: {
      TLS_DIR,
      PHC_FILE: VAULTWARDEN_PHC_FILE,
      ARGON2_M: VAULTWARDEN_ARGON2.memoryKiB,
      ARGON2_T: VAULTWARDEN_ARGON2.iterations,
      ARGON2_P: VAULTWARDEN_ARGON2.parallelism,
      ARGON2_L: VAULTWARDEN_ARGON2.length,
    },
    before: BEFORE_SH,
  });
  return {
    ...ociPlanBase("vaultwarden", s, c, { port: VAULTWARDEN_PORT, description: "Vaultwarden web vault, API and websocket notifications (TLS)" }, [dir], health),
    // db.sqlite3 (WAL) copied consistently beside itself, then restic takes the whole data folder
    // (attachments, sends, rsa_key*, config.json). A restore target has no backup of its own.
    backup: primary ? { paths: [dir], localDatabases: [], preBackup: [sqliteBackupCopy(`${dir}/db.sqlite3`)] } : { paths: [], localDatabases: [], preBackup: [] },
    tls: { hostname: s.name, domain: domainOf(s, site), ips: [s.ipv4!], extraDnsNames: [] },
    metrics: [],
    secrets: [{ env: "VAULTWARDEN_ADMIN_TOKEN", length: 48 }],
    script,
  };
}

export const vaultwardenModule: AppModule<"vaultwarden"> = {
  kind: "vaultwarden",
  installNote: "the upstream image by digest under podman (OCI runner): upstream ships Vaultwarden as a container image only; Debian does not package it",
  plan,
};
