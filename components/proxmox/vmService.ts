import * as pulumi from "@pulumi/pulumi";
import * as proxmox from "@muhlba91/pulumi-proxmoxve";
import * as random from "@pulumi/random";
import { GuestNetwork } from "./lxcService";
import { DataVolume, FirewallOpening, firewallOptions, firewallRules, ipfilterCidrs, normalizeTags, TransitFlow, transitRules } from "./render";
import { GuestConnection, remoteScript } from "../remote/script";

/** A further NIC of a VM (e.g. a router's WAN leg). */
export interface ExtraNic {
  /** Proxmox bridge. */
  bridge: string;
  /** VLAN tag. Default: untagged. */
  vlanId?: number;
  /** Static `address/len`, or `dhcp`. */
  ipv4: string;
}

/**
 * Installs and starts the QEMU guest agent (Debian's `qemu-guest-agent`; the genericcloud image does
 * not ship it). Idempotent; runs as root through sudo.
 */
export const GUEST_AGENT_SCRIPT = [
  "set -euo pipefail",
  "if ! dpkg-query -W -f='${Status}' qemu-guest-agent 2>/dev/null | grep -q 'install ok installed'; then",
  "  cloud-init status --wait >/dev/null 2>&1 || true",
  "  apt-get update -qq",
  "  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-guest-agent >/dev/null",
  "fi",
  "systemctl start qemu-guest-agent   # udev starts it at boot (the unit has no [Install] section)",
  "",
].join("\n");

/** Arguments of {@link VmService}. */
export interface VmServiceArgs {
  /** Proxmox node the VM runs on. */
  nodeName: string;
  /** Fixed VMID (replacement deletes the old VM first). */
  vmId: number;
  /** VM name and cloud-init hostname. */
  name: string;
  /** Text shown in Proxmox. Default: none. */
  description?: string;
  /** Cloud image volume ID (content type `import`), usually `OsImage.fileId`. Unset: the boot disk is created empty (an appliance whose image the operator writes). */
  imageFileId?: pulumi.Input<string>;
  /** Firmware: `seabios`, or `ovmf` (UEFI: machine q35 and a 4m EFI vars disk without pre-enrolled keys). Default `seabios`. */
  firmware?: "seabios" | "ovmf";
  /** Configure the guest with cloud-init (user, keys, addresses, DNS). Default true; false for an appliance that configures itself. */
  cloudInit?: boolean;
  /** vCPUs. */
  cores: number;
  /** CPU model. Default `x86-64-v2-AES` (migratable across the nodes of a cluster). */
  cpuType?: string;
  /** Memory in MiB. */
  memoryMiB: number;
  /** Boot disk size in GiB (the cloud image is grown to it). */
  diskGiB: number;
  /** Datastore of the disks and the cloud-init drive. */
  datastoreId: string;
  /** Additional data disks (scsi1…); the guest formats and mounts them. Default none. */
  dataVolumes?: DataVolume[];
  /** The first NIC. */
  network: GuestNetwork;
  /** Further NICs. Default none. */
  extraNics?: ExtraNic[];
  /** DNS servers and search domain. */
  dns: { servers: string[]; domain: string };
  /** Cloud-init user. Default `debian`. */
  username?: string;
  /** OpenSSH public keys for the cloud-init user (the deploy key first). Changing them updates the cloud-init drive, no replacement. Default none. */
  sshPublicKeys?: pulumi.Input<string>[];
  /**
   * SSH connection to the cloud-init user, used once to install the QEMU guest agent (the Debian
   * cloud image ships without it). Default: no install (the agent must come with the image).
   */
  agentInstall?: pulumi.Input<GuestConnection>;
  /** The VM forwards other hosts' traffic on net0 (a mesh routing peer): ipfilter off, these flows accepted inbound. Default: not a router. */
  transit?: TransitFlow[];
  /** Inbound openings on net0; everything else inbound is dropped. Default none. */
  firewall?: FirewallOpening[];
  /**
   * Whether Proxmox's guest firewall filters this VM. Default true. A router VM
   * sets false: the guest firewall would also filter the traffic it forwards,
   * and the router filters with its own nftables.
   */
  guestFirewall?: boolean;
  /** Start on host boot. Default true. */
  onBoot?: boolean;
  /** Boot order (lower first). Default: unordered. */
  startupOrder?: number;
  /** Tags; normalised to sorted lower-case. Default none. */
  tags?: string[];
  /** Holds data: protected from deletion and replacement. Default false. */
  stateful?: boolean;
}

/**
 * A QEMU VM built from a cloud image with cloud-init: QEMU guest agent on,
 * static addressing, random secret password, default-deny guest firewall.
 */
export class VmService extends pulumi.ComponentResource {
  /** The VM resource. */
  public readonly vm: proxmox.VmLegacy;
  /** Cloud-init user password (secret); none without cloud-init. */
  public readonly password?: pulumi.Output<string>;
  /** Primary IPv4 address, if static. */
  public readonly ipv4?: string;
  /** VMID. */
  public readonly vmId: number;

