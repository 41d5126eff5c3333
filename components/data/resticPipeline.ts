/**
 * restic pipeline: one rest-server on bo (HTTPS, htpasswd auth, --private-repos, --prometheus) and
 * one agent per stateful guest with backup paths. Each agent owns its repository password
 * (protected: losing it loses the backups), which never leaves its stack. Its target is the
 * organisation's rest-server (it registers its own user there), the site's MinIO (S3), or a
 * rest-server the operator runs (decisions 370-379). Nothing here puts a secret in text.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { BackupAgentPlan } from "./plan";
import {
  renderResticAgentScript,
  renderResticEnv,
  renderResticServiceUnit,
  renderResticTimerUnit,
  renderRestServerUnit,
  restServerSetupLines,
  resticExternalRestRepository,
  resticRestRepository,
  resticS3Repository,
} from "./render/restic";
import { GuestConnection, remoteScript } from "../remote/script";
import { putEnv, putText, shellScript } from "../shell";
import { serviceTls, TlsPair } from "./tlsCert";
import { installPinnedBinary, PinnedDownload } from "./downloads";

const TLS_DIR = "/etc/rest-server/tls";

/** Pure: rest-server install/config script (reads REST_TLS_CERT / REST_TLS_KEY). */
export function renderResticServerSetup(a: { address: string; port: number; dataDir: string; download?: PinnedDownload }): string {
  const tls = { cert: `${TLS_DIR}/server.crt`, key: `${TLS_DIR}/server.key` };
  return shellScript({
    title: "restic rest-server",
    source: "components/data/resticPipeline.ts",
    body: [
      "require_env REST_TLS_CERT REST_TLS_KEY",
      ...installPinnedBinary("/usr/local/bin/rest-server", a.download, "install the pinned upstream rest-server release (not packaged in Debian 12)"),
      "[ -x /usr/bin/htpasswd ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apache2-utils; }",
      "# system user, data dir, htpasswd file (users register themselves: renderResticUserRegistration)",
      ...restServerSetupLines({ users: [], dataDir: a.dataDir }),
      `install -d -o root -g rest-server -m 0750 ${TLS_DIR}`,
      putEnv(tls.cert, "0644", "root:rest-server", "REST_TLS_CERT"),
      putEnv(tls.key, "0640", "root:rest-server", "REST_TLS_KEY"),
      ...putText("/etc/systemd/system/rest-server.service", "0644", "root:root", renderRestServerUnit({ listen: `${a.address}:${a.port}`, dataDir: a.dataDir, tls })),
      "systemctl daemon-reload",
      "converge_units rest-server.service",
      'log "rest-server converged"',
    ],
  });
}

/** Pure: register one rest-server user (password from REST_USER_PASSWORD), restarting rest-server only when htpasswd changed. */
export function renderResticUserRegistration(user: string): string {
  return shellScript({
    title: `rest-server user ${user}`,
    source: "components/data/resticPipeline.ts",
    body: [
      "require_env REST_USER_PASSWORD",
      "before=\"$(sha256sum /etc/rest-server/htpasswd 2>/dev/null || true)\"",
      putEnv(`/etc/rest-server/passwords/${user}.password`, "0600", "root:root", "REST_USER_PASSWORD"),
      ...restServerSetupLines({ users: [user] }),
      'if [ "$before" != "$(sha256sum /etc/rest-server/htpasswd)" ]; then systemctl try-restart rest-server.service; fi',
    ],
  });
}

/** Where one agent's repository lives, as plain values at plan time (components/inventory/backupTargets.ts). */
export type AgentSetupTarget =
  /** The organisation's rest-server (bo): private repository `<repoUser>/`, HTTPS with the organisation's CA. */
  | { kind: "rest-server"; host: string; port: number }
  /** The site's MinIO through restic's S3 backend: `s3:<endpoint>/<bucket>/<repoUser>`, HTTPS with the site's CA. */
  | { kind: "s3"; endpoint: string; bucket: string; accessKey: string }
  /** A rest-server the operator runs: `<url><user>/<repoUser>/`; `ca` when a CA PEM is configured. */
  | { kind: "external-rest"; url: string; user: string; ca: boolean };

/**
 * Pure: agent install script on the guest. Reads RESTIC_REPO_PASSWORD and, per target,
 * REST_USER_PASSWORD (rest-server targets), S3_SECRET_KEY (s3), RESTIC_CA_PEM (TLS with a private CA).
 */
