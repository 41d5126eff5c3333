/**
 * Safety rules: unprivileged containers, pinned container images, backups of
 * stateful guests, and database ports reachable only from their allowlist.
 */
import type { PolicyResource, ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { configSchemaFor, HomelabPolicy } from "./config";
import { canonicalAddress, canonicalSource, isHostPrefix } from "../components/inventory/net";
import { guestsOf, stackRule, who } from "./lib/common";
import { CONTAINER_TYPE, FIREWALL_OPTIONS_TYPE, FIREWALL_RULES_TYPE, GuestUsage, guestUsage, VM_TYPE } from "./lib/guests";

/** Type of the restic agent component; its outputs name the hosts it backs up. */
export const RESTIC_AGENT_TYPE = "homelab:data:ResticAgent";

export const lxcUnprivileged = stackRule({
  name: "homelab-lxc-unprivileged",
  description: "LXC containers run unprivileged unless the inventory states why (pack config `privileged`).",
  enforcementLevel: "mandatory",
  sections: ["privileged"],
  validate: (resources, config, report) => {
    const allowed = new Map(config.privileged.map((p) => [p.vmid, p]));
    for (const g of guestsOf(resources)) {
      if (g.kind !== "lxc" || g.unprivileged === true) continue;
      const a = g.vmid !== undefined ? allowed.get(g.vmid) : undefined;
      if (!a) report(`${who(g)} is privileged but the inventory gives no reason (set services[].privileged.reason, or make it unprivileged)`, g.urn);
      else if (g.hostname !== undefined && a.name !== g.hostname) report(`${who(g)} is privileged under the allowance of "${a.name}" (vmid ${a.vmid}); the hostnames differ`, g.urn);
    }
  },
});

/** Kubernetes workload types and where their pod spec lives. */
const POD_SPEC_PATHS: Record<string, string[]> = {
  "kubernetes:core/v1:Pod": ["spec"],
  "kubernetes:apps/v1:Deployment": ["spec", "template", "spec"],
  "kubernetes:apps/v1:StatefulSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:DaemonSet": ["spec", "template", "spec"],
  "kubernetes:apps/v1:ReplicaSet": ["spec", "template", "spec"],
  "kubernetes:batch/v1:Job": ["spec", "template", "spec"],
  "kubernetes:batch/v1:CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
};

/** Why an image reference is not pinned, or undefined when it carries a tag (not `latest`) or a digest. */
export function unpinnedImage(image: unknown): string | undefined {
  if (typeof image !== "string" || image.trim() === "") return "has no image";
  if (image.includes("@sha256:") || image.includes("@sha512:")) return undefined;
  const lastSlash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  if (colon <= lastSlash) return `image "${image}" has no tag`;
  const tag = image.slice(colon + 1);
  if (tag === "") return `image "${image}" has no tag`;
  if (tag.toLowerCase() === "latest") return `image "${image}" uses the floating tag :latest`;
  return undefined;
}

export const imagePinned: HomelabPolicy = {
  name: "homelab-image-pinned",
  description: "Kubernetes workloads (Pods, Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs) use images with a fixed tag or digest, never :latest or untagged; containers and initContainers.",
  enforcementLevel: "mandatory",
  sections: [],
  configSchema: configSchemaFor([]),
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    const path = POD_SPEC_PATHS[args.type];
    if (!path) return;
    let spec: any = args.props;
    for (const key of path) spec = spec?.[key];
    if (!spec || typeof spec !== "object") return;
    for (const field of ["initContainers", "containers", "ephemeralContainers"] as const) {
      const list = Array.isArray(spec[field]) ? spec[field] : [];
      for (const c of list) {
        const why = unpinnedImage(c?.image);
        if (why) report(`${args.type.split(":").pop()} ${args.name}: ${field === "containers" ? "container" : field.replace(/s$/, "")} "${c?.name ?? "?"}" ${why}`);
      }
    }
  },
};

/**
 * What the stack's ResticAgents cover, as hostnames. Two sources, both cheap:
 * the agent's registered outputs (`coveredHost`, or `coveredHosts`/`hosts`
 * arrays) when the engine passes them, and the resource graph: a guest that a
 * child of the agent depends on (its setup command runs on that guest), either
 * directly or through the guest's component parent.
 */
