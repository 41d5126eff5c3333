/**
 * End to end: real stack programs rendered offline, then the pack run on the
 * rendered resources with the config rendered from the inventory — the same
 * path as `npm run plan`. Broken inventories are ones the loader accepts but a
 * policy refuses; rendered resources mutated after rendering prove the
 * policies catch what the loader would (if the loader were bypassed).
 */
import { InventoryError, listSites, readStackConfig, RenderResult } from "../../scripts/lib/offline";
import { runPolicies } from "../../scripts/lib/policies";
import { policyPackConfigForStack } from "../../scripts/policy-config";
import { render } from "./render";

jest.setTimeout(120_000);

const inventoryOf = (site: string): any => JSON.parse(readStackConfig(site)["homelab:inventory"]);
const mandatory = async (r: RenderResult) => (await runPolicies(r)).filter((v) => v.level === "mandatory");
const guest = (r: RenderResult, name: string) => {
  const g = r.resources.find((x) => /(ContainerLegacy|VmLegacy)$/.test(x.type) && x.name === name);
  if (!g) throw new Error(`no guest ${name}`);
  return g.props as any;
};

describe("committed stacks", () => {
  it("lists the five sites", () => expect(listSites()).toEqual(expect.arrayContaining(["bh", "bo", "ep", "orion", "sector7"])));

  it.each(["bo", "bh", "ep", "orion", "sector7"])("%s has no mandatory violations", async (site) => {
    const r = await render(site);
    expect(await mandatory(r)).toEqual([]);
  });

  it("policy-config renders every policy's entry with the site and mesh peers", () => {
    const cfg = policyPackConfigForStack("bo") as any;
    expect(cfg["homelab-host-memory"].site).toBe("bo");
    expect(cfg["homelab-mesh-disjoint"].mesh.map((m: any) => m.site).sort()).toEqual(["bh", "ep"]);
    expect(cfg["homelab-database-allowlist"].databases.find((d: any) => d.name === "postgres").allow).toContain("192.168.50.22/32");
    expect((policyPackConfigForStack("orion") as any)["homelab-mesh-disjoint"].mesh).toEqual([]);
  });
});

describe("broken inventories the loader accepts but the pack refuses", () => {
  it("memory over budget on bh names the host and the top consumers", async () => {
    const inv = inventoryOf("bh");
    const ollama = inv.services.find((s: any) => s.name === "ollama");
    ollama.memoryMiB = 30 * 1024;
    const v = await mandatory(await render("bh", { inventory: inv }));
    const m = v.find((x) => x.policy === "homelab-host-memory");
    expect(m?.message).toMatch(/^host bh-21100: guest memory [\d.]+ GiB exceeds 30 GiB \(32 GiB − 2 GiB reserved\); largest: lxc ollama \(vmid 201\) 30 GiB, /);
  });

  it("disk over the datastore on bh", async () => {
    const inv = inventoryOf("bh");
    inv.services.find((s: any) => s.name === "ollama").dataMounts[0].sizeGiB = 900;
    const v = await mandatory(await render("bh", { inventory: inv }));
    expect(v.find((x) => x.policy === "homelab-host-disk")?.message).toMatch(/^host bh-21100: datastore local-lvm disks [\d.]+ GiB exceed its capacity 931 GiB; largest: lxc ollama \(vmid 201\) 908 GiB/);
  });

  it("vCPU over budget on ep", async () => {
    const inv = inventoryOf("ep");
    inv.services.find((s: any) => s.name === "ollama").cores = 16;
    const v = await mandatory(await render("ep", { inventory: inv }));
    expect(v.find((x) => x.policy === "homelab-host-vcpu")?.message).toMatch(/^host ep-01-sn: guest vCPUs \d+ exceed 16 \(\(8 cores − 0 reserved\) × 2 overcommit\); largest: lxc ollama \(vmid 303\) 16 vCPU/);
  });

  it("a database port opened to a subnet on orion", async () => {
    const inv = inventoryOf("orion");
    const pg = inv.services.find((s: any) => (s.tags ?? []).includes("database"));
    pg.ports.find((p: any) => p.port === 5432).from.push("lan");
    const v = await mandatory(await render("orion", { inventory: inv }));
    expect(v.find((x) => x.policy === "homelab-database-allowlist")?.message).toMatch(/accepts port 5432 from 192\.168\.100\.0\/24, which is not an allowlisted single address/);
  });

  it("a stateful guest that is no longer stateful in the config but tagged so is refused (tag without backup)", async () => {
    const inv = inventoryOf("orion");
    const svc = inv.services.find((s: any) => s.kind === "lxc" && !s.stateful);
    svc.tags = [...(svc.tags ?? []), "stateful"];
    const v = await mandatory(await render("orion", { inventory: inv }));
    expect(v.find((x) => x.policy === "homelab-stateful-backup")?.message).toMatch(new RegExp(`lxc ${svc.name} \\(vmid ${svc.vmid}\\) is stateful but has no backup coverage`));
  });

  it("the loader still refuses what it can (a duplicate address) before any policy runs", async () => {
    const inv = inventoryOf("orion");
    inv.services[1].ipv4 = inv.services[2].ipv4;
    await expect(render("orion", { inventory: inv })).rejects.toThrow(InventoryError);
  });
});

