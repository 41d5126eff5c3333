import { metallbFixedIpAnnotations, metallbL2Pool, metallbValues, rangeContains } from "../../components/k8s/render/metallb";
import {
  certManagerValues,
  ingressNginxValues,
  kubePrometheusStackValues,
  letsEncryptClusterIssuers,
  longhornRecurringJobs,
  longhornValues,
  nvidiaDevicePluginValues,
  nvidiaRuntimeClass,
} from "../../components/k8s/render/ingress";
import { CHARTS, K3S_VERSION, requirePinnedImage } from "../../components/k8s/render/versions";
import { failures } from "./validate";

describe("metallb", () => {
  const [pool, l2] = metallbL2Pool({
    name: "sector7-lan",
    ranges: ["192.168.2.200-192.168.2.220"],
    reserved: ["192.168.2.1", "192.168.2.159", "192.168.2.231"],
  });
  test("pool + L2 advertisement", () => {
    expect(pool).toMatchObject({ apiVersion: "metallb.io/v1beta1", kind: "IPAddressPool", metadata: { namespace: "metallb-system" } });
    expect(pool.spec.addresses).toEqual(["192.168.2.200-192.168.2.220"]);
    expect(l2).toMatchObject({ kind: "L2Advertisement", spec: { ipAddressPools: ["sector7-lan"] } });
  });
  test("rejects pools overlapping the gateway or nodes, and bad ranges", () => {
    expect(() => metallbL2Pool({ name: "p", ranges: ["192.168.2.1-192.168.2.10"], reserved: ["192.168.2.1"] })).toThrow(/reserved/);
    expect(() => metallbL2Pool({ name: "p", ranges: ["192.168.2.20-192.168.2.10"] })).toThrow();
    expect(() => metallbL2Pool({ name: "p", ranges: ["192.168.2.300-192.168.2.310"] })).toThrow();
  });
  test("fixed IP uses the metallb.io annotation (0.15 source), FRR off for L2", () => {
    expect(metallbFixedIpAnnotations("192.168.2.200")).toEqual({ "metallb.io/loadBalancerIPs": "192.168.2.200" });
    expect(metallbValues()).toMatchObject({ speaker: { frr: { enabled: false } } });
  });
});

describe("ingress-nginx / cert-manager", () => {
  test("controller Service asks MetalLB for 192.168.2.200 via annotation, not loadBalancerIP", () => {
    const v = ingressNginxValues({ loadBalancerIP: "192.168.2.200" }) as { controller: { service: Record<string, unknown> } };
    expect(v.controller.service.annotations).toEqual({ "metallb.io/loadBalancerIPs": "192.168.2.200" });
    expect(v.controller.service).not.toHaveProperty("loadBalancerIP");
    expect(rangeContains("192.168.2.200-192.168.2.220", "192.168.2.200")).toBe(true);
  });
  test("cert-manager installs CRDs via crds.enabled", () => {
    const v = certManagerValues() as Record<string, unknown>;
    expect(v.crds).toEqual({ enabled: true, keep: true });
    expect(v).not.toHaveProperty("installCRDs");
  });
  test("ClusterIssuers staging + prod validate against the cert-manager CRD schema", () => {
    const issuers = letsEncryptClusterIssuers({ email: "graydon@helloworlddao.com" });
    expect(issuers.map((i) => i.metadata!.name)).toEqual(["letsencrypt-staging", "letsencrypt-prod"]);
    expect(issuers[0].spec!.acme!.server).toContain("acme-staging-v02");
    expect(issuers[1].spec!.acme!.server).toBe("https://acme-v02.api.letsencrypt.org/directory");
    expect(issuers[1].spec!.acme!.solvers![0].http01!.ingress!.ingressClassName).toBe("nginx");
    expect(failures(issuers)).toEqual([]);
    expect(() => letsEncryptClusterIssuers({ email: "nope" })).toThrow();
  });
});

