/** LxcService, VmService and OsImage inputs as the provider receives them (rendered under strict mocks). */
import { RenderResult, renderStack } from "../../scripts/lib/offline";
import { LxcService } from "../../components/proxmox/lxcService";
import { named, ofType, renderSite } from "../helpers/render";

const CT = "proxmoxve:index/containerLegacy:ContainerLegacy";
const VM = "proxmoxve:index/vmLegacy:VmLegacy";

describe("LxcService (bo postgres, bh home-assistant)", () => {
  let bo: RenderResult;
  let bh: RenderResult;
  beforeAll(async () => {
    bo = await renderSite("bo");
    bh = await renderSite("bh");
  });

  it("renders the container with sizes, static address, DNS, template, boot order and sorted tags", () => {
    const ct = named(bo, "bo-postgres", CT);
    expect(ct.inputs).toMatchObject({
      nodeName: "r7920",
      vmId: 103,
      unprivileged: true,
      cpu: { cores: 4, architecture: "amd64" },
      memory: { dedicated: 16384, swap: 0 },
      disk: { datastoreId: "local-lvm", size: 16 },
      mountPoints: [{ volume: "local-lvm", size: "484G", path: "/var/lib/postgresql", backup: true }],
      operatingSystem: { templateFileId: "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst", type: "debian" },
      initialization: { hostname: "postgres", dns: { servers: ["192.168.9.1"], domain: "bo.apiary.internal" }, ipConfigs: [{ ipv4: { address: "192.168.9.20/24", gateway: "192.168.9.1" } }] },
      networkInterfaces: [{ name: "eth0", bridge: "vmbr0", firewall: true }],
      startOnBoot: true,
      startup: { order: 1 },
      tags: ["bo", "bo-3", "database", "homelab", "lxc", "stateful"],
    });
    expect(ct.inputs.features).toBeUndefined();
    expect(ct.protect).toBe(true);
    expect(ct.deleteBeforeReplace).toBe(true);
    expect(named(bo, "bo-postgres", "homelab:proxmox:LxcService").urn).toBe(ct.parent);
  });

  it("opens only the declared ports to the declared sources, inbound default-deny", () => {
    const rules = named(bo, "bo-postgres-fw-rules").inputs;
    expect(rules).toMatchObject({ nodeName: "r7920", containerId: 103 });
    expect(rules.rules).toEqual([
      expect.objectContaining({ type: "in", action: "ACCEPT", proto: "tcp", dport: "5432", source: "192.168.50.22/32,192.168.30.22/32,192.168.9.30/32,192.168.9.31/32,192.168.9.40/32,192.168.9.41/32,192.168.9.42/32" }),
      expect.objectContaining({ dport: "9187", source: "192.168.9.23/32" }),
      expect.objectContaining({ dport: "9100", source: "192.168.9.23/32", comment: "node_exporter" }),
    ]);
    expect(named(bo, "bo-postgres-fw-options").inputs).toMatchObject({ enabled: true, inputPolicy: "DROP", containerId: 103 });
  });

  it("a container with no stateful data is not protected", () => {
    const ct = named(bh, "bh-ollama", CT);
    expect(ct.protect).toBe(false);
    expect(ct.inputs.tags).not.toContain("stateful");
  });

  it("passes /dev/net/tun only into the mesh routing peer", () => {
    expect(named(bh, "bh-pg-replica", CT).inputs.devicePassthroughs).toEqual([{ path: "/dev/net/tun" }]);
    for (const ct of ofType(bh, CT).filter((r) => r.name !== "bh-pg-replica")) expect(ct.inputs.devicePassthroughs).toEqual([]);
  });

  it("features only where the inventory asks (Home Assistant runs containers)", () => {
    // No keyctl: podman's crun 1.8.1 (Debian 12) treats keyctl's ENOSYS, which Proxmox's seccomp
    // profile returns in unprivileged containers without the feature, as a warning (decision 106).
    expect(named(bh, "bh-home-assistant", CT).inputs.features).toEqual({ nesting: true });
    for (const ct of ofType(bh, CT).filter((r) => r.name !== "bh-home-assistant")) expect(ct.inputs.features).toBeUndefined();
  });

  it("downloads each template once per node, pinned and checksummed", () => {
    const files = ofType(bo, "proxmoxve:download/file:File");
    expect(files.map((f) => f.inputs.nodeName).sort()).toEqual(["r740xd", "r7920"]);
    for (const f of files) {
      expect(f.inputs.url).toMatch(/^https?:\/\/\S+\/(debian-12-standard_12\.7-1_amd64\.tar\.zst|debian-12-genericcloud-amd64-20250210-2019\.qcow2)$/);
      expect(f.inputs.checksum).toMatch(/^[0-9a-f]{128}$/);
      expect(f.inputs).toMatchObject({ checksumAlgorithm: "sha512", overwrite: false });
    }
  });

  it("a privileged container needs its reason and is then created privileged", async () => {
    const { committedInventory, serviceIndex } = await import("../helpers/inventory");
    const inv = committedInventory("bh");
    inv.services[serviceIndex(inv, "ollama")].privileged = { reason: "GPU device nodes need a privileged container here" };
    const r = await renderStack("bh", { inventory: inv, program: (site) => ({ ct: new LxcService("t", (require("../../components/site/guestArgs") as typeof import("../../components/site/guestArgs")).lxcArgs(site, site.services.find((s) => s.name === "ollama")!, "local:vztmpl/x.tar.zst")).vmId }) });
    expect(named(r, "t", CT).inputs.unprivileged).toBe(false);
  });
});

