/**
 * Field rules of the inventory schema: addresses of the right family, prefixes, DNS labels and names,
 * IANA time zones, cron expressions. Pure predicates shared by the schema and its tests.
 */
import { z } from "zod";
import { addressFamilyProblem, isAddress, parsePrefix } from "./net";

export const address = z.string().refine(isAddress, { message: "not an IP address" });
/** A string whose problem, if any, `problem` names (one message per failure, the field's own words). */
export const checked = (problem: (s: string) => string | undefined) =>
  z.string().superRefine((s, ctx) => {
    const message = problem(s);
    if (message) ctx.addIssue({ code: "custom", message });
  });
export const ipv4Address = checked((s) => addressFamilyProblem(s, "ipv4"));
export const ipv6Address = checked((s) => addressFamilyProblem(s, "ipv6"));
export const prefix = z.string().refine(
  (s) => {
    try {
      parsePrefix(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: "not a CIDR prefix with zero host bits" },
);
export const dnsLabel = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a lower-case DNS label (a-z, 0-9, -)");
export const sha = z.string().regex(/^[0-9a-f]{64}$|^[0-9a-f]{128}$/, "must be a hex sha256 or sha512 digest");

/**
 * Why `name` is not an RFC 1123 host/domain name (undefined when it is): dot-separated labels of
 * 1-63 letters, digits and hyphens, not starting or ending with a hyphen, 253 characters at most.
 */
export function dnsNameProblem(name: string): string | undefined {
  if (name.length === 0) return "not an RFC 1123 DNS name: empty";
  if (name.length > 253) return `not an RFC 1123 DNS name: ${name.length} characters (at most 253)`;
  for (const label of name.split(".")) {
    if (label.length === 0) return "not an RFC 1123 DNS name: empty label (two dots, or a leading or trailing dot)";
    if (label.length > 63) return `not an RFC 1123 DNS name: label "${label.slice(0, 20)}..." is ${label.length} characters (at most 63)`;
    if (!/^[A-Za-z0-9-]+$/.test(label)) return `not an RFC 1123 DNS name: label "${label}" has characters other than a-z, 0-9 and -`;
    if (label.startsWith("-") || label.endsWith("-")) return `not an RFC 1123 DNS name: label "${label}" starts or ends with a hyphen`;
  }
  return undefined;
}

let zoneNames: Set<string> | undefined;

/**
 * Why `zone` is not an IANA time zone (undefined when it is). Canonical names come from
 * `Intl.supportedValuesOf`, plus `UTC` and the IANA aliases ICU accepts (e.g. `US/Eastern`),
 * spelled as IANA spells them.
 */
export function timeZoneProblem(zone: string): string | undefined {
  zoneNames ??= new Set([...Intl.supportedValuesOf("timeZone"), "UTC"]);
  if (zoneNames.has(zone)) return undefined;
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return "not an IANA time zone (e.g. America/Chicago, Europe/Berlin, UTC)";
  }
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return "not an IANA time zone (e.g. America/Chicago, Europe/Berlin, UTC)";
  if (resolved.toLowerCase() === zone.toLowerCase() && resolved !== zone) return `not an IANA time zone as spelled (did you mean ${resolved}?)`;
  return undefined;
}

export const CRON_FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"] },
  { name: "day-of-week", min: 0, max: 7, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] },
] as const;

/**
 * Why `expr` is not a standard 5-field cron expression (undefined when it is): minute hour
 * day-of-month month day-of-week, each `*`, a value, a range `a-b`, either with `/step`, or a
 * comma-separated list of those; months and weekdays also by English three-letter name.
 */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 5) return `a cron expression has 5 fields (minute hour day-of-month month day-of-week), this has ${fields.length}`;
  for (let i = 0; i < 5; i++) {
    const spec = CRON_FIELDS[i];
    const names: readonly string[] = "names" in spec ? spec.names : [];
    const value = (text: string): number | undefined => {
      if (/^\d+$/.test(text)) return Number(text);
      const k = names.indexOf(text.toLowerCase());
      return k < 0 ? undefined : k + (spec.name === "month" ? 1 : 0);
    };
    for (const part of fields[i].split(",")) {
      const m = /^([^/]+)(?:\/(.+))?$/.exec(part);
      const bad = `${spec.name} field "${fields[i]}"`;
      if (!m) return `${bad} is not a value, range or step`;
      const [, base, step] = m;
      if (step !== undefined && (!/^\d+$/.test(step) || Number(step) < 1 || Number(step) > spec.max)) return `${bad} has step "${step}" (1-${spec.max})`;
      if (base === "*") continue;
      const [lo, hi, ...more] = base.split("-");
      const a = value(lo);
      const b = hi === undefined ? a : value(hi);
      if (more.length > 0 || a === undefined || b === undefined) return `${bad} is not a value, range or step`;
      for (const v of [a, b]) if (v < spec.min || v > spec.max) return `${bad}: ${v} is outside ${spec.min}-${spec.max}`;
      if (a > b) return `${bad}: range ${lo}-${hi} runs backwards`;
    }
  }
  return undefined;
}

export const dnsName = checked(dnsNameProblem);
