/**
 * Sites are data: no IP address, site name or service name of a committed site is written in the
 * library's code (components/, stacks/, policy/, scripts/); they live in the stack files only.
 * Service names that are also app kinds (components/inventory/apps.ts) or upstream names the
 * renderers create (a Kubernetes Service called "postgres") are words of the library, not of a site.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { APP_KINDS } from "../../components/inventory/apps";
import { listSites, PROJECT_ROOT } from "../../components/site/stackFiles";

const CODE_DIRS = ["components", "stacks", "policy", "scripts"];

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return files(p);
    return /\.(ts|js|sh|json)$/.test(e.name) ? [p] : [];
  });
}

const sources = CODE_DIRS.flatMap((d) => files(path.join(PROJECT_ROOT, d))).map((f) => ({ file: path.relative(PROJECT_ROOT, f), text: fs.readFileSync(f, "utf8") }));

const inventories = listSites().map((name) => ({ name, inv: YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${name}.yaml`), "utf8")).config["homelab:inventory"] }));

/** Every address and prefix a committed inventory holds (strings that look like IPs, anywhere in it). */
function addressesIn(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === "string") {
    for (const m of value.matchAll(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g)) out.add(m[0]);
  } else if (Array.isArray(value)) value.forEach((v) => addressesIn(v, out));
  else if (value && typeof value === "object") Object.values(value).forEach((v) => addressesIn(v, out));
  return out;
}

/** Upstream names the library creates whatever the site (Kubernetes objects, authentik keypairs, slugs). */
const LIBRARY_WORDS = new Set<string>([...APP_KINDS, "authentik", "netbird", "minio", "restic", "router", "monitoring"]);

function hits(pattern: RegExp): string[] {
  const out: string[] = [];
  for (const s of sources) {
    s.text.split("\n").forEach((line, i) => {
      if (pattern.test(line)) out.push(`${s.file}:${i + 1}: ${line.trim()}`);
    });
  }
  return out;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("no site literals in the library", () => {
  it("no address of a committed inventory", () => {
    const addrs = new Set(inventories.flatMap(({ inv }) => [...addressesIn(inv)]));
    // Network-wide words (any site, any library) are not a site's addresses.
    // and the bases of the RFC 1918 / RFC 6598 ranges (192.168.0.0/16 is one site's whole network).
    for (const generic of ["0.0.0.0", "127.0.0.1", "10.0.0.0", "172.16.0.0", "192.168.0.0", "100.64.0.0"]) addrs.delete(generic);
    const found = [...addrs].flatMap((a) => hits(new RegExp(`(?<![\\d.])${escape(a)}(?![\\d])`)));
    expect(found).toEqual([]);
  });

  it("no site name", () => {
    const found = inventories.flatMap(({ name }) => hits(new RegExp(`["'\`]${escape(name)}["'\`]|\\b${escape(name)}(Plan|Images|Workloads|_PHASES|_AGENTS)\\b`, "i")));
    expect(found).toEqual([]);
  });

  it("no service name that is not also a word of the library", () => {
    const names = new Set(inventories.flatMap(({ inv }) => (inv.services ?? []).map((s: { name: string }) => s.name)).filter((n) => !LIBRARY_WORDS.has(n)));
    const found = [...names].flatMap((n) => hits(new RegExp(`["'\`]${escape(n)}["'\`]`)));
    expect(found).toEqual([]);
  });
});
