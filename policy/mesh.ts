/**
 * Mesh rules: every firewall opening a guest of this stack has for a source at
 * another mesh site must be carried by the organisation's mesh plan (a route
 * without masquerade each way, a policy between the two sites' routing peers),
 * and an opening for a private source outside every member's LAN is refused:
 * nothing could ever use it. Read from the rendered RulesLegacy inputs, so a
 * rule added outside the inventory is checked too.
 */
import type { PolicyResource } from "@pulumi/policy";
import { familyOf, parsePrefix, sourcePrefix } from "../components/inventory/net";
import { flowProblems, RequiredFlow, sourceOrigin } from "../components/mesh/render/meshPolicy";
import { guestsOf, stackRule, who } from "./lib/common";
import { FIREWALL_RULES_TYPE } from "./lib/guests";

export const meshFlows = stackRule({
  name: "homelab-mesh-flows",
  description:
    "Firewall openings for sources at another mesh site are carried by the mesh plan (routes without masquerade, a policy between the sites' routing peers); openings for private sources outside every mesh member's LAN are unreachable.",
  enforcementLevel: "mandatory",
  sections: ["networks", "meshPlan"],
  validate: (resources: readonly PolicyResource[], config, report) => {
    const own = config.networks.flatMap((n) => [n.ipv4, n.ipv6?.prefix].filter((x): x is string => !!x)).map((p) => parsePrefix(p));
    const plan = config.meshPlan;
    const lans = (plan?.sites ?? []).map((s) => ({ site: s.id, prefix: parsePrefix(s.lan) }));
    const guests = new Map(guestsOf(resources).filter((g) => g.vmid !== undefined).map((g) => [g.vmid!, g]));
    for (const r of resources) {
      if (r.type !== FIREWALL_RULES_TYPE) continue;
      const guest = guests.get(Number(r.props.containerId ?? r.props.vmId));
      const address = guest?.addresses.find((a) => familyOf(a.address) === "ipv4")?.address;
      if (!guest || !address) continue;
      for (const rule of (r.props.rules ?? []) as Array<Record<string, any>>) {
        if (rule.type !== "in" || rule.action !== "ACCEPT" || rule.enabled === false || !rule.source) continue;
        const port = Number(rule.dport);
        const protocol = rule.proto === "udp" ? "udp" : "tcp";
        for (const src of String(rule.source).split(",")) {
          const p = sourcePrefix(src.trim());
          if (!p) continue; // an IP set or alias: not ours to judge here
          const origin = sourceOrigin(p, own, lans);
          if (origin.kind === "unroutable") {
            report(`${who(guest)} ${protocol}/${rule.dport} allows ${src}, which is in no mesh member's LAN${lans.length ? ` (${lans.map((l) => l.prefix.text).join(", ")})` : " (the site is not in a mesh)"}: nothing can reach it that way`);
          }
          if (origin.kind !== "member") continue;
          const from = origin;
          if (!plan || !Number.isInteger(port)) continue;
          const flow: RequiredFlow = { id: `${from.site}->${config.site}`, description: rule.comment ?? "", sourceSite: from.site, source: src, destinationSite: config.site, destination: address, protocol, port };
          const problems = flowProblems(plan, flow);
          if (problems.length > 0) report(`${who(guest)} ${protocol}/${port} from ${src} (${from.site}) is not carried by the mesh: ${problems.join("; ")}`);
        }
      }
    }
    // The plan must also route this site's own LAN back to every member it talks to (checked per flow above) and
    // must not masquerade anywhere: a masquerading route hides the sources the guests' firewalls allow.
    for (const route of plan?.routes ?? []) {
      if (route.masquerade) report(`mesh route ${route.networkId} (${route.network}) masquerades: guests' firewalls and pg_hba would see the routing peer instead of the real source`);
    }
  },
});

export const meshPolicies = [meshFlows];
