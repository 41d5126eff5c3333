/**
 * k3s node scripts (pure string builders over components/shell and the committed
 * scripts/k3s-node.sh and scripts/k3s-prereqs.sh) and a pure kubeconfig rewrite.
 *
 * - Every flag lives in /etc/rancher/k3s/config.yaml ({@link k3sConfig}); the script rewrites it
 *   and restarts k3s when it changed, and runs the installer only for a fresh node or a new
 *   version. (The old scripts passed flags to the installer and exited "nothing to do" when the
 *   pinned version ran, so a changed --tls-san or --disable never reached the node.)
 * - The join token is never written into a script or the config file: scripts read it from the
 *   K3S_TOKEN environment variable (the Command's secret stdin).
 */
import * as path from "path";
import { parseDocument, stringify } from "yaml";
import { K3S_INSTALL_URL, K3S_VERSION, NVIDIA_CONTAINER_TOOLKIT } from "./versions";
import { readScript, shellScript } from "../../shell";

export type BundledComponent = "traefik" | "servicelb" | "local-storage" | "metrics-server" | "coredns";

export interface K3sServerScriptArgs {
  /** Address agents and kubectl use to reach the API server (IP or DNS name). */
  serverAddress: string;
  /** k3s version, default K3S_VERSION. */
  version?: string;
  /** Bundled components to disable. Default: traefik + servicelb (MetalLB + ingress-nginx replace them). */
  disable?: BundledComponent[];
  /** Extra SANs for the API server certificate (serverAddress is always included). */
  extraTlsSans?: string[];
  /** Node labels applied at registration (e.g. the GPU label on a GPU server). */
  nodeLabels?: Record<string, string>;
}

export interface K3sAgentScriptArgs {
  /** Address of the k3s server. */
  serverAddress: string;
  version?: string;
  nodeLabels?: Record<string, string>;
}

const VERSION_RE = /^v\d+\.\d+\.\d+\+k3s\d+$/;
const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6_RE = /^[0-9A-Fa-f:.]+$/;
const LABEL_KEY_RE = /^(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE_RE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function checkVersion(v: string): string {
  if (!VERSION_RE.test(v)) throw new Error(`k3s version ${JSON.stringify(v)} is not of the form vX.Y.Z+k3sN`);
  return v;
}

function checkAddress(a: string): string {
  if (a.includes(":")) {
    if (!IPV6_RE.test(a)) throw new Error(`invalid server address ${JSON.stringify(a)}`);
    return a;
  }
  if (!HOST_RE.test(a)) throw new Error(`invalid server address ${JSON.stringify(a)}`);
  return a;
}

/** host:port for a URL, bracketing IPv6 literals. */
function urlHost(a: string): string {
  return a.includes(":") ? `[${a}]` : a;
}

function labelValues(labels: Record<string, string> | undefined): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (!LABEL_KEY_RE.test(k)) throw new Error(`invalid node label key ${JSON.stringify(k)}`);
    if (!LABEL_VALUE_RE.test(v)) throw new Error(`invalid node label value ${JSON.stringify(v)}`);
    if (/(^|\.)(kubernetes\.io|k8s\.io)\//.test(k) && !k.startsWith("node.kubernetes.io/")) {
      // kubelet refuses to self-register most kubernetes.io / k8s.io labels (k3s docs, "Node Labels and Taints").
      throw new Error(`node label ${k} uses a reserved prefix; apply it with kubectl instead`);
    }
    out.push(`${k}=${v}`);
  }
  return out;
}

/** Where k3s reads its configuration at every start (k3s pkg/configfilearg/defaultparser.go: DefaultConfig). */
export const K3S_CONFIG_FILE = "/etc/rancher/k3s/config.yaml";

/**
 * The node's /etc/rancher/k3s/config.yaml. Keys are the long flag names without dashes and a
 * list repeats the flag (k3s pkg/configfilearg/parser.go, readConfigFile), so
 * `disable: [servicelb, traefik]` is `--disable servicelb --disable traefik`. Pure; keys sorted.
 */
