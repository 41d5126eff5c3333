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

/** Arguments of {@link AppInstall}. */
export interface AppInstallArgs {
  /** The guest (container or VM) the app runs in. */
  guest: pulumi.Resource;
  /** Root SSH connection to the guest. */
  connection: GuestConnection;
  plan: AppPlan;
}

/** An app module's plan converged on its guest. */
export class AppInstall extends pulumi.ComponentResource {
  public readonly install: pulumi.Resource;
  /** The generated secrets by environment name (secret), for what enrols with the app (Wazuh's agents). */
  public readonly secrets: Record<string, pulumi.Output<string>> = {};
  /** What `plan` shows: kind, version, address, health URL. */
  public readonly summary: { service: string; kind: string; version: string; address: string; health: string; metrics?: string[]; agents?: string[] };

  constructor(name: string, args: AppInstallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:apps:AppInstall", name, {}, opts);
    const p = args.plan;
    for (const s of p.secrets) {
      this.secrets[s.env] = pulumi.secret(new random.RandomPassword(`${name}-${s.env.toLowerCase().replace(/_/g, "-")}`, { length: s.length, special: false }, { parent: this }).result);
    }
    this.install = remoteScript(`${name}-install`, { connection: args.connection, script: p.script, secrets: this.secrets }, { parent: this, dependsOn: [args.guest] });
    this.summary = { service: p.service, kind: p.kind, version: p.version, address: p.address, health: p.health.url, ...(p.metrics.length ? { metrics: p.metrics.map((m) => `${m.scheme}://${p.address}:${m.port}${m.path}`) } : {}) };
    this.registerOutputs({});
  }
}
