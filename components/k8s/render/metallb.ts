/**
 * MetalLB (L2 mode) objects and Helm values, for the chart pinned in versions.ts (0.15.3).
 * No kubernetes-models package exists for MetalLB CRDs, so the objects are plain typed
 * interfaces whose field names match api/v1beta1/*_types.go at tag v0.15.3.
 */

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface IPAddressPool {
  apiVersion: "metallb.io/v1beta1";
  kind: "IPAddressPool";
  metadata: ObjectMeta;
  spec: { addresses: string[]; autoAssign?: boolean; avoidBuggyIPs?: boolean };
}

export interface L2Advertisement {
  apiVersion: "metallb.io/v1beta1";
  kind: "L2Advertisement";
  metadata: ObjectMeta;
  spec: { ipAddressPools?: string[]; interfaces?: string[] };
}

/** The Service annotation that requests a fixed address in MetalLB >= 0.13 (controller/service.go). */
export const METALLB_LB_IPS_ANNOTATION = "metallb.io/loadBalancerIPs";
/** Annotation naming the pool an address should come from. */
export const METALLB_POOL_ANNOTATION = "metallb.io/address-pool";

/** Parses dotted IPv4 into a 32-bit number; throws on anything else. */
export function ipv4ToInt(ip: string): number {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
  const parts = m.slice(1).map(Number);
  if (parts.some((p, i) => p > 255 || String(p) !== m[i + 1])) throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

export interface Ipv4Range {
  start: string;
  end: string;
}

/** Parses "a.b.c.d-e.f.g.h" (MetalLB range syntax). */
export function parseRange(range: string): Ipv4Range {
  const [start, end, extra] = range.split("-").map((s) => s.trim());
  if (!start || !end || extra !== undefined) throw new Error(`not an IPv4 range: ${JSON.stringify(range)}`);
  if (ipv4ToInt(start) > ipv4ToInt(end)) throw new Error(`range ${range} ends before it starts`);
  return { start, end };
}

/** True when ip lies in the inclusive range. */
export function rangeContains(range: string, ip: string): boolean {
  const r = parseRange(range);
  const n = ipv4ToInt(ip);
  return n >= ipv4ToInt(r.start) && n <= ipv4ToInt(r.end);
}

export interface MetallbPoolArgs {
  /** Pool name, e.g. "sector7-lan". */
  name: string;
  /** Namespace MetalLB runs in (default metallb-system). */
  namespace?: string;
  /** Ranges "a.b.c.d-a.b.c.e" (IPv4). */
  ranges: string[];
  /** Addresses that must not clash: gateway, node IPs. Throws if any falls in a range. */
  reserved?: string[];
}

/** IPAddressPool + L2Advertisement for one pool. */
export function metallbL2Pool(args: MetallbPoolArgs): [IPAddressPool, L2Advertisement] {
  const namespace = args.namespace ?? "metallb-system";
  if (args.ranges.length === 0) throw new Error("a MetalLB pool needs at least one range");
  const ranges = args.ranges.map((r) => {
    const p = parseRange(r);
    return `${p.start}-${p.end}`;
  });
  for (const ip of args.reserved ?? []) {
    for (const r of ranges) if (rangeContains(r, ip)) throw new Error(`reserved address ${ip} lies inside pool range ${r}`);
  }
  const labels = { "app.kubernetes.io/managed-by": "homelab" };
  return [
    {
      apiVersion: "metallb.io/v1beta1",
      kind: "IPAddressPool",
      metadata: { name: args.name, namespace, labels },
      spec: { addresses: ranges, autoAssign: true, avoidBuggyIPs: false },
    },
    {
      apiVersion: "metallb.io/v1beta1",
      kind: "L2Advertisement",
      metadata: { name: args.name, namespace, labels },
      spec: { ipAddressPools: [args.name] },
    },
  ];
}

/** Service annotations asking MetalLB for one fixed address out of a named pool. */
export function metallbFixedIpAnnotations(ip: string, pool?: string): Record<string, string> {
  ipv4ToInt(ip);
  return pool ? { [METALLB_LB_IPS_ANNOTATION]: ip, [METALLB_POOL_ANNOTATION]: pool } : { [METALLB_LB_IPS_ANNOTATION]: ip };
}

/**
 * Helm values for the metallb chart (0.15.3). L2 only: the FRR sidecar (BGP) is switched off;
 * CRDs are installed by the chart (crds.enabled defaults to true, kept explicit).
 */
export function metallbValues(): Record<string, unknown> {
  return {
    crds: { enabled: true },
    speaker: { frr: { enabled: false } },
    prometheus: { serviceMonitor: { enabled: false }, podMonitor: { enabled: false } },
  };
}
