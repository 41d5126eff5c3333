/**
 * One app on one guest: its generated secrets (kept in the stack) and its install script, run over
 * SSH with the secrets on stdin (components/remote/script.ts). The script is idempotent; a changed
 * plan (setting, pin, config) changes its text and so re-runs it, which rewrites the config and
 * restarts the service.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { GuestConnection, remoteScript } from "../remote/script";
import type { AppPlan } from "./module";
import { x25519PublicKey } from "./wireguard";

/** Arguments of {@link AppInstall}. */
export interface AppInstallArgs {
  /** The guest (container or VM) the app runs in. */
  guest: pulumi.Resource;
  /** Root SSH connection to the guest. */
  connection: GuestConnection;
  plan: AppPlan;
  /** The owner password of `plan.database` (secret), from the primary's stack. Required when the plan has a database. */
  databasePassword?: pulumi.Input<string>;
  /** The certificate of `plan.tls` (chain and key PEM), from the site's internal CA. Required when the plan has `tls`. */
  tlsCert?: { certPem: pulumi.Input<string>; keyPem: pulumi.Input<string> };
  /** The peers' secrets of `plan.peerSecrets`, by variable name. Required for each of them. */
  peerSecrets?: Record<string, pulumi.Input<string>>;
}

/** An app module's plan converged on its guest. */
export class AppInstall extends pulumi.ComponentResource {
  public readonly install: pulumi.Resource;
  /** The generated secrets by variable name (peers of this site may be given them). */
  public readonly secrets: Record<string, pulumi.Output<string>> = {};
  /** What `plan` shows: kind, version, address, health URL. */
  public readonly summary: { service: string; kind: string; version: string; address: string; health: string; metrics?: string[]; publicKeys?: Record<string, pulumi.Output<string>> };

  constructor(name: string, args: AppInstallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:apps:AppInstall", name, {}, opts);
    const p = args.plan;
    const secrets: Record<string, pulumi.Input<string>> = {};
    const publicKeys: Record<string, pulumi.Output<string>> = {};
    for (const s of p.secrets) {
      const rname = `${name}-${s.env.toLowerCase().replace(/_/g, "-")}`;
      if (s.kind === "x25519") {
        const key = pulumi.secret(new random.RandomBytes(rname, { length: 32 }, { parent: this }).base64);
        secrets[s.env] = this.secrets[s.env] = key;
        publicKeys[s.env] = pulumi.unsecret(key.apply(x25519PublicKey));
      } else {
        secrets[s.env] = this.secrets[s.env] = new random.RandomPassword(rname, { length: s.length, special: false }, { parent: this }).result;
      }
    }
    for (const peer of p.peerSecrets ?? []) {
      const v = args.peerSecrets?.[peer.env];
      if (v === undefined) throw new Error(`homelab: app ${p.kind} of "${p.service}" needs secret ${peer.env} of service "${peer.service}"`);
      secrets[peer.env] = pulumi.secret(v);
    }
    if (p.tls) {
      if (!args.tlsCert) throw new Error(`homelab: app ${p.kind} of "${p.service}" needs its certificate from the internal CA`);
      secrets[p.tls.certEnv] = args.tlsCert.certPem;
      secrets[p.tls.keyEnv] = pulumi.secret(args.tlsCert.keyPem);
    }
    if (p.database) {
      if (args.databasePassword === undefined) throw new Error(`homelab: app ${p.kind} of "${p.service}" needs the password of database "${p.database.name}"`);
      secrets[p.database.passwordEnv] = pulumi.secret(args.databasePassword);
    }
    this.install = remoteScript(`${name}-install`, { connection: args.connection, script: p.script, secrets }, { parent: this, dependsOn: [args.guest] });
    this.summary = { service: p.service, kind: p.kind, version: p.version, address: p.address, health: p.health.url, ...(p.metrics.length ? { metrics: p.metrics.map((m) => `${m.scheme}://${p.address}:${m.port}${m.path}`) } : {}), ...(Object.keys(publicKeys).length ? { publicKeys } : {}) };
    this.registerOutputs({});
  }
}
