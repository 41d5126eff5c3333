/**
 * Backup targets (issue 14, decisions 370-379): every service with backup paths has a target (the
 * organisation's restic-server, the site's object store, or an operator-run rest-server); without one
 * the inventory is refused in one line naming site, key path and value.
 */
import { InventoryError, loadInventory } from "../../components/inventory/load";
import { organisationOf } from "../../components/inventory/org";
import { backupTargetOf, checkBackupTargets } from "../../components/inventory/backupTargets";
import { committedInventory, committedPhase, serviceIndex } from "../helpers/inventory";

const load = (site: string, mutate: (inv: any) => void = () => {}) => {
  const inv = committedInventory(site);
  mutate(inv);
  return loadInventory(site, inv, committedPhase(site));
};
const alone = (site: string, mutate: (inv: any) => void = () => {}) => organisationOf(load(site, mutate), []);
const apiary = (mutateBh: (inv: any) => void = () => {}) => organisationOf(load("bh", mutateBh), [load("bo"), load("ep")]);
const messageOf = (f: () => void): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InventoryError);
    return (e as Error).message;
  }
  throw new Error("expected an InventoryError");
};

describe("backup targets", () => {
  it("the committed organisations pass, each with the target its inventory chose", () => {
    for (const org of [apiary(), alone("ryzen9"), alone("hx310-db"), alone("orion"), alone("sector7")]) expect(() => checkBackupTargets(org)).not.toThrow();
    expect(backupTargetOf(apiary()[0], apiary())).toMatchObject({ kind: "organisation", site: { name: "bo" }, service: { app: { kind: "restic-server" } } });
    expect(backupTargetOf(alone("ryzen9")[0], alone("ryzen9"))).toMatchObject({ kind: "object-store", service: { name: "minio" } });
    expect(backupTargetOf(alone("hx310-db")[0], alone("hx310-db"))).toMatchObject({ kind: "rest-server", service: { name: "unraid-nas" }, url: "https://192.168.130.10:8000/", user: "hx310-db" });
  });

  it("refuses backup paths when neither the site nor the organisation has a target", () => {
    const org = alone("ryzen9", (inv) => delete inv.backupTarget);
    expect(messageOf(() => checkBackupTargets(org))).toBe(
      'homelab: site "ryzen9": inventory.services[1].backup.paths = ["/var/backups/postgresql"]: no backup target: declare the site\'s backupTarget (object-store or rest-server) or an organisation restic-server',
    );
    // bh without bo: the organisation's restic-server is gone
    expect(messageOf(() => checkBackupTargets(organisationOf(load("bh"), [load("ep")])))).toMatch(/^homelab: site "bh": inventory\.services\[\d+\]\.backup\.paths = \[".*"\]: no backup target/);
  });

  it("allows exemptions without a target", () => {
    const org = alone("ryzen9", (inv) => {
      delete inv.backupTarget;
      for (const s of inv.services) {
        if (s.backup && s.backup.paths) s.backup = { exempt: "kept elsewhere by the operator for this test" };
        if (s.app === "postgres-primary" || s.app?.kind === "postgres-primary") s.app = "coolify";
      }
    });
    expect(() => checkBackupTargets(org)).not.toThrow();
    expect(backupTargetOf(org[0], org)).toBeUndefined();
  });

  it("object-store target: the site must declare one, and every backed-up guest must reach its S3 port", () => {
    expect(messageOf(() => checkBackupTargets(alone("hx310-db", (inv) => (inv.backupTarget = { kind: "object-store" }))))).toBe(
      'homelab: site "hx310-db": inventory.backupTarget.kind = "object-store": the site declares no object-store service to keep its backups',
    );
    const msg = messageOf(() =>
      checkBackupTargets(alone("ryzen9", (inv) => (inv.services[serviceIndex(inv, "minio")].ports[0].from = ["data"]))),
    );
    expect(msg).toMatch(/^homelab: site "ryzen9": inventory\.services\[\d+\]\.ports = "adguard 10\.0\.\d+\.\d+": the restic agent of "adguard" must reach the object store's tcp\/9000: allow its network$/);
  });

  it("rest-server target: names a native service of the site; URL and user are checked by the schema", () => {
    expect(messageOf(() => checkBackupTargets(alone("hx310-db", (inv) => (inv.backupTarget.service = "nas"))))).toBe(
      'homelab: site "hx310-db": inventory.backupTarget.service = "nas": no service of that name in the site',
    );
    expect(messageOf(() => checkBackupTargets(alone("hx310-db", (inv) => (inv.backupTarget.service = "postgres"))))).toBe(
      'homelab: site "hx310-db": inventory.backupTarget.service = "postgres": an external rest-server runs on a native service (one this program does not manage)',
    );
    expect(messageOf(() => load("hx310-db", (inv) => (inv.backupTarget.url = "https://u:pw@192.168.130.10:8000/")))).toMatch(/^homelab: site "hx310-db": inventory\.backupTarget\.url = "https:\/\/u:pw@192\.168\.130\.10:8000\/": must be http\(s\):\/\/host\[:port\]\/\[path\/\] without credentials/);
    expect(messageOf(() => load("hx310-db", (inv) => (inv.backupTarget.user = "Bad User")))).toMatch(/^homelab: site "hx310-db": inventory\.backupTarget\.user = "Bad User": /);
  });
});
