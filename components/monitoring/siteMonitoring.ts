/**
 * The monitoring tier of one site (issue 11). When the site's organisation runs Prometheus (an
 * active `prometheus` app in any of its stack files), every guest and Proxmox node of this site
 * gets its exporters (GuestMonitoring); the site that runs Prometheus also gets the Prometheus
 * guest (Prometheus, Alertmanager, blackbox_exporter), rest-server's `metrics` user and Grafana.
 * Every target, probe and rule comes from the organisation's inventories (plan.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { activeApp, placementOf } from "../inventory/org";
import { logProblems, shipsLogs } from "../inventory/monitoring";
import { applianceOf } from "../inventory/apps";
import { SiteContext } from "../site/context";
import type { InternalCa } from "../mesh/internalCa";
import { remoteScript } from "../remote/script";
import { renderResticUserRegistration } from "../data/resticPipeline";
import { alertsFor, monitoringPlan, renderMonitoringFiles } from "./plan";
import { GuestMonitoring } from "./guestMonitoring";
import { PrometheusServer } from "./prometheusServer";
import { Grafana } from "./grafana";
import { grafanaOidc, grafanaRootUrlOf, grafanaServiceOf, grafanaSettingsOf } from "./render/grafana";
import { identityProviderBrowserUrl, identityProviderUrl, oidcClients } from "../apps/oidc";
import { oidcRuntime } from "../apps/oidcRuntime";
import type { Minio } from "../data/minio";
import { LokiServer, lokiPushUrl } from "./logs";
import { LOKI_PORT } from "./render/loki";
import { AlertReceiverSchema, renderAlertmanagerConfig } from "./render/alertmanager";

/** The restic check runs weekly, three hours after the guest's nightly backup. */
function checkTime(at: string): string {
  const [h, m] = at.split(":").map(Number);
  return `${String((h + 3) % 24).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

/**
 * Composes the monitoring of `ctx.site`; returns its outputs (`monitoring`; on the Prometheus site, when an
 * app serves a bearer-protected /metrics, `appMetricsToken`: the token the apps tier hands those apps,
 * decision 313). `minio` is this site's object store: its `prometheus` user's token authorises the
 * `minio` job (decision 231).
 */
export function monitoringTier(ctx: SiteContext, ca?: InternalCa, minio?: Minio): Record<string, unknown> {
  const { site, org } = ctx;
  const plan = monitoringPlan(org);
  if (!plan) return {};
  for (const p of plan.problems.filter((x) => x.startsWith(`${site.name}/`))) pulumi.log.warn(`monitoring: ${p}`);

  const logs = logTier(ctx, minio);
  for (const s of site.services) {
    if ((s.kind !== "lxc" && s.kind !== "vm") || !s.ipv4 || applianceOf(s.app)) continue;
    const backup = plan.backups.find((b) => b.site === site.name && b.instance === s.name);
    const pg = s.app?.kind === "postgres-primary" || s.app?.kind === "postgres-replica";
    new GuestMonitoring(`${site.name}-${s.name}-monitoring`, {
      guest: ctx.guest(s.name),
      connection: ctx.root(s.ipv4),
      instance: s.name,
      vmid: s.vmid,
      exporters: pg ? ["node", "postgres"] : ["node"],
      alerts: alertsFor(plan, site.name, s.name),
      resticCheck: backup ? { time: checkTime(backup.at), timeZone: site.inventory.timezone } : undefined,
      logs: shipsLogs(s) ? logs : undefined,
    });
  }
  for (const h of site.hosts) {
    if (h.kind !== "proxmox" || !h.address) continue;
    new GuestMonitoring(`${site.name}-node-${h.name}-monitoring`, { connection: ctx.root(h.address), instance: h.name, exporters: ["node"], alerts: [] });
  }

  const perSite = Object.fromEntries(org.map((o) => [o.name, plan.targets.filter((t) => t.site === o.name).map((t) => `${t.job} ${t.instance} ${t.scheme}://${t.address}:${t.port}${t.path}`)]));
  const outputs: Record<string, unknown> = {
    prometheus: `${plan.prometheus.site}/${plan.prometheus.service} (${plan.prometheus.address}:9090)`,
    targets: plan.prometheus.site === site.name ? perSite : { [site.name]: perSite[site.name] },
  };
  if (plan.prometheus.site !== site.name) return { monitoring: outputs };

  Object.assign(outputs, { probes: plan.probes.length, tlsProbes: plan.tlsProbes.length, unprobed: plan.unprobed });
  const promSvc = activeApp(site, "prometheus")!;
  let restServerPassword: pulumi.Output<string> | undefined;
  const deps: pulumi.Resource[] = [];
  const restic = activeApp(site, "restic-server");
  if (restic && plan.targets.some((t) => t.job === "rest-server")) {
    // rest-server serves /metrics only to its user `metrics` (--private-repos without --prometheus-no-auth).
    const pw = new random.RandomPassword(`${site.name}-rest-server-metrics-password`, { length: 40, special: false });
    restServerPassword = pulumi.secret(pw.result);
    deps.push(
      remoteScript(
        `${site.name}-rest-server-metrics-user`,
        { connection: ctx.root(restic.ipv4!), script: renderResticUserRegistration("metrics"), secrets: { REST_USER_PASSWORD: restServerPassword } },
        { dependsOn: [ctx.guest(restic.name)] },
      ),
    );
  }
  // The apps' bearer-protected /metrics (AppMetrics `auth: "bearer"`, Gitea's [metrics] TOKEN): one
  // organisation-wide token, generated here and handed to those apps by the apps tier (stack output
  // `appMetricsToken` for the other sites of the organisation).
  const appMetricsToken = plan.targets.some((t) => t.auth === "app")
    ? pulumi.secret(new random.RandomPassword(`${site.name}-app-metrics-token`, { length: 40, special: false }).result)
    : undefined;
  const receiver = ctx.deployment.alertReceiver;
  if (!receiver) pulumi.log.warn(`monitoring: homelab:alertReceiver is not set; Alertmanager on ${site.name}/${promSvc.name} notifies nobody`);
  const alertmanagerConfig = receiver
    ? pulumi.secret(
        receiver.apply((raw) => {
          const parsed = AlertReceiverSchema.safeParse(raw);
          if (!parsed.success) throw new Error(`homelab: site "${site.name}": homelab:alertReceiver: ${parsed.error.issues[0].message}`);
          return renderAlertmanagerConfig(parsed.data);
        }),
      )
    : renderAlertmanagerConfig(undefined);
  const prometheusServer = new PrometheusServer(`${site.name}-${promSvc.name}-prometheus`, {
    guest: ctx.guest(promSvc.name),
    connection: ctx.root(promSvc.ipv4!),
    files: renderMonitoringFiles(plan),
    alertmanagerConfig,
    caPem: ca?.certPem,
    restServerPassword,
    // MinIO in the Prometheus site: its generated token; in another site: homelab:minioPrometheusToken.
    minioToken: minio?.prometheusToken ?? ctx.deployment.minioPrometheusToken,
    appMetricsToken,
    dependsOn: deps,
  });

  // Grafana on its own guest, or beside Prometheus (app prometheus, setting `grafana`).
  const grafanaSvc = grafanaServiceOf(site);
  if (grafanaSvc?.ipv4) {
    // Login through authentik when the organisation's identity provider issues Grafana its client (components/apps/oidc.ts).
    const client = grafanaOidc(grafanaSvc, site);
    const issued = client && oidcClients(org).some((c) => c.service === grafanaSvc) ? oidcRuntime(ctx, client.clientId) : undefined;
    const g = new Grafana(`${site.name}-${grafanaSvc.name}-grafana`, {
      guest: ctx.guest(grafanaSvc.name),
      connection: ctx.root(grafanaSvc.ipv4),
      address: grafanaSvc.ipv4,
      rootUrl: grafanaRootUrlOf(grafanaSvc, site),
      domain: site.inventory.dns.domain,
      // A Grafana guest's first data mount; beside Prometheus (whose first mount is its TSDB) Grafana's default path.
      dataDir: (grafanaSvc.app?.kind === "grafana" ? grafanaSvc.dataMounts[0]?.path : undefined) ?? "/var/lib/grafana",
      prometheusUrl: `http://${plan.prometheus.address}:9090`,
      lokiUrl: lokiOf(org),
      version: grafanaSettingsOf(grafanaSvc)!.version,
      // Beside Prometheus: after its setup, so the two never hold apt's lock at once.
      dependsOn: grafanaSvc === promSvc ? [prometheusServer] : [],
      oidc:
        client && issued
          ? { authentikUrl: identityProviderUrl(org)!, authentikBrowserUrl: identityProviderBrowserUrl(org), slug: client.clientId, clientId: client.clientId, clientSecret: issued.OIDC_CLIENT_SECRET, caPem: issued.OIDC_CA_PEM }
          : undefined,
    });
    outputs.grafana = grafanaRootUrlOf(grafanaSvc, site).replace(/\/$/, "");
    return { monitoring: outputs, grafanaAdminPassword: g.adminPassword, ...(appMetricsToken ? { appMetricsToken } : {}) };
  }
  return { monitoring: outputs, ...(appMetricsToken ? { appMetricsToken } : {}) };
}

