/**
 * Appliance VMs (ryzen9's Home Assistant OS VM 2 and Xpenology VM 1, decisions 275–277): rendered from
 * the inventory without the Debian cloud image, cloud-init or any SSH step; Home Assistant OS boots
 * with UEFI (its `ova` board builds GRUB for x86_64 EFI only: home-assistant/operating-system
 * buildroot-external/configs/ova_defconfig, BR2_TARGET_GRUB2_X86_64_EFI=y), without pre-enrolled
 * Secure Boot keys; the monitoring coverage policy accepts them untagged by node_exporter only as
 * `appliance`.
 */
import { named, renderSite } from "../helpers/render";
import { APPLIANCE_APPS, applianceOf } from "../../components/inventory/apps";
import { scrapeTargets } from "../../components/inventory/monitoring";

describe("appliance VMs (ryzen9)", () => {
  test("Home Assistant OS: OVMF on q35 with a 4m EFI disk, an empty 32 GiB boot disk, no cloud-init, tagged appliance", async () => {
    const r = await renderSite("ryzen9");
    const vm = named(r, "ryzen9-home-assistant", "proxmoxve:index/vmLegacy:VmLegacy").inputs as any;
    expect(vm.bios).toBe("ovmf");
    expect(vm.machine).toBe("q35");
    expect(vm.efiDisk).toEqual({ datastoreId: "local-lvm", type: "4m", preEnrolledKeys: false });
    expect(vm.disks).toEqual([expect.objectContaining({ interface: "scsi0", size: 32 })]);
    expect(vm.disks[0].importFrom).toBeUndefined();
    expect(vm.initialization).toBeUndefined();
    expect(vm.tags).toContain("appliance");
  });

  test("Xpenology: SeaBIOS, the 8 GiB loader disk empty, no cloud-init", async () => {
    const r = await renderSite("ryzen9");
    const vm = named(r, "ryzen9-nas", "proxmoxve:index/vmLegacy:VmLegacy").inputs as any;
    expect(vm.bios).toBeUndefined();
    expect(vm.efiDisk).toBeUndefined();
    expect(vm.disks).toEqual([expect.objectContaining({ interface: "scsi0", size: 8 })]);
    expect(vm.disks[0].importFrom).toBeUndefined();
    expect(vm.initialization).toBeUndefined();
  });

  test("nothing enters an appliance: no guest agent install, no node_exporter, no user password; the firewall stays", async () => {
    const r = await renderSite("ryzen9");
    for (const n of ["home-assistant", "nas"]) {
      expect(r.resources.filter((x) => x.name.startsWith(`ryzen9-${n}-`) && x.type === "command:remote:Command").map((x) => x.name)).toEqual([]);
      expect(r.resources.find((x) => x.name === `ryzen9-${n}-user`)).toBeUndefined();
      expect(named(r, `ryzen9-${n}-fw-rules`)).toBeDefined();
    }
    // The Debian VMs of the site still get theirs.
    expect(named(r, "ryzen9-docker-guest-agent")).toBeDefined();
    expect(scrapeTargets([r.site]).filter((t) => t.instance === "home-assistant" || t.instance === "nas")).toEqual([]);
  });

  test("only the two appliance kinds are appliances", () => {
    expect(Object.keys(APPLIANCE_APPS).sort()).toEqual(["home-assistant-os", "xpenology"]);
    expect(applianceOf({ kind: "docker-host" })).toBeUndefined();
    expect(applianceOf(undefined)).toBeUndefined();
  });
});
