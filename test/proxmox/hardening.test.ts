/**
 * Issue 10, items 9–13: what real Proxmox does with the rendered guests. Each expectation names the
 * upstream source it pins (the mock tests before this file asserted our own reading of upstream).
 */
import { named, ofType, renderSite } from "../helpers/render";
import { RenderResult } from "../../scripts/lib/offline";
import { ipfilterCidrs, transitRules } from "../../components/proxmox/render";
import { rootPamReasons } from "../../components/proxmox/lxcService";
import { sshConnection, Deployment } from "../../components/site/deployment";
import { GUEST_AGENT_SCRIPT } from "../../components/proxmox/vmService";

const CT = "proxmoxve:index/containerLegacy:ContainerLegacy";
const VM = "proxmoxve:index/vmLegacy:VmLegacy";
const OPTS = "proxmoxve:firewall/optionsLegacy:OptionsLegacy";
const RULES = "proxmoxve:firewall/rulesLegacy:RulesLegacy";
const IPSET = "proxmoxve:firewall/ipsetLegacy:IpsetLegacy";
const PROVIDER = "pulumi:providers:proxmoxve";
const CMD = "command:remote:Command";

let bo: RenderResult, bh: RenderResult, ep: RenderResult, orion: RenderResult;
beforeAll(async () => {
  bo = await renderSite("bo");
  bh = await renderSite("bh");
  ep = await renderSite("ep");
  orion = await renderSite("orion");
});

describe("item 9: mesh routing peers forward", () => {
  // pve-firewall 6.0.4 src/PVE/Firewall.pm ruleset_create_vm_chain: with ipfilter the OUT chain
  // drops `-m set ! --match-set ipfilter-netN src`, i.e. every forwarded packet with a foreign source;
  // generate_tap_rules_direction: the ipset applies when `ipfilter` is on OR an ipfilter-netN set exists.
  it.each([
    ["bo", "bo-netbird"],
    ["bh", "bh-pg-replica"],
    ["ep", "ep-pg-replica"],
  ])("%s: %s has ipfilter off, no ipfilter set, and still inbound DROP", (site, name) => {
    const r = { bo: () => bo, bh: () => bh, ep: () => ep }[site as "bo" | "bh" | "ep"]();
    expect(named(r, `${name}-fw-options`, OPTS).inputs).toMatchObject({ ipfilter: false, inputPolicy: "DROP", macfilter: true });
    expect(ofType(r, IPSET).filter((x) => x.name.startsWith(name))).toEqual([]);
  });

  it("every other guest keeps ipfilter on", () => {
    for (const r of [bo, bh, ep]) {
      for (const o of ofType(r, OPTS).filter((x) => !/(netbird|pg-replica)-fw-options$/.test(x.name))) expect([o.name, o.inputs.ipfilter]).toEqual([o.name, true]);
    }
  });

  // Firewall.pm: PVEFW-FWBR-IN sends every packet the bridge delivers to the tap/veth into
  // <iface>-IN, whatever its destination; without a rule it meets policy_in DROP.
  it("bh's routing peer accepts exactly bh's hosts going to the bo/ep guests that admit them", () => {
    const rules = named(bh, "bh-pg-replica-fw-rules", RULES).inputs.rules as any[];
    const transit = rules.filter((x) => x.dest);
    expect(transit).toContainEqual(expect.objectContaining({ type: "in", action: "ACCEPT", proto: "tcp", dport: "5432", source: "192.168.50.22/32", dest: "192.168.9.20" }));
    for (const t of transit) {
      expect(t.source.startsWith("192.168.50.")).toBe(true); // from bh's LAN only
      expect(t.dest.startsWith("192.168.50.")).toBe(false); // to another member only
    }
  });

  it("bo's routing peer forwards bo's hosts' flows to bh/ep guests (none declared: no transit rules)", () => {
    const rules = named(bo, "bo-netbird-fw-rules", RULES).inputs.rules as any[];
    for (const t of rules.filter((x) => x.dest)) expect(t.source.startsWith("192.168.9.")).toBe(true);
  });

  it("transitRules: one rule per flow, de-duplicated", () => {
    const f = { source: "192.0.2.5/32", destination: "198.51.100.7", protocol: "tcp" as const, port: 5432 };
    expect(transitRules([f, f])).toEqual([{ type: "in", action: "ACCEPT", proto: "tcp", dport: "5432", iface: "net0", source: "192.0.2.5/32", dest: "198.51.100.7", enabled: true, comment: "transit: tcp/5432 to 198.51.100.7" }]);
  });
});

