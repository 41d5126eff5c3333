/**
 * The app mechanism and its first module, Odoo (ep's production Odoo, bh's Odoo dev): typed
 * settings, the rendered odoo.conf against what the pinned upstream reads, the install script's
 * parameters, the contract between a plan and its service, and the restic agents that follow the
 * registered modules (components/data/plan.ts INSTALLED_APPS).
 */
import { loadInventory, ResolvedService, Site } from "../../components/inventory/load";
import { AppOf } from "../../components/inventory/apps";
import { APP_MODULES, appPlanOf, MODULE_KINDS } from "../../components/apps/registry";
import { appContractProblems } from "../../components/apps/contract";
import { addonsCheckout, debVersion, renderOdooConf } from "../../components/apps/odoo";
import { organisationOf, primaryDatabases, activeApp } from "../../components/inventory/org";
import { oidcClients } from "../../components/apps/oidc";
import { contains, containsPrefix, parsePrefix } from "../../components/inventory/net";
import { meshPlanFromSites } from "../../components/mesh/render/meshPolicy";
import { backupAgentPlan, backupWaitsForApp, INSTALLED_APPS } from "../../components/data/plan";
import { stackDocument } from "../helpers/inventory";

const doc = (site: string) => stackDocument(site).config;
const raw = (site: string) => doc(site)["homelab:inventory"];
const load = (site: string, inv = raw(site)): Site => loadInventory(site, inv, Number(doc(site)["homelab:phase"]));
const svcRaw = (inv: any, name: string) => inv.services.find((s: any) => s.name === name);
const service = (site: Site, name: string) => site.services.find((s) => s.name === name)! as ResolvedService & { app: AppOf<"odoo"> };

const SHA = "0123456789abcdef0123456789abcdef01234567";
const DEB = { url: "https://nightly.odoo.com/17.0/nightly/deb/odoo_17.0.20241010_all.deb", sha256: "a".repeat(64) };
const withOdoo = (site: string, app: Record<string, unknown>) => {
  const inv = raw(site);
  svcRaw(inv, "odoo").app = { ...svcRaw(inv, "odoo").app, ...app };
  return load(site, inv);
};

