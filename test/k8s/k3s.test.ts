import { parse } from "yaml";
import { k3sAgentScript, k3sKubeconfigScript, k3sServerScript, rewriteKubeconfig } from "../../components/k8s/render/k3s";
import { K3S_VERSION } from "../../components/k8s/render/versions";
import { GPU_NODE_LABEL } from "../../components/k8s/render/ingress";

const server = k3sServerScript({ serverAddress: "192.168.2.159", nodeLabels: { [GPU_NODE_LABEL.key]: GPU_NODE_LABEL.value } });
const agent = k3sAgentScript({ serverAddress: "192.168.2.159" });

describe("k3s scripts", () => {
  test("server script pins the version and carries the flags", () => {
    expect(server).toContain(`K3S_PINNED_VERSION='${K3S_VERSION}'`);
    expect(server).toContain('INSTALL_K3S_VERSION="${K3S_PINNED_VERSION}"');
    for (const f of ["'--disable' 'servicelb'", "'--disable' 'traefik'", "'--tls-san' '192.168.2.159'", "'--write-kubeconfig-mode' '600'", "'--node-label=nvidia.com/gpu.present=true'"]) {
      expect(server.replace(/ \\\n  /g, " ")).toContain(f);
    }
    expect(server.startsWith("#!/usr/bin/env bash\n")).toBe(true);
  });
  test("agent script joins the server over 6443", () => {
    expect(agent).toContain("export K3S_URL='https://192.168.2.159:6443'");
    expect(agent).toContain("'agent'");
    expect(agent).toContain("K3S_SERVICE='k3s-agent'");
  });
  test("token is read from the environment, never inlined", () => {
    for (const s of [server, agent]) {
      expect(s).toContain('if [ -z "${K3S_TOKEN:-}" ]');
      expect(s).not.toMatch(/K3S_TOKEN=['"]?[A-Za-z0-9]/);
      expect(s).not.toMatch(/--token/);
    }
  });
  test("idempotent: exits early when the pinned version is installed and active", () => {
    expect(server).toMatch(/grep -F "k3s version \$\{K3S_PINNED_VERSION\} "/);
    expect(server).toContain("exit 0");
  });
  test("deterministic", () => {
    expect(k3sServerScript({ serverAddress: "192.168.2.159", nodeLabels: { [GPU_NODE_LABEL.key]: "true" } })).toBe(server);
  });
  test("rejects injection and reserved labels", () => {
    expect(() => k3sServerScript({ serverAddress: "1.2.3.4; rm -rf /" })).toThrow();
    expect(() => k3sServerScript({ serverAddress: "1.2.3.4", version: "latest" })).toThrow();
    expect(() => k3sAgentScript({ serverAddress: "1.2.3.4", nodeLabels: { "node-role.kubernetes.io/worker": "true" } })).toThrow();
    expect(() => k3sAgentScript({ serverAddress: "1.2.3.4", nodeLabels: { gpu: "a'b" } })).toThrow();
  });
  test("kubeconfig read-back script rewrites loopback to the server", () => {
    const s = k3sKubeconfigScript({ serverAddress: "192.168.2.159" });
    expect(s).toContain("/etc/rancher/k3s/k3s.yaml");
    expect(s).toContain("https://192.168.2.159:6443");
  });
});

const K3S_YAML = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0EK
    server: https://127.0.0.1:6443
  name: default
contexts:
- context:
    cluster: default
    user: default
  name: default
current-context: default
kind: Config
preferences: {}
users:
- name: default
  user:
    client-certificate-data: Q0VSVAo=
    client-key-data: S0VZCg==
`;

describe("rewriteKubeconfig", () => {
  test("replaces the loopback server and keeps credentials", () => {
    const out = parse(rewriteKubeconfig(K3S_YAML, "192.168.2.159"));
    expect(out.clusters[0].cluster.server).toBe("https://192.168.2.159:6443");
    expect(out.users[0].user["client-key-data"]).toBe("S0VZCg==");
    expect(out["current-context"]).toBe("default");
  });
  test("renames default entries when asked", () => {
    const out = parse(rewriteKubeconfig(K3S_YAML, "192.168.2.159", { name: "sector7" }));
    expect(out.clusters[0].name).toBe("sector7");
    expect(out.contexts[0].context).toEqual({ cluster: "sector7", user: "sector7" });
    expect(out["current-context"]).toBe("sector7");
  });
  test("IPv6 server is bracketed; non-loopback config is refused", () => {
    expect(parse(rewriteKubeconfig(K3S_YAML, "fd00::10")).clusters[0].cluster.server).toBe("https://[fd00::10]:6443");
    expect(() => rewriteKubeconfig(K3S_YAML.replace("127.0.0.1", "10.0.0.1"), "192.168.2.159")).toThrow();
  });
});
