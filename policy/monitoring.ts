/**
 * Monitoring coverage, over the rendered resources: where the organisation runs Prometheus, every
 * Proxmox guest carries node_exporter, and every stateful guest that restic backs up is watched by a
 * backup-freshness alert. The monitoring tier states both on its GuestMonitoring component
 * (components/monitoring/guestMonitoring.ts: inputs `vmid`, `exporters`, `alerts`).
 */
import { GUEST_MONITORING_TYPE } from "../components/monitoring/guestMonitoring";
import { BACKUP_ALERTS } from "../components/monitoring/render/rules";
import { HomelabPolicy } from "./config";
import { guestsOf, stackRule, who } from "./lib/common";

/** The alert that fires when a guest's last successful backup is older than its schedule allows. */
export const FRESHNESS_ALERT: (typeof BACKUP_ALERTS)[number] = "BackupStale";

export const monitoringCoverage = stackRule({
  name: "homelab-monitoring-coverage",
  description:
    "Where the organisation runs Prometheus, every Proxmox guest but an appliance VM (tag appliance) has node_exporter and every stateful guest backed up by restic has the BackupStale alert (GuestMonitoring resources of the monitoring tier).",
  enforcementLevel: "mandatory",
  sections: ["monitored", "backups"],
  validate: (resources, config, report) => {
    if (!config.monitored) return;
    const byVmid = new Map<number, { exporters: string[]; alerts: string[] }>();
    for (const r of resources) {
      if (r.type !== GUEST_MONITORING_TYPE || typeof r.props.vmid !== "number") continue;
      byVmid.set(r.props.vmid, { exporters: (r.props.exporters as string[]) ?? [], alerts: (r.props.alerts as string[]) ?? [] });
    }
    const restic = new Set(config.backups.filter((b) => b.method === "restic").map((b) => b.name));
    for (const g of guestsOf(resources)) {
      const m = g.vmid !== undefined ? byVmid.get(g.vmid) : undefined;
      // An appliance VM (tag `appliance`: HAOS, DSM) runs no exporter of ours; the program never enters it.
      if (!m?.exporters.includes("node") && !g.tags.includes("appliance")) report(`${who(g)} has no node_exporter: the organisation runs Prometheus, and an unmeasured guest fails unnoticed`, g.urn);
      if (g.tags.includes("stateful") && restic.has(g.hostname ?? g.name) && !m?.alerts.includes(FRESHNESS_ALERT)) {
        report(`${who(g)} is stateful and backed up by restic, but no ${FRESHNESS_ALERT} alert watches its backups`, g.urn);
      }
    }
  },
});

export const monitoringPolicies: HomelabPolicy[] = [monitoringCoverage];