/** A minimal INI reader (Python configparser semantics for the lines odoo.conf uses: `key = value`, `;` comments). */
function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section = "";
  for (const line of text.split("\n")) {
    if (/^\s*([;#].*)?$/.test(line)) continue;
    const sec = /^\[(.+)\]$/.exec(line.trim());
    if (sec) {
      section = sec[1];
      out[section] ??= {};
      continue;
    }
    const kv = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
    if (!kv || !section) throw new Error(`not an INI line: ${line}`);
    if (kv[1] in out[section]) throw new Error(`duplicate key ${kv[1]}`);
    out[section][kv[1]] = kv[2];
  }
  return out;
}

/**
 * The `[options]` keys Odoo 17.0 reads from its config file: the `dest` of each option in
 * odoo/odoo 17.0 odoo/tools/config.py (`configmanager.__init__`: --db_host → db_host, --db_port,
 * -r/--db_user → db_user, -w/--db_password, -d/--database → db_name, --db-filter → dbfilter,
 * --no-database-list → list_db, --addons-path, -D/--data-dir → data_dir, --http-interface,
 * -p/--http-port, --proxy-mode, --workers, --without-demo) and `admin_passwd` (in `self.options`,
 * file only). Only these keys may appear: a misspelt key would be silently ignored by Odoo.
 */
const ODOO_17_KEYS = new Set([
  "admin_passwd",
  "db_host",
  "db_port",
  "db_user",
  "db_password",
  "db_name",
  "dbfilter",
  "list_db",
  "addons_path",
  "data_dir",
  "http_interface",
  "http_port",
  "proxy_mode",
  "workers",
  "without_demo",
]);

describe("Odoo settings (components/inventory/apps.ts)", () => {
  it("needs the guest's own database", () => {
    const inv = raw("ep");
    svcRaw(inv, "odoo").app = "odoo";
    expect(() => load("ep", inv)).toThrow(/localDatabase/);
  });
  it("takes no database of the organisation's primary (decision 10)", () => {
    expect(() => withOdoo("ep", { database: "odoo_ep" })).toThrow(/Unrecognized key: "database"/);
  });
  it.each([
    ["a short SHA", { repository: "http://192.168.9.40:3000/apiary/apiary-odoo-mods.git", revision: "0123456" }, /full 40-hex-digit commit SHA/],
    ["a branch", { repository: "http://192.168.9.40:3000/apiary/apiary-odoo-mods.git", revision: "main" }, /full 40-hex-digit commit SHA/],
    ["an ssh URL", { repository: "git@192.168.9.40:apiary/apiary-odoo-mods.git", revision: SHA }, /http\(s\) clone URL/],
  ])("refuses addons at %s", (_what, addons, message) => {
    expect(() => withOdoo("ep", { addons })).toThrow(message);
  });
  it.each([
    ["a URL that is not an odoo deb", { url: "https://nightly.odoo.com/17.0/nightly/deb/odoo.tar.gz", sha256: "a".repeat(64) }, /odoo_<version>_<arch>\.deb/],
    ["a short checksum", { url: DEB.url, sha256: "abc" }, /sha256/],
    ["plain http", { ...DEB, url: DEB.url.replace("https:", "http:") }, /https URL/],
    ["both digests", { ...DEB, sha1: "b".repeat(40) }, /exactly one digest/],
    ["no digest", { url: DEB.url }, /exactly one digest/],
    ["a sha1 of the wrong length", { url: DEB.url, sha1: "b".repeat(64) }, /40-hex-digit sha1/],
  ])("refuses a release with %s", (_what, release, message) => {
    expect(() => withOdoo("ep", { release })).toThrow(message);
  });
  it("takes a sha1 where that is what upstream publishes, and carries the algorithm to the install", () => {
    const site = withOdoo("ep", { release: { url: DEB.url, sha1: "b".repeat(40) } });
    const p = appPlanOf(service(site, "odoo"), site)!;
    expect(p.source).toEqual({ type: "deb", package: "odoo", version: "17.0.20241010", url: DEB.url, digest: { algorithm: "sha1", value: "b".repeat(40) } });
    expect(p.script).toContain("ODOO_DEB_DIGEST_ALGORITHM=sha1");
  });
  /**
   * The committed pin is the official image's: odoo/docker 17.0/Dockerfile at commit f7f67653
   * ("update to release 20260723") has `ARG ODOO_RELEASE=20260723`, `ARG ODOO_SHA=5ff18afa…` and
   * downloads nightly.odoo.com/${ODOO_VERSION}/nightly/deb/odoo_${ODOO_VERSION}.${ODOO_RELEASE}_all.deb,
   * checked with `sha1sum -c`.
   */
  it.each(["ep", "bh"])("%s's Odoo is pinned to the official image's 17.0 build and sha1", (name) => {
    const site = load(name);
    const p = appPlanOf(service(site, "odoo"), site)!;
    expect(p.source).toEqual({
      type: "deb",
      package: "odoo",
      version: "17.0.20260723",
      url: "https://nightly.odoo.com/17.0/nightly/deb/odoo_17.0.20260723_all.deb",
      digest: { algorithm: "sha1", value: "5ff18afa5597d4ac5498d1ea788c0ea8d7b80ef4" },
    });
    expect(p.version).toBe("17.0.20260723");
  });
});

describe("odoo.conf", () => {
  const ep = withOdoo("ep", { release: DEB, addons: { repository: "http://192.168.9.40:3000/apiary/apiary-odoo-mods.git", revision: SHA, path: "addons", modules: ["easy_pawn"] } });
  const conf = parseIni(renderOdooConf(service(ep, "odoo")));

  it("is one [options] section with keys Odoo 17.0 reads", () => {
    expect(Object.keys(conf)).toEqual(["options"]);
    for (const k of Object.keys(conf.options)) expect(ODOO_17_KEYS).toContain(k);
  });
  it("uses the local socket and the guest's own database only (works with the WAN down)", () => {
    expect(conf.options).toMatchObject({ db_host: "False", db_port: "False", db_user: "odoo", db_name: "odoo_ep", dbfilter: "^odoo_ep$", list_db: "False" });
    expect(renderOdooConf(service(ep, "odoo"))).not.toMatch(/192\.168\.9\./);
  });
  it("keeps the filestore on the data mount and listens on the service address", () => {
    expect(conf.options).toMatchObject({ data_dir: "/var/lib/odoo", http_interface: "192.168.30.30", http_port: "8069" });
  });
  it("puts the custom addons of the pinned commit before Odoo's own", () => {
    expect(conf.options.addons_path).toBe("/opt/odoo-addons/apiary-odoo-mods/addons,/usr/lib/python3/dist-packages/odoo/addons");
    expect(addonsCheckout(service(ep, "odoo"))).toBe("/opt/odoo-addons/apiary-odoo-mods");
  });
  it("never holds the master password (it is added from stdin at run time)", () => {
    expect(conf.options.admin_passwd).toBeUndefined();
  });
});

describe("the Odoo plan", () => {
  it("shows the pinned package version, or that it is unpinned", () => {
    expect(debVersion(DEB.url)).toBe("17.0.20241010");
    expect(appPlanOf(service(withOdoo("ep", { release: DEB }), "odoo"), load("ep"))!.version).toBe("17.0.20241010");
    const unpinned = raw("ep");
    delete svcRaw(unpinned, "odoo").app.release;
    const u = load("ep", unpinned);
    expect(appPlanOf(service(u, "odoo"), u)!.version).toBe("unpinned");
  });
  it("carries the pin, the commit and the health route into the script, and no secret", () => {
    const site = withOdoo("ep", { release: DEB, addons: { repository: "http://192.168.9.40:3000/apiary/apiary-odoo-mods.git", revision: SHA } });
    const p = appPlanOf(service(site, "odoo"), site)!;
    expect(p.script).toContain(`ODOO_DEB_DIGEST=${DEB.sha256}`);
    expect(p.script).toContain("ODOO_DEB_DIGEST_ALGORITHM=sha256");
    expect(p.script).toContain(`ADDONS_REV=${SHA}`);
    // addons/web/controllers/home.py (odoo 17.0): /web/health, auth='none', answers {"status": "pass"}
    expect(p.health).toEqual({ url: "http://192.168.30.30:8069/web/health", expect: '"pass"' });
    expect(p.script).toContain("HEALTH_URL=http://192.168.30.30:8069/web/health");
    expect(p.secrets.map((s) => s.env)).toEqual(["ODOO_ADMIN_PASSWD"]);
    expect(p.script).toMatch(/require_env ODOO_ADMIN_PASSWD/);
  });
  it("a changed setting changes the script (so the Command re-runs and restarts Odoo)", () => {
    const a = appPlanOf(service(withOdoo("ep", { workers: 0 }), "odoo"), load("ep"))!.script;
    const b = appPlanOf(service(withOdoo("ep", { workers: 4 }), "odoo"), load("ep"))!.script;
    expect(a).not.toEqual(b);
    expect(b).toContain("workers = 4");
  });
  it("backs up the filestore and the local database, with no bo dependency", () => {
    const p = appPlanOf(service(load("ep"), "odoo"), load("ep"))!;
    expect(p.backup).toEqual({ paths: ["/var/lib/odoo"], localDatabases: ["odoo_ep"], preBackup: [] });
  });
});

describe("contract: plan and service agree", () => {
  it.each(["bh", "ep"])("every app of %s agrees with its service", (name) => {
    const site = load(name);
    const plans = site.services.map((s) => [s, appPlanOf(s, site)] as const).filter(([, p]) => p);
    expect(plans.length).toBeGreaterThan(0);
    for (const [s, p] of plans) expect(appContractProblems(s, p!)).toEqual([]);
  });
  it.each([
    ["its port is not declared", (s: any) => (s.ports = [{ port: 8070, from: ["lan"] }]), /port 8069\/tcp .* is not among the service's ports/],
    ["the filestore is on no data mount", (s: any) => (s.dataMounts = [{ path: "/var/lib/postgresql", sizeGiB: 30 }]), /Odoo needs a data mount at \/var\/lib\/odoo/],
    ["the backup misses the database", (s: any) => (s.backup = { paths: ["/var/lib/odoo"], at: "02:00" }), /backup.databases does not dump the app's database odoo_ep/],
    ["the backup misses the filestore", (s: any) => (s.backup = { paths: ["/var/backups/x"], databases: ["odoo_ep"], at: "02:00" }), /backup.paths does not cover \/var\/lib\/odoo/],
  ])("fails when %s", (_what, edit, message) => {
    const inv = raw("ep");
    edit(svcRaw(inv, "odoo"));
    const site = load("ep", inv);
    const run = () => {
      const p = appPlanOf(service(site, "odoo"), site)!;
      const problems = appContractProblems(service(site, "odoo"), p);
      if (problems.length) throw new Error(problems.join("\n"));
    };
    expect(run).toThrow(message);
  });
  it("ep's Odoo API (8069) is reachable by Bravo POS 192.168.30.40 and from ep's LAN only", () => {
    const ep = load("ep");
    const odoo = service(ep, "odoo");
    const rule = odoo.firewall.find((f) => f.port === 8069)!;
    const bravo = ep.services.find((s) => s.name === "bravo-pos")!.ipv4!;
    expect(bravo).toBe("192.168.30.40");
    expect(rule.sources.length).toBeGreaterThan(0);
    for (const src of rule.sources) expect(containsPrefix(parsePrefix("192.168.30.0/24"), parsePrefix(src.includes("/") ? src : `${src}/32`))).toBe(true);
    expect(rule.sources.some((src) => contains(parsePrefix(src.includes("/") ? src : `${src}/32`, true), bravo))).toBe(true);
    // Nothing but Odoo's own port and the node exporter for bo's Prometheus is open on the guest.
    expect(odoo.firewall.map((f) => f.port).sort()).toEqual([8069, 9100]);
  });
  it("no other site reaches ep's Odoo but bo's Prometheus (its probe and node_exporter scrape); site routes do not masquerade", () => {
    const sites = ["bo", "bh", "ep"].map((n) => load(n));
    const { plan, flows } = meshPlanFromSites(sites);
    // The one cross-site flow to Odoo's port is the blackbox probe from the Prometheus guest's /32 (decision 230).
    expect(flows.filter((f) => f.destination === "192.168.30.30" && f.port === 8069).map((f) => f.source)).toEqual(["192.168.9.23/32"]);
    expect(flows.filter((f) => f.destination === "192.168.30.30").map((f) => `${f.source}:${f.port}`).sort()).toEqual(["192.168.9.23/32:8069", "192.168.9.23/32:9100"]);
    // masquerade off: a packet from bo or bh keeps its own source (192.168.9.x / 192.168.50.x), outside ep's LAN opening.
    for (const r of plan.routes) expect(r.masquerade).toBe(false);
  });
  it("ep's Odoo works with the WAN down: config and install address nothing outside the guest but the (up-time) addons clone", () => {
    const site = withOdoo("ep", { addons: { repository: "http://192.168.9.40:3000/apiary/apiary-odoo-mods.git", revision: SHA } });
    const p = appPlanOf(service(site, "odoo"), site)!;
    const foreign = /\b192\.168\.(?!30\.)\d+\.\d+\b/g;
    for (const c of p.config) expect(c.text.match(foreign)).toBeNull();
    const lines = p.script.split("\n").filter((l) => foreign.test(l));
    expect(lines).toEqual(["ADDONS_REPO=http://192.168.9.40:3000/apiary/apiary-odoo-mods.git"]);
    expect(p.health.url.startsWith("http://192.168.30.30:")).toBe(true);
  });
});

describe("restic agents follow the registered modules (decision 111)", () => {
  it("INSTALLED_APPS holds every module kind", () => {
    for (const k of MODULE_KINDS) expect(INSTALLED_APPS).toContain(k);
    expect([...APP_MODULES.keys()].sort()).toEqual([...MODULE_KINDS]);
  });
  it("ep's Odoo gets its agent again, dumping odoo_ep before restic", () => {
    const ep = load("ep");
    expect(backupWaitsForApp(service(ep, "odoo"))).toBe(false);
    expect(backupAgentPlan(ep).find((a) => a.service === "odoo")).toMatchObject({ paths: ["/var/lib/odoo"], databases: ["odoo_ep"] });
  });
  it("a kind without a module still waits for it", () => {
    const inv = raw("ep");
    svcRaw(inv, "konstanze").app = "nocodb"; // a catalogue kind no module installs yet
    expect(backupWaitsForApp(load("ep", inv).services.find((s) => s.name === "konstanze")!)).toBe(true);
  });
});

describe("contract across the organisation: inventory, authentik blueprint, PostgreSQL primary", () => {
  const org = () => {
    const sites = ["bo", "bh", "ep"].map((n) => load(n));
    return organisationOf(sites[0], sites.slice(1));
  };
  it("Odoo's databases are the guests' own, never the primary's (decision 10: ep works with the WAN down)", () => {
    const o = org();
    const names = primaryDatabases(o, activeApp(o[0], "postgres-primary")!).map((d) => d.name);
    for (const n of ["odoo_ep", "odoo_bh"]) expect(names).not.toContain(n);
    for (const site of o) for (const s of site.services.filter((x) => x.app?.kind === "odoo")) expect(s.firewall.some((f) => f.port === 5432 && f.sources.length)).toBe(false);
  });
  it("the blueprint's clients are exactly the plans' OIDC declarations (Odoo declares none)", () => {
    const declared = org().flatMap((site) => site.services.map((s) => appPlanOf(s, site)?.oidc?.clientId).filter((x): x is string => !!x));
    const clients = oidcClients(org()).map((c) => c.oidc.clientId);
    for (const id of declared) expect(clients).toContain(id);
    expect(clients).not.toContain("odoo");
  });
  it("a plan has an OIDC client exactly when its app logs in through the identity provider (sso), with ids unique in the organisation", () => {
    const ids: string[] = [];
    for (const site of org()) {
      for (const s of site.services) {
        const p = appPlanOf(s, site);
        if (!p) continue;
        const sso = !!s.app && "sso" in s.app && (s.app as { sso: boolean }).sso;
        expect([s.name, !!p.oidc]).toEqual([s.name, sso]);
        if (p.oidc) {
          ids.push(p.oidc.clientId);
          for (const u of [...p.oidc.redirectUris, p.oidc.launchUrl]) expect(u.startsWith(`http://${s.ipv4}:`)).toBe(true);
        }
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(0);
  });
  it("metrics endpoints are on declared ports", () => {
    for (const site of org()) {
      for (const s of site.services) {
        const p = appPlanOf(s, site);
        for (const m of p?.metrics ?? []) expect(s.firewall.some((f) => f.port === m.port)).toBe(true);
      }
    }
  });
});

describe("plan shows each app and its version (stack output `apps`)", () => {
  it.each(["bh", "ep"])("%s", async (name) => {
    const { renderSite } = await import("../helpers/render");
    const r = await renderSite(name);
    const apps = (r.outputs as any).apps as Array<{ service: string; kind: string; version: string }>;
    expect(apps.map((a) => `${a.service}:${a.kind}`).sort()).toEqual(
      name === "bh" ? ["home-assistant:home-assistant", "odoo:odoo", "ollama:ollama", "open-webui:open-webui"] : ["konstanze:open-webui", "odoo:odoo", "ollama:ollama"],
    );
    expect(apps.find((a) => a.kind === "odoo")!.version).toBe("17.0.20260723");
    // The models' manifest digests (decision 335), shown abbreviated to the `ollama list` ID.
    expect(apps.find((a) => a.kind === "ollama")!.version).toMatch(/^0\.13\.5 (llama2:7b@78e26419b446 )?mistral:7b@6577803aa9a0 orca-mini:3b@2dbd9f439647$/);
  });
});
