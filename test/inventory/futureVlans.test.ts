/**
 * Seed 004's VLANs without renumbering (components/inventory/futureVlans.ts): besides the guests, the
 * hosts' management addresses, the gateway, the DHCP range and reservations must sit in a future VLAN
 * /24, and the future VLANs must be disjoint with distinct tags and names; `futureVlanOf` names the VLAN
 * each address moves to (shown by `plan`).
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory } from "../../components/inventory/load";
import { futureVlanOf } from "../../components/inventory/futureVlans";
import { PROJECT_ROOT } from "../../components/site/stackFiles";

const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.hx310-db.yaml"), "utf8")).config;
const edit = (f: (inv: any) => void) => {
  const inv = JSON.parse(JSON.stringify(doc["homelab:inventory"]));
  f(inv);
  return () => loadInventory("hx310-db", inv, Number(doc["homelab:phase"]));
};

describe("hx310-db: every address already in its future VLAN", () => {
  it("the committed inventory loads", () => {
    expect(edit(() => undefined)).not.toThrow();
  });
  it.each([
    ["a host outside every future VLAN", (inv: any) => (inv.hosts[0].address = "192.168.201.10"), /inventory\.hosts\[0\]\.address = "192\.168\.201\.10": host "qotom" is not inside any future VLAN of "staging" .*it would need renumbering/],
    ["the gateway outside every future VLAN", (inv: any) => (inv.networks[0].gateway = "192.168.1.1"), /inventory\.networks\[0\]\.gateway = "192\.168\.1\.1": not inside any future VLAN/],
    ["a DHCP range straddling two future VLANs", (inv: any) => (inv.networks[0].dhcp = { start: "192.168.30.100", end: "192.168.40.50" }), /inventory\.networks\[0\]\.dhcp = .*not inside one future VLAN of "staging"/],
    ["a reservation outside every future VLAN", (inv: any) => (inv.networks[0].reserved = [{ name: "tv", address: "192.168.50.5", purpose: "TV" }]), /inventory\.networks\[0\]\.reserved\[0\]\.address = "192\.168\.50\.5": not inside any future VLAN/],
    ["a VLAN tag used twice", (inv: any) => (inv.networks[0].futureVlans[1].vlan = 20), /inventory\.networks\[0\]\.futureVlans\[1\]\.vlan = 20: VLAN 20 is already "LAN-IOT"/],
    ["a future VLAN name used twice", (inv: any) => (inv.networks[0].futureVlans[1].name = "LAN-IOT"), /futureVlans\[1\]\.name = "LAN-IOT": another future VLAN has this name/],
    ["overlapping future VLANs", (inv: any) => inv.networks[0].futureVlans.push({ vlan: 300, name: "X", prefix: "192.168.20.0/25" }), /inventory\.networks\[0\]\.futureVlans = .*overlap/],
  ])("refuses %s", (_what, f, message) => {
    expect(edit(f)).toThrow(message);
  });
  it("names the VLAN each address moves to", () => {
    const nets = doc["homelab:inventory"].networks.map((n: any) => ({ ...n, futureVlans: n.futureVlans ?? [] }));
    expect(futureVlanOf(nets, "192.168.110.10")).toEqual({ vlan: 110, name: "BACKEND-DB" });
    expect(futureVlanOf(nets, "192.168.200.11")).toEqual({ vlan: 200, name: "MGMT" });
    expect(futureVlanOf(nets, "192.168.50.1")).toBeUndefined();
  });
});
