import * as pulumi from "@pulumi/pulumi";
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as random from "@pulumi/random";
import { DataVolume, FirewallOpening, firewallOptions, firewallRules, lxcMountPoints, normalizeTags, TransitFlow, transitRules } from "./render";

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
  /**
   * OpenSSH public keys for root: the organisation's deploy key first, then the operators' keys.
   * Set at creation only: the provider replaces a container whose `user_account` keys or password
   * change (bpg/terraform-provider-proxmox v0.111.1 proxmoxtf/resource/container/container.go:
   * `user_account`, `keys`, `password` are `ForceNew`), so later changes are ignored
   * (`ignoreChanges`) instead of replacing the guest. Default none.
   */
  sshPublicKeys?: pulumi.Input<string>[];
  /** Inbound openings; all other inbound traffic is dropped. Default none (nothing reachable). */
  firewall?: FirewallOpening[];
  /** Why the container must be privileged; unset means unprivileged. Default unset. */
  privilegedReason?: string;
  /** Host devices passed into the container (e.g. `/dev/net/tun` for WireGuard). Needs the user root@pam itself ({@link rootPamReasons}). Default none. */
  devices?: string[];
  /** Container features, only when the workload needs them. Anything but `nesting` needs the user root@pam itself ({@link rootPamReasons}). Default none. */
  features?: { nesting?: boolean; keyctl?: boolean; fuse?: boolean };
  /**
   * The provider that creates the container: a password-authenticated `root@pam` provider when
   * {@link rootPamReasons} is not empty (no API token can set those options). Default: the stack's
   * default provider. The firewall resources always use the default provider.
   */
  provider?: pulumi.ProviderResource;
  /**
   * The container forwards other hosts' traffic (the site's mesh routing peer): ipfilter off, and
   * these flows accepted inbound on top of `firewall`. Default: not a router (ipfilter on).
   */
  transit?: TransitFlow[];
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
 * Why creating or changing this container needs the user `root@pam` itself, with its password:
 * pve-container (6.1.10, src/PVE/LXC.pm `check_ct_modify_config_perm`) returns early only for
 * `$authuser eq 'root@pam'` and otherwise refuses `dev<N>` ("configuring device passthrough is only
 * allowed for root@pam") and any feature change except `nesting`; an API token's user is
 * `root@pam!<token>`, so even root@pam's own token gets 403 (bpg/terraform-provider-proxmox docs/index.md:
 * "even when ... the root@pam user is used with the token. The workaround is to use password
 * authentication"). Empty: a token suffices.
 */
export function rootPamReasons(a: Pick<LxcServiceArgs, "devices" | "features" | "privilegedReason">): string[] {
  const out: string[] = [];
  for (const d of a.devices ?? []) out.push(`device passthrough ${d}`);
  for (const f of ["keyctl", "fuse"] as const) if (a.features?.[f]) out.push(`feature ${f}`);
  if (a.privilegedReason !== undefined && a.features && Object.values(a.features).some(Boolean)) out.push("features on a privileged container");
  return out;
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
      { parent: this, deleteBeforeReplace: true, protect: stateful, ignoreChanges: ["initialization.userAccount"], ...(args.provider ? { provider: args.provider } : {}) },
    );

    // Containers need no ipfilter-net0 set: pve-firewall adds their configured ip=/ip6= to the
    // implicit one (pve-firewall 6.0.4 src/PVE/Firewall.pm, LXC branch of the ipset generation).
    const router = args.transit !== undefined;
    new proxmox.firewall.OptionsLegacy(`${name}-fw-options`, { nodeName: args.nodeName, containerId: args.vmId, ...firewallOptions({ ipfilter: !router }) }, { parent: this, dependsOn: [this.container] });
    new proxmox.firewall.RulesLegacy(`${name}-fw-rules`, { nodeName: args.nodeName, containerId: args.vmId, rules: [...firewallRules(args.firewall ?? []), ...transitRules(args.transit ?? [])] }, { parent: this, dependsOn: [this.container] });

    this.ipv4 = args.network.ipv4Cidr?.split("/")[0];
    this.vmId = args.vmId;
    this.registerOutputs({ vmId: args.vmId, ipv4: this.ipv4, rootPassword: this.rootPassword });
  }
}
