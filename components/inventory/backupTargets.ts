/**
 * Where a site's restic agents send their backups (issue 14, decisions 370-379): the organisation's
 * `restic-server` (bo's rest-server for bo/bh/ep), the site's own object store through restic's S3
 * backend, or a REST server the operator runs outside this program (a NAS's rest-server). A site
 * chooses with `backupTarget`; without one its agents use the organisation's restic-server. A service
 * that declares backup paths in an organisation with neither is refused: data silently not backed
 * up is the failure this program exists to prevent.
 */
import { z } from "zod";
import type { ResolvedService, Site } from "./load";
import { InventoryError } from "./load";
import { allowedBy } from "./org";

const NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** The site-level `backupTarget` of an inventory. */
export const BackupTargetSchema = z.discriminatedUnion("kind", [
  z.strictObject({
    /** restic's S3 backend on the site's object store (MinIO), bucket `restic`, its own MinIO user. */
    kind: z.literal("object-store"),
  }),
  z.strictObject({
    /** A rest-server the operator runs (not managed here), e.g. on the NAS. */
    kind: z.literal("rest-server"),
    /** The inventory service it runs on (a `kind: native` service of this site). */
    service: z.string().min(1),
    /** Base URL, `http(s)://host:port/`, no credentials; repositories are `<url><user>/<site>-<service>/`. */
    url: z.string().regex(/^https?:\/\/[^/@\s]+(\/[^@\s]*)?$/, "must be http(s)://host[:port]/[path/] without credentials"),
    /** The rest-server (htpasswd) user the operator created; its password is the stack secret `homelab:backupRestPassword`. */
    user: z.string().regex(NAME, `must match ${NAME}`),
  }),
]);
export type BackupTarget = z.infer<typeof BackupTargetSchema>;

/** The object store's S3 port (MinIO's API; components/data/minio.ts). */
export const OBJECT_STORE_S3_PORT = 9000;
/** The MinIO bucket and user of the restic agents of a site whose target is its object store. */
export const RESTIC_S3 = { bucket: "restic", user: "restic" } as const;

/** The resolved target of one site's agents. */
export type ResolvedBackupTarget =
  | { kind: "organisation"; site: Site; service: ResolvedService }
  | { kind: "object-store"; service: ResolvedService }
  | { kind: "rest-server"; service: ResolvedService; url: string; user: string };

function declared(site: Site): ResolvedService[] {
  return [...site.services, ...site.deferred];
}

/**
 * The target of `site`'s agents: its own `backupTarget`, else the organisation's restic-server
 * (declared at any phase: the target never moves when a phase is raised). `org` is the site first.
 */
export function backupTargetOf(site: Site, org: readonly Site[]): ResolvedBackupTarget | undefined {
  const t = site.inventory.backupTarget;
  if (t?.kind === "object-store") {
    const store = declared(site).find((s) => s.app?.kind === "object-store");
    return store ? { kind: "object-store", service: store } : undefined;
  }
  if (t?.kind === "rest-server") {
    const svc = declared(site).find((s) => s.name === t.service);
    return svc ? { kind: "rest-server", service: svc, url: t.url.endsWith("/") ? t.url : `${t.url}/`, user: t.user } : undefined;
  }
  for (const s of org) {
    const svc = declared(s).find((x) => x.app?.kind === "restic-server");
    if (svc) return { kind: "organisation", site: s, service: svc };
  }
  return undefined;
}

/**
 * Every site of `org` (run by stacks/site.ts beside checkOrganisation): a service with backup paths has a target; a `backupTarget` names what exists;
 * with the object store as target every backed-up guest is an allowed source of its S3 port.
 * Fails in one line naming site, key path and value.
 */
export function checkBackupTargets(org: readonly Site[]): void {
  for (const site of org) {
    const fail = (path: string, value: unknown, problem: string): never => {
      throw new InventoryError(site.name, `inventory.${path}`, value, problem);
    };
    const t = site.inventory.backupTarget;
    const target = backupTargetOf(site, org);
    if (t && !target) {
      if (t.kind === "object-store") fail("backupTarget.kind", t.kind, "the site declares no object-store service to keep its backups");
      else fail("backupTarget.service", t.service, "no service of that name in the site");
    }
    const backedUp = declared(site).filter((s) => s.backup && "paths" in s.backup);
    if (!target) {
      const s = backedUp[0];
      if (s) fail(`services[${s.index}].backup.paths`, (s.backup as { paths: string[] }).paths, `no backup target: declare the site's backupTarget (object-store or rest-server) or an organisation restic-server`);
      continue;
    }
    if (target.kind === "rest-server" && target.service.kind !== "native") fail("backupTarget.service", t && "service" in t ? t.service : target.service.name, "an external rest-server runs on a native service (one this program does not manage)");
    if (target.kind === "object-store") {
      const open = target.service.firewall.filter((p) => p.port === OBJECT_STORE_S3_PORT && p.protocol === "tcp").flatMap((p) => p.sources);
      for (const s of backedUp) {
        if ((s.kind === "lxc" || s.kind === "vm") && s.ipv4 && !allowedBy(open, s.ipv4)) {
          fail(`services[${target.service.index}].ports`, `${s.name} ${s.ipv4}`, `the restic agent of "${s.name}" must reach the object store's tcp/${OBJECT_STORE_S3_PORT}: allow its network`);
        }
      }
    }
  }
}
