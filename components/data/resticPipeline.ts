/**
 * restic pipeline: one rest-server on bo (HTTPS, htpasswd auth, --private-repos, --prometheus) and
 * one agent per stateful guest with backup paths (bo, bh, ep). Each agent owns its secrets: its
 * repository password (protected: losing it loses the backups) never leaves its stack, and it
 * registers its own rest-server user on bo's restic guest. Nothing here puts a secret in text.
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
  resticRestRepository,
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

/** Pure: agent install script on the guest (reads RESTIC_REPO_PASSWORD, REST_USER_PASSWORD, RESTIC_CA_PEM). */
export function renderResticAgentSetup(p: BackupAgentPlan, server: { host: string; port: number }): string {
  const repository = resticRestRepository({ user: p.repoUser, host: server.host, port: server.port, scheme: "https" });
  return shellScript({
    title: `restic agent ${p.hostTag}`,
    source: "components/data/resticPipeline.ts",
    body: [
      "require_env RESTIC_REPO_PASSWORD REST_USER_PASSWORD RESTIC_CA_PEM",
      "[ -x /usr/bin/restic ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq restic; }",
      putEnv("/etc/restic/repo.password", "0600", "root:root", "RESTIC_REPO_PASSWORD"),
      putEnv("/etc/restic/rest-server.password", "0600", "root:root", "REST_USER_PASSWORD"),
      putEnv("/etc/restic/rest-server-ca.pem", "0644", "root:root", "RESTIC_CA_PEM"),
      ...putText("/etc/restic/restic.env", "0600", "root:root", renderResticEnv({ repository, caCert: "/etc/restic/rest-server-ca.pem" })),
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

/** Arguments of {@link ResticAgent}. */
export interface ResticAgentArgs {
  /** The guest resource (container or VM); every Command on it depends on it. */
  guest: pulumi.Resource;
  connection: GuestConnection;
  /** From plan.ts backupAgentPlan(). */
  plan: BackupAgentPlan;
  /** The rest-server (host/port must be plain strings/numbers at plan time or Outputs from bo). */
  server: ResticServerRef;
}

/** Nightly restic backup of one guest to bo's rest-server. */
export class ResticAgent extends pulumi.ComponentResource {
  constructor(name: string, args: ResticAgentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:data:ResticAgent", name, {}, opts);
    const p = args.plan;
    // The repository key: replacing it would orphan every snapshot, so it is protected.
    const repoPassword = new random.RandomPassword(`${name}-repo-password`, { length: 48, special: false }, { parent: this, protect: true });
    const restPassword = new random.RandomPassword(`${name}-rest-password`, { length: 40, special: false }, { parent: this });
    const register = remoteScript(
      `${name}-register`,
      { connection: args.server.connection, script: renderResticUserRegistration(p.repoUser), secrets: { REST_USER_PASSWORD: pulumi.secret(restPassword.result) } },
      { parent: this, dependsOn: args.server.setup ? [args.server.setup] : [] },
    );
    const script = pulumi.all([args.server.host, args.server.port]).apply(([host, port]) => renderResticAgentSetup(p, { host: String(host), port: Number(port) }));
    remoteScript(
      `${name}-setup`,
      {
        connection: args.connection,
        script,
        secrets: { RESTIC_REPO_PASSWORD: pulumi.secret(repoPassword.result), REST_USER_PASSWORD: pulumi.secret(restPassword.result), RESTIC_CA_PEM: args.server.caPem },
      },
      { parent: this, dependsOn: [args.guest, register] },
    );
    this.registerOutputs({ coveredHost: p.service, coveredVmid: p.vmid, paths: p.paths });
  }
}
