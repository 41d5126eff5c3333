import { Site } from "../components/inventory/load";
import { ProxmoxSite } from "../components/site/proxmoxSite";

/** Guests of a Proxmox site, exported as a plain summary. */
export function proxmoxGuests(site: Site) {
  const guests = new ProxmoxSite(site.name, { site });
  return {
    site: site.name,
    phase: site.phase,
    guests: guests.guests,
    deferred: site.deferred.map((s) => ({ name: s.name, phase: s.phase })),
  };
}
