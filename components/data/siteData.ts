/**
 * The data tier of one site, composed from its apps and the organisation's: MinIO where the site
 * runs the object store, the PostgreSQL primary (databases and replicas derived from the
 * organisation), the restic REST server, a streaming replica reading the primary's site, and one
 * restic agent per backed-up guest, pointed at the site's backup target (the organisation's
 * rest-server, the site's MinIO, or an operator-run rest-server: inventory/backupTargets.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { activeApp, placementOf, primaryDatabases, replicasOf } from "../inventory/org";
import { SiteContext } from "../site/context";
import { backupAgentPlan, pgBackRestRepoPlan, postgresPrimaryPlan, postgresSizing } from "./plan";
import { Minio } from "./minio";
import { PostgresPrimaryWithReplicas, PostgresReplica } from "./postgresPrimaryWithReplicas";
import { ResticAgent, ResticAgentTarget, ResticServer, ResticServerRef } from "./resticPipeline";
import { backupTargetOf, RESTIC_S3 } from "../inventory/backupTargets";
import { DEPLOYMENT_KEYS } from "../site/deployment";
import type { InternalCa } from "../mesh/internalCa";

/** What the data tier gives the rest of the site program. */
export interface DataTier {
  /** Stack outputs (names kept stable: sibling stacks read them through StackReferences). */
  outputs: Record<string, unknown>;
  /** The primary, when this site runs it. */
  primary?: PostgresPrimaryWithReplicas;
  /** The object store, when this site runs it (its Prometheus token feeds the monitoring tier). */
  minio?: Minio;
}

/** A certificate of the organisation's CA for a TLS server guest. */
function serverTls(ctx: SiteContext, ca: InternalCa, service: { name: string; ipv4?: string }) {
  const cert = ca.issueServerCert(`${ctx.site.name}-${service.name}-tls`, { hostname: service.name, domain: ctx.site.inventory.dns.domain, ips: [service.ipv4!] });
  return { certPem: cert.chainPem, keyPem: cert.keyPem, caPem: ca.certPem };
}

