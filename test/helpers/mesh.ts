/** The committed organisation's sites and mesh plan (bo, bh, ep), for mesh tests. */
import { loadInventory, Site } from "../../components/inventory/load";
import { meshPlanFromSites } from "../../components/mesh/render/meshPolicy";
import { readStackConfig } from "../../components/site/stackFiles";

/** A committed site at its committed phase (or `phase`). */
export function committedSite(name: string, phase?: number): Site {
  const c = readStackConfig(name);
  return loadInventory(name, JSON.parse(c["homelab:inventory"]), phase ?? Number(c["homelab:phase"] ?? 0));
}

/** The mesh plan of the committed apiary sites. */
export function committedMesh() {
  return meshPlanFromSites(["bo", "bh", "ep"].map((s) => committedSite(s)));
}
