/**
 * A k3s cluster installed over SSH on machines that already exist (sector7's bare metal) or
 * on VMs this program creates (orion's VmService guests), plus a `@pulumi/kubernetes`
 * Provider for everything deployed into it.
 *
 * Secrets: the cluster token is a RandomPassword and reaches the hosts ONLY on the install
 * Commands' secret `stdin` (K3S_TOKEN, see components/remote/script.ts) — never in the script
 * text, the command line or `environment` (sshd drops unlisted setenv variables, and the stock
 * sshd of sector7's bare-metal hosts would leave the scripts without a token: exit 64). The
 * install runs as root: directly for a root SSH user, else via `sudo -n --preserve-env=K3S_TOKEN`.
 * Flags live in /etc/rancher/k3s/config.yaml (render/k3s.ts), so a changed flag restarts k3s.
 * Host prerequisites (Longhorn's open-iscsi/nfs-common, the NVIDIA toolkit) run before k3s.
 * An adopted cluster (`kubernetes.adopt`) gets the prerequisites and the kubeconfig read only.
 * The kubeconfig is read back on every `up`, rewritten to the server address, and kept as a secret.
 */
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { K3S_VERSION } from "./render/versions";
import { BundledComponent, k3sAgentScript, k3sPrereqScript, k3sServerScript, NodePrerequisites, rewriteKubeconfig } from "./render/k3s";
import { remoteScript } from "../remote/script";

/** How the program reaches the nodes over SSH. */
export interface SshConnection {
  /** Login user; must be root or have passwordless sudo. */
  user: string;
  /** SSH port. Default 22. */
  port?: number;
  /** Private key (secret). Absent: the provider's default authentication at `up` time. */
  privateKey?: pulumi.Input<string>;
}

/** One node of the cluster. */
export interface K3sNode {
  /** Node / resource name (DNS label). */
  name: string;
  /** Address the program connects to over SSH (also the API address for the server). */
  address: string;
  /** Node labels applied at registration (e.g. the GPU label). */
  labels?: Record<string, string>;
  /** Resources that must exist before the install runs (e.g. the node's VmService). */
  dependsOn?: pulumi.Resource[];
  /** Host packages to install first. Default none. */
  prerequisites?: NodePrerequisites;
}

/** Arguments of {@link K3sCluster}. */
export interface K3sClusterArgs {
  /** Cluster name: used for the kubeconfig context and the provider's cluster identity. */
  clusterName: string;
  /** The k3s server (control plane; also schedules workloads). */
  server: K3sNode;
  /** k3s agents. Default none. */
  agents?: K3sNode[];
  /** SSH connection settings shared by every node. */
  connection: SshConnection;
  /** k3s version. Default K3S_VERSION (pinned). */
  version?: string;
  /** Bundled components to disable. Default traefik + servicelb. */
  disable?: BundledComponent[];
  /** Extra API certificate SANs. */
  extraTlsSans?: string[];
  /** The cluster runs already (kubernetes.adopt): no install, no token; prerequisites and the kubeconfig read only. */
  adopt?: boolean;
  /** Trigger of the kubeconfig read. Default {@link everyRun} (a new read on every `up`). */
  readTrigger?: string;
}

/** Name of the join token's variable in the install scripts' environment. */
export const K3S_TOKEN_ENV = "K3S_TOKEN";
/** Prints the k3s admin kubeconfig (unrewritten; the program rewrites it). */
export const READ_KUBECONFIG =
  'if [ "$(id -u)" -eq 0 ]; then cat /etc/rancher/k3s/k3s.yaml; else sudo -n cat /etc/rancher/k3s/k3s.yaml; fi';

/**
 * The kubeconfig the Provider gets. An empty read (only possible under the offline mocks)
 * yields a credential-less kubeconfig for the server, never "" — an empty kubeconfig would
 * make the Kubernetes provider fall back to the operator's ambient ~/.kube/config.
 */
export function clusterKubeconfig(stdout: string, serverAddress: string, clusterName: string): string {
  if (stdout.trim() === "") {
    const host = serverAddress.includes(":") ? `[${serverAddress}]` : serverAddress;
    return [
      "apiVersion: v1",
      "kind: Config",
      `clusters: [{name: ${clusterName}, cluster: {server: "https://${host}:6443"}}]`,
      `users: [{name: ${clusterName}, user: {}}]`,
      `contexts: [{name: ${clusterName}, context: {cluster: ${clusterName}, user: ${clusterName}}}]`,
      `current-context: ${clusterName}`,
      "",
    ].join("\n");
  }
  return rewriteKubeconfig(stdout, serverAddress, { name: clusterName });
}

/**
 * The kubeconfig read's trigger: a new value on every program run, so the Command is replaced and
 * the file read again on every `up` (k3s client certificates last 365 days and k3s renews them on
 * a restart near expiry; a read that only followed the install inputs would keep serving the
 * expired one). The provider is not replaced by a new read: see `clusterIdentifier` below.
 */
export function everyRun(): string {
  return new Date().toISOString();
}

