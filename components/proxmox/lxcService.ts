import * as pulumi from "@pulumi/pulumi";
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as random from "@pulumi/random";
import { DataVolume, FirewallOpening, firewallOptions, firewallRules, lxcMountPoints, normalizeTags } from "./render";

/** Network settings of a guest's single NIC. */
export interface GuestNetwork {
  /** Proxmox bridge, e.g. `vmbr0`. */
  bridge: string;
  /** VLAN tag on the bridge. Default: untagged. */
  vlanId?: number;
  /** Static IPv4 address with prefix length, e.g. `192.0.2.30/24`. */
  ipv4Cidr?: string;
  /** IPv4 default gateway. Default: none. */
  ipv4Gateway?: string;
  /** Static IPv6 address with prefix length. Default: none. */
  ipv6Cidr?: string;
  /** IPv6 default gateway. Default: none. */
  ipv6Gateway?: string;
}

/** Arguments of {@link LxcService}. */
export interface LxcServiceArgs {
  /** Proxmox node the container runs on. */
  nodeName: string;
  /** Fixed VMID (replacement deletes the old container first, since the ID can't be shared). */
  vmId: number;
  /** Hostname (a DNS label). */
  hostname: string;
  /** Text shown in Proxmox. Default: none. */
  description?: string;
  /** Template volume ID, usually `OsImage.fileId`. */
  templateFileId: pulumi.Input<string>;
  /** OS type Proxmox uses for setup. Default `debian`. */
  osType?: string;
  /** vCPUs. */
  cores: number;
  /** Memory in MiB. */
  memoryMiB: number;
  /** Swap in MiB. Default 0. */
  swapMiB?: number;
  /** Root filesystem size in GiB; always set, since the provider replaces a container whose disk is unset. */
  diskGiB: number;
  /** Datastore of the root filesystem. */
  datastoreId: string;
  /** Data volumes mounted into the container (backed up by vzdump). Default none. */
  dataVolumes?: DataVolume[];
  /** The NIC. */
  network: GuestNetwork;
  /** DNS servers and search domain. */
  dns: { servers: string[]; domain: string };
  /** OpenSSH public keys for root. Default none. */
  sshPublicKeys?: string[];
  /** Inbound openings; all other inbound traffic is dropped. Default none (nothing reachable). */
  firewall?: FirewallOpening[];
  /** Why the container must be privileged; unset means unprivileged. Default unset. */
  privilegedReason?: string;
  /** Host devices passed into the container (e.g. `/dev/net/tun` for WireGuard). Needs a root@pam token. Default none. */
  devices?: string[];
  /** Container features, only when the workload needs them (e.g. nesting+keyctl for Docker). Default none. */
  features?: { nesting?: boolean; keyctl?: boolean; fuse?: boolean };
  /** Start on host boot. Default true. */
  startOnBoot?: boolean;
  /** Boot order (lower first). Default: unordered. */
  startupOrder?: number;
  /** Tags; normalised to sorted lower-case. Default none. */
  tags?: string[];
  /** Holds data: the container is protected from deletion and replacement. Default false. */
  stateful?: boolean;
}

/**
 * An LXC container on Proxmox with a random secret root password, static
 * addressing, data on mount points and a default-deny guest firewall that
 * opens only the declared ports to the declared sources.
 */
export class LxcService extends pulumi.ComponentResource {
  /** The container resource. */
  public readonly container: proxmox.ContainerLegacy;
  /** Root password (secret). */
  public readonly rootPassword: pulumi.Output<string>;
  /** Primary IPv4 address (without prefix length), if static. */
  public readonly ipv4?: string;
  /** VMID. */
  public readonly vmId: number;

  constructor(name: string, args: LxcServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:proxmox:LxcService", name, {}, opts);
    const stateful = args.stateful ?? false;

    const password = new random.RandomPassword(`${name}-root`, { length: 32, special: true, overrideSpecial: "_%@+=-" }, { parent: this });
    this.rootPassword = pulumi.secret(password.result);

    const ipConfig: proxmox.types.input.ContainerLegacyInitializationIpConfig = {};
    if (args.network.ipv4Cidr) ipConfig.ipv4 = { address: args.network.ipv4Cidr, gateway: args.network.ipv4Gateway };
    if (args.network.ipv6Cidr) ipConfig.ipv6 = { address: args.network.ipv6Cidr, gateway: args.network.ipv6Gateway };

    this.container = new proxmox.ContainerLegacy(
      name,
      {
        nodeName: args.nodeName,
        vmId: args.vmId,
        description: args.description,
        unprivileged: args.privilegedReason === undefined,
        features: args.features && Object.values(args.features).some(Boolean) ? args.features : undefined,
        devicePassthroughs: (args.devices ?? []).map((path) => ({ path })),
        cpu: { cores: args.cores, architecture: "amd64" },
        memory: { dedicated: args.memoryMiB, swap: args.swapMiB ?? 0 },
        disk: { datastoreId: args.datastoreId, size: args.diskGiB },
        mountPoints: lxcMountPoints(args.dataVolumes ?? []),
        operatingSystem: { templateFileId: args.templateFileId, type: args.osType ?? "debian" },
        initialization: {
          hostname: args.hostname,
          dns: { servers: args.dns.servers, domain: args.dns.domain },
          ipConfigs: [ipConfig],
          userAccount: { keys: args.sshPublicKeys ?? [], password: this.rootPassword },
        },
        networkInterfaces: [{ name: "eth0", bridge: args.network.bridge, vlanId: args.network.vlanId, firewall: true }],
        startOnBoot: args.startOnBoot ?? true,
        started: true,
        startup: args.startupOrder !== undefined ? { order: args.startupOrder, upDelay: 10, downDelay: 30 } : undefined,
        tags: normalizeTags([...(args.tags ?? []), "homelab", "lxc", ...(stateful ? ["stateful"] : [])]),
      },
      { parent: this, deleteBeforeReplace: true, protect: stateful },
    );

    new proxmox.firewall.OptionsLegacy(`${name}-fw-options`, { nodeName: args.nodeName, containerId: args.vmId, ...firewallOptions() }, { parent: this, dependsOn: [this.container] });
    new proxmox.firewall.RulesLegacy(`${name}-fw-rules`, { nodeName: args.nodeName, containerId: args.vmId, rules: firewallRules(args.firewall ?? []) }, { parent: this, dependsOn: [this.container] });

    this.ipv4 = args.network.ipv4Cidr?.split("/")[0];
    this.vmId = args.vmId;
    this.registerOutputs({ vmId: args.vmId, ipv4: this.ipv4, rootPassword: this.rootPassword });
  }
}
