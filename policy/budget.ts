/**
 * Capacity budgets per Proxmox node, from the guests' real inputs
 * (ContainerLegacy / VmLegacy, read by lib/guests.ts) against the inventory's
 * capacities (pack config `hosts`):
 *
 * - memory: Σ guest memory ≤ memoryGiB − reservedMemoryGiB (hard);
 * - disk: Σ guest disk per datastore ≤ the datastore's capacity (hard);
 * - vCPU: Σ guest cores ≤ (cores − reservedCores) × cpuOvercommit;
 * - site: every guest sits on a budgeted node, and site totals fit.
 *
 * One pass over the resources, grouped in maps: linear in the stack size.
 */
import type { PolicyResource, ReportViolation } from "@pulumi/policy";
import type { SiteConfig } from "./config";
import { fmt, guestsOf, stackRule, who } from "./lib/common";
import type { GuestUsage } from "./lib/guests";

type Hosts = SiteConfig["hosts"];

/** The n largest consumers by a metric, as "a 8, b 4, c 2". */
function top(items: Array<{ g: GuestUsage; v: number }>, unit: string, n = 3): string {
  return [...items]
    .sort((a, b) => b.v - a.v)
    .slice(0, n)
    .map((i) => `${who(i.g)} ${fmt(i.v)}${unit}`)
    .join(", ");
}

function byNode(resources: readonly PolicyResource[]): Map<string, GuestUsage[]> {
  const m = new Map<string, GuestUsage[]>();
  for (const g of guestsOf(resources)) {
    const list = m.get(g.node) ?? [];
    list.push(g);
    m.set(g.node, list);
  }
  return m;
}

export const hostMemory = stackRule({
  name: "homelab-host-memory",
  description: "Guest memory on each Proxmox node fits its memory minus the hypervisor reserve.",
  enforcementLevel: "mandatory",
  sections: ["hosts"],
  validate: (resources, config, report) => {
    const nodes = byNode(resources);
    for (const h of config.hosts) {
      const guests = nodes.get(h.name) ?? [];
      if (h.memoryGiB === undefined) continue;
      const budget = h.memoryGiB - h.reservedMemoryGiB;
      const used = guests.reduce((s, g) => s + g.memoryMiB / 1024, 0);
      if (used > budget) {
        report(`host ${h.name}: guest memory ${fmt(used)} GiB exceeds ${fmt(budget)} GiB (${fmt(h.memoryGiB)} GiB − ${fmt(h.reservedMemoryGiB)} GiB reserved); largest: ${top(guests.map((g) => ({ g, v: g.memoryMiB / 1024 })), " GiB")}`);
      }
    }
  },
});

export const hostDisk = stackRule({
  name: "homelab-host-disk",
  description: "Guest disks on each datastore of each Proxmox node fit the datastore's capacity.",
  enforcementLevel: "mandatory",
  sections: ["hosts"],
  validate: (resources, config, report) => {
    const nodes = byNode(resources);
    for (const h of config.hosts) {
      const guests = nodes.get(h.name) ?? [];
      const perDs = new Map<string, Array<{ g: GuestUsage; v: number }>>();
      for (const g of guests) {
        const sums = new Map<string, number>();
        for (const d of g.disks) sums.set(d.datastore, (sums.get(d.datastore) ?? 0) + d.sizeGiB);
        for (const [ds, v] of sums) {
          const list = perDs.get(ds) ?? [];
          list.push({ g, v });
          perDs.set(ds, list);
        }
      }
      const capacity = new Map(h.datastores.map((d) => [d.id, d.capacityGiB]));
      for (const [ds, items] of perDs) {
        const used = items.reduce((s, i) => s + i.v, 0);
        const cap = capacity.get(ds);
        if (cap === undefined) {
          report(`host ${h.name}: datastore ${ds} is not in the inventory (has: ${[...capacity.keys()].join(", ") || "none"}); used ${fmt(used)} GiB by ${top(items, " GiB")}`);
        } else if (used > cap) {
          report(`host ${h.name}: datastore ${ds} disks ${fmt(used)} GiB exceed its capacity ${fmt(cap)} GiB; largest: ${top(items, " GiB")}`);
        }
      }
    }
  },
});

export const hostVcpu = stackRule({
  name: "homelab-host-vcpu",
  description: "Guest vCPUs on each Proxmox node fit (cores − reservedCores) × cpuOvercommit.",
  enforcementLevel: "mandatory",
  sections: ["hosts"],
  validate: (resources, config, report) => {
    const nodes = byNode(resources);
    for (const h of config.hosts) {
      if (h.cores === undefined) continue;
      const guests = nodes.get(h.name) ?? [];
      const budget = (h.cores - h.reservedCores) * h.cpuOvercommit;
      const used = guests.reduce((s, g) => s + g.cores, 0);
      if (used > budget) {
        report(`host ${h.name}: guest vCPUs ${used} exceed ${fmt(budget)} ((${h.cores} cores − ${h.reservedCores} reserved) × ${h.cpuOvercommit} overcommit); largest: ${top(guests.map((g) => ({ g, v: g.cores })), " vCPU")}`);
      }
    }
  },
});

function siteTotals(hosts: Hosts): { memory: number; cores: number; disk: number } {
  let memory = 0;
  let cores = 0;
  let disk = 0;
  for (const h of hosts) {
    memory += h.memoryGiB !== undefined ? h.memoryGiB - h.reservedMemoryGiB : 0;
    cores += h.cores !== undefined ? (h.cores - h.reservedCores) * h.cpuOvercommit : 0;
    disk += h.datastores.reduce((s, d) => s + d.capacityGiB, 0);
  }
  return { memory, cores, disk };
}

export const siteBudget = stackRule({
  name: "homelab-site-budget",
  description: "Every guest runs on a Proxmox node of the inventory, and the site's totals fit its total capacity.",
  enforcementLevel: "mandatory",
  sections: ["hosts"],
  validate: (resources, config, report: ReportViolation) => {
    const known = new Set(config.hosts.map((h) => h.name));
    const guests = guestsOf(resources);
    for (const g of guests) if (!known.has(g.node)) report(`${who(g)} is placed on node "${g.node}", which is not a Proxmox host of site ${config.site} (hosts: ${[...known].join(", ") || "none"})`, g.urn);
    const cap = siteTotals(config.hosts);
    const used = { memory: 0, cores: 0, disk: 0 };
    for (const g of guests) {
      used.memory += g.memoryMiB / 1024;
      used.cores += g.cores;
      used.disk += g.disks.reduce((s, d) => s + d.sizeGiB, 0);
    }
    const over: string[] = [];
    if (used.memory > cap.memory) over.push(`memory ${fmt(used.memory)}/${fmt(cap.memory)} GiB (largest: ${top(guests.map((g) => ({ g, v: g.memoryMiB / 1024 })), " GiB")})`);
    if (used.cores > cap.cores) over.push(`vCPU ${used.cores}/${fmt(cap.cores)} (largest: ${top(guests.map((g) => ({ g, v: g.cores })), " vCPU")})`);
    if (used.disk > cap.disk) over.push(`disk ${fmt(used.disk)}/${fmt(cap.disk)} GiB (largest: ${top(guests.map((g) => ({ g, v: g.disks.reduce((s, d) => s + d.sizeGiB, 0) })), " GiB")})`);
    if (over.length > 0) report(`site ${config.site} totals exceed its capacity: ${over.join("; ")}`);
  },
});

export const budgetPolicies = [hostMemory, hostDisk, hostVcpu, siteBudget];
