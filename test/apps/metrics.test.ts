/**
 * What an app module says it serves to Prometheus (AppPlan.metrics) is what the organisation's
 * Prometheus scrapes (components/inventory/monitoring.ts scrapeTargets), for every installed app of
 * every committed site: no declared endpoint left unscraped, no scrape of an endpoint no module serves,
 * and a token-protected endpoint scraped with the token.
 */
import { appPlanInOrg } from "../../components/apps/registry";
import { loadInventory } from "../../components/inventory/load";
import { scrapeTargets } from "../../components/inventory/monitoring";
import { organisationOf } from "../../components/inventory/org";
import { committedInventory, committedPhase } from "../helpers/inventory";

const names = ["bo", "bh", "ep", "orion", "ryzen9", "hx310-db", "sector7"];
const sites = names.map((n) => loadInventory(n, committedInventory(n), committedPhase(n)));

describe("app metrics are scraped", () => {
  it("each installed app's metrics endpoints are exactly its scrape targets, on every committed site", () => {
    let withMetrics = 0;
    for (const site of sites) {
      const org = organisationOf(site, sites.filter((x) => x !== site && x.inventory.organisation === site.inventory.organisation));
      const targets = scrapeTargets(org).filter((t) => t.site === site.name && t.job !== "node");
      for (const s of site.services) {
        if (s.kind !== "lxc" && s.kind !== "vm") continue;
        const plan = appPlanInOrg(s, site, org);
        if (!plan) continue;
        // A `bearer` endpoint is scraped with the organisation's app metrics token (`auth: "app"`), an open one with none.
        const declared = plan.metrics.map((m) => `${m.job} ${m.scheme}://${s.ipv4}:${m.port}${m.path}${m.auth === "bearer" ? " bearer" : ""}`).sort();
        const scraped = targets.filter((t) => t.instance === s.name).map((t) => `${t.job} ${t.scheme}://${t.address}:${t.port}${t.path}${t.auth === "app" ? " bearer" : t.auth ? ` ${t.auth}` : ""}`).sort();
        expect([site.name, s.name, scraped]).toEqual([site.name, s.name, declared]);
        if (declared.length) withMetrics++;
      }
    }
    // bo's n8n and Gitea, hx310-db's Gitea, ryzen9's Traefik (orion's Caddy is at phase 3)
    expect(withMetrics).toBeGreaterThanOrEqual(4);
  });
});
