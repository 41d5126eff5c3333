/**
 * Plain summaries of a rendered stack for people: per-host usage against
 * capacity, and the address plan. Counts come from the rendered resource
 * inputs (the same numbers the budget policy checks), capacities from the
 * inventory.
 */
import { guestUsage } from "../../policy/lib/guests";
import { RenderResult } from "./offline";
import type { Violation } from "./policies";
import { futureVlanOf } from "../../components/inventory/futureVlans";

/** One row of the host table. */
export interface HostRow {
  host: string;
  guests: number;
  cores: number;
  coreBudget?: number;
  memoryGiB: number;
  memoryBudgetGiB?: number;
  datastores: Array<{ id: string; usedGiB: number; capacityGiB?: number }>;
}

/** Usage per host from the rendered guests, against the inventory's capacity. */
export function hostTable(result: RenderResult): HostRow[] {
  const rows = new Map<string, HostRow>();
  for (const h of result.site.hosts) {
    if (h.kind !== "proxmox") continue;
    rows.set(h.name, {
      host: h.name,
      guests: 0,
      cores: 0,
      coreBudget: h.cores !== undefined ? (h.cores - h.reservedCores) * h.cpuOvercommit : undefined,
      memoryGiB: 0,
      memoryBudgetGiB: h.memoryGiB !== undefined ? h.memoryGiB - h.reservedMemoryGiB : undefined,
      datastores: h.datastores.map((d) => ({ id: d.id, usedGiB: 0, capacityGiB: d.capacityGiB })),
    });
  }
  for (const r of result.resources) {
    const g = guestUsage(r.type, r.name, r.props, r.urn);
    if (!g) continue;
    let row = rows.get(g.node);
    if (!row) rows.set(g.node, (row = { host: g.node, guests: 0, cores: 0, memoryGiB: 0, datastores: [] }));
    row.guests += 1;
    row.cores += g.cores;
    row.memoryGiB += g.memoryMiB / 1024;
    for (const d of g.disks) {
      let ds = row.datastores.find((x) => x.id === d.datastore);
      if (!ds) row.datastores.push((ds = { id: d.datastore, usedGiB: 0 }));
      ds.usedGiB += d.sizeGiB;
    }
  }
  return [...rows.values()];
}

/** One line of the address plan. */
export interface AddressRow {
  address: string;
  name: string;
  kind: string;
  host?: string;
  vmid?: number;
  cores?: number;
  memoryMiB?: number;
  diskGiB?: number;
  ports: string;
  /** The VLAN the address moves to at the split, when its network plans future VLANs (seed 004), e.g. `110 BACKEND-DB`. */
  futureVlan?: string;
}

function sortKey(address: string): string {
  return address.includes(":") ? `z${address}` : address.split(".").map((o) => o.padStart(3, "0")).join(".");
}

/** Every static address of the site: services (active and deferred), hosts, reservations, gateways and pools. */
export function addressPlan(result: RenderResult): AddressRow[] {
  const { site } = result;
  const rows: AddressRow[] = [];
  const active = new Set(site.services.map((s) => s.name));
  for (const s of [...site.services, ...site.deferred]) {
    const ports = s.firewall.map((f) => `${f.port}/${f.protocol}${f.sources.length ? "" : "(any)"}`).join(" ");
    const base = { name: s.name, kind: active.has(s.name) ? s.kind : `${s.kind} (phase ${s.phase})`, host: s.host, vmid: s.vmid, cores: s.cores, memoryMiB: s.memoryMiB, diskGiB: s.totalDiskGiB || undefined, ports };
    for (const a of [s.ipv4, s.ipv6, ...s.extraNics.map((n) => n.ipv4)]) if (a && a !== "dhcp") rows.push({ ...base, address: a });
  }
  for (const h of site.hosts) if (h.address) rows.push({ address: h.address, name: h.name, kind: `host (${h.kind})`, ports: "" });
  for (const n of site.networks) {
    if (n.gateway && !rows.some((r) => r.address === n.gateway)) rows.push({ address: n.gateway, name: `${n.name} gateway`, kind: "gateway", ports: "" });
    for (const r of n.reserved) rows.push({ address: r.address, name: r.name, kind: "reserved", ports: r.purpose });
    if (n.dhcp) rows.push({ address: `${n.dhcp.start}-${n.dhcp.end}`, name: `${n.name} DHCP`, kind: "dhcp range", ports: "" });
    for (const p of n.loadBalancerPools) rows.push({ address: `${p.start}-${p.end}`, name: p.name, kind: "load-balancer pool", ports: "" });
  }
  for (const r of rows) {
    const fv = futureVlanOf(site.inventory.networks, r.address.split("-")[0]);
    if (fv) r.futureVlan = `${fv.vlan} ${fv.name}`;
  }
  return rows.sort((a, b) => (sortKey(a.address) < sortKey(b.address) ? -1 : 1));
}

/** The document `plan --json` prints: resources (secrets masked), hosts, address plan, outputs and violations. */
export function planDocument(result: RenderResult, violations: readonly Violation[]) {
  return {
    site: result.site.name,
    phase: result.site.phase,
    resources: result.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, parent: r.parent, protect: r.protect, deleteBeforeReplace: r.deleteBeforeReplace, inputs: r.inputs })),
    hosts: hostTable(result),
    addresses: addressPlan(result),
    outputs: result.outputs,
    violations: [...violations],
  };
}

/** The JSON document of `plan --json`. */
export type PlanDocument = ReturnType<typeof planDocument>;
