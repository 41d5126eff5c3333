/**
 * Runs policies in-process the way the Pulumi engine's analyzer host does
 * (@pulumi/policy server.js): resolves each policy's enforcement level from
 * the pack config (`all`, per-policy string or `{enforcementLevel}`), skips
 * disabled ones, treats remediate as mandatory, builds ResourceValidationArgs
 * per resource and StackValidationArgs with parent/dependencies/
 * propertyDependencies linked to the PolicyResource objects, and handles
 * `notApplicable()` (@pulumi/policy throws its private NotApplicableError; here
 * an equivalent error class is thrown and caught).
 *
 * Used by the offline plan (scripts/lib/policies.ts), the tests and the
 * benchmark. No gRPC, no server.
 */
import type {
  EnforcementLevel,
  PolicyPackConfig,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { HomelabPolicy } from "../config";

/** A resource as the engine sends it to an analyzer. */
export interface EngineResource {
  urn: string;
  type: string;
  name: string;
  props: Record<string, any>;
  parent?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  protect?: boolean;
  deleteBeforeReplace?: boolean;
  provider?: { type: string; props: Record<string, any>; urn: string; name: string };
}

/** One reported violation. */
export interface PolicyViolation {
  policy: string;
  level: "advisory" | "mandatory";
  message: string;
  urn?: string;
}

/** Result of a run: violations and the policies that declared themselves not applicable. */
export interface PolicyRun {
  violations: PolicyViolation[];
  notApplicable: Array<{ policy: string; reason?: string }>;
}

/** Mirrors @pulumi/policy's (unexported) NotApplicableError. */
export class NotApplicableError extends Error {
  constructor(readonly reason?: string) {
    super(reason ?? "Policy does not apply");
  }
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicableError(reason);
}

/** Enforcement level of a policy under a pack config, as the analyzer server resolves it. */
export function levelOf(p: { name: string; enforcementLevel?: EnforcementLevel }, config: PolicyPackConfig, packLevel: EnforcementLevel): EnforcementLevel {
  const entry = config[p.name];
  const fromEntry = typeof entry === "string" ? entry : entry?.enforcementLevel;
  const all = config.all;
  const fromAll = typeof all === "string" ? all : all?.enforcementLevel;
  return (fromEntry as EnforcementLevel | undefined) ?? (fromAll as EnforcementLevel | undefined) ?? p.enforcementLevel ?? packLevel;
}

/** The config a policy's getConfig() returns: its entry's properties plus enforcementLevel. */
function configOf(name: string, config: PolicyPackConfig, level: EnforcementLevel): any {
  const entry = config[name];
  const props = entry && typeof entry === "object" ? { ...entry } : {};
  return { ...props, enforcementLevel: level };
}

function optionsOf(r: EngineResource): PolicyResourceOptions {
  const opts: PolicyResourceOptions = {
    protect: !!r.protect,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
  };
  if (r.deleteBeforeReplace !== undefined) opts.deleteBeforeReplace = r.deleteBeforeReplace;
  if (r.parent) opts.parent = r.parent;
  return opts;
}

// Resource classes carry their type token in `__pulumiType` (static) — the same check @pulumi/policy makes.
function isTypeOf(type: string, resourceClass: any): boolean {
  const t = resourceClass?.__pulumiType;
  return t !== undefined && t === type;
}

/** Link resources into PolicyResources (parent, dependencies, propertyDependencies) as the analyzer server does. */
export function toPolicyResources(resources: readonly EngineResource[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const out: PolicyResource[] = resources.map((r) => {
    const pr: PolicyResource = {
      type: r.type,
      props: r.props,
      urn: r.urn,
      name: r.name,
      opts: optionsOf(r),
      dependencies: [],
      propertyDependencies: {},
      isType: (cls: any) => isTypeOf(r.type, cls),
      asType: (cls: any) => (isTypeOf(r.type, cls) ? (r.props as any) : undefined),
    };
    if (r.provider) pr.provider = r.provider;
    byUrn.set(r.urn, pr);
    return pr;
  });
  resources.forEach((r, i) => {
    const pr = out[i];
    if (r.parent) {
      const parent = byUrn.get(r.parent);
      if (parent) pr.parent = parent;
    }
    pr.dependencies = (r.dependencies ?? []).map((d) => byUrn.get(d)).filter((d): d is PolicyResource => !!d);
    for (const [k, v] of Object.entries(r.propertyDependencies ?? {})) pr.propertyDependencies[k] = v.map((d) => byUrn.get(d)).filter((d): d is PolicyResource => !!d);
  });
  return out;
}

function isStack(p: HomelabPolicy): p is HomelabPolicy & StackValidationPolicy {
  return typeof (p as StackValidationPolicy).validateStack === "function";
}

/** Options of {@link runPolicyPack}. */
export interface RunOptions {
  /** The pack's default level (PolicyPackArgs.enforcementLevel). Default mandatory. */
  packLevel?: EnforcementLevel;
  stackTags?: ReadonlyMap<string, string>;
}

/**
 * Run `policies` over `resources` with `config` (the --policy-pack-config
 * document). Resource policies see each resource (analyze), stack policies
 * the whole stack (analyzeStack). A policy that throws is reported as a
 * mandatory violation naming the error (the engine would fail the update).
 */
export async function runPolicyPack(policies: readonly HomelabPolicy[], resources: readonly EngineResource[], config: PolicyPackConfig, opts: RunOptions = {}): Promise<PolicyRun> {
  const packLevel = opts.packLevel ?? "mandatory";
  const stackTags = opts.stackTags ?? new Map<string, string>();
  const violations: PolicyViolation[] = [];
  const notApplicable: PolicyRun["notApplicable"] = [];
  let linked: PolicyResource[] | undefined;

  for (const p of policies) {
    let level = levelOf(p, config, packLevel);
    if (level === "disabled") continue;
    if (level === "remediate") level = "mandatory";
    const lvl = level as "advisory" | "mandatory";
    const getConfig = <T extends object>(): T => configOf(p.name, config, level) as T;
    const report = (message: string, urn?: string) => violations.push({ policy: p.name, level: lvl, message, urn });
    const fail = (e: unknown, urn?: string) => {
      if (e instanceof NotApplicableError) notApplicable.push({ policy: p.name, reason: e.reason });
      else violations.push({ policy: p.name, level: "mandatory", message: `policy failed: ${e instanceof Error ? e.message : String(e)}`, urn });
    };
    if (isStack(p)) {
      linked ??= toPolicyResources(resources);
      const args: StackValidationArgs = { resources: linked, getConfig, stackTags, notApplicable: throwNotApplicable };
      try {
        await Promise.resolve(p.validateStack(args, report));
      } catch (e) {
        fail(e);
      }
      continue;
    }
    const rp = p as ResourceValidationPolicy;
    const validations = rp.validateResource === undefined ? [] : Array.isArray(rp.validateResource) ? rp.validateResource : [rp.validateResource];
    if (validations.length === 0) {
      notApplicable.push({ policy: p.name, reason: "Policy does not implement validateResource" });
      continue;
    }
    for (const r of resources) {
      const args: ResourceValidationArgs = {
        type: r.type,
        props: r.props,
        urn: r.urn,
        name: r.name,
        opts: optionsOf(r),
        provider: r.provider,
        stackTags,
        isType: (cls: any) => isTypeOf(r.type, cls),
        asType: (cls: any) => (isTypeOf(r.type, cls) ? (r.props as any) : undefined),
        getConfig,
        notApplicable: throwNotApplicable,
      };
      for (const v of validations) {
        try {
          await Promise.resolve(v(args, (message: string, urn?: string) => report(message, urn ?? r.urn)));
        } catch (e) {
          fail(e, r.urn);
        }
      }
    }
  }
  return { violations, notApplicable };
}