  constructor(name: string, args: VmServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:proxmox:VmService", name, {}, opts);
    const stateful = args.stateful ?? false;
    const guestFirewall = args.guestFirewall ?? true;
    const cloudInit = args.cloudInit ?? true;
    const ovmf = args.firmware === "ovmf";
    const pw = cloudInit ? new random.RandomPassword(`${name}-user`, { length: 32, special: true, overrideSpecial: "_%@+=-" }, { parent: this }) : undefined;
    this.password = pw ? pulumi.secret(pw.result) : undefined;

    const nics = [
      { bridge: args.network.bridge, vlanId: args.network.vlanId, ipv4: args.network.ipv4Cidr, gw4: args.network.ipv4Gateway, ipv6: args.network.ipv6Cidr, gw6: args.network.ipv6Gateway },
      ...(args.extraNics ?? []).map((n) => ({ bridge: n.bridge, vlanId: n.vlanId, ipv4: n.ipv4, gw4: undefined, ipv6: undefined, gw6: undefined })),
    ];

    this.vm = new proxmox.VmLegacy(
      name,
      {
        nodeName: args.nodeName,
        vmId: args.vmId,
        name: args.name,
        description: args.description,
        // The agent stays on (vzdump's fs-freeze, clean shutdown), but nothing waits for it: the
        // provider's IP lookup would block create and every refresh for `timeout` (15m) until the
        // agent runs, and the addresses are static anyway (VmLegacyAgentWaitForIp.disabled).
        agent: { enabled: true, trim: true, waitForIp: { disabled: true } },
        cpu: { cores: args.cores, sockets: 1, type: args.cpuType ?? "x86-64-v2-AES" },
        memory: { dedicated: args.memoryMiB, floating: 0 },
        scsiHardware: "virtio-scsi-single",
        disks: [
          { interface: "scsi0", datastoreId: args.datastoreId, ...(args.imageFileId !== undefined ? { importFrom: args.imageFileId } : {}), size: args.diskGiB, discard: "on", iothread: true, ssd: true },
          ...(args.dataVolumes ?? []).map((v, i) => ({ interface: `scsi${i + 1}`, datastoreId: v.datastoreId, size: v.sizeGiB, discard: "on", iothread: true, ssd: true })),
        ],
        networkDevices: nics.map((n) => ({ bridge: n.bridge, vlanId: n.vlanId, model: "virtio", firewall: guestFirewall })),
        ...(ovmf ? { bios: "ovmf", machine: "q35", efiDisk: { datastoreId: args.datastoreId, type: "4m", preEnrolledKeys: false } } : {}),
        initialization: !cloudInit ? undefined : {
          datastoreId: args.datastoreId,
          dns: { servers: args.dns.servers, domain: args.dns.domain },
          ipConfigs: nics.map((n) => ({
            ipv4: n.ipv4 ? { address: n.ipv4, gateway: n.gw4 } : undefined,
            ipv6: n.ipv6 ? { address: n.ipv6, gateway: n.gw6 } : undefined,
          })),
          userAccount: { username: args.username ?? "debian", keys: args.sshPublicKeys ?? [], password: this.password! },
        },
        operatingSystem: { type: "l26" },
        serialDevices: [{ device: "socket" }],
        onBoot: args.onBoot ?? true,
        started: true,
        stopOnDestroy: true,
        startup: args.startupOrder !== undefined ? { order: args.startupOrder, upDelay: 30, downDelay: 60 } : undefined,
        tags: normalizeTags([...(args.tags ?? []), "homelab", "vm", ...(stateful ? ["stateful"] : [])]),
      },
      { parent: this, deleteBeforeReplace: true, protect: stateful },
    );

    if (guestFirewall) {
      // ipfilter needs each firewalled NIC's addresses in `ipfilter-net<N>` (a VM's implicit set
      // holds only its link-local IPv6, see ipfilterCidrs). A NIC without a static address
      // (DHCP) can't have one, and a router forwards other sources: ipfilter off for those.
      const sets = nics.map((n) => ipfilterCidrs({ ipv4Cidr: n.ipv4, ipv6Cidr: n.ipv6 }));
      const ipfilter = args.transit === undefined && nics.every((n) => n.ipv4 !== undefined && n.ipv4 !== "dhcp");
      const ipsets = ipfilter
        ? sets.map((cidrs, i) => new proxmox.firewall.IpsetLegacy(`${name}-ipfilter-net${i}`, { nodeName: args.nodeName, vmId: args.vmId, name: `ipfilter-net${i}`, comment: "addresses this VM may send from (ipfilter)", cidrs: cidrs.map((c) => ({ name: c })) }, { parent: this, dependsOn: [this.vm] }))
        : [];
      new proxmox.firewall.OptionsLegacy(`${name}-fw-options`, { nodeName: args.nodeName, vmId: args.vmId, ...firewallOptions({ ipfilter }) }, { parent: this, dependsOn: [this.vm, ...ipsets] });
      new proxmox.firewall.RulesLegacy(`${name}-fw-rules`, { nodeName: args.nodeName, vmId: args.vmId, rules: [...firewallRules(args.firewall ?? []), ...transitRules(args.transit ?? [])] }, { parent: this, dependsOn: [this.vm] });
    }

    if (args.agentInstall !== undefined) {
      remoteScript(`${name}-guest-agent`, { connection: args.agentInstall, script: GUEST_AGENT_SCRIPT, sudo: true }, { parent: this, dependsOn: [this.vm] });
    }

    this.ipv4 = args.network.ipv4Cidr?.split("/")[0];
    this.vmId = args.vmId;
    this.registerOutputs({ vmId: args.vmId, ipv4: this.ipv4, ...(this.password ? { password: this.password } : {}) });
  }
}
