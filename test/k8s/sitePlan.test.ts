import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory } from "../../components/inventory/load";
import { backupJobs, orionPlan, parseOrionImages, sector7Plan, withBackupGroup } from "../../components/k8s/sitePlan";
import { pvc } from "../../components/k8s/render/common";

const inventory = (site: string) => YAML.parse(fs.readFileSync(path.join(__dirname, "../..", `Pulumi.${site}.yaml`), "utf8")).config["homelab:inventory"];
const site = (name: string, phase: number) => loadInventory(name, inventory(name), phase);
const img = (n: string) => `registry.test.invalid/luci/${n}:0.0.1-test`;
const images = { backstage: img("b"), vaporApi: img("v"), agents: { infrastructure: img("1"), network: img("2"), security: img("3"), devops: img("4") } };

describe("sector7Plan", () => {
  test("phase 0-1: nothing", () => {
    expect(sector7Plan(site("sector7", 1))).toEqual({ apps: [], monitoring: false, dnsRecords: [] });
  });
  test("phase 2: aurora server (GPU label), optiplex agent, pool, ingress on the first pool address", () => {
    const p = sector7Plan(site("sector7", 2));
    expect(p.cluster).toEqual({
      name: "sector7",
      server: { name: "aurora", address: "192.168.2.159", labels: { "nvidia.com/gpu.present": "true" } },
      agents: [{ name: "optiplex", address: "192.168.2.231", labels: {} }],
      sshUser: "root",
    });
    expect(p.platform).toMatchObject({
      metallb: { pool: "sector7-pool", ranges: ["192.168.2.200-192.168.2.220"], reserved: ["192.168.2.1", "192.168.2.159", "192.168.2.231", "192.168.2.106"] },
      ingress: { address: "192.168.2.200" },
      certManager: true,
      nvidia: false,
      longhorn: { replicaCount: 2 },
    });
    expect(p.apps).toEqual([]);
  });
  test("phase 3 NVIDIA; phase 4 four apps; 5 appflowy; 6 grafana", () => {
    expect(sector7Plan(site("sector7", 3)).platform!.nvidia).toBe(true);
    expect(sector7Plan(site("sector7", 4)).apps.map((a) => a.name)).toEqual(["heimdall", "postgres", "n8n", "nocodb"]);
    expect(sector7Plan(site("sector7", 5)).apps.map((a) => a.name)).toContain("appflowy");
    const p6 = sector7Plan(site("sector7", 6));
    expect(p6.apps.find((a) => a.name === "n8n")).toMatchObject({ gpu: true, storage: "20Gi", host: "n8n.sector7.helloworlddao.com", backupGroup: "n8n" });
    expect(p6.apps.find((a) => a.name === "grafana")!.backupGroup).toBeUndefined();
    expect(p6.dnsRecords.map((d) => d.address)).toEqual(Array(5).fill("192.168.2.200"));
  });
  test("unknown k8s service names are refused", () => {
    const inv = inventory("sector7");
    inv.services.push({ name: "mystery", description: "x", kind: "k8s", namespace: "m", storageGiB: 1, phase: 4 });
    expect(() => sector7Plan(loadInventory("sector7", inv, 6))).toThrow(/no Kubernetes builder for service mystery/);
  });
});

describe("longhorn backups", () => {
  test("jobs from backup.longhorn: backup task only with a target", () => {
    const s = site("sector7", 6);
    const snap = backupJobs(s.services, undefined);
    expect(snap.map((j) => j.spec.task)).toEqual(Array(6).fill("snapshot"));
    const back = backupJobs(s.services, "nfs://10.0.0.1:/b");
    expect(back.find((j) => j.metadata.name === "heimdall-backup")!.spec).toMatchObject({ task: "backup", cron: "0 3 * * *", retain: 14, groups: ["heimdall"] });
  });
  test("group labels go on PVCs and volumeClaimTemplates", () => {
    const [out] = withBackupGroup([pvc("data", "ns", "longhorn", "1Gi", {})], "heimdall");
    expect(out.metadata!.labels).toEqual({ "recurring-job.longhorn.io/source": "enabled", "recurring-job-group.longhorn.io/heimdall": "enabled" });
  });
});

describe("orionPlan", () => {
  test("phase 1-4: cluster on the k3s VMs only", () => {
    const p = orionPlan(site("orion", 2));
    expect(p.cluster!.server).toEqual({ name: "k3s-master", address: "192.168.100.60", labels: {}, vm: "k3s-master" });
    expect(p.cluster!.agents.map((a) => a.address)).toEqual(["192.168.100.61", "192.168.100.62", "192.168.100.63"]);
    expect(p.platform).toBeUndefined();
    expect(p.orionWorkloads).toBeUndefined();
  });
  test("phase 5 needs homelab:orionImages, every image pinned", () => {
    expect(() => orionPlan(site("orion", 5))).toThrow(/homelab:orionImages is not set/);
    expect(() => orionPlan(site("orion", 5), { images: { backstage: img("b") } })).toThrow(/missing vaporApi, agents.infrastructure/);
    expect(() => parseOrionImages({ ...images, vaporApi: "luci/vapor" })).toThrow(/no tag or digest/);
    expect(() => parseOrionImages({ ...images, backstage: "luci/backstage:latest" })).toThrow(/latest/);
    const p = orionPlan(site("orion", 5), { images });
    expect(p.orionWorkloads).toEqual(images);
    expect(p.monitoring).toBe(true);
    expect(p.platform!.longhorn.replicaCount).toBe(3);
  });
  test("committed config has no orionImages (no placeholder images in committed files)", () => {
    const cfg = YAML.parse(fs.readFileSync(path.join(__dirname, "../..", "Pulumi.orion.yaml"), "utf8")).config;
    expect(cfg["homelab:orionImages"]).toBeUndefined();
    expect(cfg["homelab:phase"]).toBeLessThan(5);
  });
});
