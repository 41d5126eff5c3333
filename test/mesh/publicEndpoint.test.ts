/** The coordinator's public endpoint is inventory data, required when a member is off its LAN (components/inventory/org.ts). */
import { InventoryError, loadInventory } from "../../components/inventory/load";
import { checkOrganisation, organisationOf } from "../../components/inventory/org";
import { committedInventory, committedPhase, serviceIndex } from "../helpers/inventory";

const load = (site: string, mutate: (inv: any) => void = () => {}) => {
  const inv = committedInventory(site);
  mutate(inv);
  return loadInventory(site, inv, committedPhase(site));
};
const apiary = (mutateBo: (inv: any) => void = () => {}) => {
  const bo = load("bo", mutateBo);
  return organisationOf(bo, [load("bh"), load("ep")]);
};
const coordinatorApp = (inv: any) => inv.services[serviceIndex(inv, "netbird")];

describe("mesh-coordinator publicEndpoint", () => {
  it("the committed organisations pass", () => {
    expect(() => checkOrganisation(apiary())).not.toThrow();
    const r9 = load("ryzen9");
    expect(() => checkOrganisation(organisationOf(r9, []))).not.toThrow();
  });

  it("is required when a mesh member is not on the coordinator's LAN (bh, ep vs bo)", () => {
    let err: unknown;
    try {
      checkOrganisation(apiary((inv) => (coordinatorApp(inv).app = "mesh-coordinator")));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InventoryError);
    expect((err as Error).message).toMatch(/^homelab: site "bo": inventory\.services\[\d+\]\.app\.publicEndpoint = \(missing\): mesh members bh, ep are not on the coordinator's LAN/);
  });

  it("is optional when every member shares the coordinator's LAN (a single-site organisation)", () => {
    const r9 = load("ryzen9", (inv) => (coordinatorApp(inv).app = "mesh-coordinator"));
    expect(() => checkOrganisation(organisationOf(r9, []))).not.toThrow();
  });

  it("must be a DNS name or an address", () => {
    expect(() => load("bo", (inv) => (coordinatorApp(inv).app = { kind: "mesh-coordinator", publicEndpoint: "https://x/" }))).toThrow(/publicEndpoint = "https:\/\/x\/": must be a DNS name or an IPv4 address/);
  });
});
