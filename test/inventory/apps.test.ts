/**
 * Apps as inventory data: the single-site rules the loader applies (checkSiteApps) and the rules
 * across an organisation's inventories (checkOrganisation), each a committed inventory with one
 * field changed, failing in one line that names the site where the fix belongs.
 */
import { loadInventory, Site } from "../../components/inventory/load";
import { checkOrganisation, organisationOf, primaryDatabases, replicasOf, placementOf, activeApp } from "../../components/inventory/org";
import { oidcClients } from "../../components/apps/oidc";
import { stackDocument } from "../helpers/inventory";

const raw = (site: string) => stackDocument(site).config["homelab:inventory"];
const phaseOf = (site: string) => Number(stackDocument(site).config["homelab:phase"]);
const svc = (inv: any, name: string) => inv.services.find((s: any) => s.name === name);
const load = (site: string, inv = raw(site)) => loadInventory(site, inv, phaseOf(site));
const apiary = (edit: (inv: Record<string, any>) => void = () => undefined): Site[] => {
  const invs: Record<string, any> = { bo: raw("bo"), bh: raw("bh"), ep: raw("ep") };
  edit(invs);
  const sites = Object.entries(invs).map(([n, inv]) => load(n, inv));
  return organisationOf(sites[0], sites.slice(1));
};

describe("checkSiteApps (in the loader)", () => {
  const cases: Array<[string, string, (inv: any) => void, string]> = [
    ["an unknown kind", "bo", (inv) => (svc(inv, "gitea").app = "gittea"), 'homelab: site "bo": inventory.services[9].app = "gittea": unknown app kind "gittea" (see components/inventory/apps.ts for the kinds)'],
    ["a setting the kind does not take", "bo", (inv) => (svc(inv, "minio").app = { kind: "object-store", database: "x" }), 'homelab: site "bo": inventory.services[3].app = {"kind":"object-store","database":"x"}: Unrecognized key: "database"'],
    ["a database name that is not an identifier", "bo", (inv) => (svc(inv, "gitea").app.database = "Gitea-DB"), 'homelab: site "bo": inventory.services[9].app.database = "Gitea-DB": must be a PostgreSQL identifier (a-z, 0-9, _; at most 63 characters)'],
    ["two primaries in a site", "bo", (inv) => (svc(inv, "n8n").app = "postgres-primary"), 'homelab: site "bo": inventory.services[10].app = "postgres-primary": a site runs at most one postgres-primary (already: service "postgres")'],
    ["a primary without tcp/5432", "bo", (inv) => (svc(inv, "postgres").ports = svc(inv, "postgres").ports.filter((p: any) => p.port === 9187)), 'homelab: site "bo": inventory.services[2].ports = [{"port":9187,"protocol":"tcp","from":["prometheus"],"description":"postgres_exporter"}]: the PostgreSQL primary must open tcp/5432 to its replicas and clients'],
    ["a replica that is not stateful", "bh", (inv) => (svc(inv, "pg-replica").stateful = false), 'homelab: site "bh": inventory.services[2].stateful = false: service "pg-replica" runs postgres-replica and must be stateful'],
    ["a backup server without a data mount", "bo", (inv) => (svc(inv, "restic").dataMounts = []), 'homelab: site "bo": inventory.services[4].dataMounts = []: restic-server keeps its data on a data mount; declare one'],
    ["a k3s node without a kubernetes section", "orion", (inv) => delete inv.kubernetes, 'homelab: site "orion": inventory.services[3].app = "k3s-server": a k3s node needs the site\'s `kubernetes` section'],
    ["ingress without MetalLB", "sector7", (inv) => (inv.kubernetes.platform.metallb = false), 'homelab: site "sector7": inventory.kubernetes.platform.ingress = true: ingress-nginx takes its address from MetalLB: set metallb: true'],
    ["a platform before the cluster", "sector7", (inv) => (inv.kubernetes.platform.phase = 1), 'homelab: site "sector7": inventory.kubernetes.platform.phase = 1: the platform cannot come before the cluster (phase 2)'],
    ["a workload before the cluster", "sector7", (inv) => (svc(inv, "heimdall").phase = 1), 'homelab: site "sector7": inventory.services[0].phase = 1: a Kubernetes workload cannot come before the cluster (kubernetes.phase 2)'],
  ];
  it.each(cases)("refuses %s", (_what, site, edit, message) => {
    const inv = raw(site);
    edit(inv);
    expect(() => load(site, inv)).toThrow(message);
  });
  it("accepts every committed inventory", () => {
    for (const site of ["bo", "bh", "ep", "orion", "sector7", "ryzen9", "hx310-db"]) expect(load(site).name).toBe(site);
  });
});

