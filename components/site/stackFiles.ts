/**
 * The project's stack files (`Pulumi.<site>.yaml`): the one source of truth for every site. The
 * offline plan reads the selected site from here; the mesh and the policy config also read the
 * organisation's other sites, so that a subnet or an address is never written twice.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { InventoryError, loadInventory, Site } from "../inventory/load";

/** The project root (where Pulumi.yaml lives). */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** Sites with a stack file. */
export function listSites(root = PROJECT_ROOT): string[] {
  return fs
    .readdirSync(root)
    .map((f) => /^Pulumi\.([a-z0-9-]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();
}

/** A stack file's config as the Pulumi CLI passes it to the program (structured values as JSON text; encrypted values left out). */
export function readStackConfig(site: string, root = PROJECT_ROOT): Record<string, string> {
  const file = path.join(root, `Pulumi.${site}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`homelab: no stack file ${path.relative(process.cwd(), file) || file} (sites: ${listSites(root).join(", ")})`);
  const doc = YAML.parse(fs.readFileSync(file, "utf8")) ?? {};
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries((doc.config ?? {}) as Record<string, unknown>)) {
    if (value && typeof value === "object" && "secure" in (value as object)) continue; // encrypted: needs the CLI
    config[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return config;
}

/**
 * The other sites that matter to `site`: same organisation or same Proxmox cluster, loaded at
 * their committed phase. A site whose inventory does not load is skipped — its own preview
 * reports it, and it must not block this one.
 */
export function siblingSites(site: Site, root = PROJECT_ROOT): Site[] {
  const out: Site[] = [];
  for (const name of listSites(root)) {
    if (name === site.name) continue;
    const config = readStackConfig(name, root);
    const text = config["homelab:inventory"];
    if (text === undefined) continue;
    let raw: any;
    try {
      raw = JSON.parse(text);
    } catch {
      continue;
    }
    if (raw?.organisation !== site.inventory.organisation && (raw?.cluster ?? name) !== site.cluster) continue;
    try {
      out.push(loadInventory(name, raw, Number(config["homelab:phase"] ?? 0)));
    } catch (e) {
      if (!(e instanceof InventoryError)) throw e;
    }
  }
  return out;
}
