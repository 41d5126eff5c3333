/**
 * The backup alerts watch exactly the guests that run a restic agent: a watched guest without an agent
 * would alert every night forever (bo's Prometheus and Grafana did, before monitoring's own kinds joined
 * INSTALLED_APPS), and an agent nobody watches could fail unseen. Both committed organisations with Prometheus.
 */
import { Site } from "../../components/inventory/load";
import { organisationOf } from "../../components/inventory/org";
import { backupAgentPlan, backupWaitsForApp } from "../../components/data/plan";
import { monitoringPlan } from "../../components/monitoring/plan";
import { loadStackSite, siblingSites } from "../../components/site/stackFiles";

const orgOf = (name: string): Site[] => {
  const site = loadStackSite(name);
  return organisationOf(site, siblingSites(site));
};

describe.each(["bo", "ryzen9"])("organisation of %s (it runs Prometheus)", (name) => {
  const org = orgOf(name);
  const plan = monitoringPlan(org);
  const agents = org.flatMap((s) => backupAgentPlan(s).map((a) => `${s.name}/${a.service}`)).sort();

  it("every backup watch has an agent, and (where the organisation runs Prometheus) every agent of a stateful guest is watched", () => {
    expect(plan).toBeDefined();
    const watched = plan!.backups.map((b) => `${b.site}/${b.instance}`).sort();
    expect(watched.filter((w) => !agents.includes(w))).toEqual([]);
    const stateful = org.flatMap((s) => s.services.filter((x) => x.stateful).map((x) => `${s.name}/${x.name}`));
    expect(agents.filter((a) => stateful.includes(a) && !watched.includes(a))).toEqual([]);
  });

  it("monitoring's own guests (Prometheus, Grafana, Loki) get agents for the paths they declare", () => {
    for (const s of org)
      for (const x of s.services)
        if (x.app && ["prometheus", "grafana", "loki"].includes(x.app.kind) && x.backup && "paths" in x.backup) {
          expect({ guest: `${s.name}/${x.name}`, waits: backupWaitsForApp(x) }).toEqual({ guest: `${s.name}/${x.name}`, waits: false });
          expect(agents).toContain(`${s.name}/${x.name}`);
        }
  });
});
