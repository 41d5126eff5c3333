import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory } from "../../components/inventory/load";
import { backupJobs, k8sPlan, parseWorkloadImages, withBackupGroup } from "../../components/k8s/sitePlan";
import { pvc } from "../../components/k8s/render/common";

const inventory = (site: string) => YAML.parse(fs.readFileSync(path.join(__dirname, "../..", `Pulumi.${site}.yaml`), "utf8")).config["homelab:inventory"];
const site = (name: string, phase: number) => loadInventory(name, inventory(name), phase);
const img = (n: string) => `registry.test.invalid/luci/${n}:0.0.1-test`;
const images = { backstage: img("b"), vaporApi: img("v"), agents: { infrastructure: img("1"), network: img("2"), security: img("3"), devops: img("4") } };

describe("k8sPlan: bare-metal nodes (sector7)", () => {
  test("phase 0-1: nothing", () => {
    expect(k8sPlan(site("sector7", 1))).toEqual({ apps: [], dnsRecords: [] });
  });
  test("phase 2: aurora server (GPU label), optiplex agent, pool, ingress on the first pool address", () => {
    const p = k8sPlan(site("sector7", 2));
    expect(p.cluster).toEqual({
      name: "sector7",
      server: { name: "aurora", address: "192.168.2.159", labels: { "nvidia.com/gpu.present": "true" }, prerequisites: { longhorn: true, nvidia: false } },
      agents: [{ name: "optiplex", address: "192.168.2.231", labels: {}, prerequisites: { longhorn: true, nvidia: false } }],
      sshUser: "root",
      adopt: true,
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
  test("adopt: the seed's cert-manager and ingress-nginx are imported, unmanaged until manageReleases", () => {
    expect(k8sPlan(site("sector7", 2)).platform!.adopted).toEqual({
      releases: { certManager: { name: "cert-manager", namespace: "cert-manager" }, ingressNginx: { name: "ingress-nginx", namespace: "ingress-nginx" } },
      manage: false,
    });
    const inv = inventory("sector7");
    inv.kubernetes.adopt = { releases: [{ chart: "cert-manager", name: "cm", namespace: "infra" }], manageReleases: true };
    expect(k8sPlan(loadInventory("sector7", inv, 2)).platform!.adopted).toEqual({ releases: { certManager: { name: "cm", namespace: "infra" } }, manage: true });
    inv.kubernetes.adopt.releases.push({ chart: "cert-manager" });
    expect(() => k8sPlan(loadInventory("sector7", inv, 2))).toThrow(/cert-manager twice/);
    delete inv.kubernetes.adopt;
    const installed = k8sPlan(loadInventory("sector7", inv, 2));
    expect(installed.cluster!.adopt).toBe(false);
    expect(installed.platform!.adopted).toBeUndefined();
  });
  test("phase 3 NVIDIA (and the toolkit on the GPU node only); phase 4 four apps; 5 appflowy; 6 grafana", () => {
    expect(k8sPlan(site("sector7", 3)).platform!.nvidia).toBe(true);
    const c3 = k8sPlan(site("sector7", 3)).cluster!;
    expect(c3.server.prerequisites).toEqual({ longhorn: true, nvidia: true });
    expect(c3.agents[0].prerequisites).toEqual({ longhorn: true, nvidia: false });
    expect(k8sPlan(site("sector7", 4)).apps.map((a) => a.name)).toEqual(["heimdall", "postgres", "n8n", "nocodb"]);
    expect(k8sPlan(site("sector7", 5)).apps.map((a) => a.name)).toContain("appflowy");
    const p6 = k8sPlan(site("sector7", 6));
    expect(p6.apps.find((a) => a.name === "n8n")).toMatchObject({ gpu: true, storage: "20Gi", host: "n8n.sector7.helloworlddao.com", backupGroup: "n8n" });
    expect(p6.apps.find((a) => a.name === "grafana")!.backupGroup).toBeUndefined();
    expect(p6.dnsRecords.map((d) => d.address)).toEqual(Array(5).fill("192.168.2.200"));
  });
  test("k8s services without a Kubernetes builder are refused", () => {
    const inv = inventory("sector7");
    inv.services.push({ name: "mystery", description: "x", kind: "k8s", namespace: "m", storageGiB: 1, phase: 4 });
    expect(() => k8sPlan(loadInventory("sector7", inv, 6))).toThrow(/no Kubernetes builder for service mystery \(app not set/);
    inv.services[inv.services.length - 1].app = "wikijs";
    expect(() => k8sPlan(loadInventory("sector7", inv, 6))).toThrow(/no Kubernetes builder for service mystery \(app wikijs/);
  });
  test("builders follow the app, not the service name", () => {
    const inv = inventory("sector7");
    const heimdall = inv.services.find((s: any) => s.name === "heimdall");
    heimdall.name = "start-page";
    heimdall.dnsName = "start.sector7.helloworlddao.com";
    const p = k8sPlan(loadInventory("sector7", inv, 4));
    expect(p.apps.find((a) => a.name === "start-page")).toMatchObject({ kind: "heimdall", namespace: "heimdall" });
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

describe("k8sPlan: k3s-server/k3s-agent guests (orion)", () => {
  test("phase 1-4: cluster on the k3s VMs only", () => {
    const p = k8sPlan(site("orion", 2));
    expect(p.cluster!.server).toEqual({ name: "k3s-master", address: "192.168.100.60", labels: {}, vm: "k3s-master", prerequisites: { longhorn: true, nvidia: false } });
    expect(p.cluster!.adopt).toBe(false);
    expect(p.cluster!.agents.map((a) => a.address)).toEqual(["192.168.100.61", "192.168.100.62", "192.168.100.63"]);
    expect(p.platform).toBeUndefined();
    expect(p.agentWorkloads).toBeUndefined();
  });
  test("phase 5 needs homelab:workloadImages, every image pinned", () => {
    expect(() => k8sPlan(site("orion", 5))).toThrow('homelab: site "orion": homelab:workloadImages = (missing): phase 5 deploys Backstage');
    expect(() => k8sPlan(site("orion", 5), { images: { backstage: img("b") } })).toThrow(/missing vaporApi, agents.infrastructure/);
    expect(() => parseWorkloadImages({ ...images, vaporApi: "luci/vapor" })).toThrow(/no tag or digest/);
    expect(() => parseWorkloadImages({ ...images, backstage: "luci/backstage:latest" })).toThrow(/latest/);
    const p = k8sPlan(site("orion", 5), { images });
    expect(p.agentWorkloads).toEqual({ images, namespace: "orion", backstageNodePort: 30000 });
    expect(p.monitoring).toEqual({ grafanaNodePort: 30080, prometheusStorage: "50Gi" });
    expect(p.platform!.longhorn.replicaCount).toBe(3);
  });
  test("committed config has no workloadImages (no placeholder images in committed files)", () => {
    const cfg = YAML.parse(fs.readFileSync(path.join(__dirname, "../..", "Pulumi.orion.yaml"), "utf8")).config;
    expect(cfg["homelab:workloadImages"]).toBeUndefined();
    expect(cfg["homelab:phase"]).toBeLessThan(5);
  });
});
