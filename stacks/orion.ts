import { Site } from "../components/inventory/load";
import { proxmoxGuests } from "./common";

/** The orion site. */
export function orion(site: Site) {
  return { ...proxmoxGuests(site) };
}
