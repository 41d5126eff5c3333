import { Site } from "../components/inventory/load";
import { proxmoxGuests } from "./common";

/** The bh site. */
export function bh(site: Site) {
  return { ...proxmoxGuests(site) };
}