export function renderResticAgentSetup(p: BackupAgentPlan, target: AgentSetupTarget): string {
  const files: { env: string; repository: string; secretLines: string[]; envArgs: Partial<Parameters<typeof renderResticEnv>[0]> } = (() => {
    const rest = putEnv("/etc/restic/rest-server.password", "0600", "root:root", "REST_USER_PASSWORD");
    const ca = putEnv("/etc/restic/rest-server-ca.pem", "0644", "root:root", "RESTIC_CA_PEM");
    switch (target.kind) {
      case "rest-server":
        return {
          env: "REST_USER_PASSWORD RESTIC_CA_PEM",
          repository: resticRestRepository({ user: p.repoUser, host: target.host, port: target.port, scheme: "https" }),
          secretLines: [rest, ca],
          envArgs: { caCert: "/etc/restic/rest-server-ca.pem" },
        };
      case "s3":
        return {
          env: "S3_SECRET_KEY RESTIC_CA_PEM",
          repository: resticS3Repository({ endpoint: target.endpoint, bucket: target.bucket, prefix: p.repoUser }),
          secretLines: [putEnv("/etc/restic/s3.secret", "0600", "root:root", "S3_SECRET_KEY"), putEnv("/etc/restic/s3-ca.pem", "0644", "root:root", "RESTIC_CA_PEM"), "rm -f /etc/restic/rest-server.password"],
          envArgs: { caCert: "/etc/restic/s3-ca.pem", restPasswordFile: null, s3: { accessKeyId: target.accessKey, secretFile: "/etc/restic/s3.secret" } },
        };
      case "external-rest":
        return {
          env: target.ca ? "REST_USER_PASSWORD RESTIC_CA_PEM" : "REST_USER_PASSWORD",
          repository: resticExternalRestRepository({ url: target.url, user: target.user, repo: p.repoUser }),
          secretLines: target.ca ? [rest, ca] : [rest],
          envArgs: target.ca ? { caCert: "/etc/restic/rest-server-ca.pem" } : {},
        };
    }
  })();
  return shellScript({
    title: `restic agent ${p.hostTag}`,
    source: "components/data/resticPipeline.ts",
    body: [
      `require_env RESTIC_REPO_PASSWORD ${files.env}`,
      "[ -x /usr/bin/restic ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq restic; }",
      putEnv("/etc/restic/repo.password", "0600", "root:root", "RESTIC_REPO_PASSWORD"),
      ...files.secretLines,
      ...putText("/etc/restic/restic.env", "0600", "root:root", renderResticEnv({ repository: files.repository, ...files.envArgs })),
      ...putText(
        "/usr/local/sbin/homelab-restic-backup",
        "0700",
        "root:root",
        renderResticAgentScript({ hostTag: p.hostTag, paths: p.paths, pgDump: p.databases.length ? { databases: p.databases, dumpDir: p.dumpDir } : undefined, preBackup: p.preBackup }),
      ),
      ...putText("/etc/systemd/system/homelab-restic-backup.service", "0644", "root:root", renderResticServiceUnit({ after: p.databases.length ? ["postgresql.service"] : [] })),
      ...putText("/etc/systemd/system/homelab-restic-backup.timer", "0644", "root:root", renderResticTimerUnit({ time: p.at, timeZone: p.timeZone })),
      "install -d -m 0700 /var/cache/restic",
      "systemctl daemon-reload",
      "systemctl enable --now homelab-restic-backup.timer >/dev/null",
      `log "restic agent ${p.hostTag} converged"`,
    ],
  });
}

/** Pure: the setup of an agent whose rest-server password is not configured stops with this one-line hint. */
export function renderResticAgentUnconfigured(p: BackupAgentPlan, key: string): string {
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(key)) throw new Error(`bad config key ${key}`);
  return [
    "#!/usr/bin/env bash",
    `# restic agent ${p.hostTag}: not configured (components/data/resticPipeline.ts)`,
    `echo "restic agent ${p.hostTag}: set the stack secret homelab:${key} (the password of the backup target's rest-server user) and run up again" >&2`,
    "exit 1",
    "",
  ].join("\n");
}

/** What an agent needs to know about the server (bo exports it for bh/ep). */
export interface ResticServerRef {
  host: pulumi.Input<string>;
  port: pulumi.Input<number>;
  /** PEM the agents trust (RESTIC_CACERT). */
  caPem: pulumi.Input<string>;
  /** SSH connection to the rest-server guest, used to register each agent's user. */
  connection: GuestConnection;
  /** The server's setup (same stack only). */
  setup?: pulumi.Resource;
}

/** Arguments of {@link ResticServer}. */
export interface ResticServerArgs {
  guest: pulumi.Resource;
  connection: GuestConnection;
  /** Service address the rest-server listens on (e.g. 192.0.2.22). */
  address: string;
  /** Default 8000. */
  port?: number;
  /** Repository storage (the inventory's data mount). */
  dataDir: string;
  /** TLS cert/key. Default: self-signed for `address`. */
  tls?: TlsPair & { caPem?: pulumi.Input<string> };
  /** Pinned rest-server release tarball. Default: none (the binary must already be installed). */
  download?: PinnedDownload;
}

/** rest-server on bo. */
export class ResticServer extends pulumi.ComponentResource {
  public readonly host: string;
  public readonly port: number;
  public readonly caPem: pulumi.Output<string>;
  public readonly setup: pulumi.Resource;
  public readonly ref: ResticServerRef;

