import { parse } from "yaml";
import { K3S_CONFIG_FILE, k3sAgentScript, k3sKubeconfigScript, k3sPrereqScript, k3sServerScript, rewriteKubeconfig } from "../../components/k8s/render/k3s";
import { K3S_VERSION, NVIDIA_CONTAINER_TOOLKIT } from "../../components/k8s/render/versions";
import { GPU_NODE_LABEL } from "../../components/k8s/render/ingress";
import { ENSURE_CURL } from "../../components/remote/packages";

const server = k3sServerScript({ serverAddress: "192.168.2.159", nodeLabels: { [GPU_NODE_LABEL.key]: GPU_NODE_LABEL.value } });
const agent = k3sAgentScript({ serverAddress: "192.168.2.159" });

/** The YAML the script puts into /etc/rancher/k3s/config.yaml (its K3S_CONFIG assignment, shell-unquoted). */
function configOf(script: string): any {
  const m = /^K3S_CONFIG='([^']*)'$/m.exec(script.replace(/'\\''/g, "\u0000"));
  if (!m) throw new Error("no K3S_CONFIG assignment");
  return parse(m[1].replace(/\u0000/g, "'"));
}

describe("k3s scripts: flags in /etc/rancher/k3s/config.yaml", () => {
  test("server config carries the flags as k3s config keys (long flag names; lists repeat the flag)", () => {
    // k3s pkg/configfilearg/parser.go (readConfigFile): key -> --key, a list -> the flag once per item;
    // defaultparser.go: DefaultConfig /etc/rancher/k3s/config.yaml.
    expect(K3S_CONFIG_FILE).toBe("/etc/rancher/k3s/config.yaml");
    expect(configOf(server)).toEqual({
      disable: ["servicelb", "traefik"],
      "node-label": ["nvidia.com/gpu.present=true"],
      "tls-san": ["192.168.2.159"],
      "write-kubeconfig-mode": "0600",
    });
    expect(server).toContain(`K3S_PINNED_VERSION=${K3S_VERSION.replace("+", "+")}`);
    expect(server).toContain("K3S_ROLE=server");
    expect(server.startsWith("#!/usr/bin/env bash\n")).toBe(true);
  });
  test("curl is guarded like every downloading script (components/remote/packages.ts ENSURE_CURL)", () => {
    expect(server.indexOf(ENSURE_CURL)).toBeGreaterThan(0);
    expect(server.indexOf(ENSURE_CURL)).toBeLessThan(server.indexOf("curl -sfL"));
  });
  test("no flag reaches the installer: it gets the role only", () => {
    expect(server).toContain('INSTALL_K3S_VERSION="$K3S_PINNED_VERSION" INSTALL_K3S_FORCE_RESTART=true sh "$installer" "$K3S_ROLE"');
    expect(server).not.toMatch(/--tls-san|--disable|--node-label/);
  });
  test("a changed flag changes only the config text, and the script restarts k3s on a changed config", () => {
    const more = k3sServerScript({ serverAddress: "192.168.2.159", extraTlsSans: ["k3s.example.org"], disable: ["traefik"] });
    expect(configOf(more)).toMatchObject({ "tls-san": ["192.168.2.159", "k3s.example.org"], disable: ["traefik"] });
    expect(server).toMatch(/if changed; then\n\s+log "\$K3S_CONFIG_FILE changed: restarting \$service"\n\s+systemctl restart "\$service"/);
    // The old script exited before looking at its flags whenever the pinned version ran.
    expect(server).not.toContain("exit 0");
  });
  test("agent config names the server; no K3S_URL export needed", () => {
    expect(configOf(agent)).toEqual({ server: "https://192.168.2.159:6443" });
    expect(configOf(k3sAgentScript({ serverAddress: "fd00::10", nodeLabels: { "homelab/role": "worker" } }))).toEqual({
      "node-label": ["homelab/role=worker"],
      server: "https://[fd00::10]:6443",
    });
    expect(agent).toContain("K3S_ROLE=agent");
  });
  test("token is read from the environment, never inlined or written to the config", () => {
    for (const s of [server, agent]) {
      expect(s).toContain('if [ -z "${K3S_TOKEN:-}" ]');
      expect(s).not.toMatch(/K3S_TOKEN=['"]?[A-Za-z0-9]/);
      expect(s).not.toMatch(/--token/);
      expect(Object.keys(configOf(s))).not.toContain("token");
    }
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

describe("host prerequisites", () => {
  const longhornOnly = k3sPrereqScript({ longhorn: true, nvidia: false });
  const gpu = k3sPrereqScript({ longhorn: true, nvidia: true });
  test("Longhorn nodes get open-iscsi (iscsid running) and nfs-common", () => {
    // Longhorn's node requirements (longhorn/longhorn v1.12.1 docs, "Installation Requirements"):
    // open-iscsi with iscsid running on every node; an NFSv4 client for RWX volumes and NFS backup targets.
    expect(longhornOnly).toContain("LONGHORN=1");
    expect(longhornOnly).toContain("ensure_packages open-iscsi nfs-common");
    expect(longhornOnly).toContain("systemctl enable --now iscsid");
    expect(longhornOnly).toContain("NVIDIA=0");
    expect(longhornOnly).not.toContain("NVIDIA_TOOLKIT_VERSION=");
  });
  test("GPU nodes get the pinned NVIDIA toolkit from the key-checked repository and restart k3s after it", () => {
    const t = NVIDIA_CONTAINER_TOOLKIT;
    expect(gpu).toContain(`NVIDIA_TOOLKIT_VERSION=${t.version}`);
    expect(gpu).toContain(`NVIDIA_KEY_FINGERPRINT=${t.keyFingerprint}`);
    expect(t.keyFingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(t.keyFingerprint.endsWith("DDCAE044F796ECB0")).toBe(true);
    for (const p of ["nvidia-container-toolkit", "nvidia-container-toolkit-base", "libnvidia-container-tools", "libnvidia-container1"]) {
      expect(gpu).toContain(`"${p}=$NVIDIA_TOOLKIT_VERSION"`);
    }
    expect(gpu).toContain('deb [signed-by=$NVIDIA_KEYRING] $NVIDIA_REPO_BASE/$(dpkg --print-architecture) /');
    // k3s pkg/agent/containerd/nvidia.go: nvidia-container-runtime is looked up on PATH at start.
    expect(gpu).toMatch(/for service in k3s k3s-agent; do[\s\S]*systemctl restart "\$service"/);
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
