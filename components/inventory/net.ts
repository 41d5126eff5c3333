/**
 * Pure IP/CIDR maths on top of ipaddr.js. Every function is total on valid
 * input and throws a plain Error on malformed input; callers that validate an
 * inventory turn those into InventoryErrors with the key path attached.
 *
 * Addresses are compared as bigints so IPv4 and IPv6 share one code path.
 */
import * as ipaddr from "ipaddr.js";

export type Family = "ipv4" | "ipv6";

/** A parsed prefix: its family, first and last address as integers, and its length. */
export interface Prefix {
  readonly family: Family;
  readonly first: bigint;
  readonly last: bigint;
  readonly length: number;
  /** Canonical text, e.g. `192.0.2.0/24` or `2001:db8:0:1000::/64`. */
  readonly text: string;
}

function bitsOf(family: Family): number {
  return family === "ipv4" ? 32 : 128;
}

function toBigInt(addr: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  return addr.toByteArray().reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

function fromBigInt(value: bigint, family: Family): string {
  const bytes: number[] = [];
  let v = value;
  for (let i = 0; i < bitsOf(family) / 8; i++) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/** True when `text` is a syntactically valid IPv4 or IPv6 address (no prefix). */
export function isAddress(text: string): boolean {
  return ipaddr.isValid(text) && (ipaddr.IPv4.isValidFourPartDecimal(text) || ipaddr.IPv6.isValid(text));
}

/** The family of a valid address, or undefined when `text` is not an address. */
export function familyOf(text: string): Family | undefined {
  if (!isAddress(text)) return undefined;
  return text.includes(":") ? "ipv6" : "ipv4";
}

/**
 * Why `text` does not fit a field of `family` (undefined when it does): not an
 * address at all, or an address of the other family.
 */
export function addressFamilyProblem(text: string, family: Family): string | undefined {
  const actual = familyOf(text);
  if (!actual) return "not an IP address";
  if (actual !== family) return actual === "ipv6" ? "an IPv6 address in an IPv4 field" : "an IPv4 address in an IPv6 field";
  return undefined;
}

/** Parse a bare address into its family and integer value. */
export function parseAddress(text: string): { family: Family; value: bigint } {
  if (!isAddress(text)) throw new Error(`"${text}" is not an IP address`);
  const addr = ipaddr.parse(text);
  return { family: addr.kind(), value: toBigInt(addr) };
}

/** Canonical text form of an address (lower-case, compressed IPv6). */
export function canonicalAddress(text: string): string {
  return ipaddr.parse(text).toString();
}

/**
 * Parse `a.b.c.d/n` or `x::/n`. Host bits must be zero (a prefix, not an
 * interface address) unless `allowHostBits` is set.
 */
export function parsePrefix(text: string, allowHostBits = false): Prefix {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(text);
  } catch {
    throw new Error(`"${text}" is not a CIDR prefix`);
  }
  const [addr, length] = parsed;
  const family = addr.kind();
  const bits = bitsOf(family);
  const value = toBigInt(addr);
  const hostMask = (1n << BigInt(bits - length)) - 1n;
  if (!allowHostBits && (value & hostMask) !== 0n) {
    throw new Error(`"${text}" has host bits set (did you mean ${fromBigInt(value & ~hostMask, family)}/${length}?)`);
  }
  const first = value & ~hostMask;
  return { family, first, last: first | hostMask, length, text: `${fromBigInt(first, family)}/${length}` };
}

/** Whether `address` lies inside `prefix` (same family required). */
export function contains(prefix: Prefix, address: string): boolean {
  const a = parseAddress(address);
  return a.family === prefix.family && a.value >= prefix.first && a.value <= prefix.last;
}

/** Whether prefix `inner` lies entirely inside prefix `outer`. */
export function containsPrefix(outer: Prefix, inner: Prefix): boolean {
  return outer.family === inner.family && inner.first >= outer.first && inner.last <= outer.last;
}

/** Whether two ranges (prefixes or address ranges) share any address. */
export function overlaps(a: { family: Family; first: bigint; last: bigint }, b: { family: Family; first: bigint; last: bigint }): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/**
 * For IPv4 prefixes shorter than /31, the first address is the network
 * address and the last the broadcast address; neither may be assigned.
 * IPv6 has no broadcast, but the all-zero host (subnet-router anycast) is
 * reserved too.
 */
export function isNetworkOrBroadcast(prefix: Prefix, address: string): boolean {
  const { value } = parseAddress(address);
  if (prefix.family === "ipv4") return prefix.length < 31 && (value === prefix.first || value === prefix.last);
  return prefix.length < 127 && value === prefix.first;
}

/** An inclusive address range such as a DHCP scope or a load-balancer pool. */
export interface Range {
  readonly family: Family;
  readonly first: bigint;
  readonly last: bigint;
  readonly text: string;
}

/** Parse `start-end` or `{start, end}` into a Range; start must not exceed end. */
export function parseRange(start: string, end: string): Range {
  const a = parseAddress(start);
  const b = parseAddress(end);
  if (a.family !== b.family) throw new Error(`range ${start}-${end} mixes IPv4 and IPv6`);
  if (a.value > b.value) throw new Error(`range ${start}-${end} starts after it ends`);
  return { family: a.family, first: a.value, last: b.value, text: `${canonicalAddress(start)}-${canonicalAddress(end)}` };
}

/** Whether every address of `range` lies inside `prefix` (same family required). */
export function rangeInPrefix(range: { family: Family; first: bigint; last: bigint }, prefix: Prefix): boolean {
  return range.family === prefix.family && range.first >= prefix.first && range.last <= prefix.last;
}

/** Whether `range` includes the network or broadcast address of `prefix` (IPv6: the subnet-router anycast). */
export function rangeTouchesNetworkOrBroadcast(range: { family: Family; first: bigint; last: bigint }, prefix: Prefix): boolean {
  if (range.family !== prefix.family) return false;
  const reserved = prefix.family === "ipv4" ? (prefix.length < 31 ? [prefix.first, prefix.last] : []) : prefix.length < 127 ? [prefix.first] : [];
  return reserved.some((v) => v >= range.first && v <= range.last);
}

/** Whether `address` lies inside `range`. */
export function inRange(range: Range, address: string): boolean {
  const a = parseAddress(address);
  return a.family === range.family && a.value >= range.first && a.value <= range.last;
}

/** `192.0.2.30` in `192.0.2.0/24` → `192.0.2.30/24`, the form Proxmox wants. */
export function withPrefixLength(address: string, prefix: Prefix): string {
  return `${canonicalAddress(address)}/${prefix.length}`;
}

/** Number of addresses in a range (used for pool sizing messages). */
export function rangeSize(range: { first: bigint; last: bigint }): bigint {
  return range.last - range.first + 1n;
}

/** The single-host prefix of an address: /32 for IPv4, /128 for IPv6. */
export function hostPrefix(address: string): string {
  const { family } = parseAddress(address);
  return `${canonicalAddress(address)}/${bitsOf(family)}`;
}

/** Whether a prefix text is a single host: `/32` (IPv4) or `/128` (IPv6). */
export function isHostPrefix(text: string): boolean {
  try {
    const p = parsePrefix(text, true);
    return p.length === bitsOf(p.family);
  } catch {
    return false;
  }
}

/**
 * A firewall source as a prefix: an address becomes its host prefix, a prefix may have host bits
 * (Proxmox accepts `10.0.0.5/24`). Undefined for anything else (an IP set, an alias, a name).
 */
export function sourcePrefix(text: string): Prefix | undefined {
  const [addr, len, ...rest] = text.split("/");
  if (rest.length > 0 || !isAddress(addr)) return undefined;
  try {
    return parsePrefix(`${addr}/${len ?? bitsOf(familyOf(addr)!)}`, true);
  } catch {
    return undefined;
  }
}

/** A firewall source in canonical text: `10.0.0.5` → `10.0.0.5/32`; anything that is not an address or prefix unchanged. */
export function canonicalSource(text: string): string {
  const [addr, len] = text.split("/");
  if (!isAddress(addr)) return text;
  return `${canonicalAddress(addr)}/${len ?? bitsOf(familyOf(addr)!)}`;
}

/**
 * Find pairs of overlapping ranges in O(n log n): sort by start, then compare
 * each range only with the furthest-reaching range seen so far.
 */
export function findOverlaps<T extends { family: Family; first: bigint; last: bigint }>(items: readonly T[]): Array<[T, T]> {
  const result: Array<[T, T]> = [];
  for (const family of ["ipv4", "ipv6"] as const) {
    const sorted = items.filter((i) => i.family === family).sort((x, y) => (x.first < y.first ? -1 : x.first > y.first ? 1 : 0));
    let reach: T | undefined;
    for (const item of sorted) {
      if (reach && item.first <= reach.last) result.push([reach, item]);
      if (!reach || item.last > reach.last) reach = item;
    }
  }
  return result;
}
