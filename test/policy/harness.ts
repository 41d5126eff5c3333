/**
 * Test harness: builds resources the way the engine hands them to an
 * analyzer (type, urn, name, props, parent, dependencies) and runs the pack's
 * policy objects over them through policy/lib/engine.ts (the same emulation the
 * offline plan uses). One passing example site; failing cases mutate one field.
 */
import { allPolicies } from "../../policy/all";
import { HomelabPolicy, packConfigFor, SiteConfig } from "../../policy/config";
import { EngineResource, PolicyRun, runPolicyPack } from "../../policy/lib/engine";
import { CONTAINER_TYPE, FIREWALL_OPTIONS_TYPE, FIREWALL_RULES_TYPE, VM_TYPE } from "../../policy/lib/guests";

export const STACK = "t";
const urnOf = (type: string, name: string, parentType?: string) => `urn:pulumi:${STACK}::homelab::${parentType ? `${parentType}$` : ""}${type}::${name}`;

export function component(type: string, name: string): EngineResource {
  return { urn: urnOf(type, name), type, name, props: {} };
}

export interface GuestSpec {
  name: string;
  vmid: number;
  node?: string;
  cores?: number;
  memoryMiB?: number;
  diskGiB?: number;
  datastore?: string;
  ipv4?: string;
  ipv6?: string;
  gateway?: string;
  bridge?: string;
  tags?: string[];
  unprivileged?: boolean;
  mounts?: Array<{ sizeGiB: number; datastore?: string }>;
}

export function lxc(s: GuestSpec): EngineResource {
  const ip: Record<string, any> = {};
  if (s.ipv4) ip.ipv4 = { address: s.ipv4, gateway: s.gateway ?? "10.0.0.1" };
  if (s.ipv6) ip.ipv6 = { address: s.ipv6 };
  return {
    urn: urnOf(CONTAINER_TYPE, `t-${s.name}`, "homelab:proxmox:LxcService"),
    type: CONTAINER_TYPE,
    name: `t-${s.name}`,
    parent: urnOf("homelab:proxmox:LxcService", `t-${s.name}`),
    // As the components register them: fixed VMIDs delete before replace; stateful guests are protected.
    deleteBeforeReplace: true,
    protect: (s.tags ?? []).includes("stateful"),
    props: {
      nodeName: s.node ?? "h1",
      vmId: s.vmid,
      cpu: { cores: s.cores ?? 1 },
      memory: { dedicated: s.memoryMiB ?? 1024, swap: 0 },
      disk: { datastoreId: s.datastore ?? "local-lvm", size: s.diskGiB ?? 8 },
      mountPoints: (s.mounts ?? []).map((m, i) => ({ path: `/data${i}`, size: `${m.sizeGiB}G`, volume: m.datastore ?? "local-lvm" })),
      initialization: { hostname: s.name, ipConfigs: [ip] },
      networkInterfaces: [{ name: "eth0", bridge: s.bridge ?? "vmbr0", firewall: true }],
      unprivileged: s.unprivileged ?? true,
      tags: ["homelab", "lxc", ...(s.tags ?? [])],
    },
  };
}

export function vm(s: GuestSpec): EngineResource {
  const ip: Record<string, any> = {};
  if (s.ipv4) ip.ipv4 = { address: s.ipv4, gateway: s.gateway ?? "10.0.0.1" };
  if (s.ipv6) ip.ipv6 = { address: s.ipv6 };
  return {
    urn: urnOf(VM_TYPE, `t-${s.name}`, "homelab:proxmox:VmService"),
    type: VM_TYPE,
    name: `t-${s.name}`,
    parent: urnOf("homelab:proxmox:VmService", `t-${s.name}`),
    // As the components register them: fixed VMIDs delete before replace; stateful guests are protected.
    deleteBeforeReplace: true,
    protect: (s.tags ?? []).includes("stateful"),
    props: {
      nodeName: s.node ?? "h1",
      vmId: s.vmid,
      name: s.name,
      cpu: { cores: s.cores ?? 1, sockets: 1 },
      memory: { dedicated: s.memoryMiB ?? 1024 },
      disks: [{ datastoreId: s.datastore ?? "local-lvm", size: s.diskGiB ?? 10, interface: "scsi0" }],
      initialization: { ipConfigs: [ip] },
      networkDevices: [{ bridge: s.bridge ?? "vmbr0", firewall: true }],
      tags: ["homelab", "vm", ...(s.tags ?? [])],
    },
  };
}