describe("VmService (bo wazuh, orion router)", () => {
  let bo: RenderResult;
  let orion: RenderResult;
  beforeAll(async () => {
    bo = await renderSite("bo");
    orion = await renderSite("orion");
  });

  it("builds the VM from the cloud image with cloud-init, QEMU agent on, data disk, firewall", () => {
    const vm = named(bo, "bo-wazuh", VM);
    expect(vm.inputs).toMatchObject({
      nodeName: "r740xd",
      vmId: 108,
      agent: { enabled: true },
      cpu: { cores: 4, sockets: 1 },
      memory: { dedicated: 16384 },
      disks: [
        { interface: "scsi0", datastoreId: "local-lvm", importFrom: "local:import/debian-12-genericcloud-amd64-20250210-2019.qcow2", size: 50 },
        { interface: "scsi1", datastoreId: "local-lvm", size: 150 },
      ],
      initialization: { ipConfigs: [{ ipv4: { address: "192.168.9.26/24", gateway: "192.168.9.1" } }], userAccount: { username: "debian", password: "[secret]" } },
      networkDevices: [{ bridge: "vmbr0", model: "virtio", firewall: true }],
      operatingSystem: { type: "l26" },
      onBoot: true,
    });
    expect(vm.protect).toBe(true);
    expect(named(bo, "bo-wazuh-fw-rules").inputs.rules).toHaveLength(6); // five services + node_exporter to Prometheus
  });

  it("the router VM has its three legs and no guest firewall (it filters with nftables)", () => {
    const vm = named(orion, "orion-router", VM);
    expect(vm.inputs.networkDevices).toEqual([
      expect.objectContaining({ bridge: "vmbr1", firewall: false }),
      expect.objectContaining({ bridge: "vmbr0", firewall: false }),
      expect.objectContaining({ bridge: "vmbr2", firewall: false }),
    ]);
    expect((vm.inputs.initialization as any).ipConfigs).toEqual([
      { ipv4: { address: "192.168.100.1/24" }, ipv6: { address: "2602:f674:0:1000::1/64" } },
      { ipv4: { address: "dhcp" } },
      { ipv4: { address: "192.168.200.1/24" } },
    ]);
    expect(orion.resources.some((r) => r.name === "orion-router-fw-rules")).toBe(false);
  });
});
