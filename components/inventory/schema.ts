/**
 * The site inventory schema: what a `Pulumi.<site>.yaml` holds under
 * `homelab:inventory`. The zod schema checks shapes and single-field rules;
 * `load.ts` adds the cross-field rules a schema cannot express.
 *
 * Units are in the field names: hosts in GiB, guest memory in MiB (Proxmox's
 * unit), disks in GiB. The seeds' "GB" figures are read as GiB (decisions.md).
 */
import { z } from "zod";
import { AppSchema } from "./apps";
import { addressFamilyProblem } from "./net";
import { address, checked, dnsLabel, dnsName, ipv4Address, ipv6Address, prefix, sha, cronProblem, timeZoneProblem } from "./fields";
import { KubernetesSchema } from "./kubernetesSchema";
import { BackupTargetSchema } from "./backupTargets";

export { cronProblem, dnsNameProblem, timeZoneProblem } from "./fields";
export { KubernetesSchema } from "./kubernetesSchema";

/** A datastore on a Proxmox node and how much of it the plan may allocate. */
export const DatastoreSchema = z.strictObject({
  /** Proxmox storage ID, e.g. `local-lvm`. */
  id: z.string().min(1),
  /** Usable capacity in GiB. */
  capacityGiB: z.number().positive(),
  /** Media, informational: ssd | hdd | nvme. */
  media: z.enum(["ssd", "hdd", "nvme"]).default("ssd"),
});

/** A physical machine: a Proxmox node, or a bare-metal Kubernetes node. */
export const HostSchema = z.strictObject({
  /** Proxmox node name (or the machine's hostname for bare-metal nodes). */
  name: dnsLabel,
  /** `proxmox` nodes run guests; `baremetal` machines are joined over SSH (sector7). Default `proxmox`. */
  kind: z.enum(["proxmox", "baremetal"]).default("proxmox"),
  /** Management address of the machine (optional for Proxmox nodes). */
  address: address.optional(),
  /** Hardware threads available to guests (required for Proxmox nodes; optional for bare metal, whose budget is then not checked). */
  cores: z.number().int().positive().optional(),
  /** Cores held back for the host and for HA failover; the vCPU budget is (cores - reservedCores) × cpuOvercommit. Default 0. */
  reservedCores: z.number().int().min(0).default(0),
  /** Allowed vCPU overcommit ratio. Default 1 (no overcommit). */
  cpuOvercommit: z.number().min(1).max(16).default(1),
  /** Installed memory in GiB (required for Proxmox nodes). */
  memoryGiB: z.number().positive().optional(),
  /** Memory kept for the hypervisor itself, in GiB; guests may use the rest. Default 2. */
  reservedMemoryGiB: z.number().min(0).default(2),
  /** Datastores guests may use. */
  datastores: z.array(DatastoreSchema).default([]),
  /** Whether the machine has a GPU usable by workloads. Default false. */
  gpu: z.boolean().default(false),
  /** Free-form description. */
  description: z.string().optional(),
});

/** An address reserved for something the program does not manage (a POS terminal, a workstation). */
export const ReservationSchema = z.strictObject({
  /** The reserved (IPv4) address. */
  address: ipv4Address,
  /** Short name, e.g. `pos-terminal`. */
  name: dnsLabel,
  /** Why it is reserved. */
  purpose: z.string().min(1),
});

/** A future VLAN /24 that a flat network's addresses must already sit in (seed 004). */
export const FutureVlanSchema = z.strictObject({
  /** VLAN tag. */
  vlan: z.number().int().min(1).max(4094),
  /** Segment name, e.g. `LAN-USER`. */
  name: z.string().min(1),
  /** The segment's future prefix. */
  prefix,
});

/** A layer-2 network behind a Proxmox bridge. */
export const NetworkSchema = z.strictObject({
  /** Name services refer to, e.g. `lan`. */
  name: dnsLabel,
  /** Proxmox bridge, e.g. `vmbr0` (required when Proxmox guests use the network). */
  bridge: z.string().regex(/^vmbr\d+$/, "must be a Proxmox bridge name like vmbr0").optional(),
  /** VLAN tag on the bridge, if any. */
  vlan: z.number().int().min(1).max(4094).optional(),
  /** IPv4 prefix; omitted for a network that only carries DHCP (a WAN). */
  ipv4: prefix.optional(),
  /** Default gateway for the IPv4 prefix. */
  gateway: ipv4Address.optional(),
  /** IPv6 prefix and gateway, if the network is dual-stack. */
  ipv6: z.strictObject({ prefix, gateway: ipv6Address.optional() }).optional(),
  /** DHCP (IPv4) scope the router hands out; no static address may fall in it. */
  dhcp: z.strictObject({ start: ipv4Address, end: ipv4Address }).optional(),
  /** Addresses held for unmanaged devices. */
  reserved: z.array(ReservationSchema).default([]),
  /** MetalLB or similar pools: inside the prefix, disjoint, and clear of statics and DHCP. */
  loadBalancerPools: z.array(z.strictObject({ name: dnsLabel, start: ipv4Address, end: ipv4Address })).default([]),
  /** Seed 004: the /24 segments this flat network will be split into without renumbering. */
  futureVlans: z.array(FutureVlanSchema).default([]),
});

