/**
 * Deployment configuration: everything the program reads from the stack config besides the
 * inventory and the phase (components/site/config.ts). Read here and nowhere else, so that every
 * component receives its settings as arguments and the one SSH rule below holds everywhere.
 */
import * as pulumi from "@pulumi/pulumi";
import { DownloadsSchema, Downloads } from "../data/downloads";
import type { GuestConnection } from "../remote/script";

/** The stack config keys under `homelab:` that this module reads (the README's configuration reference). */
export const DEPLOYMENT_KEYS = {
  sshPrivateKey: "sshPrivateKey",
  proxmoxRootPassword: "proxmoxRootPassword",
  sshUser: "sshUser",
  netbirdPat: "netbirdPat",
  downloads: "downloads",
  longhornBackupTarget: "longhornBackupTarget",
  workloadImages: "workloadImages",
  adminEmail: "adminEmail",
  acmeEmail: "acmeEmail",
  stackOrganization: "stackOrganization",
  alertReceiver: "alertReceiver",
  minioPrometheusToken: "minioPrometheusToken",
  backupRestPassword: "backupRestPassword",
  backupRestCaPem: "backupRestCaPem",
} as const;

/** What the stack config says about this deployment (all optional; defaults documented per field). */
export interface Deployment {
  /**
   * SSH private key (secret) that overrides the generated deploy key for every remote command (its
   * public key must then be in the inventory's `sshPublicKeys`), and the key for bare-metal k3s
   * nodes. Unset: guests use the organisation's deploy key (components/site/deployKey.ts).
   */
  sshPrivateKey?: pulumi.Output<string>;
  /**
   * Password of the Proxmox user `root@pam` (secret), for the second, explicit provider that creates
   * only the containers an API token cannot (device passthrough, features other than nesting).
   * Unset while such a guest exists: the program warns and that provider cannot log in.
   */
  proxmoxRootPassword?: pulumi.Output<string>;
  /** The Proxmox endpoint and TLS setting of the stack's default provider (`proxmoxve:endpoint`, `proxmoxve:insecure`), for the root@pam provider. */
  proxmox: { endpoint?: string; insecure?: boolean };
  /** SSH user on k3s nodes. Default: the inventory's `kubernetes.sshUser`. */
  sshUser?: string;
  /** NetBird management PAT (secret), an override. Unset: the coordinator's API setup creates its own service user and PAT. */
  netbirdPat?: pulumi.Output<string>;
  /** Pinned upstream binaries (rest-server, MinIO, mc). Default: none (the scripts require them present). */
  downloads: Downloads;
  /** Longhorn backup target (NFS/S3 URL). Default: snapshots only. */
  longhornBackupTarget?: string;
  /** Raw pinned images of the agent platform; checked by the Kubernetes plan when it is active. */
  workloadImages?: unknown;
  /** Admin e-mail of apps that need one. Default `admin@<the site's DNS domain>`. */
  adminEmail?: string;
  /** ACME account e-mail of cert-manager's issuers. Default: cert-manager's issuers without an e-mail. */
  acmeEmail?: string;
  /** Pulumi organisation of the StackReferences to sibling sites (`<org>/homelab/<site>`). Default `organization` (the self-managed backends' literal). */
  stackOrganization: string;
  /** Alertmanager's receiver (secret; components/monitoring/render/alertmanager.ts AlertReceiverSchema). Unset: alerts notify nobody (the plan warns). */
  alertReceiver?: pulumi.Output<unknown>;
  /** MinIO's Prometheus bearer token (secret; `mc admin prometheus generate`). Unset: the minio job stays down. */
  minioPrometheusToken?: pulumi.Output<string>;
  /** Password (secret) of the inventory's `backupTarget.user` on an operator-run rest-server. Unset while that target is declared: the agents' setup stops with a hint (the plan warns). */
  backupRestPassword?: pulumi.Output<string>;
  /** PEM of the CA that signed an operator-run rest-server's certificate (RESTIC_CACERT). Unset: the system trust store (or plain http). */
  backupRestCaPem?: string;
}

/** Reads the deployment configuration of the current stack; a malformed value stops with one line naming `site`. */
export function deploymentFromConfig(site: string): Deployment {
  const cfg = new pulumi.Config("homelab");
  const k = DEPLOYMENT_KEYS;
  const rawDownloads = cfg.getObject<unknown>(k.downloads);
  let downloads: Downloads = {};
  if (rawDownloads !== undefined) {
    const parsed = DownloadsSchema.safeParse(rawDownloads);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new pulumi.RunError(`homelab: site "${site}": homelab:${k.downloads}.${issue.path.join(".")}: ${issue.message}`);
    }
    downloads = parsed.data;
  }
  // Removed (decision 380): Grafana installs from Grafana's apt repository at its app's `version`.
  if (cfg.get("grafanaPackage") !== undefined) pulumi.log.warn(`homelab: site "${site}": homelab:grafanaPackage is no longer read: Grafana installs the pinned grafana package of apt.grafana.com (the app's \`version\` setting)`);
  return {
    sshPrivateKey: cfg.getSecret(k.sshPrivateKey),
    proxmoxRootPassword: cfg.getSecret(k.proxmoxRootPassword),
    proxmox: { endpoint: new pulumi.Config("proxmoxve").get("endpoint"), insecure: new pulumi.Config("proxmoxve").getBoolean("insecure") },
    sshUser: cfg.get(k.sshUser),
    netbirdPat: cfg.getSecret(k.netbirdPat),
    downloads,
    longhornBackupTarget: cfg.get(k.longhornBackupTarget),
    workloadImages: cfg.getObject<unknown>(k.workloadImages),
    adminEmail: cfg.get(k.adminEmail),
    acmeEmail: cfg.get(k.acmeEmail),
    stackOrganization: cfg.get(k.stackOrganization) ?? "organization",
    alertReceiver: cfg.getSecretObject<unknown>(k.alertReceiver),
    minioPrometheusToken: cfg.getSecret(k.minioPrometheusToken),
    backupRestPassword: cfg.getSecret(k.backupRestPassword),
    backupRestCaPem: cfg.get(k.backupRestCaPem),
  };
}

/**
 * The one SSH rule for every remote command: `user` (root on guests) at `host`, authenticated by
 * `homelab:sshPrivateKey` when set, else by the organisation's generated deploy key `deployKey`
 * (installed on every guest at creation), else — only where no deploy key applies (bare-metal
 * nodes) — by the SSH agent of the machine running `pulumi up`. Never a password.
 */
export function sshConnection(d: Deployment, host: pulumi.Input<string>, user = "root", deployKey?: pulumi.Input<string>): GuestConnection {
  const privateKey = d.sshPrivateKey ?? deployKey;
  return privateKey === undefined ? { host, user } : { host, user, privateKey };
}
