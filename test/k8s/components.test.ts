import { RenderResult } from "../../scripts/lib/offline";
import { CHARTS, K3S_VERSION, APPFLOWY_IMAGES, APP_IMAGES, requirePinnedImage } from "../../components/k8s/render/versions";
import { APPFLOWY_SECRET_KEYS } from "../../components/k8s/render/appflowy";
import { clusterKubeconfig } from "../../components/k8s/k3sCluster";
import { failures, imagesOf } from "./validate";
import { committedInventory } from "../helpers/inventory";
import { manifestsOf, releasesOf, render, typeToGvk } from "./render";

const byType = (r: RenderResult, type: string) => r.resources.filter((x) => x.type === type);
const one = (r: RenderResult, name: string) => {
  const found = r.resources.filter((x) => x.name === name);
  expect(found).toHaveLength(1);
  return found[0];
};
/** Manifest kinds with no OpenAPI schema available here (CRDs of charts); shape-checked below. */
const NO_SCHEMA = new Set(["IPAddressPool", "L2Advertisement", "RecurringJob"]);

describe("sector7 plan (committed phase 6)", () => {
  let r: RenderResult;
  beforeAll(async () => {
    r = await render("sector7");
  }, 60000);

  test("adopted cluster: no k3s install, no token; prerequisites on both nodes; kubeconfig read from aurora", () => {
    // Seed 003 phase 1 keeps the running cluster: nothing may install k3s or create a join token.
    expect(r.resources.filter((x) => /^sector7-k3s-(server|agent)-/.test(x.name) || x.name === "sector7-k3s-token")).toEqual([]);
    expect(byType(r, "random:index/randomPassword:RandomPassword").filter((x) => x.name.includes("k3s"))).toEqual([]);
    const aurora = one(r, "sector7-k3s-prereqs-aurora");
    const optiplex = one(r, "sector7-k3s-prereqs-optiplex");
    expect(aurora.props.connection).toMatchObject({ host: "192.168.2.159" });
    expect(aurora.inputs.create).toContain("LONGHORN=1");
    expect(aurora.inputs.create).toContain("NVIDIA=1");
    expect(optiplex.inputs.create).toContain("LONGHORN=1");
    expect(optiplex.inputs.create).toContain("NVIDIA=0");
    const read = one(r, "sector7-k3s-kubeconfig");
    expect(read.props.connection).toMatchObject({ host: "192.168.2.159" });
    expect(read.dependencies).toContain(aurora.urn);
    const provider = one(r, "sector7-k3s-k8s");
    expect(provider.inputs).toMatchObject({ kubeconfig: "[secret]", clusterIdentifier: "k3s/sector7/192.168.2.159" });
    expect(provider.dependencies).toEqual(expect.arrayContaining([read.urn, optiplex.urn]));
  });

  test("kubeconfig is re-read on every run (a new trigger each render) under a fixed cluster identity", async () => {
    const read = one(r, "sector7-k3s-kubeconfig");
    expect(read.inputs.environment).toBeUndefined();
    expect(read.inputs.stdin).toBeUndefined();
    const [first] = read.inputs.triggers as string[];
    await new Promise((res) => setTimeout(res, 5));
    const again = await render("sector7", { phase: 6 });
    const [second] = one(again, "sector7-k3s-kubeconfig").inputs.triggers as string[];
    // Before: triggers = [version, install script hash], equal across runs, so a renewed client
    // certificate was never read again. Now every run replaces the read (not the provider).
    expect(second).not.toBe(first);
    expect(one(again, "sector7-k3s-k8s").inputs.clusterIdentifier).toBe(one(r, "sector7-k3s-k8s").inputs.clusterIdentifier);
  }, 60000);

  test("adopted releases keep the seed's name and namespace; the others are installed", () => {
    const rel = Object.fromEntries(releasesOf(r.resources).map((x) => [x.chart, x]));
    expect(rel["cert-manager"]).toMatchObject({ name: "cert-manager", namespace: "cert-manager" });
    expect(rel["ingress-nginx"]).toMatchObject({ name: "ingress-nginx", namespace: "ingress-nginx" });
  });

  test("without adopt (a fresh site): k3s installed with its config file, token only in the secret stdin", async () => {
    const inv = committedInventory("sector7");
    delete inv.kubernetes.adopt;
    const f = await render("sector7", { config: { "homelab:inventory": JSON.stringify(inv) } });
    const server = one(f, "sector7-k3s-server-aurora");
    const agent = one(f, "sector7-k3s-agent-optiplex");
    expect(server.props.connection).toMatchObject({ host: "192.168.2.159" });
    expect(agent.props.connection).toMatchObject({ host: "192.168.2.231" });
    expect(server.inputs.create).toContain(`K3S_PINNED_VERSION=${K3S_VERSION}`);
    expect(server.inputs.create).toContain('- "nvidia.com/gpu.present=true"');
    expect(agent.inputs.create).toContain('server: "https://192.168.2.159:6443"');
    expect(agent.inputs.create).not.toContain("nvidia.com/gpu.present");
    expect(server.dependencies).toContain(one(f, "sector7-k3s-prereqs-aurora").urn);
    expect(agent.dependencies).toEqual(expect.arrayContaining([server.urn, one(f, "sector7-k3s-prereqs-optiplex").urn]));
    const token = one(f, "sector7-k3s-token");
    for (const cmd of [server, agent]) {
      expect(cmd.inputs.create).toContain("# secrets (K3S_TOKEN) arrive on stdin");
      expect(cmd.inputs.create).toContain('sudo -n --preserve-env=K3S_TOKEN bash "$script" </dev/null');
      expect(cmd.inputs.stdin).toBe("[secret]");
      expect(cmd.inputs.environment).toBeUndefined();
      const stdin = String(cmd.props.stdin);
      expect(stdin).toMatch(/^K3S_TOKEN=[A-Za-z0-9+/=]+\n$/);
      const tokenValue = Buffer.from(stdin.slice("K3S_TOKEN=".length).trim(), "base64").toString("utf8");
      expect(tokenValue).toMatch(/^mock-/);
      const { stdin: _s, ...rest } = cmd.props;
      expect(JSON.stringify(rest)).not.toContain(tokenValue);
      expect(cmd.dependencies).toContain(token.urn);
    }
    expect(server.inputs.triggers).toEqual([expect.stringMatching(/^[0-9a-f]{64}$/), K3S_VERSION]);
    expect(one(f, "sector7-k3s-kubeconfig").dependencies).toContain(server.urn);
    expect(f.resources.filter((x) => x.type === "command:remote:Command" && /acceptenv/i.test(x.name))).toEqual([]);
  }, 60000);

  test("MetalLB pool + L2 advertisement after the chart; ingress-nginx asks for 192.168.2.200", () => {
    const pool = one(r, "sector7-platform-metallb-ipaddresspool-sector7-pool");
    const l2 = one(r, "sector7-platform-metallb-l2advertisement-sector7-pool");
    const metallb = one(r, "sector7-platform-metallb");
    expect(pool.inputs).toMatchObject({ apiVersion: "metallb.io/v1beta1", kind: "IPAddressPool", spec: { addresses: ["192.168.2.200-192.168.2.220"] } });
    expect(l2.inputs).toMatchObject({ kind: "L2Advertisement", spec: { ipAddressPools: ["sector7-pool"] } });
    expect(pool.dependencies).toContain(metallb.urn);
    expect(l2.dependencies).toContain(metallb.urn);
    const nginx = one(r, "sector7-platform-ingress-nginx");
    expect((nginx.inputs.values as any).controller.service.annotations).toEqual({ "metallb.io/loadBalancerIPs": "192.168.2.200", "metallb.io/address-pool": "sector7-pool" });
    expect(nginx.dependencies).toEqual(expect.arrayContaining([pool.urn, l2.urn]));
    expect(r.outputs.ingressAddress).toBe("192.168.2.200");
  });

  test("charts are pinned, await readiness and carry the key values", () => {
    const rel = Object.fromEntries(releasesOf(r.resources).map((x) => [x.chart, x]));
    const expectPinned = (key: keyof typeof CHARTS) => {
      const pin = CHARTS[key];
      expect(rel[pin.chart]).toMatchObject({ chart: pin.chart, version: pin.version, repositoryOpts: { repo: pin.repo }, skipAwait: false, atomic: true });
      return rel[pin.chart];
    };
    expect(expectPinned("metallb").values).toMatchObject({ speaker: { frr: { enabled: false } }, crds: { enabled: true } });
    expect(expectPinned("ingressNginx").values).toMatchObject({ controller: { service: { type: "LoadBalancer" }, ingressClassResource: { name: "nginx", default: true } } });
    expect(expectPinned("certManager").values).toMatchObject({ crds: { enabled: true } });
    expect(expectPinned("longhorn").values).toMatchObject({ persistence: { defaultClass: true, defaultClassReplicaCount: 2 } });
    const nvidia = expectPinned("nvidiaDevicePlugin");
    expect(nvidia.values).toMatchObject({ runtimeClassName: "nvidia", nodeSelector: { "nvidia.com/gpu.present": "true" }, affinity: null });
    // Without allowNullValues the provider strips the null before Helm sees it (helm_release.go excludeNulls).
    expect(nvidia.allowNullValues).toBe(true);
    const kps = expectPinned("kubePrometheusStack");
    expect(kps.values).toMatchObject({
      grafana: { admin: { existingSecret: "grafana-admin" }, ingress: { hosts: ["grafana.sector7.helloworlddao.com"] } },
      prometheus: { prometheusSpec: { storageSpec: { volumeClaimTemplate: { spec: { storageClassName: "longhorn", resources: { requests: { storage: "45Gi" } } } } } } },
    });
    expect(Object.keys(rel).sort()).toEqual(["cert-manager", "ingress-nginx", "kube-prometheus-stack", "longhorn", "metallb", "nvidia-device-plugin"]);
  });

  test("ClusterIssuers staging + prod with http01 on nginx, after cert-manager", () => {
    const cm = one(r, "sector7-platform-cert-manager");
    for (const env of ["staging", "prod"]) {
      const i = one(r, `sector7-platform-issuer-clusterissuer-letsencrypt-${env}`);
      expect(i.type).toBe("kubernetes:cert-manager.io/v1:ClusterIssuer");
      expect((i.inputs.spec as any).acme.solvers).toEqual([{ http01: { ingress: { ingressClassName: "nginx" } } }]);
      expect(i.dependencies).toContain(cm.urn);
    }
  });

  test("Longhorn recurring jobs from inventory backup.longhorn (snapshots without a backup target)", () => {
    const jobs = byType(r, "kubernetes:longhorn.io/v1beta2:RecurringJob").map((j) => j.inputs.spec as any);
    expect(jobs.map((j) => j.name).sort()).toEqual(["appflowy-snapshot", "grafana-snapshot", "heimdall-snapshot", "n8n-snapshot", "nocodb-snapshot", "postgres-snapshot"]);
    expect(jobs.find((j) => j.name === "postgres-snapshot")).toMatchObject({ cron: "0 2 * * *", retain: 30, groups: ["postgres"], task: "snapshot" });
    expect(jobs.find((j) => j.name === "grafana-snapshot")).toMatchObject({ groups: ["default"] });
    const pvcs = manifestsOf(r.resources).filter((m) => m.kind === "PersistentVolumeClaim");
    for (const p of pvcs) expect(p.metadata.labels["recurring-job.longhorn.io/source"]).toBe("enabled");
  });

  test("with homelab:longhornBackupTarget the jobs back up", async () => {
    const b = await render("sector7", { config: { "homelab:longhornBackupTarget": "nfs://192.168.2.106:/backups" } });
    const jobs = byType(b, "kubernetes:longhorn.io/v1beta2:RecurringJob").map((j) => j.inputs.spec as any);
    expect(jobs.every((j) => j.task === "backup")).toBe(true);
    expect(one(b, "sector7-platform-longhorn").inputs.values).toMatchObject({ defaultBackupStore: { backupTarget: "nfs://192.168.2.106:/backups" } });
  }, 60000);

  test("AppFlowy: pinned images, 50Gi Postgres + 50Gi MinIO, one secret wired to every consumer", () => {
    const objs = manifestsOf(r.resources, true).filter((m) => m.metadata?.namespace === "appflowy");
    const sts = Object.fromEntries(objs.filter((o) => o.kind === "StatefulSet").map((o) => [o.metadata.name, o]));
    expect(sts["appflowy-postgres"].spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("50Gi");
    expect(sts["appflowy-minio"].spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("50Gi");
    const images = imagesOf(objs);
    expect(images.sort()).toEqual(Object.values(APPFLOWY_IMAGES).sort());
    const secret = one(r, "sector7-apps-appflowy-secret");
    expect(secret.inputs.stringData).toBe("[secret]");
    const data = secret.props.stringData as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(Object.values(APPFLOWY_SECRET_KEYS).sort());
    expect(data.GOTRUE_DATABASE_URL).toBe(`postgres://postgres:${encodeURIComponent(data.POSTGRES_PASSWORD)}@appflowy-postgres:5432/postgres?search_path=auth`);
    // every JWT verifier reads the same key of the same secret
    const jwtRefs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object") {
        const o = v as Record<string, any>;
        if (o.secretKeyRef?.key === "GOTRUE_JWT_SECRET") jwtRefs.push(o.secretKeyRef.name);
        Object.values(o).forEach(walk);
      }
    };
    walk(objs);
    expect(jwtRefs).toEqual(["appflowy-secrets", "appflowy-secrets", "appflowy-secrets"]); // gotrue, cloud, search
    const deployments = objs.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name).sort();
    expect(deployments).toEqual(["appflowy-admin-frontend", "appflowy-cloud", "appflowy-gotrue", "appflowy-redis", "appflowy-search", "appflowy-web", "appflowy-worker"]);
    expect(r.outputs.credentials).toMatchObject({ appflowy: { user: "admin@sector7.helloworlddao.com" } });
  });

  test("sector7 apps: n8n on the GPU, NocoDB on the shared Postgres, heimdall at the apex", () => {
    const objs = manifestsOf(r.resources, true);
    const n8n = objs.find((o) => o.kind === "Deployment" && o.metadata.name === "n8n")!;
    expect(n8n.spec.template.spec).toMatchObject({ runtimeClassName: "nvidia", nodeSelector: { "nvidia.com/gpu.present": "true" } });
    expect(n8n.spec.template.spec.containers[0].resources.limits["nvidia.com/gpu"]).toBe("1");
    const nocodbSecret = one(r, "sector7-apps-nocodb-secret");
    const pgSecret = one(r, "sector7-apps-postgres-secret");
    const pgPassword = (pgSecret.props.stringData as any).POSTGRES_PASSWORD as string;
    expect((nocodbSecret.props.stringData as any).NC_DB).toBe(`pg://postgres.postgres.svc.cluster.local:5432?u=postgres&p=${encodeURIComponent(pgPassword)}&d=nocodb`);
    const pg = objs.find((o) => o.kind === "StatefulSet" && o.metadata.name === "postgres")!;
    expect(pg.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("100Gi");
    const heimdall = objs.find((o) => o.kind === "Ingress" && o.metadata.name === "heimdall")!;
    expect(heimdall.spec.rules[0].host).toBe("sector7.helloworlddao.com");
    for (const img of imagesOf(objs)) expect(requirePinnedImage(img)).toBe(img);
    expect(imagesOf(objs)).toEqual(expect.arrayContaining(Object.values(APP_IMAGES)));
  });

  test("DNS records: every public name → 192.168.2.200", () => {
    expect(r.outputs.dnsRecords).toEqual([
      { name: "appflowy.sector7.helloworlddao.com", address: "192.168.2.200", service: "appflowy" },
      { name: "grafana.sector7.helloworlddao.com", address: "192.168.2.200", service: "grafana" },
      { name: "n8n.sector7.helloworlddao.com", address: "192.168.2.200", service: "n8n" },
      { name: "nocodb.sector7.helloworlddao.com", address: "192.168.2.200", service: "nocodb" },
      { name: "sector7.helloworlddao.com", address: "192.168.2.200", service: "heimdall" },
    ]);
  });

  test("no secret value in any input: mock RandomPassword values never appear", () => {
    const text = JSON.stringify(r.resources.map((x) => x.inputs));
    expect(text).not.toMatch(/mock-[0-9a-f]{8}/);
    for (const s of byType(r, "kubernetes:core/v1:Secret")) expect(s.inputs.stringData).toBe("[secret]");
  });

  test("every rendered Kubernetes object validates against the OpenAPI schema / cert-manager CRDs", () => {
    const objs = manifestsOf(r.resources, true);
    const checked = objs.filter((o) => !NO_SCHEMA.has(o.kind));
    expect(checked.length).toBeGreaterThan(45);
    expect(new Set(checked.map((o) => o.kind))).toEqual(new Set(["Namespace", "Secret", "Service", "PersistentVolumeClaim", "Deployment", "StatefulSet", "Ingress", "ClusterIssuer"]));
    expect(failures(checked)).toEqual([]);
  });
});

