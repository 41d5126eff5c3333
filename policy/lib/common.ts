/**
 * Helpers shared by the rule families: a stack-policy constructor that reads
 * and checks the pack config, and the guests of a stack. No side effects.
 */
import type { EnforcementLevel, PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { configSchemaFor, HomelabPolicy, readConfig, SiteConfig, SiteConfigSection, stackOfUrn } from "../config";
import { guestUsage, GuestUsage } from "./guests";

/** Arguments of a homelab stack rule. */
export interface StackRule<K extends SiteConfigSection> {
  name: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  sections: readonly K[];
  validate: (resources: readonly PolicyResource[], config: Pick<SiteConfig, K | "site">, report: ReportViolation, args: StackValidationArgs) => void;
}

/** A stack validation policy reading its config sections; refuses a config rendered for another stack. */
export function stackRule<K extends SiteConfigSection>(rule: StackRule<K>): HomelabPolicy {
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    sections: rule.sections,
    configSchema: configSchemaFor(rule.sections),
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      const config = readConfig(args.getConfig(), rule.sections);
      const stack = args.resources.length > 0 ? stackOfUrn(args.resources[0].urn) : undefined;
      if (stack !== undefined && stack !== config.site) {
        report(`the pack config was rendered for site "${config.site}" but the stack is "${stack}"; run npm run -s policy-config -- ${stack}`);
        return;
      }
      rule.validate(args.resources, config, report, args);
    },
  };
}

/** Guests (ContainerLegacy / VmLegacy) of the stack with their usage, in resource order. */
export function guestsOf(resources: readonly PolicyResource[]): GuestUsage[] {
  const out: GuestUsage[] = [];
  for (const r of resources) {
    const g = guestUsage(r.type, r.name, r.props, r.urn);
    if (g) out.push(g);
  }
  return out;
}

/** Human name of a guest for messages. */
export function who(g: GuestUsage): string {
  return `${g.kind} ${g.hostname ?? g.name}${g.vmid !== undefined ? ` (vmid ${g.vmid})` : ""}`;
}

/** Round for messages. */
export function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