function resticCoverage(resources: readonly PolicyResource[]): { agents: number; hosts: Set<string> } {
  const hosts = new Set<string>();
  const agents = new Set<string>();
  const guestByUrn = new Map<string, string>();
  for (const r of resources) {
    if (r.type === RESTIC_AGENT_TYPE) {
      agents.add(r.urn);
      const p = r.props ?? {};
      if (typeof p.coveredHost === "string") hosts.add(p.coveredHost);
      for (const list of [p.coveredHosts, p.hosts]) if (Array.isArray(list)) for (const h of list) if (typeof h === "string") hosts.add(h);
    }
    const g = guestUsage(r.type, r.name, r.props);
    if (g?.hostname) {
      guestByUrn.set(r.urn, g.hostname);
      if (r.parent && !guestByUrn.has(r.parent.urn)) guestByUrn.set(r.parent.urn, g.hostname);
    }
  }
  if (agents.size === 0) return { agents: 0, hosts };
  for (const r of resources) {
    if (!r.parent || !agents.has(r.parent.urn)) continue;
    for (const d of r.dependencies) {
      const h = guestByUrn.get(d.urn);
      if (h) hosts.add(h);
    }
  }
  return { agents: agents.size, hosts };
}

export const statefulBackup = stackRule({
  name: "homelab-stateful-backup",
  description: "Every guest tagged `stateful` is covered by a backup: a stated exemption, or backup paths in the inventory — and, when the stack has ResticAgent resources, an agent naming the guest's host.",
  enforcementLevel: "mandatory",
  sections: ["backups"],
  validate: (resources, config, report) => {
    const declared = new Map(config.backups.map((b) => [b.name, b]));
    const restic = resticCoverage(resources);
    for (const g of guestsOf(resources)) {
      if (!g.tags.includes("stateful")) continue;
      const name = g.hostname ?? g.name;
      const b = declared.get(name);
      if (!b) {
        report(`${who(g)} is stateful but has no backup coverage in the inventory (services[].backup: paths, or exempt with a reason)`, g.urn);
      } else if (b.method === "exempt") {
        continue;
      } else if (b.method !== "restic" || b.paths.length === 0) {
        report(`${who(g)} is a Proxmox guest but its backup is declared as ${b.method}, which does not cover it`, g.urn);
      } else if (restic.agents > 0 && !restic.hosts.has(name)) {
        report(`${who(g)} is stateful, declares backup paths ${b.paths.join(", ")}, but no ResticAgent in the stack covers it (covered: ${[...restic.hosts].sort().join(", ") || "none"})`, g.urn);
      }
    }
  },
});

/** Whether a Proxmox firewall `dport` (e.g. `5432`, `5000:6000`, `80,5432`, unset = all) includes `port`. */
export function dportIncludes(dport: unknown, port: number): boolean {
  if (dport === undefined || dport === null || dport === "") return true;
  for (const part of String(dport).split(",")) {
    const [a, b] = part.trim().split(":");
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return true; // a named service: can't tell, assume it matches
    if (port >= lo && port <= hi) return true;
  }
  return false;
}

function guestKey(node: unknown, id: unknown): string {
  return `${String(node)}/${String(id)}`;
}

