/** Test helpers: a site's committed inventory as a mutable object. */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_ROOT, readStackConfig } from "../../scripts/lib/offline";

const documents = new Map<string, unknown>();

/** A deep copy of the repository's stack file `Pulumi.<site>.yaml` as YAML parses it (parsed once per test file). */
export function stackDocument(site: string): any {
  let doc = documents.get(site);
  if (doc === undefined) documents.set(site, (doc = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${site}.yaml`), "utf8"))));
  return structuredClone(doc);
}

/** A deep copy of the committed inventory of `site`. */
export function committedInventory(site: string): any {
  return JSON.parse(readStackConfig(site)["homelab:inventory"]);
}

/** The committed phase of `site`. */
export function committedPhase(site: string): number {
  return Number(readStackConfig(site)["homelab:phase"] ?? 0);
}

/** Index of the service called `name`. */
export function serviceIndex(inv: any, name: string): number {
  const i = inv.services.findIndex((s: any) => s.name === name);
  if (i < 0) throw new Error(`no service ${name}`);
  return i;
}
