/**
 * Each stack's full render against the seeds' numbers: every guest with its
 * host, VMID, address, cores, memory and total disk, read back from the
 * resource inputs the provider would receive. Where the seed was changed,
 * docs/decisions.md says why (marked "decision" below).
 */
import { guestUsage, GuestUsage } from "../../policy/lib/guests";
import { RenderResult } from "../../scripts/lib/offline";
import { renderSite } from "../helpers/render";

type Row = [name: string, kind: "lxc" | "vm", node: string, vmid: number, ipv4: string, cores: number, memoryMiB: number, diskGiB: number];

const SEEDS: Record<string, Row[]> = {
  bo: [
    ["authentik", "lxc", "r7920", 101, "192.168.9.30", 2, 4096, 50],
    ["netbird", "lxc", "r7920", 102, "192.168.9.31", 1, 2048, 20],
    ["postgres", "lxc", "r7920", 103, "192.168.9.20", 4, 16384, 500],
    ["minio", "lxc", "r7920", 104, "192.168.9.21", 2, 8192, 2048],
    ["restic", "lxc", "r7920", 105, "192.168.9.22", 1, 4096, 500],
    ["prometheus", "lxc", "r7920", 106, "192.168.9.23", 2, 8192, 80], // seed: 100 GB shared by Prometheus + Grafana
    ["uptime-kuma", "lxc", "r7920", 107, "192.168.9.25", 1, 2048, 20],
    ["wazuh", "vm", "r740xd", 108, "192.168.9.26", 4, 16384, 200],
    ["gitea", "lxc", "r7920", 109, "192.168.9.40", 2, 4096, 100],
    ["n8n", "lxc", "r7920", 110, "192.168.9.41", 2, 4096, 50],
    ["paperless", "lxc", "r7920", 111, "192.168.9.42", 2, 4096, 500],
    ["grafana", "lxc", "r7920", 112, "192.168.9.24", 2, 4096, 20],
  ],
  bh: [
    ["ollama", "lxc", "bh-21100", 201, "192.168.50.20", 4, 8192, 100], // decision: 8 GiB (seed's own resource summary), 16 GiB does not fit
    ["open-webui", "lxc", "bh-21100", 202, "192.168.50.21", 2, 2048, 20], // decision: Tier-2 size, to fit 32 GiB
    ["pg-replica", "lxc", "bh-21100", 203, "192.168.50.22", 2, 8192, 200],
    ["odoo", "lxc", "bh-21100", 204, "192.168.50.30", 4, 8192, 100],
    ["home-assistant", "lxc", "bh-21100", 205, "192.168.50.40", 2, 4096, 50],
  ],
  ep: [
    ["odoo", "lxc", "ep-01-sn", 301, "192.168.30.30", 4, 8192, 100],
    ["ollama", "lxc", "ep-01-sn", 303, "192.168.30.20", 2, 8192, 50],
    ["konstanze", "lxc", "ep-01-sn", 304, "192.168.30.21", 2, 4096, 20],
    ["pg-replica", "lxc", "ep-01-sn", 305, "192.168.30.22", 2, 8192, 200],
  ],
  orion: [
    ["router", "vm", "r730", 200, "192.168.100.1", 8, 32768, 50],
    ["ai-coordinator", "vm", "r730", 300, "192.168.100.30", 4, 16384, 100],
    ["netbox", "vm", "r730", 500, "192.168.100.50", 4, 8192, 100],
    ["k3s-master", "vm", "r730", 600, "192.168.100.60", 4, 8192, 100],
    ["k3s-worker-1", "vm", "r730", 601, "192.168.100.61", 4, 16384, 100],
    ["k3s-worker-2", "vm", "r730", 602, "192.168.100.62", 4, 16384, 100],
    ["k3s-worker-3", "vm", "r730", 603, "192.168.100.63", 4, 16384, 100],
    ["ollama", "lxc", "r730", 1000, "192.168.100.110", 8, 32768, 200],
    ["open-webui", "lxc", "r730", 1001, "192.168.100.111", 2, 4096, 20], // decision: seed gave it the coordinator's .30
    ["litellm", "lxc", "r730", 1002, "192.168.100.112", 2, 4096, 8],
    ["flowise", "lxc", "r730", 1003, "192.168.100.113", 2, 4096, 20],
    ["pgvector", "lxc", "r730", 1004, "192.168.100.114", 4, 8192, 100],
    ["redis", "lxc", "r730", 1005, "192.168.100.115", 2, 2048, 8],
    // not in the seed: the backup target of orion's guests (decision 186)
    ["restic", "lxc", "r730", 1010, "192.168.100.120", 1, 2048, 308],
  ],
  sector7: [],
};

function guests(result: RenderResult): GuestUsage[] {
  return result.resources.map((r) => guestUsage(r.type, r.name, r.props, r.urn)).filter((g): g is GuestUsage => !!g);
}

describe.each(Object.keys(SEEDS))("stack %s renders the seed's guests", (site) => {
  let result: RenderResult;
  beforeAll(async () => {
    result = await renderSite(site);
  });

  it("has exactly the seed's guests with their numbers", () => {
    const actual = guests(result)
      .map((g): Row => [g.hostname!, g.kind, g.node, g.vmid!, g.addresses[0]?.address, g.cores, g.memoryMiB, g.disks.reduce((s, d) => s + d.sizeGiB, 0)])
      .sort((a, b) => a[3] - b[3]);
    expect(actual).toEqual([...SEEDS[site]].sort((a, b) => a[3] - b[3]));
  });

  it("every guest has its disk set, a fixed VMID with deleteBeforeReplace, and protect exactly when stateful", () => {
    for (const r of result.resources.filter((x) => x.type.endsWith("ContainerLegacy") || x.type.endsWith("VmLegacy"))) {
      expect(r.deleteBeforeReplace).toBe(true);
      expect(typeof r.inputs.vmId).toBe("number");
      if (r.type.endsWith("ContainerLegacy")) expect(r.inputs.disk).toEqual(expect.objectContaining({ size: expect.any(Number), datastoreId: expect.any(String) }));
      else expect((r.inputs.disks as unknown[]).length).toBeGreaterThan(0);
      expect(r.protect).toBe((r.inputs.tags as string[]).includes("stateful"));
    }
  });

  it("shows every secret as [secret] and no mock secret value anywhere", () => {
    const text = JSON.stringify({ inputs: result.resources.map((r) => r.inputs), outputs: result.outputs });
    expect(text).not.toMatch(/mock-[0-9a-f]{8}/);
    for (const r of result.resources.filter((x) => x.type.endsWith("ContainerLegacy"))) {
      expect((r.inputs.initialization as any).userAccount.password).toBe("[secret]");
    }
  });
});

describe("phase gating", () => {
  it("orion at phase 3 adds LXC 1006-1009", async () => {
    const result = await renderSite("orion", { phase: 3 });
    const vmids = guests(result).map((g) => g.vmid);
    expect(vmids).toEqual(expect.arrayContaining([1006, 1007, 1008, 1009]));
  });

  it("ep at phase 0 has only the phase-0 services (Odoo and Ollama)", async () => {
    const result = await renderSite("ep", { phase: 0 });
    expect(guests(result).map((g) => g.hostname).sort()).toEqual(["odoo", "ollama"]);
  });
});