describe("rendered resources mutated after rendering (what the loader would catch)", () => {
  let orion: RenderResult;
  beforeAll(async () => {
    orion = await render("orion");
  });
  const fresh = (): RenderResult => ({ ...orion, resources: orion.resources.map((r) => ({ ...r, props: JSON.parse(JSON.stringify(r.props)) })) });
  const lxcNames = () => orion.resources.filter((r) => r.type.endsWith("ContainerLegacy")).map((r) => r.name);
  const config = () => policyPackConfigForStack("orion");

  it("an address outside its prefix", async () => {
    const r = fresh();
    guest(r, lxcNames()[0]).initialization.ipConfigs[0].ipv4.address = "192.168.101.50/24";
    const v = await runPolicies(r, { config: config() });
    expect(v.find((x) => x.policy === "homelab-address-in-network")?.message).toMatch(/address 192\.168\.101\.50 is outside network "lan" 192\.168\.100\.0\/24/);
  });

  it("a duplicate address", async () => {
    const r = fresh();
    const [a, b] = lxcNames();
    guest(r, b).initialization.ipConfigs[0].ipv4.address = guest(r, a).initialization.ipConfigs[0].ipv4.address;
    const v = await runPolicies(r, { config: config() });
    expect(v.find((x) => x.policy === "homelab-address-unique")?.message).toMatch(/is already used by/);
  });

  it("an address inside the DHCP range", async () => {
    const r = fresh();
    guest(r, lxcNames()[0]).initialization.ipConfigs[0].ipv4.address = "192.168.100.200/24";
    const v = await runPolicies(r, { config: config() });
    expect(v.find((x) => x.policy === "homelab-address-not-dynamic")?.message).toMatch(/inside the DHCP range 192\.168\.100\.150-192\.168\.100\.249/);
  });

  it("a duplicate VMID and hostname", async () => {
    const r = fresh();
    const [a, b] = lxcNames();
    guest(r, b).vmId = guest(r, a).vmId;
    guest(r, b).initialization.hostname = guest(r, a).initialization.hostname;
    const v = await runPolicies(r, { config: config() });
    expect(v.map((x) => x.policy)).toEqual(expect.arrayContaining(["homelab-vmid", "homelab-hostname-unique"]));
  });

  it("a privileged container", async () => {
    const r = fresh();
    guest(r, lxcNames()[0]).unprivileged = false;
    const v = await runPolicies(r, { config: config() });
    expect(v.find((x) => x.policy === "homelab-lxc-unprivileged")?.message).toMatch(/is privileged but the inventory gives no reason/);
  });
});
