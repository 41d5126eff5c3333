import { Site } from "../components/inventory/load";
import { proxmoxGuests } from "./common";

/** The bo site. */
export function bo(site: Site) {
  return { ...proxmoxGuests(site) };
}
