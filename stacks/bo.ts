import * as pulumi from "@pulumi/pulumi";
import { Site } from "../components/inventory/load";
import { ProxmoxSite, siteSummary } from "../components/site/proxmoxSite";
import { Minio } from "../components/data/minio";
import { postgresPrimaryPlan } from "../components/data/plan";
import { PostgresPrimaryWithReplicas } from "../components/data/postgresPrimaryWithReplicas";
import { ResticServer } from "../components/data/resticPipeline";
import { guestResource, resticAgents, rootConnection } from "../components/data/siteData";
import { InternalCa } from "../components/mesh/internalCa";
import { downloadsFromConfig } from "../components/data/downloads";
import { meshForBo } from "../components/mesh/siteMesh";

/** Streaming replicas of bo's primary (the pg-replica guests of bh and ep). */
const REPLICAS = [
  { name: "bh", address: "192.168.50.22" },
  { name: "ep", address: "192.168.30.22" },
];

/** The bo site: guests, the organisation's CA, MinIO, the PostgreSQL primary, the restic server, bo's agents and the mesh coordinator. */
export function bo(site: Site) {
  const proxmox = new ProxmoxSite(site.name, { site });
  const svc = (name: string) => site.services.find((s) => s.name === name)!;
  const downloads = downloadsFromConfig(site.name);
  const ca = new InternalCa(`${site.name}-ca`, { organisation: site.inventory.organisation });
  const serverTls = (name: string) => {
    const cert = ca.issueServerCert(`${site.name}-${name}-tls`, { hostname: name, domain: site.inventory.dns.domain, ips: [svc(name).ipv4!] });
    return { certPem: cert.chainPem, keyPem: cert.keyPem, caPem: ca.certPem };
  };

  const minioSvc = svc("minio");
  const minio = new Minio("bo-minio", { guest: guestResource(proxmox, "minio"), connection: rootConnection(minioSvc.ipv4!), address: minioSvc.ipv4!, volume: minioSvc.dataMounts[0].path, tls: serverTls("minio"), downloads });

  const pg = postgresPrimaryPlan(site, "postgres", REPLICAS);
  const primary = new PostgresPrimaryWithReplicas("bo-postgres", {
    guest: guestResource(proxmox, "postgres"),
    connection: rootConnection(pg.address),
    address: pg.address,
    databases: pg.databases,
    replicas: REPLICAS,
    minio: { address: minio.address, port: minio.port, bucket: minio.pgBackRest.bucket, caPem: minio.caPem, accessKey: minio.pgBackRest.accessKey, secretKey: minio.pgBackRest.secretKey, setup: minio.setup },
  });

  const resticSvc = svc("restic");
  const restic = new ResticServer("bo-restic", { guest: guestResource(proxmox, "restic"), connection: rootConnection(resticSvc.ipv4!), address: resticSvc.ipv4!, dataDir: resticSvc.dataMounts[0].path, tls: serverTls("restic"), download: downloads.restServer });

  return {
    ...siteSummary(site, proxmox),
    postgresPrimary: { ...primary.endpoint, replicationUser: primary.replicationUser },
    postgresReplicationPassword: primary.replicationPassword,
    postgresDatabases: pulumi.secret(primary.databases),
    postgresNotes: { unmatchedSources: pg.unmatchedSources, databasesWithoutClients: pg.databasesWithoutClients },
    minio: { endpoint: minio.endpoint, caPem: minio.caPem },
    resticServer: { host: restic.host, port: restic.port, caPem: restic.caPem },
    backups: resticAgents(site, proxmox, restic.ref),
    ...meshForBo(site, { proxmox, ca, authentikDbPassword: primary.databases["authentik"].password, authentikDependsOn: [primary] }),
  };
}
