/**
 * Runs the policy pack's rules in-process against a rendered stack: the same
 * policy objects as policy/index.ts serves to the CLI (policy/all.ts), with the
 * pack config rendered from the inventory by the same function as
 * `npm run policy-config` (scripts/policy-config.ts), driven by the engine
 * emulation in policy/lib/engine.ts.
 */
import type { PolicyPackConfig } from "@pulumi/policy";
import { allPolicies, enforcementLevel } from "../../policy/all";
import { EngineResource, runPolicyPack } from "../../policy/lib/engine";
import { policyPackConfigFor } from "../policy-config";
import { RenderedResource, RenderResult } from "./offline";

/** A policy violation as printed by plan. */
export interface Violation {
  policy: string;
  level: "advisory" | "mandatory";
  message: string;
  urn?: string;
}

/**
 * A rendered resource as the engine would hand it to an analyzer (unmasked props), with its explicit
 * provider resolved among `all` (`.map(toEngineResource)` passes the whole list as the third argument).
 */
export function toEngineResource(r: RenderedResource, _index?: number, all: readonly RenderedResource[] = []): EngineResource {
  const e: EngineResource = { urn: r.urn, type: r.type, name: r.name, props: r.props as Record<string, any>, parent: r.parent || undefined, dependencies: r.dependencies, protect: r.protect, deleteBeforeReplace: r.deleteBeforeReplace };
  const p = r.provider ? all.find((x) => x.urn === r.provider) : undefined;
  if (p) e.provider = { type: p.type, props: p.props as Record<string, any>, urn: p.urn, name: p.name };
  return e;
}

/** Options of {@link runPolicies}. */
export interface RunPoliciesOptions {
  /** Use this pack config instead of rendering it from the inventory. */
  config?: PolicyPackConfig;
  /** Directory with the stack files (for peers). Default: the project root. */
  root?: string;
}

/** Runs the policy pack's rules in-process against a rendered stack. */
export async function runPolicies(result: RenderResult, opts: RunPoliciesOptions = {}): Promise<Violation[]> {
  const config = opts.config ?? policyPackConfigFor(result.site, opts.root);
  const tags = new Map([
    ["pulumi:project", "homelab"],
    ["pulumi:runtime", "nodejs"],
  ]);
  const run = await runPolicyPack(allPolicies, result.resources.map(toEngineResource), config, { packLevel: enforcementLevel, stackTags: tags });
  return run.violations;
}