describe("checkOrganisation (across the organisation's stack files)", () => {
  const cases: Array<[string, (invs: Record<string, any>) => void, string]> = [
    ["a replica the primary's firewall does not admit", (i) => (svc(i.bo, "postgres").ports[0].from = svc(i.bo, "postgres").ports[0].from.filter((f: string) => f !== "192.168.50.22")), 'homelab: site "bo": inventory.services[2].ports[0].from = ["192.168.30.22","authentik","netbird","gitea","n8n","paperless"]: does not allow replica bh/pg-replica (192.168.50.22)'],
    ["a database owner the primary's firewall does not admit", (i) => (svc(i.bo, "postgres").ports[0].from = svc(i.bo, "postgres").ports[0].from.filter((f: string) => f !== "gitea")), 'does not allow bo/gitea (192.168.9.40), the owner of database "gitea"'],
    ["a database the primary does not dump", (i) => (svc(i.bo, "postgres").backup.databases = svc(i.bo, "postgres").backup.databases.filter((d: string) => d !== "gitea")), 'homelab: site "bo": inventory.services[2].backup.databases = ["authentik","iron_honeycomb","odoo_bo","n8n","paperless"]: does not dump database "gitea" of the primary'],
    ["a dump of a database nobody owns", (i) => svc(i.bo, "postgres").backup.databases.push("ghost"), 'dumps "ghost", which no app owns and the primary\'s app.databases does not list'],
    ["two owners of one database", (i) => (svc(i.bo, "n8n").app.database = "gitea"), 'homelab: site "bo": inventory.services[10].app.database = "gitea": database already owned by bo/gitea'],
    ["a second primary in the organisation", (i) => { svc(i.ep, "pg-replica").app = "postgres-primary"; svc(i.ep, "pg-replica").ports.push({ port: 5432, from: ["lan"] }); svc(i.ep, "pg-replica").backup = { paths: ["/var/backups/postgresql"], databases: ["odoo_ep"] }; }, 'homelab: site "ep": inventory.services[4].app = "postgres-primary": organisation "apiary" already runs postgres-primary at bo/postgres'],
    ["a mesh coordinator without the identity provider", (i) => (svc(i.bo, "authentik").app = "gitea"), 'homelab: site "bo": inventory.services[1].app = "mesh-coordinator": NetBird needs the organisation\'s identity-provider (authentik) for its logins'],
  ];
  it.each(cases)("refuses %s", (_what, edit, message) => {
    expect(() => checkOrganisation(apiary(edit))).toThrow(message);
  });
  it("refuses replicas and database owners without a primary", () => {
    const org = apiary((i) => { svc(i.bo, "postgres").app = "postgres"; });
    expect(() => checkOrganisation(org)).toThrow('homelab: site "bh": inventory.services[2].app = "postgres-replica": organisation "apiary" has no postgres-primary to replicate');
  });
  it("refuses pgvector on a primary with replicas, and an object-store repository on a site without one (decisions 180, 181)", () => {
    expect(() => checkOrganisation(apiary((i) => (svc(i.bo, "postgres").app.extensions = ["vector"])))).toThrow(
      'homelab: site "bo": inventory.services[2].app.extensions = ["vector"]: pgvector must be installed on the replicas too (bh, ep), which this program does not do yet',
    );
    const inv = raw("orion");
    delete svc(inv, "minio").app;
    svc(inv, "pgvector").app.pgBackRestRepository = "object-store";
    expect(() => checkOrganisation([load("orion", inv)])).toThrow('homelab: site "orion": inventory.services[11].app.pgBackRestRepository = "object-store": the site declares no object-store');
  });
  it("orion's pgvector is luci's primary: its databases are the apps' (flowise, litellm, n8n, coordinator) with their addresses", () => {
    const org = [load("orion")];
    expect(() => checkOrganisation(org)).not.toThrow();
    const p = placementOf(org, "postgres-primary")!;
    expect(p.service.name).toBe("pgvector");
    expect(primaryDatabases(org, p.service).map((d) => [d.name, d.clients])).toEqual([
      ["litellm", ["192.168.100.112/32"]],
      ["flowise", ["192.168.100.113/32"]],
      ["n8n", ["192.168.100.119/32"]],
      ["coordinator", ["192.168.100.30/32"]],
    ]);
  });
  it("accepts the committed organisations", () => {
    expect(() => checkOrganisation(apiary())).not.toThrow();
    expect(() => checkOrganisation([load("ryzen9")])).not.toThrow();
  });
});

describe("derived relations", () => {
  const org = apiary();
  it("the primary, its replicas, databases and OIDC clients follow from the apps", () => {
    const primary = placementOf(org, "postgres-primary")!;
    expect([primary.site.name, primary.service.name]).toEqual(["bo", "postgres"]);
    expect(replicasOf(org).map((r) => [r.name, r.address])).toEqual([["bh", "192.168.50.22"], ["ep", "192.168.30.22"]]);
    expect(primaryDatabases(org, primary.service).map((d) => [d.name, d.clients])).toEqual([
      ["authentik", ["192.168.9.30/32"]],
      ["iron_honeycomb", []],
      ["odoo_bo", []],
      ["gitea", ["192.168.9.40/32"]],
      ["n8n", ["192.168.9.41/32"]],
      ["paperless", ["192.168.9.42/32"]],
    ]);
    // Clients follow the app plans (components/apps/oidc.ts), sorted by client id.
    expect(oidcClients(org).map((c) => `${c.site.name}/${c.service.name}`)).toEqual(["bh/open-webui", "ep/konstanze", "bo/gitea", "bo/grafana", "bo/n8n", "bo/paperless"]);
  });
  it("a renamed guest keeps its role: the program looks apps up, not names", () => {
    const renamed = apiary((i) => {
      svc(i.bh, "pg-replica").name = "db-standby";
      i.bh.meshRouter = "db-standby";
    });
    expect(replicasOf(renamed).map((r) => `${r.site.name}/${r.service.name}`)).toEqual(["bh/db-standby", "ep/pg-replica"]);
    expect(activeApp(renamed.find((s) => s.name === "bh")!, "postgres-replica")!.ipv4).toBe("192.168.50.22");
  });
});
