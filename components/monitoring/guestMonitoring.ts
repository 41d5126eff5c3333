/**
 * What the organisation's monitoring puts on one guest or Proxmox node of this site: node_exporter
 * (always), postgres_exporter (beside PostgreSQL), the weekly restic check (backed-up guests), the
 * Grafana Alloy journal agent (sites with a log store). Its
 * inputs name the exporters and the alerts that watch the guest, so the policy pack
 * (policy/monitoring.ts) can refuse a guest without node_exporter or a stateful guest without a
 * backup-freshness alert from the rendered resources alone.
 */
import * as pulumi from "@pulumi/pulumi";
import { GuestConnection, remoteScript } from "../remote/script";
import { renderNodeExporterSetup, renderPostgresExporterSetup } from "./render/exporters";
import { renderResticCheckSetup } from "./render/resticCheck";
import { renderAlloySetup } from "./logs";

/** The component's type; the policy pack reads it. */
export const GUEST_MONITORING_TYPE = "homelab:monitoring:GuestMonitoring";

export interface GuestMonitoringArgs {
  /** The guest resource (or none for a Proxmox node). */
  guest?: pulumi.Resource;
  connection: GuestConnection;
  /** Guest or node name (the `instance` label). */
  instance: string;
  /** The guest's VMID (none for a Proxmox node). */
  vmid?: number;
  exporters: ReadonlyArray<"node" | "postgres">;
  /** Alerts of the organisation's rules that name this guest. */
  alerts: readonly string[];
  /** Weekly restic check at this time in this zone (backed-up guests). */
  resticCheck?: { time: string; timeZone: string };
  /** Ship the journal to the site's Loki through a Grafana Alloy agent (sites with a `loki` app). Default none. */
  logs?: { site: string; lokiUrl: string; version: string };
}

export class GuestMonitoring extends pulumi.ComponentResource {
  constructor(name: string, args: GuestMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super(GUEST_MONITORING_TYPE, name, { instance: args.instance, vmid: args.vmid ?? null, exporters: [...args.exporters], alerts: [...args.alerts], ...(args.logs ? { logs: "alloy" } : {}) }, opts);
    const deps = args.guest ? [args.guest] : [];
    const node = remoteScript(`${name}-node-exporter`, { connection: args.connection, script: renderNodeExporterSetup() }, { parent: this, dependsOn: deps });
    if (args.exporters.includes("postgres")) {
      remoteScript(`${name}-postgres-exporter`, { connection: args.connection, script: renderPostgresExporterSetup() }, { parent: this, dependsOn: deps });
    }
    if (args.resticCheck) {
      remoteScript(`${name}-restic-check`, { connection: args.connection, script: renderResticCheckSetup(args.resticCheck) }, { parent: this, dependsOn: [node] });
    }
    if (args.logs) {
      remoteScript(`${name}-alloy`, { connection: args.connection, script: renderAlloySetup({ ...args.logs, instance: args.instance }) }, { parent: this, dependsOn: deps });
    }
    this.registerOutputs({});
  }
}
