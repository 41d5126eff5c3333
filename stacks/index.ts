import { Site } from "../components/inventory/load";
import { siteFromConfig } from "../components/site/config";
import { bh } from "./bh";
import { bo } from "./bo";
import { ep } from "./ep";
import { orion } from "./orion";
import { sector7 } from "./sector7";

/** The stack program of each site, by stack name. */
export const programs: Readonly<Record<string, (site: Site) => Record<string, unknown>>> = { bo, bh, ep, orion, sector7 };

/** Runs the program of `stackName` with its inventory from the stack config. */
export function runStack(stackName: string): Record<string, unknown> {
  const program = programs[stackName];
  if (!program) throw new Error(`homelab: no program for stack "${stackName}" (stacks: ${Object.keys(programs).join(", ")})`);
  return program(siteFromConfig(stackName));
}
