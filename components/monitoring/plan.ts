/**
 * The organisation's monitoring plan (pure): the Prometheus placement, every scrape target, probe
 * and backup watch (components/inventory/org.ts), the TLS probes of the internal-CA servers, the
 * mount points watched for "full within 24 h", the rendered files, and what the plan could not
 * reach. `plan` prints it; the real-tool test renders every site's files from it.
 */
import { Site } from "../inventory/load";
import { allowedBy } from "../inventory/org";
import { backupWatches, firewallOf, monitoringProblems, probeTargets, prometheusOf, ProbeTarget, ScrapeTarget, scrapeTargets, BackupWatch } from "../inventory/monitoring";
import type { AppKind } from "../inventory/apps";
import { renderPrometheusArgs, renderPrometheusConfig, PrometheusPaths } from "./render/prometheus";
import { renderRules, BACKUP_ALERTS } from "./render/rules";
import { backupWaitsForApp } from "../data/plan";

/** The TLS port of each internal-CA server app (components/data: MinIO 9000, rest-server 8000; components/mesh: authentik 9443, NetBird 443). */
const TLS_PORTS: Partial<Record<AppKind, number>> = { "object-store": 9000, "restic-server": 8000, "identity-provider": 9443, "mesh-coordinator": 443 };

export interface MonitoringPlan {
  prometheus: { site: string; service: string; address: string; intervalSeconds: number; retentionDays: number; alertmanager: boolean; dataDir: string; dataGiB: number };
  targets: ScrapeTarget[];
  probes: ProbeTarget[];
  tlsProbes: ProbeTarget[];
  backups: BackupWatch[];
  mountpoints: string[];
  /** Ports deliberately not probed, each with its reason (`probeExemption`). */
  unprobed: string[];
  /** Targets whose port is closed to Prometheus (a mistake in a stack file). */
  problems: string[];
}

/** The plan of `org`'s monitoring, or undefined when the organisation runs no (active) Prometheus. */
export function monitoringPlan(org: readonly Site[]): MonitoringPlan | undefined {
  const prom = prometheusOf(org);
  if (!prom || !prom.service.ipv4) return undefined;
  const address = prom.service.ipv4;
  const { probes, unreachable } = probeTargets(org, address);
  const tlsProbes: ProbeTarget[] = [];
  for (const site of org) {
    for (const s of site.services) {
      const port = s.app && TLS_PORTS[s.app.kind];
      if (!port || !s.ipv4) continue;
      const fw = firewallOf(org, site, s).find((p) => p.port === port && p.protocol === "tcp");
      if (fw && allowedBy(fw.sources, address)) {
        tlsProbes.push({ site: site.name, instance: s.name, address: s.ipv4, port, description: fw.description });
      }
    }
  }
  const data = prom.service.dataMounts[0];
  return {
    prometheus: {
      site: prom.site.name,
      service: prom.service.name,
      address,
      intervalSeconds: prom.service.app.scrapeIntervalSeconds,
      retentionDays: prom.service.app.retentionDays,
      alertmanager: prom.service.app.alertmanager,
      dataDir: data?.path ?? "/var/lib/prometheus",
      dataGiB: data?.sizeGiB ?? prom.service.diskGiB,
    },
    targets: scrapeTargets(org),
    probes,
    tlsProbes,
    // Watched only where an agent runs: a guest whose app this program does not install yet has none (components/data/plan.ts).
    backups: backupWatches(org, backupWaitsForApp),
    mountpoints: [...new Set(org.flatMap((s) => s.services.flatMap((x) => x.dataMounts.map((m) => m.path))))].sort(),
    unprobed: unreachable,
    problems: monitoringProblems(org),
  };
}

/** The alert names of the rules that watch guest `instance` of `site`. */
export function alertsFor(plan: MonitoringPlan, site: string, instance: string): string[] {
  return plan.backups.some((b) => b.site === site && b.instance === instance) ? [...BACKUP_ALERTS] : [];
}

/** Every file of the Prometheus guest, rendered from the plan. */
export function renderMonitoringFiles(plan: MonitoringPlan, paths?: Partial<PrometheusPaths>) {
  const p = plan.prometheus;
  return {
    prometheusYml: renderPrometheusConfig({
      intervalSeconds: p.intervalSeconds,
      self: { site: p.site, instance: p.service },
      targets: plan.targets,
      probes: plan.probes,
      tlsProbes: plan.tlsProbes,
      alertmanager: p.alertmanager,
      paths,
    }),
    rulesYml: renderRules({ intervalSeconds: p.intervalSeconds, backups: plan.backups, mountpoints: plan.mountpoints }),
    defaults: renderPrometheusArgs({ dataDir: p.dataDir, dataGiB: p.dataGiB, retentionDays: p.retentionDays }),
    dataDir: p.dataDir,
    alertmanager: p.alertmanager,
  };
}
