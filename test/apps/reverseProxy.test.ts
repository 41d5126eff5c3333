/**
 * The reverse proxy (orion LXC 1007, decision 184): routes derived from the site's web apps (only those
 * that admit the proxy), its TLS certificate request, its metrics, and its contract. The Caddyfile is
 * run for real in test/real/apps-caddy.test.ts.
 */
import type { ResolvedService } from "../../components/inventory/load";
import { loadStackSite } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { appContractProblems } from "../../components/apps/contract";
import { webRoutes } from "../../components/apps/reverseProxy";
import { needsInternalCa } from "../../components/inventory/org";

describe("the reverse proxy", () => {
  const p3 = loadStackSite("orion", undefined, 3);
  const proxy = p3.services.find((s) => s.name === "reverse-proxy")! as ResolvedService;
  const plan = appPlanOf(proxy, p3, {})!;

  it("exists from phase 3 (orion's internal CA exists from phase 2 for its restic server, decision 186)", () => {
    expect(webRoutes(loadStackSite("orion"))).toEqual([]);
    expect(needsInternalCa(p3)).toBe(true);
  });

  it("asks for one certificate naming itself and every route, and agrees with its service", () => {
    expect(plan.tls).toEqual({
      hostname: "reverse-proxy",
      extraDnsNames: ["flowise.orion.internal", "litellm.orion.internal", "n8n.orion.internal", "netbox.orion.internal", "open-webui.orion.internal"],
      domain: "orion.internal",
      ips: [proxy.ipv4],
    });
    expect(plan.metrics).toEqual([{ job: "caddy", port: 9180, scheme: "http", path: "/metrics" }]);
    expect(plan.source).toEqual({ type: "apt", package: "caddy" });
    expect(appContractProblems(proxy, plan)).toEqual([]);
    expect(plan.script).not.toMatch(/BEGIN (EC )?PRIVATE KEY/);
  });

  it("routes only apps that admit the proxy on a non-SSH port", () => {
    const edited = loadStackSite("orion", undefined, 3);
    const flowise = edited.services.find((s) => s.name === "flowise")! as any;
    flowise.firewall = flowise.firewall.map((f: any) => ({ ...f, sources: ["192.168.100.111/32"] }));
    expect(webRoutes(edited).map((r) => r.service)).toEqual(["litellm", "n8n", "netbox", "open-webui"]);
  });
});
