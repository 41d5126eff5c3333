/**
 * The loader's checks (issue 9 item 6): a committed, passing inventory mutated one field per
 * case, and the exact one-line message each mistake gives.
 */
import { InventoryError, loadInventory } from "../../components/inventory/load";
import { cronProblem, dnsNameProblem, timeZoneProblem } from "../../components/inventory/schema";
import { committedInventory, serviceIndex } from "../helpers/inventory";

/** The message of loading `site`'s inventory after `mutate` (the mutation may return a replacement). */
function messageOf(site: string, mutate: (inv: any) => unknown): string {
  const inv = committedInventory(site);
  const replaced = mutate(inv);
  try {
    loadInventory(site, replaced === undefined ? inv : replaced, 9);
  } catch (e) {
    expect(e).toBeInstanceOf(InventoryError);
    return (e as Error).message;
  }
  throw new Error("expected an InventoryError");
}

const svc = (inv: any, name: string) => inv.services[serviceIndex(inv, name)];
const set = <T>(fn: (inv: any) => T) => (inv: any) => {
  fn(inv);
};

type Case = [string, string, (inv: any) => unknown, string];

describe("inventory checks: one line naming site, key path and value", () => {
  const cases: Case[] = [
    // Not a mapping.
    ["inventory is a list", "bo", () => [1, 2], 'homelab: site "bo": homelab:inventory = [1,2]: must be a mapping of inventory keys (organisation, hosts, networks, services, ...), not a list'],
    ["inventory is a string", "bo", () => "hosts", 'homelab: site "bo": homelab:inventory = "hosts": must be a mapping of inventory keys (organisation, hosts, networks, services, ...), not a string'],
    // Address families.
    ["IPv6 in a service's ipv4", "bo", set((inv) => (svc(inv, "postgres").ipv4 = "2602:f674::20")), 'homelab: site "bo": inventory.services[2].ipv4 = "2602:f674::20": an IPv6 address in an IPv4 field'],
    ["IPv4 in a service's ipv6", "orion", set((inv) => (inv.services[0].ipv6 = "192.168.1.9")), 'homelab: site "orion": inventory.services[0].ipv6 = "192.168.1.9": an IPv4 address in an IPv6 field'],
    ["IPv6 gateway of an IPv4 network", "bo", set((inv) => (inv.networks[0].gateway = "fe80::1")), 'homelab: site "bo": inventory.networks[0].gateway = "fe80::1": an IPv6 address in an IPv4 field'],
    ["IPv4 gateway of the IPv6 prefix", "orion", set((inv) => (inv.networks[0].ipv6.gateway = "192.168.1.1")), 'homelab: site "orion": inventory.networks[0].ipv6.gateway = "192.168.1.1": an IPv4 address in an IPv6 field'],
    ["IPv6 in the DHCP range", "bo", set((inv) => (inv.networks[0].dhcp.start = "2602:f674::100")), 'homelab: site "bo": inventory.networks[0].dhcp.start = "2602:f674::100": an IPv6 address in an IPv4 field'],
    ["IPv6 reservation", "sector7", set((inv) => (inv.networks[0].reserved[0].address = "2602:f674::7")), 'homelab: site "sector7": inventory.networks[0].reserved[0].address = "2602:f674::7": an IPv6 address in an IPv4 field'],
    ["IPv6 end of a load-balancer pool", "sector7", set((inv) => (inv.networks[0].loadBalancerPools[0].end = "2602:f674::ff")), 'homelab: site "sector7": inventory.networks[0].loadBalancerPools[0].end = "2602:f674::ff": an IPv6 address in an IPv4 field'],
    ["IPv6 on an extra NIC's ipv4", "orion", set((inv) => (inv.services[0].extraNics[0].ipv4 = "2602:f674::1")), 'homelab: site "orion": inventory.services[0].extraNics[0].ipv4 = "2602:f674::1": an IPv6 address in an IPv4 field'],
    ["IPv6 DNS server on an IPv4-only site", "bo", set((inv) => inv.dns.servers.push("2606:4700:4700::1111")), 'homelab: site "bo": inventory.dns.servers[1] = "2606:4700:4700::1111": an IPv6 DNS server, but no network of the site has an IPv6 prefix'],
    // Time zone.
    ["unknown time zone", "bo", set((inv) => (inv.timezone = "America/Chicgo")), 'homelab: site "bo": inventory.timezone = "America/Chicgo": not an IANA time zone (e.g. America/Chicago, Europe/Berlin, UTC)'],
    ["time zone in the wrong case", "bo", set((inv) => (inv.timezone = "america/chicago")), 'homelab: site "bo": inventory.timezone = "america/chicago": not an IANA time zone as spelled (did you mean America/Chicago?)'],
    ["UTC offset instead of a zone", "bo", set((inv) => (inv.timezone = "+01:00")), 'homelab: site "bo": inventory.timezone = "+01:00": not an IANA time zone (e.g. America/Chicago, Europe/Berlin, UTC)'],
    // DNS names.
    ["domain with an underscore", "bo", set((inv) => (inv.dns.domain = "bo_apiary.internal")), 'homelab: site "bo": inventory.dns.domain = "bo_apiary.internal": not an RFC 1123 DNS name: label "bo_apiary" has characters other than a-z, 0-9 and -'],
    ["domain with an empty label", "bo", set((inv) => (inv.dns.domain = "bo..internal")), 'homelab: site "bo": inventory.dns.domain = "bo..internal": not an RFC 1123 DNS name: empty label (two dots, or a leading or trailing dot)'],
    ["dnsName starting with a hyphen", "sector7", set((inv) => (svc(inv, "n8n").dnsName = "-n8n.sector7.helloworlddao.com")), 'homelab: site "sector7": inventory.services[2].dnsName = "-n8n.sector7.helloworlddao.com": not an RFC 1123 DNS name: label "-n8n" starts or ends with a hyphen'],
    // Mount paths.
    [
      "the same mount path twice (trailing slash)",
      "bo",
      set((inv) => svc(inv, "postgres").dataMounts.push({ ...svc(inv, "postgres").dataMounts[0], path: `${svc(inv, "postgres").dataMounts[0].path}/` })),
      'homelab: site "bo": inventory.services[2].dataMounts[1].path = "/var/lib/postgresql/": service "postgres" already mounts /var/lib/postgresql (dataMounts[0])',
    ],
    ["a data mount on /", "bo", set((inv) => (svc(inv, "postgres").dataMounts[0].path = "/")), 'homelab: site "bo": inventory.services[2].dataMounts[0].path = "/": the root filesystem is the service\'s disk (diskGiB): a data mount cannot be "/"'],
    // Kinds the site can host (k8s: the `kubernetes` section, checked with the apps in org.ts).
    [
      "k8s on a site without a cluster",
      "bo",
      set((inv) => inv.services.push({ name: "web", description: "web", kind: "k8s", namespace: "web", phase: 2 })),
      'homelab: site "bo": inventory.services[12].kind = "k8s": the site has no `kubernetes` section to run Kubernetes workloads on',
    ],
    [
      "k8s on a site whose cluster declaration is removed",
      "sector7",
      set((inv) => delete inv.kubernetes),
      'homelab: site "sector7": inventory.services[0].kind = "k8s": the site has no `kubernetes` section to run Kubernetes workloads on',
    ],
    [
      "k8s before the cluster exists",
      "orion",
      set((inv) => inv.services.push({ name: "web", description: "web", kind: "k8s", namespace: "web", phase: 0 })),
      'homelab: site "orion": inventory.services[18].phase = 0: a Kubernetes workload cannot come before the cluster (kubernetes.phase 1)',
    ],
    [
      "an LXC on a site without a Proxmox host",
      "sector7",
      set((inv) => inv.services.push({ name: "box", description: "box", kind: "lxc", host: "aurora", vmid: 100, cores: 1, memoryMiB: 512, diskGiB: 4, ipv4: "192.168.2.50", phase: 2 })),
      'homelab: site "sector7": inventory.services[6].kind = "lxc": site has no Proxmox host to run service "box" (hosts: aurora (baremetal), optiplex (baremetal))',
    ],
    // Load-balancer pools clear of every fixed address.
    [
      "pool holding the gateway",
      "sector7",
      set((inv) => (inv.networks[0].loadBalancerPools[0] = { name: "p", start: "192.168.2.1", end: "192.168.2.10" })),
      'homelab: site "sector7": inventory.networks[0].loadBalancerPools[0] = {"name":"p","start":"192.168.2.1","end":"192.168.2.10"}: pool "p" contains the gateway 192.168.2.1 of "lan"',
    ],
    [
      "pool holding the broadcast address",
      "sector7",
      set((inv) => (inv.networks[0].loadBalancerPools[0] = { name: "p", start: "192.168.2.240", end: "192.168.2.255" })),
      'homelab: site "sector7": inventory.networks[0].loadBalancerPools[0] = {"name":"p","start":"192.168.2.240","end":"192.168.2.255"}: pool "p" contains the network or broadcast address of 192.168.2.0/24',
    ],
    [
      "pool holding the network address",
      "sector7",
      set((inv) => (inv.networks[0].loadBalancerPools[0] = { name: "p", start: "192.168.2.0", end: "192.168.2.0" })),
      'homelab: site "sector7": inventory.networks[0].loadBalancerPools[0] = {"name":"p","start":"192.168.2.0","end":"192.168.2.0"}: pool "p" contains the network or broadcast address of 192.168.2.0/24',
    ],
    [
      "pool holding a host's address",
      "sector7",
      set((inv) => (inv.networks[0].loadBalancerPools[0] = { name: "p", start: "192.168.2.150", end: "192.168.2.160" })),
      'homelab: site "sector7": inventory.networks[0].loadBalancerPools[0] = {"name":"p","start":"192.168.2.150","end":"192.168.2.160"}: pool "p" contains the address 192.168.2.159 of host "aurora"',
    ],
    [
      "pool holding a reservation",
      "sector7",
      set((inv) => (inv.networks[0].loadBalancerPools[0] = { name: "p", start: "192.168.2.100", end: "192.168.2.110" })),
      'homelab: site "sector7": inventory.networks[0].loadBalancerPools[0] = {"name":"p","start":"192.168.2.100","end":"192.168.2.110"}: pool "p" contains reservation "mini-pc" 192.168.2.106',
    ],
    [
      "pool holding a static service address",
      "bo",
      set((inv) => (inv.networks[0].loadBalancerPools = [{ name: "p", start: "192.168.9.30", end: "192.168.9.31" }])),
      'homelab: site "bo": inventory.services[0].ipv4 = "192.168.9.30": inside load-balancer pool "p" 192.168.9.30-192.168.9.31',
    ],
    // Hosts outside DHCP.
    ["host address inside the DHCP scope", "sector7", set((inv) => (inv.hosts[1].address = "192.168.2.50")), 'homelab: site "sector7": inventory.hosts[1].address = "192.168.2.50": inside the DHCP range 192.168.2.20-192.168.2.99 of "lan" (host "optiplex")'],
    // Cron.
    ["cron with 4 fields", "sector7", set((inv) => (inv.services[0].backup.longhorn.cron = "0 3 * *")), 'homelab: site "sector7": inventory.services[0].backup.longhorn.cron = "0 3 * *": a cron expression has 5 fields (minute hour day-of-month month day-of-week), this has 4'],
    ["cron hour out of range", "sector7", set((inv) => (inv.services[0].backup.longhorn.cron = "0 25 * * *")), 'homelab: site "sector7": inventory.services[0].backup.longhorn.cron = "0 25 * * *": hour field "25": 25 is outside 0-23'],
    ["cron step of zero", "sector7", set((inv) => (inv.services[0].backup.longhorn.cron = "*/0 3 * * *")), 'homelab: site "sector7": inventory.services[0].backup.longhorn.cron = "*/0 3 * * *": minute field "*/0" has step "0" (1-59)'],
    ["cron unknown weekday", "sector7", set((inv) => (inv.services[0].backup.longhorn.cron = "0 3 * * mon-xyz")), 'homelab: site "sector7": inventory.services[0].backup.longhorn.cron = "0 3 * * mon-xyz": day-of-week field "mon-xyz" is not a value, range or step'],
  ];

  it.each(cases)("%s", (_name, site, mutate, expected) => {
    const message = messageOf(site, mutate);
    expect(message).toBe(expected);
    expect(message).not.toContain("\n");
  });

  it("the cases mutate a site that loads as committed", () => {
    for (const site of new Set(cases.map((c) => c[1]))) expect(() => loadInventory(site, committedInventory(site), 9)).not.toThrow();
  });
});