  constructor(name: string, args: ResticServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:data:ResticServer", name, {}, opts);
    this.host = args.address;
    this.port = args.port ?? 8000;
    const tlsMat = serviceTls(name, args.address, args.tls, this);
    this.caPem = tlsMat.caPem;
    this.setup = remoteScript(
      `${name}-setup`,
      { connection: args.connection, script: renderResticServerSetup({ address: args.address, port: this.port, dataDir: args.dataDir, download: args.download }), secrets: { REST_TLS_CERT: tlsMat.certPem, REST_TLS_KEY: tlsMat.keyPem } },
      { parent: this, dependsOn: [args.guest] },
    );
    this.ref = { host: this.host, port: this.port, caPem: this.caPem, connection: args.connection, setup: this.setup };
    this.registerOutputs({ host: this.host, port: this.port, caPem: this.caPem });
  }
}

/** Where a {@link ResticAgent} backs up. */
export type ResticAgentTarget =
  /** The organisation's rest-server: the agent registers its own user there. */
  | { kind: "rest-server"; server: ResticServerRef }
  /** The site's MinIO: one S3 user for the site's agents (Minio.bucketUser), one prefix per agent. */
  | { kind: "s3"; endpoint: string; bucket: string; accessKey: string; secretKey: pulumi.Input<string>; caPem: pulumi.Input<string>; ready?: pulumi.Resource }
  /** A rest-server the operator runs; `password` from the stack secret named by `passwordKey` (unset: the setup stops with a hint). */
  | { kind: "external-rest"; url: string; user: string; password?: pulumi.Input<string>; passwordKey: string; caPem?: pulumi.Input<string> };

/** Arguments of {@link ResticAgent}. */
export interface ResticAgentArgs {
  /** The guest resource (container or VM); every Command on it depends on it. */
  guest: pulumi.Resource;
  connection: GuestConnection;
  /** From plan.ts backupAgentPlan(). */
  plan: BackupAgentPlan;
  /** Where the repository lives (components/inventory/backupTargets.ts). */
  target: ResticAgentTarget;
}

/** Nightly restic backup of one guest to its site's backup target. */
export class ResticAgent extends pulumi.ComponentResource {
  constructor(name: string, args: ResticAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:data:ResticAgent", name, {}, opts);
    const p = args.plan;
    const t = args.target;
    // The repository key: replacing it would orphan every snapshot, so it is protected.
    const repoPassword = new random.RandomPassword(`${name}-repo-password`, { length: 48, special: false }, { parent: this, protect: true });
    const repoSecret = pulumi.secret(repoPassword.result);
    let script: pulumi.Input<string>;
    let secrets: Record<string, pulumi.Input<string>>;
    const after: pulumi.Resource[] = [args.guest];
    if (t.kind === "rest-server") {
      const restPassword = new random.RandomPassword(`${name}-rest-password`, { length: 40, special: false }, { parent: this });
      const register = remoteScript(
        `${name}-register`,
        { connection: t.server.connection, script: renderResticUserRegistration(p.repoUser), secrets: { REST_USER_PASSWORD: pulumi.secret(restPassword.result) } },
        { parent: this, dependsOn: t.server.setup ? [t.server.setup] : [] },
      );
      after.push(register);
      script = pulumi.all([t.server.host, t.server.port]).apply(([host, port]) => renderResticAgentSetup(p, { kind: "rest-server", host: String(host), port: Number(port) }));
      secrets = { RESTIC_REPO_PASSWORD: repoSecret, REST_USER_PASSWORD: pulumi.secret(restPassword.result), RESTIC_CA_PEM: t.server.caPem };
    } else if (t.kind === "s3") {
      if (t.ready) after.push(t.ready);
      script = renderResticAgentSetup(p, { kind: "s3", endpoint: t.endpoint, bucket: t.bucket, accessKey: t.accessKey });
      secrets = { RESTIC_REPO_PASSWORD: repoSecret, S3_SECRET_KEY: pulumi.secret(t.secretKey), RESTIC_CA_PEM: t.caPem };
    } else if (t.password === undefined) {
      pulumi.log.warn(`${name}: homelab:${t.passwordKey} is not set; the restic agent's setup stops until it is`, this);
      script = renderResticAgentUnconfigured(p, t.passwordKey);
      secrets = {};
    } else {
      script = renderResticAgentSetup(p, { kind: "external-rest", url: t.url, user: t.user, ca: t.caPem !== undefined });
      secrets = { RESTIC_REPO_PASSWORD: repoSecret, REST_USER_PASSWORD: pulumi.secret(t.password), ...(t.caPem !== undefined ? { RESTIC_CA_PEM: t.caPem } : {}) };
    }
    remoteScript(`${name}-setup`, { connection: args.connection, script, secrets }, { parent: this, dependsOn: after });
    this.registerOutputs({ coveredHost: p.service, coveredVmid: p.vmid, paths: p.paths, target: t.kind });
  }
}