describe("phases", () => {
  test("sector7 at phase 2: cluster + MetalLB/ingress/cert-manager/Longhorn, no NVIDIA, no apps", async () => {
    const r = await render("sector7", { phase: 2 });
    const charts = releasesOf(r.resources).map((x) => x.chart).sort();
    expect(charts).toEqual(["cert-manager", "ingress-nginx", "longhorn", "metallb"]);
    expect(r.resources.some((x) => x.type === "homelab:k8s:SiteApps")).toBe(true);
    expect(r.resources.filter((x) => x.type === "kubernetes:apps/v1:Deployment")).toEqual([]);
    expect(r.outputs.dnsRecords).toEqual([]);
  }, 60000);

  test("sector7 at phase 1: no cluster at all", async () => {
    const r = await render("sector7", { phase: 1 });
    expect(r.resources.filter((x) => x.custom)).toEqual([]);
  }, 60000);

  test("sector7 at phase 3 adds the NVIDIA device plugin only", async () => {
    const r = await render("sector7", { phase: 3 });
    expect(releasesOf(r.resources).map((x) => x.chart)).toContain("nvidia-device-plugin");
    expect(r.resources.filter((x) => x.type === "kubernetes:apps/v1:Deployment")).toEqual([]);
  }, 60000);
});

describe("orion", () => {
  test("committed phase 2: VMs 600-603 and a k3s cluster over them, no workloads", async () => {
    const r = await render("orion");
    const vms = Object.fromEntries(byType(r, "proxmoxve:index/vmLegacy:VmLegacy").map((v) => [v.inputs.vmId, v]));
    for (const id of [600, 601, 602, 603]) expect(vms[id]).toBeDefined();
    const server = one(r, "orion-k3s-server-k3s-master");
    expect(server.props.connection).toMatchObject({ host: "192.168.100.60", user: "debian" });
    const prereq = one(r, "orion-k3s-prereqs-k3s-master");
    expect(prereq.dependencies).toContain(vms[600].urn);
    expect(prereq.inputs.create).toContain("LONGHORN=1");
    expect(server.dependencies).toContain(prereq.urn);
    for (const [i, id] of [[1, 601], [2, 602], [3, 603]] as const) {
      const agent = one(r, `orion-k3s-agent-k3s-worker-${i}`);
      expect(agent.props.connection).toMatchObject({ host: `192.168.100.6${i}` });
      expect(agent.dependencies).toEqual(expect.arrayContaining([one(r, `orion-k3s-prereqs-k3s-worker-${i}`).urn, server.urn]));
      expect(one(r, `orion-k3s-prereqs-k3s-worker-${i}`).dependencies).toContain(vms[id].urn);
      expect(agent.inputs.environment).toBeUndefined();
      expect(agent.inputs.stdin).toBe("[secret]");
      expect(agent.inputs.create).toContain('sudo -n --preserve-env=K3S_TOKEN bash "$script" </dev/null');
    }
    expect(one(r, "orion-k3s-k8s").inputs).toMatchObject({ clusterIdentifier: "k3s/orion/192.168.100.60" });
    expect(releasesOf(r.resources)).toEqual([]);
    expect(JSON.stringify(r.resources.map((x) => x.inputs))).not.toMatch(/mock-[0-9a-f]{8}/);
  }, 60000);

  test("phase 5 with pinned images: Longhorn, kube-prometheus-stack, Backstage, Vapor API, four agents", async () => {
    const img = (n: string) => `registry.test.invalid/luci/${n}:0.0.1-test`;
    const images = { backstage: img("backstage"), vaporApi: img("vapor"), agents: { infrastructure: img("a1"), network: img("a2"), security: img("a3"), devops: img("a4") } };
    const r = await render("orion", { phase: 5, config: { "homelab:workloadImages": JSON.stringify(images) } });
    expect(releasesOf(r.resources).map((x) => x.chart).sort()).toEqual(["kube-prometheus-stack", "longhorn"]);
    const objs = manifestsOf(r.resources, true);
    const deps = objs.filter((o) => o.kind === "Deployment").map((o) => o.metadata.name).sort();
    expect(deps).toEqual(["backstage", "devops-agent", "infrastructure-agent", "network-agent", "security-agent", "vapor-api"]);
    expect(imagesOf(objs).sort()).toEqual([img("a1"), img("a2"), img("a3"), img("a4"), img("backstage"), img("vapor")].sort());
    const backstage = objs.find((o) => o.kind === "Service" && o.metadata.name === "backstage")!;
    expect(backstage.spec).toMatchObject({ type: "NodePort", ports: [{ nodePort: 30000 }] });
    expect(failures(objs.filter((o) => !NO_SCHEMA.has(o.kind)))).toEqual([]);
  }, 60000);

});

describe("helpers", () => {
  test("type token → apiVersion/kind", () => {
    expect(typeToGvk("kubernetes:apps/v1:Deployment")).toEqual({ apiVersion: "apps/v1", kind: "Deployment" });
    expect(typeToGvk("kubernetes:core/v1:Service")).toEqual({ apiVersion: "v1", kind: "Service" });
    expect(typeToGvk("kubernetes:cert-manager.io/v1:ClusterIssuer")).toEqual({ apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer" });
  });

  test("clusterKubeconfig rewrites loopback and never returns an empty kubeconfig", () => {
    const k3s = "apiVersion: v1\nclusters:\n- cluster:\n    server: https://127.0.0.1:6443\n  name: default\ncontexts:\n- context:\n    cluster: default\n    user: default\n  name: default\ncurrent-context: default\nusers:\n- name: default\n  user: {}\n";
    expect(clusterKubeconfig(k3s, "192.168.2.159", "sector7")).toContain("server: https://192.168.2.159:6443");
    expect(clusterKubeconfig(k3s, "192.168.2.159", "sector7")).toContain("current-context: sector7");
    expect(clusterKubeconfig("", "192.168.2.159", "sector7")).toContain("https://192.168.2.159:6443");
  });
});
