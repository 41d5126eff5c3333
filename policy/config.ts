/**
 * The policy pack's configuration: what policies know about a site.
 *
 * Policies cannot read stack config; they only see `args.getConfig()` (the
 * `--policy-pack-config` file) and stack tags. So the site's inventory is
 * rendered into this shape by `scripts/policy-config.ts` (and by the offline
 * plan, in-process, through the same `siteConfigFromInventory`): one source of
 * truth, the `Pulumi.<site>.yaml` inventory.
 *
 * The file format is the one `pulumi preview --policy-pack-config` expects:
 * `{ "<policy-name>": { <that policy's config> } }`. Each policy declares the
 * sections of {@link SiteConfig} it reads; its entry carries exactly those
 * (plus `site`). Its `configSchema` is generated from the same zod schema, so
 * the CLI rejects a config file that doesn't fit before any policy runs.
 *
 * This module must stay importable without side effects (no PolicyPack here).
 */
import { z } from "zod";
import type { PolicyConfigSchema, PolicyPackConfig, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { Site } from "../components/inventory/load";
import { isHostPrefix } from "../components/inventory/net";
import { meshPlanFromSites, type MeshPlan } from "../components/mesh/render/meshPolicy";
import { backupWaitsForApp } from "../components/data/plan";
import { organisationOf, placementOf } from "../components/inventory/org";

/** Port(s) treated as database ports on guests tagged `database`. */
export const DATABASE_PORTS = [5432];

const HostConfig = z.object({
  name: z.string(),
  /** Hardware threads; undefined = not budgeted. */
  cores: z.number().optional(),
  reservedCores: z.number().default(0),
  cpuOvercommit: z.number().default(1),
  memoryGiB: z.number().optional(),
  reservedMemoryGiB: z.number().default(0),
  datastores: z.array(z.object({ id: z.string(), capacityGiB: z.number() })).default([]),
});

const RangeConfig = z.object({ start: z.string(), end: z.string() });

const NetworkConfig = z.object({
  name: z.string(),
  bridge: z.string().optional(),
  ipv4: z.string().optional(),
  gateway: z.string().optional(),
  ipv6: z.object({ prefix: z.string(), gateway: z.string().optional() }).optional(),
  dhcp: RangeConfig.optional(),
  loadBalancerPools: z.array(RangeConfig.extend({ name: z.string() })).default([]),
  futureVlans: z.array(z.object({ vlan: z.number(), name: z.string(), prefix: z.string() })).default([]),
});

const BackupConfig = z.object({
  /** Service (guest hostname). */
  name: z.string(),
  /** `restic`: paths backed up by the restic agent; `longhorn`: PVC backups; `exempt`: stated reason. */
  method: z.enum(["restic", "longhorn", "exempt"]),
  paths: z.array(z.string()).default([]),
  reason: z.string().optional(),
});

/** The organisation's mesh plan as the coordinator applies it (components/mesh/render/meshPolicy.ts). */
const MeshPlanConfig = z.object({
  sites: z.array(z.object({ id: z.string(), lan: z.string(), router: z.object({ service: z.string(), ipv4: z.string() }) })),
  peerGroups: z.array(z.string()),
  routes: z.array(
    z.object({ site: z.string(), networkId: z.string(), network: z.string(), peerGroup: z.string(), distributionGroups: z.array(z.string()), masquerade: z.boolean(), metric: z.number() }),
  ),
  policies: z.array(
    z.object({
      name: z.string(),
      description: z.string(),
      sources: z.array(z.string()),
      destinations: z.array(z.string()),
      protocol: z.enum(["tcp", "udp", "icmp", "all"]),
      ports: z.array(z.number()),
      bidirectional: z.boolean(),
      action: z.enum(["accept", "drop"]),
      enabled: z.boolean(),
    }),
  ),
  setupKeys: z.array(
    z.object({ name: z.string(), type: z.enum(["reusable", "one-off"]), expiresIn: z.number(), autoGroups: z.array(z.string()), usageLimit: z.number(), ephemeral: z.boolean() }),
  ),
});

/** Everything the pack knows about one site. Sections are picked per policy. */
export const SiteConfigSchema = z.object({
  /** Stack (site) the config was rendered for; policies refuse a config for another stack. */
  site: z.string(),
  organisation: z.string(),
  /** Proxmox cluster; VMIDs are unique per cluster. */
  cluster: z.string(),
  /** Proxmox nodes and their capacity. */
  hosts: z.array(HostConfig),
  networks: z.array(NetworkConfig),
  /** The site's delegated IPv6 prefix, if any. */
  ipv6Prefix: z.string().optional(),
  /** Other mesh members of the organisation and their routed prefixes (empty unless the site is in the mesh). */
  mesh: z.array(z.object({ site: z.string(), prefixes: z.array(z.string()) })),
  /** The organisation's mesh plan (null unless the site is a mesh member). */
  meshPlan: MeshPlanConfig.nullable(),
  /** Addresses held by things that are not guests (hosts, reservations): a guest must not take them. */
  fixedAddresses: z.array(z.object({ address: z.string(), owner: z.string() })),
  /** Guests allowed to hold their network's gateway address. */
  routers: z.array(z.string()),
  vmidRange: z.object({ min: z.number(), max: z.number() }),
  /** VMIDs other stacks of the same cluster use. */
  clusterVmids: z.array(z.object({ vmid: z.number(), site: z.string(), name: z.string() })),
  /** Containers allowed to run privileged, and why. */
  privileged: z.array(z.object({ vmid: z.number(), name: z.string(), reason: z.string() })),
  /** Database guests: the database ports and the only addresses (/32, /128) allowed to reach them. */
  databases: z.array(z.object({ name: z.string(), ports: z.array(z.number()), allow: z.array(z.string()) })),
  /** Backup coverage of every stateful service. */
  backups: z.array(BackupConfig),
  /** Whether the organisation runs an active Prometheus (its guests must then carry exporters). */
  monitored: z.boolean(),
});

export type SiteConfig = z.infer<typeof SiteConfigSchema>;
export type SiteConfigSection = Exclude<keyof SiteConfig, "site">;

/** A policy of this pack: a @pulumi/policy policy plus the config sections it reads. */
export type HomelabPolicy = (ResourceValidationPolicy | StackValidationPolicy) & { sections: readonly SiteConfigSection[] };

function sectionSchema(sections: readonly SiteConfigSection[]) {
  const mask: Record<string, true> = { site: true };
  for (const s of sections) mask[s] = true;
  return SiteConfigSchema.pick(mask as { [K in keyof SiteConfig]?: true });
}

/** The JSON schema the CLI validates a policy's config against (generated from the zod schema). */
export function configSchemaFor(sections: readonly SiteConfigSection[]): PolicyConfigSchema {
  const json = z.toJSONSchema(sectionSchema(sections), { io: "input", unrepresentable: "any" }) as { properties: Record<string, unknown>; required?: string[] };
  return { properties: json.properties as PolicyConfigSchema["properties"], required: ["site", ...sections.filter((s) => s !== "ipv6Prefix")] };
}

/** Thrown when a policy's config is missing or malformed; the runner reports it as a mandatory violation. */
export class PackConfigError extends Error {}

/**
 * Read and check a policy's config (`args.getConfig()`). Fails loudly: a
 * missing config would otherwise let every rule pass.
 */
export function readConfig<K extends SiteConfigSection>(raw: unknown, sections: readonly K[]): Pick<SiteConfig, K | "site"> {
  const parsed = sectionSchema(sections).safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PackConfigError(
      `homelab policy config missing or invalid at ${issue.path.join(".") || "(root)"}: ${issue.message}; run with --policy-pack-config <(npm run -s policy-config -- <site>)`,
    );
  }
  return parsed.data as Pick<SiteConfig, K | "site">;
}