/** A port a guest listens on and who may reach it; everything else inbound is dropped. */
export const PortSchema = z.strictObject({
  /** Port number. */
  port: z.number().int().min(1).max(65535),
  /** Protocol. Default `tcp`. */
  protocol: z.enum(["tcp", "udp"]).default("tcp"),
  /**
   * Who may connect: IP addresses, CIDR prefixes, network names of this site,
   * service names of this site, or `any`.
   */
  from: z.array(z.string().min(1)).min(1),
  /** What the port is for. */
  description: z.string().optional(),
  /**
   * Users of this port log in to the app itself (its own accounts, API keys, companion apps, webhooks):
   * the site's reverse proxy routes it without the identity provider's forward auth, which such clients
   * cannot pass. Default false (routes are gated unless the app logs in through its own OIDC client).
   */
  ownLogin: z.boolean().optional(),
});

/** A volume mounted into a guest for its data. */
export const DataMountSchema = z.strictObject({
  /** Path inside the guest. */
  path: z
    .string()
    .regex(/^\/[^\s]*$/, "must be an absolute path")
    .refine((p) => p.replace(/\/+$/, "") !== "", { message: 'the root filesystem is the service\'s disk (diskGiB): a data mount cannot be "/"' }),
  /** Size in GiB. */
  sizeGiB: z.number().int().positive(),
  /** Datastore; defaults to the service's datastore. */
  datastore: z.string().optional(),
});