export const databaseAllowlist = stackRule({
  name: "homelab-database-allowlist",
  description: "Database ports (5432) of guests tagged `database` are reachable only from their allowlist: the guest firewall is on with input policy DROP, and every ACCEPT rule on the port has a non-empty source of /32 or /128 entries, all allowlisted.",
  enforcementLevel: "mandatory",
  sections: ["databases"],
  validate: (resources, config, report) => {
    const rulesByGuest = new Map<string, PolicyResource>();
    const optionsByGuest = new Map<string, PolicyResource>();
    for (const r of resources) {
      if (r.type === FIREWALL_RULES_TYPE) rulesByGuest.set(guestKey(r.props.nodeName, r.props.containerId ?? r.props.vmId), r);
      else if (r.type === FIREWALL_OPTIONS_TYPE) optionsByGuest.set(guestKey(r.props.nodeName, r.props.containerId ?? r.props.vmId), r);
    }
    const dbs = new Map(config.databases.map((d) => [d.name, d]));
    for (const r of resources) {
      if (r.type !== CONTAINER_TYPE && r.type !== VM_TYPE) continue;
      const g = guestsOf([r])[0] as GuestUsage;
      if (!g.tags.includes("database")) continue;
      const db = dbs.get(g.hostname ?? g.name);
      const ports = db?.ports ?? [5432];
      const allow = new Set((db?.allow ?? []).map(canonicalSource));
      const key = guestKey(g.node, g.vmid);
      const opts = optionsByGuest.get(key)?.props;
      if (!opts || opts.enabled !== true || String(opts.inputPolicy ?? "").toUpperCase() !== "DROP") {
        report(`${who(g)} is a database but its firewall is not enabled with input policy DROP, so port(s) ${ports.join(", ")} are open to everyone`, g.urn);
      }
      const nics: any[] = ((r.type === CONTAINER_TYPE ? r.props.networkInterfaces : r.props.networkDevices) as any[]) ?? [];
      if (nics.some((n) => n?.firewall !== true)) report(`${who(g)} is a database but a NIC has the firewall off`, g.urn);
      const rules: any[] = (rulesByGuest.get(key)?.props.rules as any[]) ?? [];
      rules.forEach((rule, i) => {
        if (rule?.enabled === false) return;
        if (String(rule?.type ?? "in") !== "in" || String(rule?.action ?? "").toUpperCase() !== "ACCEPT") return;
        // A rule with a destination elsewhere admits traffic the guest forwards (a routing peer's
        // transit rule), not traffic to its own database port.
        const dests = String(rule?.dest ?? "").split(",").map((d) => d.trim().split("/")[0]).filter(Boolean);
        if (dests.length > 0 && !dests.some((d) => g.addresses.some((a) => canonicalAddress(a.address) === canonicalAddress(d)))) return;
        if (rule?.securityGroup) {
          report(`${who(g)}: firewall rule ${i} uses security group "${rule.securityGroup}", which the policy cannot check against the database allowlist`, g.urn);
          return;
        }
        for (const port of ports) {
          if (!dportIncludes(rule?.dport, port)) continue;
          const sources = String(rule?.source ?? "").split(",").map((s) => s.trim()).filter(Boolean).map(canonicalSource);
          if (sources.length === 0) {
            report(`${who(g)}: firewall rule ${i} accepts port ${port} from any source; allowed: ${[...allow].join(", ") || "none"}`, g.urn);
            continue;
          }
          const bad = sources.filter((s) => !isHostPrefix(s) || !allow.has(s));
          if (bad.length > 0) report(`${who(g)}: firewall rule ${i} accepts port ${port} from ${bad.join(", ")}, which is not an allowlisted single address (allowed: ${[...allow].join(", ") || "none"})`, g.urn);
        }
      });
    }
  },
});

const PVC_TYPE = "kubernetes:core/v1:PersistentVolumeClaim";
const STATEFULSET_TYPE = "kubernetes:apps/v1:StatefulSet";
const HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release";
/** Charts whose release owns volumes: uninstalling it would take every volume with it. */
const STORAGE_CHARTS = ["longhorn"];

export const statefulProtected: HomelabPolicy = {
  name: "homelab-stateful-protected",
  description:
    "Whatever holds data is protected, so no change deletes or replaces it silently: stateful guests, PVCs, StatefulSets with volume claim templates, and storage-system Helm releases; guests with a fixed VMID are deleted before they are replaced.",
  enforcementLevel: "mandatory",
  sections: [],
  configSchema: configSchemaFor([]),
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    const g = guestUsage(args.type, args.name, args.props, args.urn);
    if (g) {
      if (g.tags.includes("stateful") && !args.opts.protect) report(`${who(g)} is tagged stateful but not protected: a replacement would destroy its disks`);
      if (g.vmid !== undefined && !args.opts.deleteBeforeReplace) report(`${who(g)} has the fixed VMID ${g.vmid} but no deleteBeforeReplace: a replacement would collide with the old guest`);
      return;
    }
    const holdsData =
      args.type === PVC_TYPE ||
      // A namespace takes its PVCs with it when deleted; ours are created only for stateful apps.
      (args.type === "kubernetes:core/v1:Namespace" && args.props.metadata?.labels?.["app.kubernetes.io/managed-by"] === "homelab") ||
      (args.type === STATEFULSET_TYPE && ((args.props.spec?.volumeClaimTemplates as unknown[] | undefined)?.length ?? 0) > 0) ||
      (args.type === HELM_RELEASE_TYPE && STORAGE_CHARTS.includes(String(args.props.chart)));
    if (holdsData && !args.opts.protect) report(`${args.type.split(":").pop()} ${args.name} holds data but is not protected`);
  },
};

export const safetyPolicies: HomelabPolicy[] = [lxcUnprivileged, imagePinned, statefulBackup, databaseAllowlist, statefulProtected];