describe("longhorn / nvidia / monitoring", () => {
  test("longhorn values: default class, replica count, backup store key of 1.12", () => {
    const v = longhornValues({ replicaCount: 2, backupTarget: "nfs://192.168.2.10:/backups" }) as Record<string, Record<string, unknown>>;
    expect(v.persistence).toMatchObject({ defaultClass: true, defaultClassReplicaCount: 2 });
    expect(v.defaultSettings.defaultReplicaCount).toEqual({ v1: "2", v2: "2" });
    expect(v.defaultBackupStore).toEqual({ backupTarget: "nfs://192.168.2.10:/backups" });
    expect(v.defaultSettings).not.toHaveProperty("backupTarget");
    expect(() => longhornValues({ replicaCount: 0 })).toThrow();
    expect(() => longhornValues({ replicaCount: 2, backupTarget: "ftp://x" })).toThrow();
  });
  test("recurring jobs in the default group with valid tasks", () => {
    const jobs = longhornRecurringJobs();
    expect(jobs.map((j) => j.spec.task).sort()).toEqual(["backup", "filesystem-trim", "snapshot"]);
    for (const j of jobs) {
      expect(j.apiVersion).toBe("longhorn.io/v1beta2");
      expect(j.spec.groups).toEqual(["default"]);
      expect(j.spec.name).toBe(j.metadata.name);
    }
    expect(longhornRecurringJobs({ backups: false }).map((j) => j.spec.task)).not.toContain("backup");
  });
  test("nvidia device plugin: runtime class, node selector, no NFD-only affinity", () => {
    const v = nvidiaDevicePluginValues() as Record<string, unknown>;
    expect(v).toMatchObject({ runtimeClassName: "nvidia", nodeSelector: { "nvidia.com/gpu.present": "true" } });
    expect(v.affinity).toBeNull();
    expect(failures([nvidiaRuntimeClass()])).toEqual([]);
  });
  test("kube-prometheus-stack values", () => {
    const v = kubePrometheusStackValues({
      grafanaHost: "grafana.sector7.helloworlddao.com",
      grafanaAdminSecret: "grafana-admin",
      clusterIssuer: "letsencrypt-prod",
      storageClass: "longhorn",
      prometheusStorage: "50Gi",
    }) as Record<string, Record<string, unknown>>;
    expect(v.kubeEtcd).toEqual({ enabled: false });
    expect(v.grafana.admin).toEqual({ existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
    expect(JSON.stringify(v)).not.toMatch(/adminPassword/);
  });
});

describe("versions", () => {
  test("exact pins", () => {
    expect(K3S_VERSION).toMatch(/^v1\.\d+\.\d+\+k3s\d+$/);
    for (const c of Object.values(CHARTS)) expect(c.version).toMatch(/^v?\d+\.\d+\.\d+$/);
    expect(Number(CHARTS.metallb.version.split(".")[1])).toBeGreaterThanOrEqual(14);
  });
  test("requirePinnedImage", () => {
    expect(requirePinnedImage("ghcr.io/acme/agent:1.2.3")).toBe("ghcr.io/acme/agent:1.2.3");
    expect(requirePinnedImage(`registry:5000/acme/agent@sha256:${"a".repeat(64)}`)).toContain("@sha256");
    for (const bad of ["n8nio/n8n", "n8nio/n8n:latest", "registry:5000/acme/agent", "", "a b:1"]) expect(() => requirePinnedImage(bad)).toThrow();
  });
});

/**
 * The chart's default affinity (NVIDIA/k8s-device-plugin deployments/helm/nvidia-device-plugin/values.yaml:
 * a required nodeAffinity on the NFD labels feature.node.kubernetes.io/pci-10de.present and
 * cpu-model.vendor_id; newer chart versions add nvidia.com/gpu.present as a third term), and the
 * DaemonSet template renders it with `{{- with .Values.affinity }}`.
 */
const CHART_DEFAULTS = {
  nodeSelector: {},
  affinity: {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [
          { matchExpressions: [{ key: "feature.node.kubernetes.io/pci-10de.present", operator: "In", values: ["true"] }] },
          { matchExpressions: [{ key: "feature.node.kubernetes.io/cpu-model.vendor_id", operator: "In", values: ["NVIDIA"] }] },
        ],
      },
    },
  },
};

/**
 * Helm's value coalescing (helm pkg/chartutil/coalesce.go, coalesceTablesFullKey): user maps are
 * merged into the chart's key by key, a user null deletes the chart's key, anything else wins.
 */
function helmCoalesce(user: Record<string, any>, chart: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = { ...chart };
  for (const [k, v] of Object.entries(user)) {
    if (v === null) delete out[k];
    else if (v && typeof v === "object" && !Array.isArray(v) && out[k] && typeof out[k] === "object" && !Array.isArray(out[k])) out[k] = helmCoalesce(v, out[k]);
    else out[k] = v;
  }
  return out;
}

/** pulumi-kubernetes helm_release.go getValues/mergeMaps: nulls are dropped unless allowNullValues. */
function providerValues(values: Record<string, any>, allowNullValues: boolean): Record<string, any> {
  if (allowNullValues) return values;
  const strip = (v: any): any => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, strip(x)])) : v);
  return strip(values);
}

describe("nvidia-device-plugin affinity through the provider and Helm", () => {
  test("the old `affinity: {}` keeps the chart's NFD affinity (the plugin never schedules without NFD)", () => {
    expect(helmCoalesce(providerValues({ affinity: {} }, false), CHART_DEFAULTS).affinity).toEqual(CHART_DEFAULTS.affinity);
  });
  test("null without allowNullValues is dropped by the provider: the default stays", () => {
    expect(helmCoalesce(providerValues({ affinity: null }, false), CHART_DEFAULTS).affinity).toEqual(CHART_DEFAULTS.affinity);
  });
  test("our values with allowNullValues delete it and select the GPU label", () => {
    const v = helmCoalesce(providerValues(nvidiaDevicePluginValues() as Record<string, any>, true), CHART_DEFAULTS);
    expect(v.affinity).toBeUndefined();
    expect(v.nodeSelector).toEqual({ "nvidia.com/gpu.present": "true" });
  });
});
