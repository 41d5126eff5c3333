import * as pulumi from "@pulumi/pulumi";
import { InventoryError } from "../components/inventory/load";
import { siteFromConfig } from "../components/site/config";
import { deploymentFromConfig } from "../components/site/deployment";
import { siblingSites } from "../components/site/stackFiles";
import { siteProgram } from "./site";

/**
 * Runs the program of stack `stackName`: its inventory from the stack config, its organisation
 * from the project's other stack files. Every stack runs the same program.
 */
export function runStack(stackName: string): Record<string, unknown> {
  const site = siteFromConfig(stackName);
  try {
    return siteProgram(site, siblingSites(site), deploymentFromConfig(site.name));
  } catch (e) {
    if (e instanceof InventoryError) throw new pulumi.RunError(e.message);
    throw e;
  }
}
