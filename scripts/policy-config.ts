/**
 * `npm run -s policy-config -- <site> [--phase N]`
 *
 * Prints the `--policy-pack-config` JSON for a site, rendered from its
 * inventory (Pulumi.<site>.yaml) and the stack files of its peers (mesh
 * members of the same organisation, stacks of the same Proxmox cluster):
 *
 *   pulumi preview -s bo --policy-pack policy --policy-pack-config <(npm run -s policy-config -- bo)
 *
 * The offline plan builds the same document in-process (scripts/lib/policies.ts).
 */
import type { PolicyPackConfig } from "@pulumi/policy";
import { loadInventory, Site } from "../components/inventory/load";
import { allPolicies } from "../policy/all";
import { packConfigFor, SiteConfig, siteConfigFromInventory } from "../policy/config";
import * as path from "path";
import { InventoryError, listSites, readStackConfig } from "./lib/offline";
import { parsePhaseArgument, siblingSites, STACK_DIR_ENV, stackDir } from "../components/site/stackFiles";
import { inventoryFromConfig, phaseFromConfig } from "../components/site/config";

/** The site section of the pack config for a loaded site. */
export function siteConfigFor(site: Site, root = stackDir()): SiteConfig {
  return siteConfigFromInventory(site, siblingSites(site, root));
}

/** The whole `--policy-pack-config` document for a loaded site. */
export function policyPackConfigFor(site: Site, root = stackDir()): PolicyPackConfig {
  return packConfigFor(siteConfigFor(site, root), allPolicies);
}

/** Load `Pulumi.<site>.yaml` and render its pack config. */
export function policyPackConfigForStack(siteName: string, phase?: number, root = stackDir()): PolicyPackConfig {
  const config = readStackConfig(siteName, root);
  const site = loadInventory(siteName, inventoryFromConfig(config["homelab:inventory"]), phase ?? phaseFromConfig(siteName, config["homelab:phase"]));
  return policyPackConfigFor(site, root);
}

function main(argv: string[]): number {
  let site: string | undefined;
  let phase: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--phase") phase = parsePhaseArgument(argv[++i]);
    else if (argv[i].startsWith("--phase=")) phase = parsePhaseArgument(argv[i].slice(8), "--phase=");
    else if (argv[i] === "--root") process.env[STACK_DIR_ENV] = path.resolve(argv[++i] ?? ".");
    else if (argv[i] === "-h" || argv[i] === "--help") {
      process.stdout.write(`usage: npm run -s policy-config -- <site> [--phase N] [--root DIR]\nsites: ${listSites().join(", ")}\n`);
      return 0;
    } else site = argv[i];
  }
  if (!site) {
    process.stderr.write(`usage: npm run -s policy-config -- <site> [--phase N] [--root DIR]\nsites: ${listSites().join(", ")}\n`);
    return 2;
  }
  process.stdout.write(JSON.stringify(policyPackConfigForStack(site, phase), null, 2) + "\n");
  return 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${err instanceof InventoryError || message.startsWith("homelab:") ? message : (err as Error).stack ?? message}\n`);
    process.exitCode = 1;
  }
}
