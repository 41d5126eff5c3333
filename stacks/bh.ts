import { Site } from "../components/inventory/load";
import { remoteDataSite } from "../components/data/remoteSite";
import { meshForMember } from "../components/mesh/siteMesh";

/** The bh site: guests, a streaming replica of bo's primary, restic agents, and its mesh routing peer (bo's outputs via homelab:dataSource). */
export function bh(site: Site) {
  const data = remoteDataSite(site);
  return { ...data.outputs, ...meshForMember(site, (name: string) => data.ref.getOutput(name), { proxmox: data.proxmox }) };
}