export function firewall(guest: EngineResource, rules: Array<Record<string, any>>, options: Record<string, any> = {}): EngineResource[] {
  const id = guest.type === CONTAINER_TYPE ? { containerId: guest.props.vmId } : { vmId: guest.props.vmId };
  return [
    { urn: urnOf(FIREWALL_RULES_TYPE, `${guest.name}-fw-rules`), type: FIREWALL_RULES_TYPE, name: `${guest.name}-fw-rules`, props: { nodeName: guest.props.nodeName, ...id, rules } },
    { urn: urnOf(FIREWALL_OPTIONS_TYPE, `${guest.name}-fw-options`), type: FIREWALL_OPTIONS_TYPE, name: `${guest.name}-fw-options`, props: { nodeName: guest.props.nodeName, ...id, enabled: true, inputPolicy: "DROP", outputPolicy: "ACCEPT", ...options } },
  ];
}

export const dbRule = (source: string | undefined, dport = "5432") => ({ type: "in", action: "ACCEPT", proto: "tcp", dport, source, enabled: true, iface: "net0" });

/** The passing example's config. */
export function baseConfig(): SiteConfig {
  return {
    site: STACK,
    organisation: "test",
    cluster: STACK,
    meshPlan: null,
    hosts: [{ name: "h1", cores: 8, reservedCores: 2, cpuOvercommit: 1, memoryGiB: 16, reservedMemoryGiB: 2, datastores: [{ id: "local-lvm", capacityGiB: 100 }, { id: "hdd", capacityGiB: 500 }] }],
    networks: [
      {
        name: "lan",
        bridge: "vmbr0",
        ipv4: "10.0.0.0/24",
        gateway: "10.0.0.1",
        ipv6: { prefix: "fd00:0:0:1::/64", gateway: "fd00:0:0:1::1" },
        dhcp: { start: "10.0.0.100", end: "10.0.0.199" },
        loadBalancerPools: [{ name: "pool-a", start: "10.0.0.200", end: "10.0.0.210" }],
        futureVlans: [],
      },
    ],
    ipv6Prefix: "fd00::/48",
    mesh: [{ site: "peer", prefixes: ["10.1.0.0/24", "fd00:1::/48"] }],
    fixedAddresses: [{ address: "10.0.0.5", owner: "host h1" }],
    routers: [],
    vmidRange: { min: 100, max: 199 },
    clusterVmids: [{ vmid: 150, site: "other", name: "elsewhere" }],
    privileged: [],
    databases: [{ name: "db", ports: [5432], allow: ["10.0.0.10/32", "fd00:0:0:1::10/128"] }],
    backups: [{ name: "db", method: "restic", paths: ["/var/lib/postgresql"] }],
    monitored: true,
  };
}

/** The monitoring tier's statement for one guest (components/monitoring/guestMonitoring.ts). */
export function monitoring(name: string, vmid: number, exporters: string[] = ["node"], alerts: string[] = []): EngineResource {
  return { ...component("homelab:monitoring:GuestMonitoring", `t-${name}-monitoring`), props: { instance: name, vmid, exporters, alerts } };
}

/** The passing example's resources: app (lxc), db (lxc, database + stateful, firewalled), web (vm, dual stack). */
export function baseResources(): EngineResource[] {
  const app = lxc({ name: "app", vmid: 100, cores: 2, memoryMiB: 4096, diskGiB: 10, ipv4: "10.0.0.10/24", ipv6: "fd00:0:0:1::10/64" });
  const db = lxc({ name: "db", vmid: 101, cores: 2, memoryMiB: 4096, diskGiB: 8, mounts: [{ sizeGiB: 40 }], ipv4: "10.0.0.11/24", tags: ["database", "stateful"] });
  const web = vm({ name: "web", vmid: 102, cores: 2, memoryMiB: 2048, diskGiB: 20, ipv4: "10.0.0.12/24", ipv6: "fd00:0:0:1::12/64" });
  return [
    component("pulumi:pulumi:Stack", `homelab-${STACK}`),
    app,
    db,
    ...firewall(db, [dbRule("10.0.0.10/32,fd00:0:0:1::10/128")]),
    web,
    monitoring("app", 100),
    monitoring("db", 101, ["node", "postgres"], ["BackupStale", "BackupNeverReported"]),
    monitoring("web", 102),
  ];
}

/** Run `policies` (default: the whole pack) with the config rendered for them. */
export async function run(resources: EngineResource[], config: SiteConfig = baseConfig(), policies: readonly HomelabPolicy[] = allPolicies): Promise<PolicyRun> {
  return runPolicyPack(policies, resources, packConfigFor(config, policies));
}

/** Violation messages of one policy. */
export async function messages(policy: string, resources: EngineResource[], config: SiteConfig = baseConfig()): Promise<string[]> {
  const r = await run(resources, config);
  return r.violations.filter((v) => v.policy === policy).map((v) => v.message);
}

/** Find a resource by guest name (t-<name>). */
export function find(resources: EngineResource[], name: string): EngineResource {
  const r = resources.find((x) => x.name === `t-${name}`);
  if (!r) throw new Error(`no resource t-${name}`);
  return r;
}