/** The organisation's Loki query URL for Grafana's datasource, if a site runs one. */
function lokiOf(org: SiteContext["org"]): string | undefined {
  const p = placementOf(org, "loki");
  return p?.service.ipv4 ? `http://${p.service.ipv4}:${LOKI_PORT}` : undefined;
}

/**
 * Loki on the site's `loki` guest (chunks in the site's MinIO, bucket `loki`, when it runs one) and
 * what each guest's Alloy agent needs (decision 232); undefined when the site has no log store.
 */
function logTier(ctx: SiteContext, minio: Minio | undefined): { site: string; lokiUrl: string; version: string } | undefined {
  const { site } = ctx;
  const svc = activeApp(site, "loki");
  if (!svc?.ipv4) return undefined;
  for (const p of logProblems(site)) pulumi.log.warn(`logs: ${p}`);
  const dataDir = svc.dataMounts[0]?.path ?? "/var/lib/loki";
  const user = minio ? minio.bucketUser("loki", "loki") : undefined;
  new LokiServer(`${site.name}-${svc.name}-loki`, {
    guest: ctx.guest(svc.name),
    connection: ctx.root(svc.ipv4),
    config: {
      address: svc.ipv4,
      dataDir,
      retentionDays: svc.app.retentionDays,
      localDays: svc.app.localDays,
      version: svc.app.version,
      s3: minio && user ? { endpoint: `${minio.address}:${minio.port}`, bucket: "loki", accessKey: user.accessKey, caFile: "/etc/loki/ca.pem" } : undefined,
    },
    s3SecretKey: user?.secretKey,
    caPem: minio?.caPem,
    dependsOn: user ? [user.ready] : [],
  });
  return { site: site.name, lokiUrl: lokiPushUrl(svc.ipv4), version: svc.app.agentVersion };
}
