/**
 * Loads and validates a site inventory. The zod schema checks shapes; the
 * cross-field rules here check what a schema can't (an address inside its
 * network, nothing used twice, hosts and datastores that exist). The first
 * problem found becomes one InventoryError naming the site, the key path and
 * the value — before any resource is created.
 */
import { z } from "zod";
import {
  canonicalAddress,
  contains,
  containsPrefix,
  findOverlaps,
  inRange,
  isAddress,
  isNetworkOrBroadcast,
  overlaps,
  parsePrefix,
  parseRange,
  hostPrefix,
  Prefix,
  Range,
  rangeInPrefix,
  rangeTouchesNetworkOrBroadcast,
} from "./net";
import { Host, Inventory, InventorySchema, Network, Port, Service, Template } from "./schema";
import { DEFAULT_TEMPLATES } from "./templates";
import { checkSiteApps } from "./org";
import { checkFutureVlans } from "./futureVlans";

/** A bad inventory: one line, no stack trace, names site, key path and value. */
export class InventoryError extends Error {
  constructor(
    readonly site: string,
    readonly path: string,
    readonly value: unknown,
    readonly problem: string,
  ) {
    super(`homelab: site "${site}": ${path} = ${formatValue(value)}: ${problem}`);
    this.name = "InventoryError";
  }
}

function formatValue(value: unknown): string {
  if (value === undefined) return "(missing)";
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** A network with its prefixes parsed. */
export interface ResolvedNetwork extends Network {
  readonly ipv4Prefix?: Prefix;
  readonly ipv6Prefix?: Prefix;
  readonly dhcpRange?: Range;
  readonly pools: ReadonlyArray<Range & { name: string }>;
}

/** A firewall opening resolved to concrete sources. */
export interface ResolvedPort extends Port {
  /** Source addresses/prefixes; empty means any source. */
  readonly sources: readonly string[];
}

/** A service with every reference resolved and every default applied. */
export interface ResolvedService extends Service {
  /** Index in `services` (for error paths). */
  readonly index: number;
  readonly network: string;
  readonly resolvedNetwork: ResolvedNetwork;
  /** `192.0.2.30/24`, the form Proxmox wants, if static. */
  readonly ipv4Cidr?: string;
  readonly ipv6Cidr?: string;
  readonly datastore?: string;
  readonly template?: string;
  readonly firewall: readonly ResolvedPort[];
  /** Total disk in GiB (root + data mounts). */
  readonly totalDiskGiB: number;
}

/** A validated site, ready for composition. */
export interface Site {
  readonly name: string;
  readonly phase: number;
  readonly inventory: Inventory;
  readonly cluster: string;
  readonly hosts: readonly Host[];
  readonly networks: readonly ResolvedNetwork[];
  /** Services whose phase is ≤ the stack's phase. */
  readonly services: readonly ResolvedService[];
  /** Services planned for a later phase (validated, not created). */
  readonly deferred: readonly ResolvedService[];
  readonly templates: Readonly<Record<string, Template>>;
}

/**
 * The value at `path` and the path that holds it: where the raw value is a scalar standing for an
 * object (an app written as its kind alone, `app: gitea`), the scalar and its own path.
 */
function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): { path: ReadonlyArray<PropertyKey>; value: unknown } {
  let cur: unknown = raw;
  for (let i = 0; i < path.length; i++) {
    if (cur === null || typeof cur !== "object") return i > 0 && cur !== undefined ? { path: path.slice(0, i), value: cur } : { path, value: undefined };
    cur = (cur as Record<PropertyKey, unknown>)[path[i] as string];
  }
  return { path, value: cur };
}

function pathText(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, key) => (typeof key === "number" ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), "");
}

/**
 * Validate `raw` (the parsed `homelab:inventory` value) for `site` at `phase`.
 * Throws InventoryError on the first problem.
 */
