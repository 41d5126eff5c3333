/**
 * Wazuh agents on the seed's log sources (decisions 233, 302): every active guest of any site of the
 * organisation that runs the identity provider (authentik), the mesh coordinator (NetBird), PostgreSQL
 * (primary or replica), or that is its site's mesh routing peer (`meshRouter`: the NetBird agent that
 * carries the site's traffic) — their applications' and their systems' logs (the agent's default
 * journald and syslog readers) — enrolled with the manager's generated enrolment password, from the
 * same pinned repository and release as the manager. On the manager's site the password is the
 * manager's own secret; on another site it is the manager stack's secret output `wazuhEnrolment`
 * (read through the StackReference every site already uses for the organisation's primary), and the
 * agents reach the manager over the mesh: its 1514/1515 openings name the other sites' LANs, so the
 * derived mesh flows (components/mesh/render/meshPolicy.ts) carry them.
 */
import * as pulumi from "@pulumi/pulumi";
import type { AppKind } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { allowedBy, placementOf } from "../inventory/org";
import { readScript, shellScript, vendorApt } from "../shell";
import { remoteScript } from "../remote/script";
import type { SiteContext } from "../site/context";
import { WAZUH_APT } from "./wazuh";

/** The cloud-init user of the program's VMs (components/proxmox/vmService.ts `username` default; siteApps.ts uses the same). */
const VM_USER = "debian";

/** App kinds whose guests are the seed's Wazuh log sources (seed 000 BO-8: Authentik, NetBird, PostgreSQL, system logs). */
export const WAZUH_LOG_SOURCES: readonly AppKind[] = ["identity-provider", "mesh-coordinator", "postgres-primary", "postgres-replica"];

/** The stack output of the manager's site carrying the enrolment password (secret). */
export const WAZUH_ENROLMENT_OUTPUT = "wazuhEnrolment";

/** The guests of `site` that get an agent: the log-source apps and the site's mesh routing peer. */
export function wazuhAgentGuests(site: Site): ResolvedService[] {
  const router = site.inventory.mesh ? site.inventory.meshRouter : undefined;
  return site.services.filter(
    (s) => (s.kind === "lxc" || s.kind === "vm") && !!s.ipv4 && ((!!s.app && WAZUH_LOG_SOURCES.includes(s.app.kind)) || s.name === router) && s.app?.kind !== "wazuh",
  );
}

/** Agent ports of the manager (wazuh/wazuh v4.14.7 etc/ossec-server.conf `<remote><port>1514</port><protocol>tcp`, src/os_auth/auth.h DEFAULT_PORT 1515). */
export const WAZUH_AGENT_PORTS = [1514, 1515] as const;

/**
 * Why an agent on `guest` could not reach `manager`: each agent port the manager's firewall does not
 * open to the guest's address (the mesh flows are derived from those openings, so an opening is what
 * puts the port into them). Empty when it can.
 */
export function wazuhAgentReach(manager: ResolvedService, site: Site, guest: ResolvedService): string[] {
  return WAZUH_AGENT_PORTS.filter((port) => !manager.firewall.some((p) => p.port === port && p.protocol === "tcp" && allowedBy(p.sources, guest.ipv4!))).map(
    (port) => `homelab: site "${site.name}": Wazuh agent on "${guest.name}" (${guest.ipv4}): the manager "${manager.name}" does not open tcp/${port} to it (add its LAN to that port's from)`,
  );
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

/**
 * The agents of `ctx.site`'s log sources when the organisation runs a Wazuh manager. `local` is the
 * manager's install when it runs on this site (its secret and its resource, which the agents wait
 * for); otherwise the password comes from the manager's stack. Returns the guests given an agent.
 */
export function wazuhAgents(ctx: SiteContext, local?: { enrolmentPassword: pulumi.Input<string>; installed: pulumi.Resource }): string[] {
  const manager = placementOf(ctx.org, "wazuh");
  if (!manager?.service.ipv4) return [];
  const onSite = manager.site.name === ctx.site.name;
  if (onSite && !local) throw new Error(`homelab: site "${ctx.site.name}": the Wazuh manager "${manager.service.name}" has no install to enrol agents with`);
  const guests = wazuhAgentGuests(ctx.site);
  if (!guests.length) return [];
  const unreachable = guests.flatMap((g) => wazuhAgentReach(manager.service, ctx.site, g));
  if (unreachable.length) throw new Error(unreachable.join("\n"));
  const password = onSite ? local!.enrolmentPassword : pulumi.secret(ctx.upstream(manager.site.name).requireOutput(WAZUH_ENROLMENT_OUTPUT).apply((v) => String(v ?? "")));
  return guests.map((g) => {
    remoteScript(
      `${ctx.site.name}-${g.name}-wazuh-agent`,
      {
        // A VM's root login is closed (cloud-init): its cloud-init user runs the script through sudo, as AppInstall does.
        connection: g.kind === "vm" ? ctx.ssh(g.ipv4!, VM_USER) : ctx.root(g.ipv4!),
        sudo: g.kind === "vm",
        script: renderWazuhAgentSetup({ version: manager.service.app.version, manager: manager.service.ipv4!, guest: g.name }),
        secrets: { WAZUH_ENROLMENT_PASSWORD: password },
      },
      { dependsOn: onSite ? [ctx.guest(g.name), local!.installed] : [ctx.guest(g.name)] },
    );
    return g.name;
  });
}