export function k3sConfig(role: "server" | "agent", args: K3sServerScriptArgs | K3sAgentScriptArgs): string {
  const address = checkAddress(args.serverAddress);
  const cfg: Record<string, unknown> = {};
  if (role === "server") {
    const a = args as K3sServerScriptArgs;
    cfg.disable = [...new Set(a.disable ?? ["traefik", "servicelb"])].sort();
    cfg["tls-san"] = [...new Set([address, ...(a.extraTlsSans ?? []).map(checkAddress)])];
    // A string: an unquoted 0600 would be read by YAML as an octal or decimal number.
    cfg["write-kubeconfig-mode"] = "0600";
  } else {
    cfg.server = `https://${urlHost(address)}:6443`;
  }
  const labels = labelValues(args.nodeLabels);
  if (labels.length) cfg["node-label"] = labels;
  const sorted = Object.fromEntries(Object.entries(cfg).sort(([a], [b]) => a.localeCompare(b)));
  return stringify(sorted, { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" });
}

const NODE_SCRIPT = readScript(path.join(__dirname, ".."), "scripts/k3s-node.sh");
const PREREQ_SCRIPT = readScript(path.join(__dirname, ".."), "scripts/k3s-prereqs.sh");

function nodeScript(role: "server" | "agent", version: string, config: string): string {
  return shellScript({
    title: `k3s ${role} ${version}: config file, install only when the version (or an old flag-carrying unit) needs it`,
    source: "components/k8s/render/k3s.ts",
    logTag: `k3s-${role}`,
    env: { K3S_ROLE: role, K3S_PINNED_VERSION: version, K3S_INSTALL_URL: K3S_INSTALL_URL, K3S_CONFIG_FILE: K3S_CONFIG_FILE, K3S_SYSTEMD_DIR: "/etc/systemd/system", K3S_CONFIG: config },
    body: NODE_SCRIPT,
  });
}

/** Install / converge script for the k3s server (control plane + worker). */
export function k3sServerScript(args: K3sServerScriptArgs): string {
  const version = checkVersion(args.version ?? K3S_VERSION);
  return nodeScript("server", version, k3sConfig("server", args));
}

/** Join / converge script for a k3s agent (worker). */
export function k3sAgentScript(args: K3sAgentScriptArgs): string {
  const version = checkVersion(args.version ?? K3S_VERSION);
  return nodeScript("agent", version, k3sConfig("agent", args));
}

/** What a node needs on the host before k3s and the platform can use it. */
export interface NodePrerequisites {
  /** open-iscsi (iscsid running) and nfs-common for Longhorn. */
  longhorn: boolean;
  /** The NVIDIA container toolkit (GPU nodes). */
  nvidia: boolean;
}

/** Host prerequisites script of one node (see scripts/k3s-prereqs.sh). */
export function k3sPrereqScript(p: NodePrerequisites): string {
  const t = NVIDIA_CONTAINER_TOOLKIT;
  return shellScript({
    title: `k3s node prerequisites: longhorn=${p.longhorn ? 1 : 0} nvidia=${p.nvidia ? 1 : 0}`,
    source: "components/k8s/render/k3s.ts",
    logTag: "k3s-prereqs",
    env: {
      LONGHORN: p.longhorn,
      NVIDIA: p.nvidia,
      ...(p.nvidia
        ? {
            NVIDIA_TOOLKIT_VERSION: t.version,
            NVIDIA_KEY_URL: t.keyUrl,
            NVIDIA_KEY_FINGERPRINT: t.keyFingerprint,
            NVIDIA_REPO_BASE: t.repoBase,
            NVIDIA_KEYRING: t.keyring,
            NVIDIA_LIST: t.list,
          }
        : {}),
    },
    body: PREREQ_SCRIPT,
  });
}

/** Prints the admin kubeconfig with the loopback API address replaced by the server address. */
export function k3sKubeconfigScript(args: { serverAddress: string }): string {
  const host = urlHost(checkAddress(args.serverAddress));
  return [
    "#!/usr/bin/env bash",
    "# Generated by homelab components/k8s/render/k3s.ts - do not edit by hand.",
    "set -euo pipefail",
    "kubeconfig=/etc/rancher/k3s/k3s.yaml",
    "reader=(cat)",
    'if [ "$(id -u)" -ne 0 ]; then reader=(sudo -n cat); fi',
    `"\${reader[@]}" "\${kubeconfig}" | sed -e 's#https://127\\.0\\.0\\.1:6443#https://${host}:6443#g' -e 's#https://\\[::1\\]:6443#https://${host}:6443#g'`,
    "",
  ].join("\n");
}

/**
 * Pure rewrite of a k3s kubeconfig: every cluster whose server is a loopback address gets
 * `https://<serverAddress>:<port>`; optionally renames the "default" cluster/user/context.
 */
export function rewriteKubeconfig(text: string, serverAddress: string, opts: { name?: string } = {}): string {
  const host = urlHost(checkAddress(serverAddress));
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error(`kubeconfig is not valid YAML: ${doc.errors[0].message}`);
  const cfg = doc.toJS() as {
    clusters?: { name: string; cluster: { server: string } }[];
    users?: { name: string }[];
    contexts?: { name: string; context: { cluster: string; user: string } }[];
    "current-context"?: string;
  };
  if (!cfg || !Array.isArray(cfg.clusters)) throw new Error("kubeconfig has no clusters");
  let rewritten = 0;
  for (const c of cfg.clusters) {
    const m = /^https:\/\/(127\.0\.0\.1|localhost|\[::1\]):(\d+)(\/.*)?$/.exec(c.cluster?.server ?? "");
    if (m) {
      c.cluster.server = `https://${host}:${m[2]}${m[3] ?? ""}`;
      rewritten++;
    }
  }
  if (rewritten === 0) throw new Error("kubeconfig has no loopback server to rewrite");
  const rename = opts.name;
  if (rename) {
    const r = (n: string) => (n === "default" ? rename : n);
    for (const c of cfg.clusters) c.name = r(c.name);
    for (const u of cfg.users ?? []) u.name = r(u.name);
    for (const c of cfg.contexts ?? []) {
      c.name = r(c.name);
      c.context.cluster = r(c.context.cluster);
      c.context.user = r(c.context.user);
    }
    if (cfg["current-context"]) cfg["current-context"] = r(cfg["current-context"]);
  }
  return stringify(cfg);
}