/** Composes the data tier of `ctx.site`; `ca` is the site's internal CA (required when it runs a TLS server). */
export function dataTier(ctx: SiteContext, ca: InternalCa | undefined): DataTier {
  const { site, org } = ctx;
  const outputs: Record<string, unknown> = {};
  const needCa = (): InternalCa => {
    if (!ca) throw new Error(`homelab: site "${site.name}": a TLS server needs the site's internal CA`);
    return ca;
  };

  let minio: Minio | undefined;
  const store = activeApp(site, "object-store");
  if (store) {
    minio = new Minio(`${site.name}-${store.name}`, {
      guest: ctx.guest(store.name),
      connection: ctx.root(store.ipv4!),
      address: store.ipv4!,
      volume: store.dataMounts[0].path,
      tls: serverTls(ctx, needCa(), store),
      downloads: ctx.deployment.downloads,
    });
    outputs.minio = { endpoint: minio.endpoint, caPem: minio.caPem };
  }

  let primary: PostgresPrimaryWithReplicas | undefined;
  const pgSvc = activeApp(site, "postgres-primary");
  if (pgSvc) {
    const replicas = replicasOf(org).map((r) => ({ name: r.name, address: r.address }));
    const pg = postgresPrimaryPlan(pgSvc, primaryDatabases(org, pgSvc), replicas);
    const repo = pgBackRestRepoPlan(site, pgSvc);
    if (repo.type === "s3" && !minio) throw new Error(`homelab: site "${site.name}": the PostgreSQL primary archives WAL to the site's object-store, which is not active at phase ${site.phase}`);
    primary = new PostgresPrimaryWithReplicas(`${site.name}-${pgSvc.name}`, {
      guest: ctx.guest(pgSvc.name),
      connection: ctx.root(pg.address),
      address: pg.address,
      databases: pg.databases,
      replicas,
      repo:
        repo.type === "s3"
          ? { type: "s3", minio: { address: minio!.address, port: minio!.port, bucket: minio!.pgBackRest.bucket, caPem: minio!.caPem, accessKey: minio!.pgBackRest.accessKey, secretKey: minio!.pgBackRest.secretKey, setup: minio!.setup } }
          : repo,
      timeZone: site.inventory.timezone,
      extensions: [...pgSvc.app.extensions],
      pgvectorVersion: pgSvc.app.pgvectorVersion,
      pgvectorHint: `app.pgvectorVersion of service "${pgSvc.name}" (site ${site.name})`,
      ...postgresSizing(pgSvc),
    });
    outputs.postgresPrimary = { ...primary.endpoint, replicationUser: primary.replicationUser };
    outputs.postgresReplicationPassword = primary.replicationPassword;
    outputs.postgresDatabases = pulumi.secret(primary.databases);
    outputs.postgresNotes = { unmatchedSources: pg.unmatchedSources, databasesWithoutClients: pg.databasesWithoutClients };
  }

  let server: ResticServerRef | undefined;
  const resticSvc = activeApp(site, "restic-server");
  if (resticSvc) {
    const restic = new ResticServer(`${site.name}-${resticSvc.name}`, {
      guest: ctx.guest(resticSvc.name),
      connection: ctx.root(resticSvc.ipv4!),
      address: resticSvc.ipv4!,
      dataDir: resticSvc.dataMounts[0].path,
      tls: serverTls(ctx, needCa(), resticSvc),
      download: ctx.deployment.downloads.restServer,
    });
    outputs.resticServer = { host: restic.host, port: restic.port, caPem: restic.caPem };
    server = restic.ref;
  }

  const replicaSvc = activeApp(site, "postgres-replica");
  if (replicaSvc) {
    const source = placementOf(org, "postgres-primary");
    if (!source || source.site === site) throw new Error(`homelab: site "${site.name}": replica "${replicaSvc.name}" has no active primary in another site of organisation "${site.inventory.organisation}"`);
    const ref = ctx.upstream(source.site.name);
    const endpoint = ref.requireOutput("postgresPrimary") as pulumi.Output<{ host: string; port: number }>;
    new PostgresReplica(`${site.name}-${replicaSvc.name}`, {
      guest: ctx.guest(replicaSvc.name),
      connection: ctx.root(replicaSvc.ipv4!),
      replica: { name: site.name, address: replicaSvc.ipv4! },
      primary: { host: endpoint.host, port: endpoint.port },
      replicationPassword: pulumi.secret(ref.requireOutput("postgresReplicationPassword") as pulumi.Output<string>),
    });
    outputs.dataSource = ctx.refName(source.site.name);
    outputs.postgresReplica = { host: replicaSvc.ipv4!, primaryHost: endpoint.host };
  }

  const agents = backupAgentPlan(site);
  const target = agents.length > 0 ? backupTargetOf(site, org) : undefined;
  if (agents.length > 0 && !target) throw new Error(`homelab: site "${site.name}": ${agents.length} guests declare backups but the site has no backup target`);
  let agentTarget: ResticAgentTarget | undefined;
  if (target?.kind === "organisation") {
    // Only an active rest-server serves agents (a deferred one: no agents until its phase).
    const placed = placementOf(org, "restic-server");
    if (placed && placed.site !== site) {
      const ref = ctx.upstream(placed.site.name);
      const remote = ref.requireOutput("resticServer") as pulumi.Output<{ host: string; port: number; caPem: string }>;
      server = { host: remote.host, port: remote.port, caPem: remote.caPem, connection: ctx.root(remote.host) };
      outputs.dataSource ??= ctx.refName(placed.site.name);
    }
    if (server) agentTarget = { kind: "rest-server", server };
  } else if (target?.kind === "object-store") {
    if (!minio) throw new Error(`homelab: site "${site.name}": backups go to the site's object-store "${target.service.name}", which is not active at phase ${site.phase}`);
    const user = minio.bucketUser(RESTIC_S3.user, RESTIC_S3.bucket);
    agentTarget = { kind: "s3", endpoint: minio.endpoint, bucket: RESTIC_S3.bucket, accessKey: user.accessKey, secretKey: user.secretKey, caPem: minio.caPem, ready: user.ready };
  } else if (target?.kind === "rest-server") {
    const d = ctx.deployment;
    agentTarget = { kind: "external-rest", url: target.url, user: target.user, password: d.backupRestPassword, passwordKey: DEPLOYMENT_KEYS.backupRestPassword, caPem: d.backupRestCaPem };
  }
  if (agentTarget) {
    const t = agentTarget;
    outputs.backups = agents.map((p) => {
      new ResticAgent(`${site.name}-${p.service}-backup`, { guest: ctx.guest(p.service), connection: ctx.root(p.address), plan: p, target: t });
      return { service: p.service, vmid: p.vmid, repoUser: p.repoUser, at: p.at, target: t.kind };
    });
  }
  return { outputs, primary, minio };
}