describe("field predicates", () => {
  it("cron: accepts the standard forms", () => {
    for (const ok of ["0 3 * * *", "*/15 0-6,22-23 1,15 jan-mar,DEC mon-fri", "0 0 * * 7", "5 4 31 12 sun", "0 */2 * * 1-5/2"]) expect(cronProblem(ok)).toBeUndefined();
    for (const bad of ["@daily", "60 * * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "5-1 * * * *", "* * * * * *", "a * * * *"]) expect(cronProblem(bad)).toEqual(expect.any(String));
  });

  it("time zones: canonical names, UTC and IANA aliases", () => {
    for (const ok of ["UTC", "America/Chicago", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "US/Eastern"]) expect(timeZoneProblem(ok)).toBeUndefined();
    for (const bad of ["", "Mars/Olympus", "CST6", "utc", "America/Chicago "]) expect(timeZoneProblem(bad)).toEqual(expect.any(String));
  });

  it("RFC 1123 names", () => {
    for (const ok of ["a", "bo.apiary.internal", "1password.com", "x-y.z0", `${"a".repeat(63)}.com`]) expect(dnsNameProblem(ok)).toBeUndefined();
    for (const bad of ["", ".com", "com.", "a..b", "-a.com", "a-.com", "a_b.com", "a b", `${"a".repeat(64)}.com`, `${"a.".repeat(127)}a`]) expect(dnsNameProblem(bad)).toEqual(expect.any(String));
  });
});
