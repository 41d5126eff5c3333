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
import { InventoryError, listSites, PROJECT_ROOT, readStackConfig } from "./lib/offline";
import { siblingSites } from "../components/site/stackFiles";

/** The site section of the pack config for a loaded site. */
export function siteConfigFor(site: Site, root = PROJECT_ROOT): SiteConfig {
  return siteConfigFromInventory(site, siblingSites(site, root));
}

/** The whole `--policy-pack-config` document for a loaded site. */
export function policyPackConfigFor(site: Site, root = PROJECT_ROOT): PolicyPackConfig {
  return packConfigFor(siteConfigFor(site, root), allPolicies);
}

/** Load `Pulumi.<site>.yaml` and render its pack config. */
export function policyPackConfigForStack(siteName: string, phase?: number, root = PROJECT_ROOT): PolicyPackConfig {
  const config = readStackConfig(siteName, root);
  const raw = config["homelab:inventory"];
  const site = loadInventory(siteName, raw === undefined ? undefined : JSON.parse(raw), phase ?? Number(config["homelab:phase"] ?? 0));
  return policyPackConfigFor(site, root);
}

function main(argv: string[]): number {
  let site: string | undefined;
  let phase: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--phase") phase = Number(argv[++i]);
    else if (argv[i] === "-h" || argv[i] === "--help") {
      process.stdout.write(`usage: npm run -s policy-config -- <site> [--phase N]\nsites: ${listSites().join(", ")}\n`);
      return 0;
    } else site = argv[i];
  }
  if (!site) {
    process.stderr.write(`usage: npm run -s policy-config -- <site> [--phase N]\nsites: ${listSites().join(", ")}\n`);
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
