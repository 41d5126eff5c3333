/**
 * Wazuh agents on the seed's log sources (decision 233): every active guest of the manager's site that
 * runs the identity provider (authentik), the mesh coordinator (NetBird) or PostgreSQL (primary or
 * replica) — their applications' and their systems' logs (the agent's default journald and syslog
 * readers) — enrolled with the manager's generated enrolment password, from the same pinned repository
 * and release as the manager.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AppKind } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { readScript, shellScript, vendorApt } from "../shell";
import { remoteScript } from "../remote/script";
import type { SiteContext } from "../site/context";
import { WAZUH_APT } from "./wazuh";

/** App kinds whose guests are the seed's Wazuh log sources (seed 000 BO-8: Authentik, NetBird, PostgreSQL, system logs). */
export const WAZUH_LOG_SOURCES: readonly AppKind[] = ["identity-provider", "mesh-coordinator", "postgres-primary", "postgres-replica"];

/** The guests of `site` that get an agent. */
export function wazuhAgentGuests(site: Site): ResolvedService[] {
  return site.services.filter((s) => (s.kind === "lxc" || s.kind === "vm") && !!s.ipv4 && !!s.app && WAZUH_LOG_SOURCES.includes(s.app.kind));
}

/** Pure: one agent's setup script. */
export function renderWazuhAgentSetup(a: { version: string; manager: string; guest: string }): string {
  const apt = vendorApt(WAZUH_APT);
  return shellScript({
    title: `Wazuh agent ${a.version} on ${a.guest} (manager ${a.manager})`,
    source: "components/apps/wazuhAgents.ts",
    logTag: "wazuh-agent",
    env: { ...apt.env, WAZUH_VERSION: a.version, WAZUH_MANAGER: a.manager },
    body: [apt.body, readScript(__dirname, "scripts/wazuh-agent.sh").trimEnd()],
  });
}

/** The agents of `ctx.site`'s log sources, after the manager's install. */
export function wazuhAgents(ctx: SiteContext, manager: ResolvedService & { app: { kind: "wazuh"; version: string } }, enrolmentPassword: pulumi.Input<string>, installed: pulumi.Resource): string[] {
  return wazuhAgentGuests(ctx.site).map((g) => {
    remoteScript(
      `${ctx.site.name}-${g.name}-wazuh-agent`,
      { connection: ctx.root(g.ipv4!), script: renderWazuhAgentSetup({ version: manager.app.version, manager: manager.ipv4!, guest: g.name }), secrets: { WAZUH_ENROLMENT_PASSWORD: enrolmentPassword } },
      { dependsOn: [ctx.guest(g.name), installed] },
    );
    return g.name;
  });
}
