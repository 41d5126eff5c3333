/**
 * orion's committed inventory, loaded as is, and a copy with every address moved into documentation
 * ranges (RFC 5737: 198.51.100.0/24, 203.0.113.0/24, and 192.0.2.0/24 for the WAN link and the management network; RFC 3849: 2001:db8::/32) so that
 * the namespace test (test/real/router.test.ts) cannot address a packet outside itself.
 */
import { loadInventory, Site } from "../../components/inventory/load";
import { committedInventory, committedPhase } from "../helpers/inventory";

/** The substitutions, applied to the inventory's JSON text (whole octet groups only). */
export const DOC_REMAP: ReadonlyArray<[RegExp, string]> = [
  [/\b192\.168\.100\./g, "198.51.100."], // lan
  [/\b192\.168\.200\./g, "203.0.113."], // guest
  [/\b192\.168\.1\.0\/24\b/g, "192.0.2.128/25"], // management (the Telus side): beyond the test's ISP
  [/\b2602:f674:/gi, "2001:db8:"], // the site's /48 → 2001:db8::/48
];

/** The ISP side of the test's WAN link (outside the remapped /48, inside 2001:db8::/32). */
export const TEST_WAN = { isp4: "192.0.2.1", router4: "192.0.2.2", isp6: "2001:db8:ffff::1", router6: "2001:db8:ffff::2", len4: 25, len6: 64, management4: "192.0.2.129" } as const;

/** Interface names the namespace test gives the router's legs. */
export const TEST_IFACES = { lan: "r-lan", wan: "r-wan", guest: "r-guest" } as const;

/** orion as committed. */
export function orion(): Site {
  return loadInventory("orion", committedInventory("orion"), committedPhase("orion"));
}

/**
 * orion remapped into documentation ranges, with the test's interface names and BGP neighbour, and
 * (when `publish`) a published port on a LAN service so that DNAT is exercised at the committed phase.
 */
export function orionInDocumentationRanges(publish = true): { site: Site; raw: any } {
  let text = JSON.stringify(committedInventory("orion"));
  for (const [re, to] of DOC_REMAP) text = text.replace(re, to);
  const raw = JSON.parse(text);
  const router = raw.services.find((s: any) => s.name === "router");
  router.app = { ...router.app, interfaces: { ...TEST_IFACES }, bgp: { ...router.app.bgp, neighbor: TEST_WAN.isp6, localAddress: `${TEST_WAN.router6}/${TEST_WAN.len6}` } };
  if (publish) {
    const coord = raw.services.find((s: any) => s.name === "ai-coordinator");
    coord.ports.push({ port: 8443, from: ["any"], description: "test: published" });
  }
  return { site: loadInventory("orion", raw, committedPhase("orion")), raw };
}
