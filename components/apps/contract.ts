/**
 * What an app's plan must agree with in its service's inventory: the ports it listens on are
 * declared (so the guest firewall opens them), its state lies on the guest's data mounts, and its
 * backup covers its data paths and local databases. Checked for every active app by the apps tier
 * before anything is created, and by test/apps for the committed sites.
 */
import type { ResolvedService } from "../inventory/load";
import type { AppPlan } from "./module";

const under = (p: string, dir: string) => p === dir || p.startsWith(dir.replace(/\/+$/, "") + "/");

/** Problems between `plan` and `service` (empty when they agree). */
export function appContractProblems(service: ResolvedService, plan: AppPlan): string[] {
  const out: string[] = [];
  for (const p of plan.ports) {
    if (!service.firewall.some((f) => f.port === p.port && f.protocol === p.protocol)) out.push(`port ${p.port}/${p.protocol} (${p.description}) is not among the service's ports`);
  }
  for (const m of plan.metrics) {
    if (!service.firewall.some((f) => f.port === m.port && f.protocol === "tcp")) out.push(`metrics port ${m.port}/tcp (${m.job}) is not among the service's ports`);
  }
  for (const d of plan.dataPaths) {
    if (!service.dataMounts.some((m) => under(d, m.path))) out.push(`data path ${d} is on no data mount`);
  }
  const owned = service.app && "database" in service.app ? service.app.database : undefined;
  if (plan.database && plan.database !== owned) out.push(`the app uses database ${plan.database} but the service's app.database is ${owned ?? "unset"}`);
  const b = service.backup;
  if (!b || !("paths" in b)) {
    if (plan.backup.paths.length || plan.backup.localDatabases.length) out.push("the app has state but the service declares no backup paths");
  } else {
    for (const p of plan.backup.paths) if (!b.paths.some((x) => under(p, x))) out.push(`backup.paths does not cover ${p}`);
    for (const d of plan.backup.localDatabases) if (!b.databases.includes(d)) out.push(`backup.databases does not dump the app's database ${d}`);
  }
  return out.map((m) => `homelab: service "${service.name}" (app ${plan.kind}): ${m}`);
}
