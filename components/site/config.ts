import * as pulumi from "@pulumi/pulumi";
import { InventoryError, loadInventory, Site } from "../inventory/load";

/**
 * Reads `homelab:inventory` and `homelab:phase` from the stack config and
 * validates them. A bad inventory becomes a `RunError`, which Pulumi prints as
 * its one-line message without a stack trace, before any resource exists.
 */
export function siteFromConfig(stackName: string): Site {
  const cfg = new pulumi.Config("homelab");
  const phaseText = cfg.get("phase");
  const phase = phaseText === undefined ? 0 : Number(phaseText);
  try {
    return loadInventory(stackName, cfg.getObject<unknown>("inventory"), phase);
  } catch (e) {
    if (e instanceof InventoryError) throw new pulumi.RunError(e.message);
    throw e;
  }
}
