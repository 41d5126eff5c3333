import { Site } from "../components/inventory/load";
import { proxmoxGuests } from "./common";

/** The ep site. */
export function ep(site: Site) {
  return { ...proxmoxGuests(site) };
}
