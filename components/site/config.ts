import * as pulumi from "@pulumi/pulumi";
import { InventoryError, loadInventory, Site } from "../inventory/load";

/** `homelab:phase` as written: an integer 0-9 (a string from the CLI). Anything else is an InventoryError echoing it. */
export function phaseFromConfig(site: string, text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text.trim())) throw new InventoryError(site, "homelab:phase", text, "must be an integer from 0 to 9");
  return Number(text);
}

/** `homelab:inventory` as the CLI passes it (JSON text); text that is not JSON is handed on as the scalar it is, for the loader to refuse. */
export function inventoryFromConfig(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Reads `homelab:inventory` and `homelab:phase` from the stack config and
 * validates them. A bad inventory becomes a `RunError`, which Pulumi prints as
 * its one-line message without a stack trace, before any resource exists.
 * (Sibling stacks that do not load throw SiblingError, an InventoryError, from
 * `siblingSites`.)
 */
export function siteFromConfig(stackName: string): Site {
  const cfg = new pulumi.Config("homelab");
  try {
    return loadInventory(stackName, inventoryFromConfig(cfg.get("inventory")), phaseFromConfig(stackName, cfg.get("phase")));
  } catch (e) {
    if (e instanceof InventoryError) throw new pulumi.RunError(e.message);
    throw e;
  }
}
