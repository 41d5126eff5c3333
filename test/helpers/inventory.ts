/** Test helpers: a site's committed inventory as a mutable object. */
import { readStackConfig } from "../../scripts/lib/offline";

/** A deep copy of the committed inventory of `site`. */
export function committedInventory(site: string): any {
  return JSON.parse(readStackConfig(site)["homelab:inventory"]);
}

/** The committed phase of `site`. */
export function committedPhase(site: string): number {
  return Number(readStackConfig(site)["homelab:phase"] ?? 0);
}

/** Index of the service called `name`. */
export function serviceIndex(inv: any, name: string): number {
  const i = inv.services.findIndex((s: any) => s.name === name);
  if (i < 0) throw new Error(`no service ${name}`);
  return i;
}
