/**
 * Flowise (orion LXC 1003, decision 182): typed settings, the plan against its service (contract),
 * its database on the organisation's primary, and what happens without a pin or a primary. The
 * upstream facts are checked against the npm package itself in test/real/apps-flowise.test.ts.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory, ResolvedService, Site } from "../../components/inventory/load";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { appContractProblems } from "../../components/apps/contract";

const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.orion.yaml"), "utf8")).config;
const load = (edit: (s: any) => void = () => undefined): Site => {
  const inv = JSON.parse(JSON.stringify(doc["homelab:inventory"]));
  edit(inv.services.find((x: any) => x.name === "flowise"));
  return loadInventory("orion", inv, Number(doc["homelab:phase"]));
};
const svc = (site: Site) => site.services.find((s) => s.name === "flowise")! as ResolvedService;
const PG = { postgres: { host: "192.168.100.114", port: 5432 } };

describe("Flowise settings", () => {
  it.each([
    ["a version that is not x.y.z", { version: "latest", integrity: `sha512-${"A".repeat(86)}==` }, /release version like 3\.1\.2/],
    ["a sha1 integrity", { version: "3.1.2", integrity: "sha1-abc" }, /sha512 integrity/],
  ])("refuses %s", (_what, release, message) => {
    expect(() => load((s) => (s.app.release = release))).toThrow(message);
  });
});

describe("the Flowise plan", () => {
  const site = load();
  const p = appPlanOf(svc(site), site, PG)!;

  it("is pinned by the npm registry's integrity and agrees with its service", () => {
    expect(p.source).toEqual({ type: "npm", package: "flowise", version: "3.1.2", integrity: expect.stringMatching(/^sha512-/) });
    expect(p.version).toBe("3.1.2");
    expect(appContractProblems(svc(site), p)).toEqual([]);
  });

  it("keeps its data in the primary's flowise database and its keys and files on the data mount", () => {
    expect(p.database).toBe("flowise"); // AppInstall gives its owner password as DB_PASSWORD (module.ts)
    const env = p.config.find((c) => c.path === "/etc/flowise/flowise.env")!.text;
    expect(env).toContain("DATABASE_TYPE=postgres\n");
    expect(env).toContain("DATABASE_USER=flowise\n");
    expect(env).toContain("HOST=192.168.100.113\n");
    expect(env).toContain("SECRETKEY_PATH=/var/lib/flowise\n");
    expect(env).not.toMatch(/PASSWORD=/);
    expect(p.script.match(/DATABASE_PASSWORD=\S*/g)).toEqual(["DATABASE_PASSWORD=${!DB_PASSWORD_ENV}\""]);
    expect(p.backup.paths).toEqual(["/var/lib/flowise"]);
    expect(p.metrics).toEqual([]);
  });

  it("a database the service does not own is a contract problem", () => {
    expect(appContractProblems(svc(load((s) => (s.app.database = "other"))), p)).toEqual([
      'homelab: service "flowise" (app flowise): the app uses database flowise but the service\'s app.database is other',
    ]);
  });

  it("without a pin the install stops naming the setting; without a primary or a database there is no plan", () => {
    const unpinned = load((s) => delete s.app.release);
    const u = appPlanOf(svc(unpinned), unpinned, PG)!;
    expect(u.version).toBe("unpinned");
    expect(u.script).toContain(`FLOWISE_HINT='set app.release of service "flowise" to { version, integrity } of the flowise npm package'`);
    expect(() => appPlanOf(svc(site), site, {})).toThrow('homelab: service "flowise": Flowise needs the organisation\'s active postgres-primary for database "flowise"');
    const noDb = load((s) => delete s.app.database);
    expect(() => appPlanOf(svc(noDb), noDb, PG)).toThrow("set app.database");
  });
});