describe("item 10: VM ipfilter sets", () => {
  // Firewall.pm, QEMU branch of the ipset generation: a VM's implicit ipfilter-netN holds only the
  // MAC-derived link-local IPv6 (`[linklocal, fe80::/10 nomatch]`); the LXC branch adds ip=/ip6=.
  it("every firewalled VM with ipfilter has ipfilter-net0 holding its addresses", () => {
    for (const r of [bo, orion]) {
      for (const vm of ofType(r, VM)) {
        const opts = r.resources.find((x) => x.type === OPTS && x.name === `${vm.name}-fw-options`);
        if (!opts) continue; // a router VM has no guest firewall (decision 19)
        expect(opts.inputs.ipfilter).toBe(true);
        const set = named(r, `${vm.name}-ipfilter-net0`, IPSET);
        const addr = String((vm.inputs.initialization as any).ipConfigs[0].ipv4.address).split("/")[0];
        expect(set.inputs).toMatchObject({ name: "ipfilter-net0", vmId: vm.inputs.vmId });
        expect((set.inputs.cidrs as any[]).map((c) => c.name)).toContain(addr);
      }
    }
    expect(named(bo, "bo-wazuh-ipfilter-net0", IPSET).inputs.cidrs).toEqual([{ name: "192.168.9.26" }]);
  });

  it("containers get no set (pve-firewall derives theirs from the net config)", () => {
    for (const r of [bo, bh, ep]) expect(ofType(r, IPSET).filter((s) => r.resources.some((c) => c.type === CT && s.name === `${c.name}-ipfilter-net0`))).toEqual([]);
  });

  it("ipfilterCidrs: static addresses only", () => {
    expect(ipfilterCidrs({ ipv4Cidr: "192.0.2.4/24", ipv6Cidr: "2001:db8::4/64" })).toEqual(["192.0.2.4", "2001:db8::4"]);
    expect(ipfilterCidrs({ ipv4Cidr: "dhcp" })).toEqual([]);
  });
});

describe("item 11: root@pam only where Proxmox demands it", () => {
  // pve-container 6.1.10 src/PVE/LXC.pm check_ct_modify_config_perm: `return 1 if $authuser eq
  // 'root@pam'`; else dev<N> → "configuring device passthrough is only allowed for root@pam",
  // features other than nesting → "changing feature flags (except nesting) is only allowed for root@pam".
  it("rootPamReasons", () => {
    expect(rootPamReasons({ features: { nesting: true } })).toEqual([]);
    expect(rootPamReasons({ features: { nesting: true, keyctl: true } })).toEqual(["feature keyctl"]);
    expect(rootPamReasons({ devices: ["/dev/net/tun"] })).toEqual(["device passthrough /dev/net/tun"]);
  });

  it("the tun routing peers use a password root@pam provider; nothing else does", () => {
    for (const [r, peer] of [[bo, "bo-netbird"], [bh, "bh-pg-replica"], [ep, "ep-pg-replica"]] as const) {
      const p = ofType(r, PROVIDER).find((x) => x.name === `${r.site.name}-root-pam`)!;
      expect(p.inputs).toMatchObject({ username: "root@pam" });
      expect(p.inputs.apiToken).toBeUndefined();
      for (const ct of ofType(r, CT)) expect([ct.name, (ct.inputs.features as any)?.keyctl]).toEqual([ct.name, undefined]);
      expect(named(r, peer, CT).inputs.devicePassthroughs).toEqual([{ path: "/dev/net/tun" }]);
    }
    expect(ofType(orion, PROVIDER).filter((p) => p.name.endsWith("root-pam"))).toEqual([]);
  });

  it("the stack says which guests need root@pam", () => {
    expect(bo.outputs.rootPamGuests).toEqual([{ name: "netbird", vmid: 102, reasons: ["device passthrough /dev/net/tun"] }]);
    expect(orion.outputs.rootPamGuests).toBeUndefined();
  });
});