/** A k3s cluster over SSH (installed, or adopted as it runs) and the Kubernetes provider for it. */
export class K3sCluster extends pulumi.ComponentResource {
  /** Provider for every Kubernetes resource of this cluster. */
  public readonly provider: k8s.Provider;
  /** Admin kubeconfig with the server address (secret). */
  public readonly kubeconfig: pulumi.Output<string>;
  /** API server address. */
  public readonly serverAddress: string;
  /** Install commands, by node name (none for an adopted cluster). */
  public readonly installs: Record<string, command.remote.Command> = {};
  /** Host prerequisite commands, by node name. */
  public readonly prerequisites: Record<string, command.remote.Command> = {};

  constructor(name: string, args: K3sClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:k8s:K3sCluster", name, {}, opts);
    const version = args.version ?? K3S_VERSION;
    const server = args.server;
    const agents = args.agents ?? [];
    const names = [server.name, ...agents.map((a) => a.name)];
    if (new Set(names).size !== names.length) throw new Error(`K3sCluster ${name}: duplicate node names ${names.join(", ")}`);
    this.serverAddress = server.address;

    const connection = (address: string): command.types.input.remote.ConnectionArgs => ({
      host: address,
      user: args.connection.user,
      ...(args.connection.port ? { port: args.connection.port } : {}),
      ...(args.connection.privateKey ? { privateKey: pulumi.secret(args.connection.privateKey) } : {}),
    });

    // Host prerequisites on every node, installed or adopted (Longhorn's iscsid, the NVIDIA toolkit).
    const prereq = (n: K3sNode): pulumi.Resource[] => {
      if (!n.prerequisites || (!n.prerequisites.longhorn && !n.prerequisites.nvidia)) return n.dependsOn ?? [];
      const cmd = remoteScript(
        `${name}-prereqs-${n.name}`,
        { connection: connection(n.address), script: k3sPrereqScript(n.prerequisites), sudo: true },
        { parent: this, dependsOn: n.dependsOn },
      );
      this.prerequisites[n.name] = cmd;
      return [cmd];
    };
    const serverReady = prereq(server);
    const agentReady = agents.map(prereq);

    let serverInstall: pulumi.Resource[] = [];
    let agentInstalls: pulumi.Resource[] = [];
    if (args.adopt) {
      // Adopted: the cluster keeps its binary, flags and token; nothing here installs or restarts k3s.
      agentInstalls = agentReady.flat();
      serverInstall = serverReady;
    } else {
      // Protected: a new token would stop agents from (re)joining the running cluster.
      const token = new random.RandomPassword(`${name}-token`, { length: 48, special: false }, { parent: this, protect: true });
      const secretToken = pulumi.secret(token.result);
      const serverScript = k3sServerScript({
        serverAddress: server.address,
        version,
        disable: args.disable,
        extraTlsSans: args.extraTlsSans,
        nodeLabels: server.labels,
      });
      // create = wrapScript(script, ["K3S_TOKEN"], { sudo: true }); the token only in the secret stdin.
      const install = remoteScript(
        `${name}-server-${server.name}`,
        { connection: connection(server.address), script: serverScript, secrets: { [K3S_TOKEN_ENV]: secretToken }, sudo: true, triggers: [version] },
        { parent: this, dependsOn: serverReady },
      );
      this.installs[server.name] = install;
      serverInstall = [install];
      agentInstalls = agents.map((a, i) => {
        const cmd = remoteScript(
          `${name}-agent-${a.name}`,
          {
            connection: connection(a.address),
            script: k3sAgentScript({ serverAddress: server.address, version, nodeLabels: a.labels }),
            secrets: { [K3S_TOKEN_ENV]: secretToken },
            sudo: true,
            triggers: [version, server.address],
          },
          { parent: this, dependsOn: [install, ...agentReady[i]] },
        );
        this.installs[a.name] = cmd;
        return cmd;
      });
    }

    // Read on every run (everyRun), from the server node, installed or adopted.
    const read = new command.remote.Command(
      `${name}-kubeconfig`,
      {
        connection: connection(server.address),
        create: READ_KUBECONFIG,
        triggers: [args.readTrigger ?? everyRun()],
        // stdout is the kubeconfig (client key): never logged, never put in the next run's environment.
        logging: command.types.enums.remote.Logging.Stderr,
        addPreviousOutputInEnv: false,
      },
      { parent: this, dependsOn: serverInstall, additionalSecretOutputs: ["stdout"] },
    );
    this.kubeconfig = pulumi.secret(read.stdout.apply((s) => clusterKubeconfig(s, server.address, args.clusterName)));

    // clusterIdentifier: the provider is replaced only if this string changes, so a re-read
    // kubeconfig (e.g. rotated client certificate) is an in-place provider update and does
    // not replace every Kubernetes resource of the stack (pulumi-kubernetes DiffConfig: a
    // kubeconfig change is a replacement only without a clusterIdentifier).
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      {
        kubeconfig: this.kubeconfig,
        clusterIdentifier: `k3s/${args.clusterName}/${server.address}`,
        deleteUnreachable: false,
      },
      { parent: this, dependsOn: [read, ...agentInstalls] },
    );
    this.registerOutputs({ serverAddress: this.serverAddress, kubeconfig: this.kubeconfig });
  }
}