/** Backup coverage of a stateful service: restic paths and database dumps, or a stated exemption. */
export const BackupSchema = z.union([
  z.strictObject({
    /** Paths inside the guest that restic backs up. */
    paths: z.array(z.string().regex(/^\//)).min(1),
    /** PostgreSQL databases dumped before the backup (reached over the network). */
    databases: z.array(z.string()).default([]),
    /** Local time of the nightly run, HH:MM. Default 01:00. */
    at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/).default("01:00"),
  }),
  z.strictObject({
    /** Kubernetes volumes: Longhorn recurring backups of the workload's PVCs. */
    longhorn: z.strictObject({
      /** Cron schedule, 5 fields (cluster time zone). */
      cron: checked(cronProblem),
      /** Backups kept. */
      retain: z.number().int().min(1),
    }),
  }),
  z.strictObject({
    /** Why this stateful service is not backed up (e.g. it is the backup store). */
    exempt: z.string().min(10, "state the reason in a sentence"),
  }),
]);

/** An additional NIC (VMs with several legs, e.g. a router). */
export const NicSchema = z.strictObject({
  /** Network name. */
  network: dnsLabel,
  /** Static IPv4 address, or `dhcp`. */
  ipv4: checked((s) => (s === "dhcp" ? undefined : addressFamilyProblem(s, "ipv4"))),
});

/** One service: a container, a VM, a native app holding an address, or a Kubernetes workload. */
export const ServiceSchema = z.strictObject({
  /** Hostname and resource name (DNS label). */
  name: dnsLabel,
  /** The seed's identifier, e.g. `BO-3`. */
  ref: z.string().optional(),
  /** What it is. */
  description: z.string().min(1),
  /** What runs in it: an app kind, or `{ kind, ...settings }` (components/inventory/apps.ts). Default: a bare guest. */
  app: AppSchema.optional(),
  /** `lxc` | `vm` | `native` (address only) | `k8s` (workload on the site's cluster). */
  kind: z.enum(["lxc", "vm", "native", "k8s"]),
  /** Proxmox node (lxc/vm). */
  host: z.string().optional(),
  /** Fixed Proxmox VMID (lxc/vm). */
  vmid: z.number().int().optional(),
  /** Network of the primary NIC. Default: the site's first network. */
  network: z.string().optional(),
  /** Static IPv4 address of the primary NIC. */
  ipv4: ipv4Address.optional(),
  /** Static IPv6 address of the primary NIC. */
  ipv6: ipv6Address.optional(),
  /** Further NICs (VMs only). */
  extraNics: z.array(NicSchema).default([]),
  /** Whether this guest is the router of its networks (may hold a gateway address). Default false. */
  router: z.boolean().default(false),
  /** vCPUs. */
  cores: z.number().int().positive().optional(),
  /** Memory in MiB. */
  memoryMiB: z.number().int().positive().optional(),
  /** Swap in MiB (lxc). Default 0. */
  swapMiB: z.number().int().min(0).default(0),
  /** Root disk in GiB. */
  diskGiB: z.number().int().positive().optional(),
  /** Datastore of the root disk. Default: the host's first datastore. */
  datastore: z.string().optional(),
  /** Data volumes. */
  dataMounts: z.array(DataMountSchema).default([]),
  /** Listening ports and their allowed sources. */
  ports: z.array(PortSchema).default([]),
  /** Deployment phase from the seed; the service exists when phase ≤ the stack's phase. */
  phase: z.number().int().min(0).max(9),
  /** Boot order on the host (lower starts first). */
  startupOrder: z.number().int().min(0).optional(),
  /** Holds data that must survive: protected against deletion and required to be backed up. Default false. */
  stateful: z.boolean().default(false),
  /** Backup coverage (required when stateful). */
  backup: BackupSchema.optional(),
  /** Run privileged; requires the reason. Default: unprivileged. */
  privileged: z.strictObject({ reason: z.string().min(10, "state the reason in a sentence") }).optional(),
  /** Host devices passed into an LXC (e.g. `/dev/net/tun` for a VPN routing peer). Default none. */
  devices: z.array(z.string().regex(/^\/dev\/[\w./-]+$/, "must be a device path under /dev")).default([]),
  /** LXC features, only when the workload needs them (nesting/keyctl for Docker). */
  features: z.strictObject({ nesting: z.boolean().optional(), keyctl: z.boolean().optional(), fuse: z.boolean().optional() }).optional(),
  /** Template key from `templates`. Default `debian12` (lxc) / `debian12-cloud` (vm). */
  template: z.string().optional(),
  /** Extra tags; `homelab`, the kind and `stateful` are added. */
  tags: z.array(z.string()).default([]),
  /** Kubernetes namespace (k8s). */
  namespace: dnsLabel.optional(),
  /** Persistent storage in GiB (k8s). */
  storageGiB: z.number().positive().optional(),
  /** Public DNS name (k8s ingress), an RFC 1123 name. */
  dnsName: dnsName.optional(),
  /** Needs a GPU (k8s: scheduled on a GPU node). Default false. */
  gpu: z.boolean().default(false),
});

/** An OS image fetched onto a node by `download.File`: pinned URL and checksum. */
export const TemplateSchema = z.strictObject({
  /** Download URL of one fixed release. */
  url: z.string().regex(/^https?:\/\/\S+$/),
  /** Expected digest of the file. */
  checksum: sha,
  /** `sha256` or `sha512`. */
  checksumAlgorithm: z.enum(["sha256", "sha512"]),
  /** File name in the datastore (`.img` for cloud images on PVE < 8.4). */
  fileName: z.string().min(1),
  /** `vztmpl` for LXC templates, `iso`/`import` for VM images. */
  contentType: z.enum(["vztmpl", "iso", "import"]),
  /** Datastore that holds templates. Default `local`. */
  datastore: z.string().default("local"),
});

/** The whole site. */
export const InventorySchema = z.strictObject({
  /** Organisation the site belongs to; sites of one organisation share a CA and a mesh. */
  organisation: dnsLabel,
  /** Proxmox cluster the site's nodes form; VMIDs are unique per cluster. Default: the site name. */
  cluster: z.string().optional(),
  /** What the site is. */
  description: z.string().min(1),
  /** IANA time zone of the site (backup schedules are local). */
  timezone: checked(timeZoneProblem),
  /** DNS servers and search domain (an RFC 1123 name) given to guests. */
  dns: z.strictObject({ servers: z.array(address).min(1), domain: dnsName }),
  /** The site's delegated IPv6 prefix; every IPv6 subnet must sit inside it. */
  ipv6Prefix: prefix.optional(),
  /** Whether the site joins the organisation's mesh (routed prefixes must be disjoint). Default false. */
  mesh: z.boolean().default(false),
  /** The guest (service name) that is the site's mesh routing peer and advertises its LAN; required when `mesh` is true. */
  meshRouter: z.string().optional(),
  /** Allowed VMID range. Default 100–999999999 (Proxmox's limits). */
  vmidRange: z.strictObject({ min: z.number().int().min(100), max: z.number().int().max(999999999) }).default({ min: 100, max: 999999999 }),
  /** SSH public keys installed for root in every guest. */
  sshPublicKeys: z.array(z.string().regex(/^(ssh-(ed25519|rsa)|ecdsa-sha2-nistp\d+) \S+/, "must be an OpenSSH public key")).default([]),
  /** OS images by key. */
  templates: z.record(z.string(), TemplateSchema).default({}),
  /** Physical machines. */
  hosts: z.array(HostSchema).min(1),
  /** Networks. */
  networks: z.array(NetworkSchema).min(1),
  /** Services. */
  services: z.array(ServiceSchema).default([]),
  /** The site's Kubernetes cluster, if it has one. */
  kubernetes: KubernetesSchema.optional(),
  /** Where the site's restic agents back up (components/inventory/backupTargets.ts). Default: the organisation's restic-server. */
  backupTarget: BackupTargetSchema.optional(),
});

export type Datastore = z.infer<typeof DatastoreSchema>;
export type Host = z.infer<typeof HostSchema>;
export type Network = z.infer<typeof NetworkSchema>;
export type Port = z.infer<typeof PortSchema>;
export type DataMount = z.infer<typeof DataMountSchema>;
export type Backup = z.infer<typeof BackupSchema>;
export type Service = z.infer<typeof ServiceSchema>;
export type Template = z.infer<typeof TemplateSchema>;
export type Kubernetes = z.infer<typeof KubernetesSchema>;
export type InventoryInput = z.input<typeof InventorySchema>;
export type Inventory = z.infer<typeof InventorySchema>;
