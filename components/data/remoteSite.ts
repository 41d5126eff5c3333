/** bh/ep side of the data tier: read bo's outputs, run a replica and the site's restic agents. */
import * as pulumi from "@pulumi/pulumi";
import { Site } from "../inventory/load";
import { ProxmoxSite, siteSummary } from "../site/proxmoxSite";
import { PostgresReplica } from "./postgresPrimaryWithReplicas";
import { DEFAULT_DATA_SOURCE, guestResource, resticAgents, rootConnection } from "./siteData";

/** The data source stack name: config `homelab:dataSource`, default {@link DEFAULT_DATA_SOURCE}. */
export function dataSourceName(): string {
  return new pulumi.Config("homelab").get("dataSource") ?? DEFAULT_DATA_SOURCE;
}

/** Guests + a replica on `replicaService` (when active) + restic agents, wired to bo through a StackReference; returns the outputs and what the rest of the stack composes with. */
export function remoteDataSite(site: Site, replicaService = "pg-replica") {
  const proxmox = new ProxmoxSite(site.name, { site });
  const ref = new pulumi.StackReference(dataSourceName());
  const primary = ref.requireOutput("postgresPrimary") as pulumi.Output<{ host: string; port: number; replicationUser: string }>;
  const restic = ref.requireOutput("resticServer") as pulumi.Output<{ host: string; port: number; caPem: string }>;
  const replicaSvc = site.services.find((s) => s.name === replicaService);
  if (replicaSvc) {
    new PostgresReplica(`${site.name}-${replicaService}`, {
      guest: guestResource(proxmox, replicaService),
      connection: rootConnection(replicaSvc.ipv4!),
      replica: { name: site.name, address: replicaSvc.ipv4! },
      primary: { host: primary.host, port: primary.port },
      replicationPassword: pulumi.secret(ref.requireOutput("postgresReplicationPassword") as pulumi.Output<string>),
    });
  }
  const backups = resticAgents(site, proxmox, { host: restic.host, port: restic.port, caPem: restic.caPem, connection: rootConnection(restic.host) });
  return {
    proxmox,
    ref,
    outputs: { ...siteSummary(site, proxmox), dataSource: dataSourceName(), postgresReplica: replicaSvc ? { host: replicaSvc.ipv4!, primaryHost: primary.host } : undefined, backups },
  };
}
