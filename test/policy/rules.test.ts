/**
 * Every rule: the passing example passes; each failing case mutates one field
 * of it and must be refused by exactly the expected policy with the expected message.
 */
import { SiteConfig } from "../../policy/config";
import { EngineResource } from "../../policy/lib/engine";
import { baseConfig, baseResources, component, dbRule, find, firewall, lxc, messages, run } from "./harness";

type Case = [string, string, (rs: EngineResource[], c: SiteConfig) => void, RegExp];

const cases: Case[] = [
  // budget
  ["memory over host budget", "homelab-host-memory", (rs) => (find(rs, "app").props.memory.dedicated = 10240), /host h1: guest memory 16 GiB exceeds 14 GiB \(16 GiB − 2 GiB reserved\); largest: lxc app \(vmid 100\) 10 GiB/],
  ["disk over datastore", "homelab-host-disk", (rs) => (find(rs, "db").props.mountPoints[0].size = "80G"), /host h1: datastore local-lvm disks 118 GiB exceed its capacity 100 GiB; largest: lxc db \(vmid 101\) 88 GiB/],
  ["disk on unknown datastore", "homelab-host-disk", (rs) => (find(rs, "web").props.disks[0].datastoreId = "nvme"), /datastore nvme is not in the inventory/],
  ["vCPU over budget", "homelab-host-vcpu", (rs) => (find(rs, "web").props.cpu.cores = 4), /host h1: guest vCPUs 8 exceed 6 \(\(8 cores − 2 reserved\) × 1 overcommit\); largest: vm web \(vmid 102\) 4 vCPU/],
  ["guest on unknown node", "homelab-site-budget", (rs) => (find(rs, "web").props.nodeName = "h9"), /is placed on node "h9", which is not a Proxmox host/],
  // ip plan
  ["IPv4 outside prefix", "homelab-address-in-network", (rs) => (find(rs, "app").props.initialization.ipConfigs[0].ipv4.address = "10.0.1.10/24"), /address 10\.0\.1\.10 is outside network "lan" 10\.0\.0\.0\/24/],
  ["IPv6 outside prefix", "homelab-address-in-network", (rs) => (find(rs, "web").props.initialization.ipConfigs[0].ipv6.address = "fd00:0:0:2::12/64"), /address fd00:0:0:2::12 is outside network "lan" fd00:0:0:1::\/64/],
  ["broadcast address", "homelab-address-in-network", (rs) => (find(rs, "app").props.initialization.ipConfigs[0].ipv4.address = "10.0.0.255/24"), /network or broadcast address/],
  ["network address", "homelab-address-in-network", (rs) => (find(rs, "app").props.initialization.ipConfigs[0].ipv4.address = "10.0.0.0/24"), /network or broadcast address/],
  ["NIC gateway outside prefix", "homelab-address-in-network", (rs) => (find(rs, "app").props.initialization.ipConfigs[0].ipv4.gateway = "10.9.0.1"), /gateway 10\.9\.0\.1 is outside network "lan"/],
  ["unknown bridge", "homelab-address-in-network", (rs) => (find(rs, "app").props.networkInterfaces[0].bridge = "vmbr7"), /bridge vmbr7, which carries no network/],
  ["host outside future VLAN", "homelab-address-in-network", (_rs, c) => (c.networks[0].futureVlans = [{ vlan: 20, name: "SRV", prefix: "10.0.0.8/29" }, { vlan: 30, name: "USR", prefix: "10.0.0.96/27" }, { vlan: 40, name: "R", prefix: "10.0.0.128/25" }, { vlan: 50, name: "GW", prefix: "10.0.0.0/30" }]), /host h1: address 10\.0\.0\.5 is not inside any future VLAN \/24 of "lan"/],
  ["DHCP range across future VLANs", "homelab-address-in-network", (_rs, c) => (c.networks[0].futureVlans = [{ vlan: 20, name: "A", prefix: "10.0.0.0/25" }, { vlan: 30, name: "B", prefix: "10.0.0.128/25" }]), /DHCP range 10\.0\.0\.100-10\.0\.0\.199 of "lan" is not inside one future VLAN/],
  ["outside future VLAN", "homelab-address-in-network", (_rs, c) => (c.networks[0].futureVlans = [{ vlan: 20, name: "LAN-USER", prefix: "10.0.0.0/29" }]), /address 10\.0\.0\.1[012] is not inside any future VLAN \/24 of "lan" \(LAN-USER 10\.0\.0\.0\/29\)/],
  ["inside DHCP", "homelab-address-not-dynamic", (rs) => (find(rs, "app").props.initialization.ipConfigs[0].ipv4.address = "10.0.0.150/24"), /address 10\.0\.0\.150 is inside the DHCP range 10\.0\.0\.100-10\.0\.0\.199/],
  ["inside LB pool", "homelab-address-not-dynamic", (rs) => (find(rs, "app").props.initialization.ipConfigs[0].ipv4.address = "10.0.0.205/24"), /inside load-balancer pool "pool-a"/],
  ["duplicate guest address", "homelab-address-unique", (rs) => (find(rs, "web").props.initialization.ipConfigs[0].ipv4.address = "10.0.0.10/24"), /address 10\.0\.0\.10 is already used by lxc app \(vmid 100\)/],
  ["duplicate IPv6 (non-canonical)", "homelab-address-unique", (rs) => (find(rs, "web").props.initialization.ipConfigs[0].ipv6.address = "FD00:0000:0:1::10/64"), /address fd00:0:0:1::10 is already used by lxc app/],
  ["address of a host", "homelab-address-unique", (rs) => (find(rs, "app").props.initialization.ipConfigs[0].ipv4.address = "10.0.0.5/24"), /already used by host h1/],
  ["gateway taken by non-router", "homelab-address-unique", (rs) => (find(rs, "app").props.initialization.ipConfigs[0].ipv4.address = "10.0.0.1/24"), /is the gateway of "lan" and the guest is not the site's router/],
  ["network gateway outside prefix", "homelab-network-plan", (_rs, c) => (c.networks[0].gateway = "10.0.1.1"), /network "lan": gateway 10\.0\.1\.1 is outside 10\.0\.0\.0\/24/],
  ["pool outside subnet", "homelab-network-plan", (_rs, c) => (c.networks[0].loadBalancerPools[0].end = "10.0.1.5"), /load-balancer pool "pool-a" 10\.0\.0\.200-10\.0\.1\.5 is outside the subnet/],
  ["pools overlap", "homelab-network-plan", (_rs, c) => c.networks[0].loadBalancerPools.push({ name: "pool-b", start: "10.0.0.210", end: "10.0.0.220" }), /load-balancer pool "pool-a" 10\.0\.0\.200-10\.0\.0\.210 and load-balancer pool "pool-b" 10\.0\.0\.210-10\.0\.0\.220 overlap/],
  ["pool overlaps DHCP", "homelab-network-plan", (_rs, c) => (c.networks[0].loadBalancerPools[0].start = "10.0.0.190"), /DHCP range .* and load-balancer pool "pool-a" .* overlap/],
  ["pool holds the gateway", "homelab-network-plan", (_rs, c) => (c.networks[0].loadBalancerPools[0] = { name: "pool-a", start: "10.0.0.1", end: "10.0.0.9" }), /network "lan": load-balancer pool "pool-a" 10\.0\.0\.1-10\.0\.0\.9 contains the gateway 10\.0\.0\.1$/],
  ["pool holds the broadcast address", "homelab-network-plan", (_rs, c) => (c.networks[0].loadBalancerPools[0].end = "10.0.0.255"), /network "lan": load-balancer pool "pool-a" 10\.0\.0\.200-10\.0\.0\.255 contains the network or broadcast address of 10\.0\.0\.0\/24$/],
  ["IPv6 subnet outside delegated prefix", "homelab-network-plan", (_rs, c) => (c.ipv6Prefix = "fd01::/48"), /IPv6 subnet fd00:0:0:1::\/64 is outside the site's delegated prefix fd01::\/48/],
  ["mesh overlap", "homelab-mesh-disjoint", (_rs, c) => (c.mesh[0].prefixes = ["10.0.0.128/25"]), /site t subnet 10\.0\.0\.0\/24 overlaps mesh member peer's 10\.0\.0\.128\/25/],
  ["mesh overlap IPv6", "homelab-mesh-disjoint", (_rs, c) => (c.mesh[0].prefixes = ["fd00::/32"]), /subnet fd00:0:0:1::\/64 overlaps mesh member peer's fd00::\/32/],
  // identity
  ["duplicate VMID", "homelab-vmid", (rs) => (find(rs, "web").props.vmId = 100), /VMID 100 is already used by lxc app \(vmid 100\)/],
  ["VMID of another stack in the cluster", "homelab-vmid", (rs) => (find(rs, "web").props.vmId = 150), /VMID 150 is already used by elsewhere of stack other in cluster t/],
  ["VMID out of range", "homelab-vmid", (rs) => (find(rs, "web").props.vmId = 250), /VMID 250 is outside the allowed range 100-199/],
  ["duplicate hostname", "homelab-hostname-unique", (rs) => (find(rs, "web").props.name = "app"), /hostname "app" is already used by lxc app/],
  // safety
  ["privileged without reason", "homelab-lxc-unprivileged", (rs) => (find(rs, "app").props.unprivileged = false), /lxc app \(vmid 100\) is privileged but the inventory gives no reason/],
  ["stateful without backup", "homelab-stateful-backup", (rs) => find(rs, "app").props.tags.push("stateful"), /lxc app \(vmid 100\) is stateful but has no backup coverage/],
  ["stateful, agents exist but none covers", "homelab-stateful-backup", (rs) => rs.push(component("homelab:data:ResticAgent", "t-other-backup")), /declares backup paths \/var\/lib\/postgresql, but no ResticAgent in the stack covers it/],
  ["database port from any", "homelab-database-allowlist", (rs) => (rs.find((r) => r.name === "t-db-fw-rules")!.props.rules[0].source = undefined), /firewall rule 0 accepts port 5432 from any source/],
  ["database port from a subnet", "homelab-database-allowlist", (rs) => (rs.find((r) => r.name === "t-db-fw-rules")!.props.rules[0].source = "10.0.0.0/24"), /accepts port 5432 from 10\.0\.0\.0\/24, which is not an allowlisted single address/],
  ["database port from a non-allowlisted /32", "homelab-database-allowlist", (rs) => (rs.find((r) => r.name === "t-db-fw-rules")!.props.rules[0].source = "10.0.0.10/32,10.0.0.99/32"), /from 10\.0\.0\.99\/32, which is not an allowlisted/],
  ["database port range rule", "homelab-database-allowlist", (rs) => rs.find((r) => r.name === "t-db-fw-rules")!.props.rules.push(dbRule("10.0.0.0/24", "5000:6000")), /firewall rule 1 accepts port 5432 from 10\.0\.0\.0\/24/],
  ["database rule without dport", "homelab-database-allowlist", (rs) => rs.find((r) => r.name === "t-db-fw-rules")!.props.rules.push({ ...dbRule("10.0.0.0/24"), dport: undefined }), /firewall rule 1 accepts port 5432/],
  ["database firewall input ACCEPT", "homelab-database-allowlist", (rs) => (rs.find((r) => r.name === "t-db-fw-options")!.props.inputPolicy = "ACCEPT"), /firewall is not enabled with input policy DROP/],
  ["database firewall disabled", "homelab-database-allowlist", (rs) => (rs.find((r) => r.name === "t-db-fw-options")!.props.enabled = false), /firewall is not enabled/],
  ["database NIC firewall off", "homelab-database-allowlist", (rs) => (find(rs, "db").props.networkInterfaces[0].firewall = false), /a NIC has the firewall off/],
];

describe("policy rules on engine-shaped resources", () => {
  it("the passing example has no violations and no policy errors", async () => {
    const r = await run(baseResources());
    expect(r.violations).toEqual([]);
  });

  it.each(cases)("%s → %s", async (_title, policy, mutate, expected) => {
    const rs = baseResources();
    const c = baseConfig();
    mutate(rs, c);
    const all = (await run(rs, c)).violations;
    const mine = all.filter((v) => v.policy === policy);
    expect(mine.map((v) => v.message).join("\n")).toMatch(expected);
    expect(mine.every((v) => v.level === "mandatory")).toBe(true);
  });

  it("memory message names the host, used/capacity and the top 3 consumers", async () => {
    const rs = baseResources();
    rs.push(lxc({ name: "big", vmid: 103, memoryMiB: 8192, ipv4: "10.0.0.13/24" }));
    const [m] = await messages("homelab-host-memory", rs);
    expect(m).toBe("host h1: guest memory 18 GiB exceeds 14 GiB (16 GiB − 2 GiB reserved); largest: lxc big (vmid 103) 8 GiB, lxc app (vmid 100) 4 GiB, lxc db (vmid 101) 4 GiB");
  });

  it("a stated privilege allowance passes, a mismatched hostname does not", async () => {
    const rs = baseResources();
    find(rs, "app").props.unprivileged = false;
    const c = baseConfig();
    c.privileged = [{ vmid: 100, name: "app", reason: "needs /dev/net/tun for the VPN" }];
    expect(await messages("homelab-lxc-unprivileged", rs, c)).toEqual([]);
    c.privileged[0].name = "other";
    expect((await messages("homelab-lxc-unprivileged", rs, c))[0]).toMatch(/allowance of "other"/);
  });

  it("backup: an exemption covers; a ResticAgent depending on the guest covers; named outputs cover", async () => {
    const exempt = baseConfig();
    exempt.backups = [{ name: "db", method: "exempt", paths: [], reason: "it is the backup store itself" }];
    const withAgent = baseResources();
    withAgent.push(component("homelab:data:ResticAgent", "t-other-backup"));
    expect(await messages("homelab-stateful-backup", withAgent, exempt)).toEqual([]);

    const graph = baseResources();
    const agent = component("homelab:data:ResticAgent", "t-db-backup");
    const db = find(graph, "db");
    graph.push(agent, { urn: `${agent.urn}-setup`, type: "command:remote:Command", name: "t-db-backup-setup", props: {}, parent: agent.urn, dependencies: [db.parent!] }, component("homelab:proxmox:LxcService", "t-db"));
    expect(await messages("homelab-stateful-backup", graph)).toEqual([]);

    const named = baseResources();
    named.push({ ...component("homelab:data:ResticAgent", "t-x-backup"), props: { coveredHost: "db" } });
    expect(await messages("homelab-stateful-backup", named)).toEqual([]);
  });

  it("a VLAN-ready flat /16 passes when every address sits in a future /24", async () => {
    const c = baseConfig();
    c.networks[0].futureVlans = [{ vlan: 10, name: "LAN-SERVERS", prefix: "10.0.0.0/24" }];
    expect((await run(baseResources(), c)).violations).toEqual([]);
  });

  it("refuses a config rendered for another stack", async () => {
    const c = baseConfig();
    c.site = "bo";
    const v = (await run(baseResources(), c)).violations;
    expect(v.filter((x) => x.policy === "homelab-host-memory")[0].message).toMatch(/rendered for site "bo" but the stack is "t"/);
  });

  it("a missing config fails loudly instead of passing", async () => {
    const { runPolicyPack } = await import("../../policy/lib/engine");
    const { allPolicies } = await import("../../policy/all");
    const v = (await runPolicyPack(allPolicies, baseResources(), {})).violations;
    expect(v.find((x) => x.policy === "homelab-host-memory")?.message).toMatch(/policy failed: homelab policy config missing or invalid/);
  });

  it("a database rule with a securityGroup is refused (cannot be checked)", async () => {
    const rs = baseResources();
    rs.find((r) => r.name === "t-db-fw-rules")!.props.rules.push({ type: "in", action: "ACCEPT", securityGroup: "db-clients" });
    expect((await messages("homelab-database-allowlist", rs))[0]).toMatch(/security group "db-clients"/);
  });

  it("firewall helper covers the whole example", () => {
    expect(firewall(find(baseResources(), "app"), []).length).toBe(2);
  });
});