export function loadInventory(site: string, raw: unknown, phase: number): Site {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(site)) throw new InventoryError(site, "stack", site, "stack names must be lower-case DNS labels");
  if (!Number.isInteger(phase) || phase < 0 || phase > 9) throw new InventoryError(site, "homelab:phase", phase, "must be an integer from 0 to 9");
  if (raw === undefined || raw === null) throw new InventoryError(site, "homelab:inventory", raw, "the stack config has no inventory");
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new InventoryError(site, "homelab:inventory", raw, `must be a mapping of inventory keys (organisation, hosts, networks, services, ...), not ${Array.isArray(raw) ? "a list" : `a ${typeof raw}`}`);
  }
  const parsed = InventorySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = firstIssue(parsed.error);
    const path = ["inventory", ...issue.path];
    const at = valueAt({ inventory: raw }, path);
    throw new InventoryError(site, pathText(at.path), at.value, issue.message);
  }
  return checkSiteApps(crossCheck(site, { ...parsed.data, templates: { ...DEFAULT_TEMPLATES, ...parsed.data.templates } }, phase));
}

function firstIssue(error: z.ZodError): z.core.$ZodIssue {
  // Report the deepest problem: a union failure is less useful than what failed inside it.
  const issue = error.issues[0];
  if (issue.code === "invalid_union" && "errors" in issue && issue.errors.length > 0) {
    const best = issue.errors.map((errs) => errs[0]).filter(Boolean).sort((a, b) => b.path.length - a.path.length)[0];
    if (best) return { ...best, path: [...issue.path, ...best.path] } as z.core.$ZodIssue;
  }
  return issue;
}