/** Stack name from a resource URN (`urn:pulumi:<stack>::<project>::...`). */
export function stackOfUrn(urn: string): string | undefined {
  return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1];
}

/** The mesh plan this site is part of, from its own and its mesh peers' inventories (null when not a member). */
function meshPlanOf(site: Site, peers: readonly Site[]): MeshPlan | null {
  if (!site.inventory.mesh) return null;
  const members = peers.filter((p) => p.name !== site.name && p.inventory.organisation === site.inventory.organisation && p.inventory.mesh);
  return meshPlanFromSites([site, ...members]).plan;
}

/** Build the site config from a loaded site and its peers (the other loaded stacks of its organisation or cluster). */
export function siteConfigFromInventory(site: Site, peers: readonly Site[]): SiteConfig {
  const inv = site.inventory;
  const all = [...site.services, ...site.deferred];
  return {
    site: site.name,
    organisation: inv.organisation,
    cluster: site.cluster,
    hosts: site.hosts
      .filter((h) => h.kind === "proxmox")
      .map((h) => ({
        name: h.name,
        cores: h.cores,
        reservedCores: h.reservedCores,
        cpuOvercommit: h.cpuOvercommit,
        memoryGiB: h.memoryGiB,
        reservedMemoryGiB: h.reservedMemoryGiB,
        datastores: h.datastores.map((d) => ({ id: d.id, capacityGiB: d.capacityGiB })),
      })),
    networks: inv.networks.map((n) => ({
      name: n.name,
      bridge: n.bridge,
      ipv4: n.ipv4,
      gateway: n.gateway,
      ipv6: n.ipv6,
      dhcp: n.dhcp,
      loadBalancerPools: n.loadBalancerPools,
      futureVlans: n.futureVlans,
    })),
    ipv6Prefix: inv.ipv6Prefix,
    mesh: inv.mesh
      ? peers
          .filter((p) => p.name !== site.name && p.inventory.organisation === inv.organisation && p.inventory.mesh)
          .map((p) => ({ site: p.name, prefixes: p.inventory.networks.flatMap((n) => [n.ipv4, n.ipv6?.prefix].filter((x): x is string => !!x)) }))
      : [],
    meshPlan: meshPlanOf(site, peers),
    fixedAddresses: [
      ...site.hosts.filter((h) => h.address).map((h) => ({ address: h.address!, owner: `host ${h.name}` })),
      ...inv.networks.flatMap((n) => n.reserved.map((r) => ({ address: r.address, owner: `reservation ${r.name}` }))),
      ...all.filter((s) => s.kind === "native").flatMap((s) => [s.ipv4, s.ipv6].filter((a): a is string => !!a).map((a) => ({ address: a, owner: `native service ${s.name}` }))),
    ],
    routers: all.filter((s) => s.router).map((s) => s.name),
    vmidRange: inv.vmidRange,
    clusterVmids: peers
      .filter((p) => p.name !== site.name && p.cluster === site.cluster)
      .flatMap((p) => p.inventory.services.filter((s) => s.vmid !== undefined).map((s) => ({ vmid: s.vmid!, site: p.name, name: s.name }))),
    privileged: all.filter((s) => s.privileged && s.vmid !== undefined).map((s) => ({ vmid: s.vmid!, name: s.name, reason: s.privileged!.reason })),
    databases: all
      .filter((s) => s.tags.includes("database"))
      .map((s) => ({
        name: s.name,
        ports: DATABASE_PORTS,
        // Only single addresses are allowlisted; a subnet or `any` in the inventory is what the rule refuses.
        allow: [...new Set(s.firewall.filter((f) => DATABASE_PORTS.includes(f.port)).flatMap((f) => f.sources.filter(isHostPrefix)))],
      })),
    backups: all
      .filter((s) => s.stateful && s.backup)
      .map((s) => {
        const b = s.backup!;
        if ("exempt" in b) return { name: s.name, method: "exempt" as const, paths: [], reason: b.exempt };
        if ("longhorn" in b) return { name: s.name, method: "longhorn" as const, paths: [] };
        // No agent until the program installs the guest's app (components/data/plan.ts, decision 111).
        if (backupWaitsForApp(s)) return { name: s.name, method: "exempt" as const, paths: [], reason: `its app (${s.app?.kind ?? "none"}) is not installed by this program yet; its restic agent comes with the app` };
        return { name: s.name, method: "restic" as const, paths: b.paths };
      }),
    monitored: placementOf(organisationOf(site, peers), "prometheus") !== undefined,
  };
}

/** The `--policy-pack-config` document: each policy gets `site` plus the sections it declares. */
export function packConfigFor(config: SiteConfig, policies: readonly HomelabPolicy[]): PolicyPackConfig {
  const out: PolicyPackConfig = {};
  for (const p of policies) {
    const entry: Record<string, unknown> = { site: config.site };
    for (const s of p.sections) if (config[s] !== undefined) entry[s] = config[s];
    out[p.name] = entry;
  }
  return out;
}