describe("item 12: the organisation's deploy key", () => {
  it("bo generates it once, protected, and exports it (private half secret)", () => {
    const k = named(bo, "apiary-deploy-key", "tls:index/privateKey:PrivateKey");
    expect(k.inputs).toMatchObject({ algorithm: "ED25519" });
    expect(k.protect).toBe(true);
    expect(bo.outputs.deployPrivateKey).toBe("[secret]");
    expect(bh.resources.some((r) => r.type === "tls:index/privateKey:PrivateKey" && r.name.includes("deploy"))).toBe(false);
  });

  it("every guest gets it at creation; containers ignore later key changes instead of being replaced", () => {
    // bpg/terraform-provider-proxmox v0.111.1 proxmoxtf/resource/container/container.go: user_account,
    // keys and password are ForceNew (a change replaces the container).
    for (const r of [bo, bh, ep, orion]) {
      for (const g of [...ofType(r, CT), ...ofType(r, VM)]) {
        const keys = (g.inputs.initialization as any).userAccount.keys as string[];
        expect(keys.length).toBeGreaterThan(0);
        expect(keys[0]).toMatch(/^ssh-ed25519 |^\[secret\]$/);
      }
    }
    expect(bh.outputs.deployPrivateKey).toBeUndefined();
  });

  it("remote commands use the deploy key, bh's with the key it reads from bo", () => {
    // bh reads bo's secret output deployPrivateKey (the offline StackReference mock hands over bo's
    // masked outputs, so the value is "[secret]"), bo uses its own generated key.
    for (const [r, key] of [[bo, "mock-openssh-private-key-apiary-deploy-key"], [bh, "[secret]"]] as const) {
      for (const c of ofType(r, CMD)) {
        expect([c.name, c.inputs.connection]).toEqual([c.name, "[secret]"]); // it carries the key
        expect([c.name, (c.props.connection as any).privateKey]).toEqual([c.name, key]);
      }
    }
    // bh has commands of its own (the replica); its backup agents, which register on bo's backup
    // server with the same key, exist once its apps are installed (decision 111).
    expect(ofType(bh, CMD).length).toBeGreaterThan(0);
  });

  it("sshConnection: the override, else the deploy key, else the agent — never a password", () => {
    const d = { downloads: {}, stackOrganization: "o", proxmox: {} } as Deployment;
    expect(sshConnection(d, "h")).toEqual({ host: "h", user: "root" });
    expect(sshConnection(d, "h", "root", "K")).toEqual({ host: "h", user: "root", privateKey: "K" });
    expect(sshConnection({ ...d, sshPrivateKey: "O" as any }, "h", "root", "K")).toEqual({ host: "h", user: "root", privateKey: "O" });
  });
});

describe("item 13: the QEMU guest agent", () => {
  // VmLegacyAgentWaitForIp.disabled (@muhlba91/pulumi-proxmoxve 8.6.0 types/input.d.ts): "skip the IP
  // lookup entirely, so the provider does not wait for the agent during refresh and at the end of apply".
  it("no VM waits for the agent, and each Debian cloud VM gets it installed over SSH", () => {
    for (const vm of ofType(orion, VM)) {
      expect(vm.inputs.agent).toMatchObject({ enabled: true, waitForIp: { disabled: true } });
      const cmd = named(orion, `${vm.name}-guest-agent`, CMD);
      expect((cmd.props.connection as any)).toMatchObject({ user: "debian", privateKey: "mock-openssh-private-key-luci-deploy-key" });
      expect(String(cmd.inputs.create)).toContain("sudo -n");
    }
    expect(GUEST_AGENT_SCRIPT).toContain("apt-get install -y -qq --no-install-recommends qemu-guest-agent");
  });
});
