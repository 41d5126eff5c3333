/**
 * Pure helper computing certificate SANs for a service. The @pulumi/tls wiring
 * (CA, CSR, signing) is done by the caller; this only decides the names.
 */
import * as ipaddr from "ipaddr.js";

export interface ServiceSanArgs {
  /** Short host name, e.g. "netbird". */
  hostname: string;
  /** DNS domain, e.g. "bo.home.arpa"; the FQDN is <hostname>.<domain>. */
  domain?: string;
  /** IP addresses the service is reached on (clients connecting by IP need them). */
  ips: string[];
  /** Extra DNS names (aliases). */
  extraDnsNames?: string[];
  /** Include "localhost" and 127.0.0.1/::1 (for local health checks). Default false. */
  includeLoopback?: boolean;
}

export interface ServiceSans {
  /** Subject CN (the primary name). */
  commonName: string;
  dnsNames: string[];
  ipAddresses: string[];
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function checkDnsName(name: string): string {
  const n = name.toLowerCase().replace(/\.$/, "");
  const labels = n.startsWith("*.") ? n.slice(2).split(".") : n.split(".");
  if (n.length > 253 || !labels.every((l) => LABEL.test(l))) throw new Error(`invalid DNS name: ${name}`);
  return n;
}

function normalizeIp(ip: string): string {
  if (!ipaddr.isValid(ip)) throw new Error(`invalid IP address: ${ip}`);
  const parsed = ipaddr.parse(ip);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (parsed as ipaddr.IPv6).toIPv4Address().toString();
  }
  return parsed.toString();
}

/** Deterministic, de-duplicated SAN lists (primary FQDN first, then sorted). */
export function serviceSans(args: ServiceSanArgs): ServiceSans {
  const short = checkDnsName(args.hostname);
  const fqdn = args.domain ? checkDnsName(`${short}.${args.domain}`) : short;
  const rest = new Set<string>([short, ...(args.extraDnsNames ?? []).map(checkDnsName)]);
  if (args.includeLoopback) rest.add("localhost");
  rest.delete(fqdn);
  const ips = new Set<string>(args.ips.map(normalizeIp));
  if (args.includeLoopback) {
    ips.add("127.0.0.1");
    ips.add("::1");
  }
  const sortIps = (a: string, b: string) => {
    const pa = ipaddr.parse(a).toByteArray();
    const pb = ipaddr.parse(b).toByteArray();
    if (pa.length !== pb.length) return pa.length - pb.length;
    for (let i = 0; i < pa.length; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
    return 0;
  };
  return {
    commonName: fqdn,
    dnsNames: [fqdn, ...[...rest].sort()],
    ipAddresses: [...ips].sort(sortIps),
  };
}

/** SANs for the NetBird coordinator: management, signal and relay share one certificate. */
export function netbirdCoordinatorSans(args: { hostname: string; domain: string; ip: string }): ServiceSans {
  return serviceSans({ hostname: args.hostname, domain: args.domain, ips: [args.ip] });
}

/** SANs for authentik (reached by NetBird management for OIDC discovery/JWKS and by browsers). */
export function authentikSans(args: { hostname: string; domain: string; ip: string; aliases?: string[] }): ServiceSans {
  return serviceSans({ hostname: args.hostname, domain: args.domain, ips: [args.ip], extraDnsNames: args.aliases });
}