function crossCheck(site: string, inv: Inventory, phase: number): Site {
  const fail = (path: string, value: unknown, problem: string): never => {
    throw new InventoryError(site, `inventory.${path}`, value, problem);
  };

  // Hosts and their datastores.
  const hosts = new Map<string, Host>();
  inv.hosts.forEach((h, i) => {
    if (hosts.has(h.name)) fail(`hosts[${i}].name`, h.name, "host name used twice");
    hosts.set(h.name, h);
    const ids = new Set<string>();
    h.datastores.forEach((d, j) => {
      if (ids.has(d.id)) fail(`hosts[${i}].datastores[${j}].id`, d.id, `datastore listed twice on host "${h.name}"`);
      ids.add(d.id);
    });
    if (h.kind === "proxmox" && h.cores === undefined) fail(`hosts[${i}].cores`, undefined, `Proxmox node "${h.name}" needs its core count`);
    if (h.kind === "proxmox" && h.memoryGiB === undefined) fail(`hosts[${i}].memoryGiB`, undefined, `Proxmox node "${h.name}" needs its memory size`);
    if (h.cores !== undefined && h.reservedCores >= h.cores) fail(`hosts[${i}].reservedCores`, h.reservedCores, `leaves no cores for guests (host has ${h.cores})`);
    if (h.memoryGiB !== undefined && h.reservedMemoryGiB >= h.memoryGiB) fail(`hosts[${i}].reservedMemoryGiB`, h.reservedMemoryGiB, `leaves no memory for guests (host has ${h.memoryGiB} GiB)`);
  });

  // Networks.
  const siteV6 = inv.ipv6Prefix ? parsePrefix(inv.ipv6Prefix) : undefined;
  const networks = new Map<string, ResolvedNetwork>();
  inv.networks.forEach((n, i) => {
    const p = `networks[${i}]`;
    if (networks.has(n.name)) fail(`${p}.name`, n.name, "network name used twice");
    const v4 = n.ipv4 ? parsePrefix(n.ipv4) : undefined;
    if (v4 && v4.family !== "ipv4") fail(`${p}.ipv4`, n.ipv4, "is not an IPv4 prefix");
    if (n.gateway) {
      if (!v4) fail(`${p}.gateway`, n.gateway, "a gateway needs an ipv4 prefix");
      else if (!contains(v4, n.gateway)) fail(`${p}.gateway`, n.gateway, `outside the network's prefix ${v4.text}`);
      else if (isNetworkOrBroadcast(v4, n.gateway)) fail(`${p}.gateway`, n.gateway, `is the network or broadcast address of ${v4.text}`);
    }
    const v6 = n.ipv6 ? parsePrefix(n.ipv6.prefix) : undefined;
    if (v6 && v6.family !== "ipv6") fail(`${p}.ipv6.prefix`, n.ipv6?.prefix, "is not an IPv6 prefix");
    if (v6 && siteV6 && !containsPrefix(siteV6, v6)) fail(`${p}.ipv6.prefix`, n.ipv6?.prefix, `outside the site's delegated prefix ${siteV6.text}`);
    if (v6 && n.ipv6?.gateway && !contains(v6, n.ipv6.gateway)) fail(`${p}.ipv6.gateway`, n.ipv6.gateway, `outside ${v6.text}`);
    let dhcpRange: Range | undefined;
    if (n.dhcp) {
      dhcpRange = rangeOrFail(`${p}.dhcp`, n.dhcp.start, n.dhcp.end);
      if (!v4 || !rangeInPrefix(dhcpRange, v4)) fail(`${p}.dhcp`, n.dhcp, `outside the network's prefix ${v4?.text ?? "(none)"}`);
    }
    const pools = n.loadBalancerPools.map((pool, j) => {
      const pp = `${p}.loadBalancerPools[${j}]`;
      const r = rangeOrFail(pp, pool.start, pool.end);
      if (!v4 || !rangeInPrefix(r, v4)) fail(pp, pool, `outside the network's prefix ${v4?.text ?? "(none)"}`);
      if (dhcpRange && overlaps(r, dhcpRange)) fail(pp, pool, `overlaps the DHCP range ${dhcpRange.text}`);
      if (rangeTouchesNetworkOrBroadcast(r, v4!)) fail(pp, pool, `pool "${pool.name}" contains the network or broadcast address of ${v4!.text}`);
      if (n.gateway && inRange(r, n.gateway)) fail(pp, pool, `pool "${pool.name}" contains the gateway ${n.gateway} of "${n.name}"`);
      inv.hosts.forEach((h) => {
        if (h.address && inRange(r, h.address)) fail(pp, pool, `pool "${pool.name}" contains the address ${h.address} of host "${h.name}"`);
      });
      n.reserved.forEach((res) => {
        if (inRange(r, res.address)) fail(pp, pool, `pool "${pool.name}" contains reservation "${res.name}" ${res.address}`);
      });
      return { ...r, name: pool.name };
    });
    for (const [a, b] of findOverlaps(pools)) fail(`${p}.loadBalancerPools`, [a.text, b.text], `pools "${a.name}" and "${b.name}" overlap`);
    n.futureVlans.forEach((fv, j) => {
      const fp = parsePrefix(fv.prefix);
      if (!v4 || !containsPrefix(v4, fp)) fail(`${p}.futureVlans[${j}].prefix`, fv.prefix, `outside the network's prefix ${v4?.text ?? "(none)"}`);
    });
    n.reserved.forEach((r, j) => {
      if (!v4 || !contains(v4, r.address)) fail(`${p}.reserved[${j}].address`, r.address, `outside the network's prefix ${v4?.text ?? "(none)"}`);
    });
    networks.set(n.name, { ...n, ipv4Prefix: v4, ipv6Prefix: v6, dhcpRange, pools });
  });
  checkFutureVlans(inv, networks, fail);
  const firstNetwork = inv.networks[0].name;

  // A host's management address is static: never one the DHCP server may hand out.
  inv.hosts.forEach((h, i) => {
    if (!h.address) return;
    for (const n of networks.values()) {
      if (n.dhcpRange && inRange(n.dhcpRange, h.address)) fail(`hosts[${i}].address`, h.address, `inside the DHCP range ${n.dhcpRange.text} of "${n.name}" (host "${h.name}")`);
    }
  });

  // An IPv6 resolver is only reachable from a site that has IPv6.
  inv.dns.servers.forEach((server, i) => {
    if (server.includes(":") && ![...networks.values()].some((n) => n.ipv6Prefix)) fail(`dns.servers[${i}]`, server, "an IPv6 DNS server, but no network of the site has an IPv6 prefix");
  });

  // What the site can host: Proxmox guests need a Proxmox node. (k8s workloads need the site's
  // `kubernetes` section and its nodes: checked with the apps, in org.ts.)
  const proxmoxHosts = inv.hosts.filter((h) => h.kind === "proxmox");

  function rangeOrFail(path: string, start: string, end: string): Range {
    try {
      return parseRange(start, end);
    } catch (e) {
      return fail(path, { start, end }, (e as Error).message);
    }
  }

  // Addresses in use: hosts, reservations, services. One owner per address.
  const owners = new Map<string, string>();
  const claim = (path: string, address: string, owner: string) => {
    const key = canonicalAddress(address);
    const prior = owners.get(key);
    if (prior) fail(path, address, `address already used by ${prior}`);
    owners.set(key, owner);
  };
  inv.hosts.forEach((h, i) => h.address && claim(`hosts[${i}].address`, h.address, `host "${h.name}"`));
  inv.networks.forEach((n, i) => n.reserved.forEach((r, j) => claim(`networks[${i}].reserved[${j}].address`, r.address, `reservation "${r.name}"`)));

  const names = new Set<string>();
  const vmids = new Map<number, string>();
  const resolved: ResolvedService[] = [];
  const serviceByName = new Map<string, Service>(inv.services.map((s) => [s.name, s]));

  inv.services.forEach((s, i) => {
    const p = `services[${i}]`;
    const who = `service "${s.name}"`;
    if (names.has(s.name)) fail(`${p}.name`, s.name, "service name used twice (hostnames must be unique)");
    names.add(s.name);
    const guest = s.kind === "lxc" || s.kind === "vm";
    if (guest && proxmoxHosts.length === 0) {
      fail(`${p}.kind`, s.kind, `site has no Proxmox host to run ${who} (hosts: ${inv.hosts.map((h) => `${h.name} (${h.kind})`).join(", ")})`);
    }

    let datastore: string | undefined;
    let template: string | undefined;
    if (guest) {
      if (!s.host) fail(`${p}.host`, s.host, `${who} is a ${s.kind} and needs a host`);
      const host = hosts.get(s.host!);
      if (!host) fail(`${p}.host`, s.host, `no such host (hosts: ${[...hosts.keys()].join(", ")})`);
      if (host!.kind !== "proxmox") fail(`${p}.host`, s.host, `host "${s.host}" is not a Proxmox node`);
      if (s.vmid === undefined) fail(`${p}.vmid`, s.vmid, `${who} needs a fixed VMID`);
      if (s.vmid! < inv.vmidRange.min || s.vmid! > inv.vmidRange.max) fail(`${p}.vmid`, s.vmid, `outside the allowed VMID range ${inv.vmidRange.min}-${inv.vmidRange.max}`);
      const prior = vmids.get(s.vmid!);
      if (prior) fail(`${p}.vmid`, s.vmid, `VMID already used by ${prior}`);
      vmids.set(s.vmid!, who);
      for (const field of ["cores", "memoryMiB", "diskGiB"] as const) if (s[field] === undefined) fail(`${p}.${field}`, undefined, `${who} is a ${s.kind} and needs ${field}`);
      datastore = s.datastore ?? host!.datastores[0]?.id;
      if (!datastore || !host!.datastores.some((d) => d.id === datastore)) fail(`${p}.datastore`, s.datastore, `host "${s.host}" has no such datastore (has: ${host!.datastores.map((d) => d.id).join(", ") || "none"})`);
      const mountPaths = new Map<string, number>();
      s.dataMounts.forEach((m, j) => {
        const key = m.path.replace(/\/+$/, "");
        const prior = mountPaths.get(key);
        if (prior !== undefined) fail(`${p}.dataMounts[${j}].path`, m.path, `${who} already mounts ${key} (dataMounts[${prior}])`);
        mountPaths.set(key, j);
        const ds = m.datastore ?? datastore;
        if (!host!.datastores.some((d) => d.id === ds)) fail(`${p}.dataMounts[${j}].datastore`, m.datastore, `host "${s.host}" has no such datastore`);
      });
      template = s.template ?? (s.kind === "lxc" ? "debian12" : "debian12-cloud");
      if (!inv.templates[template]) fail(`${p}.template`, s.template ?? template, `no such template (templates: ${Object.keys(inv.templates).join(", ") || "none"})`);
      const wantType = s.kind === "lxc" ? ["vztmpl"] : ["iso", "import"];
      if (!wantType.includes(inv.templates[template].contentType)) fail(`${p}.template`, template, `a ${s.kind} needs a ${wantType.join("/")} template`);
      if (!s.ipv4) fail(`${p}.ipv4`, s.ipv4, `${who} needs a static IPv4 address`);
    } else {
      for (const field of ["vmid", "host"] as const) if (s[field] !== undefined && s.kind === "k8s") fail(`${p}.${field}`, s[field], `a k8s workload has no ${field}`);
    }
    if (s.kind !== "lxc" && s.devices.length > 0) fail(`${p}.devices`, s.devices, "only LXC containers take device passthrough (give a VM the device in Proxmox)");
    if (s.kind !== "lxc" && (s.privileged || s.features)) fail(`${p}.${s.privileged ? "privileged" : "features"}`, s.privileged ?? s.features, "only LXC containers take privileged/features");
    if (s.kind !== "vm" && s.extraNics.length > 0) fail(`${p}.extraNics`, s.extraNics, "only VMs take extra NICs");
    if (s.kind === "k8s" && !s.namespace) fail(`${p}.namespace`, s.namespace, "a k8s workload needs a namespace");
    if (s.stateful && !s.backup) fail(`${p}.backup`, undefined, `${who} is stateful and needs backup paths or a stated exemption`);

    const netName = s.network ?? firstNetwork;
    const net = networks.get(netName);
    if (!net) fail(`${p}.network`, s.network, `no such network (networks: ${[...networks.keys()].join(", ")})`);
    const checkStatic = (path: string, address: string, n: ResolvedNetwork) => {
      const v6 = address.includes(":");
      const prefix = v6 ? n.ipv6Prefix : n.ipv4Prefix;
      if (!prefix) return fail(path, address, `network "${n.name}" has no ${v6 ? "IPv6" : "IPv4"} prefix`);
      if (!contains(prefix, address)) fail(path, address, `outside network "${n.name}" ${prefix.text} (${who})`);
      if (isNetworkOrBroadcast(prefix, address)) fail(path, address, `is the network or broadcast address of ${prefix.text} (${who})`);
      if (!v6 && n.gateway && canonicalAddress(n.gateway) === canonicalAddress(address) && !s.router) fail(path, address, `is the gateway of "${n.name}" (${who} is not marked router: true)`);
      if (n.dhcpRange && inRange(n.dhcpRange, address)) fail(path, address, `inside the DHCP range ${n.dhcpRange.text} of "${n.name}"`);
      for (const pool of n.pools) if (inRange(pool, address)) fail(path, address, `inside load-balancer pool "${pool.name}" ${pool.text}`);
      if (!v6 && n.futureVlans.length > 0 && !n.futureVlans.some((fv) => contains(parsePrefix(fv.prefix), address))) {
        fail(path, address, `not inside any future VLAN /24 of "${n.name}" (${n.futureVlans.map((fv) => fv.prefix).join(", ")}); it would need renumbering`);
      }
      claim(path, address, who);
    };
    if (guest && !net!.bridge) fail(`networks[${inv.networks.findIndex((n) => n.name === netName)}].bridge`, undefined, `network "${netName}" carries Proxmox guests (${who}) and needs a bridge`);
    if (s.ipv4) checkStatic(`${p}.ipv4`, s.ipv4, net!);
    if (s.ipv6) checkStatic(`${p}.ipv6`, s.ipv6, net!);
    s.extraNics.forEach((nic, j) => {
      const n = networks.get(nic.network);
      if (!n) return fail(`${p}.extraNics[${j}].network`, nic.network, "no such network");
      if (nic.ipv4 !== "dhcp") checkStatic(`${p}.extraNics[${j}].ipv4`, nic.ipv4, n);
    });

    const firewall = s.ports.map((port, j) => ({
      ...port,
      sources: port.from.flatMap((src, k) => resolveSource(`${p}.ports[${j}].from[${k}]`, src)),
    }));

    resolved.push({
      ...s,
      index: i,
      network: netName,
      resolvedNetwork: net!,
      ipv4Cidr: s.ipv4 && net!.ipv4Prefix ? `${canonicalAddress(s.ipv4)}/${net!.ipv4Prefix.length}` : undefined,
      ipv6Cidr: s.ipv6 && net!.ipv6Prefix ? `${canonicalAddress(s.ipv6)}/${net!.ipv6Prefix.length}` : undefined,
      datastore,
      template,
      firewall,
      totalDiskGiB: (s.diskGiB ?? 0) + s.dataMounts.reduce((sum, m) => sum + m.sizeGiB, 0) + (s.kind === "k8s" ? s.storageGiB ?? 0 : 0),
    });
  });

  if (inv.mesh) {
    const router = inv.services.find((s) => s.name === inv.meshRouter);
    if (!inv.meshRouter) fail("meshRouter", undefined, "a mesh site needs the service that is its routing peer");
    else if (!router || (router.kind !== "lxc" && router.kind !== "vm") || !router.ipv4) fail("meshRouter", inv.meshRouter, "must name an LXC or VM service of this site with an IPv4 address");
    else if (router.kind === "lxc" && !router.devices.includes("/dev/net/tun")) {
      fail(`services[${inv.services.indexOf(router)}].devices`, router.devices, `service "${router.name}" is the mesh routing peer and runs WireGuard: an LXC needs /dev/net/tun passed through`);
    }
  }

  // Open WebUI's model server (components/apps/openWebui.ts): a named ollama service, or the site's only one.
  inv.services.forEach((s, i) => {
    if (s.app?.kind !== "open-webui" || (s.app.upstream && "openai" in s.app.upstream)) return;
    const want = s.app.upstream?.ollama;
    const n = inv.services.filter((x) => x.app?.kind === "ollama" && (want === undefined || x.name === want)).length;
    if (want !== undefined && n === 0) fail(`services[${i}].app.upstream.ollama`, want, "no ollama service of that name on this site");
    if (want === undefined && n !== 1) fail(`services[${i}].app.upstream`, undefined, `the site has ${n} ollama services: name one ({ ollama: <service> }) or give { openai: <base URL> }`);
  });

  /** Resolve a port source: `any`, an address, a prefix, a network name or a service name. */
  function resolveSource(path: string, src: string): string[] {
    if (src === "any") return [];
    if (isAddress(src)) return [hostPrefix(src)];
    if (src.includes("/")) {
      try {
        return [parsePrefix(src).text];
      } catch (e) {
        return fail(path, src, (e as Error).message);
      }
    }
    const net = networks.get(src);
    if (net) return [net.ipv4Prefix?.text, net.ipv6Prefix?.text].filter((x): x is string => !!x);
    const svc = serviceByName.get(src);
    if (svc) {
      const addrs = [svc.ipv4, svc.ipv6].filter((x): x is string => !!x).map(hostPrefix);
      if (addrs.length === 0) return fail(path, src, `service "${src}" has no static address to allow`);
      return addrs;
    }
    return fail(path, src, "not an address, prefix, network name, service name or `any`");
  }

  return {
    name: site,
    phase,
    inventory: inv,
    cluster: inv.cluster ?? site,
    hosts: inv.hosts,
    networks: [...networks.values()],
    services: resolved.filter((s) => s.phase <= phase),
    deferred: resolved.filter((s) => s.phase > phase),
    templates: inv.templates,
  };
}
