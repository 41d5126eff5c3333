/**
 * The router, for real, in network namespaces: orion's inventory moved into documentation ranges
 * (test/router/fixture.ts), its configuration rendered by components/router/render, and Debian's
 * own tools running it (bookworm: nftables 1.0.6, bird2 2.0.12, dnsmasq 2.90, radvd 2.19, busybox
 * udhcpc 1.35; .ci/run installs them). Needs root (ip netns).
 *
 *   wan (ISP, AS6939, BIRD2)  ── r-wan ┐
 *                                     router (nftables, BIRD2 AS394955, dnsmasq, radvd)
 *   lan client ── r-lan ──────────────┤
 *   guest client ── r-guest ──────────┘
 *
 * Every probe is bounded (connect timeouts, `timeout`, counts); afterAll kills what runs in the
 * namespaces and deletes them even when a test failed.
 */
import { spawn, spawnSync, ChildProcess } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderRouter, routerService, BGP_PROTOCOL, ROUTER_PATHS } from "../../components/router/render";
import { renderRouterInstall } from "../../components/router/router";
import { renderAddressesUnit, renderMetricsUnits } from "../../components/router/render/units";
import { orionInDocumentationRanges, TEST_IFACES, TEST_WAN } from "../router/fixture";

const tag = `hlr${process.pid}`;
const NS = { wan: `${tag}-wan`, router: `${tag}-rt`, lan: `${tag}-lan`, guest: `${tag}-guest` } as const;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-router-"));
const { site } = orionInDocumentationRanges();
const config = renderRouter(site, routerService(site)!);
const lanZone = config.model.zones.find((z) => z.name === "lan")!;
const guestZone = config.model.zones.find((z) => z.name === "guest")!;
const LAN_HOST = "198.51.100.30"; // ai-coordinator's (remapped) address; its port 8443 is published by the fixture
const GUEST_HOST = "203.0.113.50";
const servers: ChildProcess[] = [];

function run(cmd: string[], timeoutMs = 10000): { code: number | null; out: string } {
  const r = spawnSync(cmd[0], cmd.slice(1), { encoding: "utf8", timeout: timeoutMs });
  return { code: r.status, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}
function must(cmd: string[], timeoutMs = 10000): string {
  const r = run(cmd, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd.join(" ")} exited ${r.code}: ${r.out}`);
  return r.out;
}
const inNs = (ns: string, ...cmd: string[]) => ["ip", "netns", "exec", ns, ...cmd];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, seconds: number, probe: () => T | undefined): Promise<T> {
  for (let i = 0; i < seconds * 4; i++) {
    const v = probe();
    if (v !== undefined) return v;
    await sleep(250);
  }
  throw new Error(`timed out after ${seconds}s waiting for ${what}`);
}

/** A TCP server in `ns` on `port` (all addresses) that answers each connection with the peer's address. */
function peerEcho(ns: string, port: number): void {
  const js = `require("net").createServer((s) => s.end(s.remoteAddress + "\\n")).listen(${port}, "::")`;
  const cmd = inNs(ns, "timeout", "240", process.execPath, "-e", js);
  servers.push(spawn(cmd[0], cmd.slice(1), { stdio: "ignore" }));
}
/** Connects from `ns` to host:port (2 s timeout); the peer address the server saw, or `FAIL`. */
function connect(ns: string, host: string, port: number): string {
  const js = `const s=require("net").connect({host:${JSON.stringify(host)},port:${port},timeout:2000});let d="";s.on("data",(c)=>d+=c);s.on("end",()=>{console.log(d.trim());process.exit(0)});s.on("timeout",()=>{console.log("FAIL");process.exit(0)});s.on("error",()=>{console.log("FAIL");process.exit(0)})`;
  return run(inNs(ns, "timeout", "5", process.execPath, "-e", js), 8000).out.trim() || "FAIL";
}
const strip = (a: string) => a.replace(/^::ffff:/, "");
function globalIpv6(ns: string, prefix: string): string | undefined {
  const out = run(inNs(ns, "ip", "-6", "-o", "addr", "show", "dev", "eth0", "scope", "global")).out;
  const m = out.match(/inet6 ([0-9a-f:]+)\/64/);
  return m && m[1].startsWith(prefix) ? m[1] : undefined;
}
const routerSock = path.join(dir, "router.ctl");
const ispSock = path.join(dir, "isp.ctl");
const birdOf = (ns: string, sock: string, ...args: string[]) => must(inNs(ns, "birdc", "-s", sock, ...args), 5000);
/** Prefixes in a `birdc show route` listing. */
const prefixes = (out: string) => [...out.matchAll(/^([0-9a-f:.]+\/\d+)\s/gm)].map((m) => m[1]).sort();

function teardown(): void {
  for (const s of servers) s.kill("SIGKILL");
  for (const ns of Object.values(NS)) {
    const pids = run(["ip", "netns", "pids", ns], 5000).out.split(/\s+/).filter((p) => /^\d+$/.test(p));
    for (const p of pids) run(["kill", "-9", p], 5000);
    run(["ip", "netns", "del", ns], 5000);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

beforeAll(async () => {
  try {
    for (const ns of Object.values(NS)) must(["ip", "netns", "add", ns]);
    for (const ns of Object.values(NS)) must(inNs(ns, "ip", "link", "set", "lo", "up"));
    const leg = (rIf: string, ns: string) => must(["ip", "link", "add", rIf, "netns", NS.router, "type", "veth", "peer", "name", "eth0", "netns", ns]);
    leg(TEST_IFACES.wan, NS.wan);
    leg(TEST_IFACES.lan, NS.lan);
    leg(TEST_IFACES.guest, NS.guest);
    // The ISP: its link address, a management host beyond it, BIRD2 as AS6939 that offers a default
    // route and a foreign prefix (the router's import filter must keep only the default).
    must(inNs(NS.wan, "ip", "addr", "add", `${TEST_WAN.isp4}/${TEST_WAN.len4}`, "dev", "eth0"));
    must(inNs(NS.wan, "ip", "addr", "add", `${TEST_WAN.management4}/${TEST_WAN.len4}`, "dev", "eth0"));
    must(inNs(NS.wan, "ip", "-6", "addr", "add", `${TEST_WAN.isp6}/${TEST_WAN.len6}`, "dev", "eth0", "nodad"));
    must(inNs(NS.wan, "ip", "link", "set", "eth0", "up"));
    // A hostile ISP: routes to the inside prefixes through the router, so only nftables stops it.
    must(inNs(NS.wan, "ip", "route", "add", lanZone.ipv4!.text, "via", TEST_WAN.router4));
    must(inNs(NS.wan, "ip", "route", "add", guestZone.ipv4!.text, "via", TEST_WAN.router4));
    // The router: the addresses cloud-init and the install give it, the rendered sysctl, ruleset and daemons.
    must(inNs(NS.router, "ip", "addr", "add", `${TEST_WAN.router4}/${TEST_WAN.len4}`, "dev", TEST_IFACES.wan));
    must(inNs(NS.router, "ip", "-6", "addr", "add", `${TEST_WAN.router6}/${TEST_WAN.len6}`, "dev", TEST_IFACES.wan, "nodad"));
    for (const z of [lanZone, guestZone]) {
      must(inNs(NS.router, "ip", "addr", "add", `${z.gateway4}/${z.ipv4!.length}`, "dev", z.iface));
      must(inNs(NS.router, "ip", "-6", "addr", "add", `${z.gateway6}/64`, "dev", z.iface, "nodad"));
    }
    for (const i of Object.values(TEST_IFACES)) must(inNs(NS.router, "ip", "link", "set", i, "up"));
    must(inNs(NS.router, "ip", "route", "add", "default", "via", TEST_WAN.isp4));
    const write = (name: string, text: string) => (fs.writeFileSync(path.join(dir, name), text), path.join(dir, name));
    const files = { nft: write("nftables.conf", config.nftables), bird: write("bird.conf", config.bird!), dnsmasq: write("dnsmasq.conf", config.dnsmasq), radvd: write("radvd.conf", config.radvd), sysctl: write("sysctl.conf", config.sysctl) };
    must(inNs(NS.router, "sysctl", "-q", "-p", files.sysctl));
    must(inNs(NS.router, "nft", "-f", files.nft));
    const isp = write(
      "isp.conf",
      [
        `router id ${TEST_WAN.isp4};`,
        "protocol device {",
        "}",
        "protocol static offered {",
        "  ipv6;",
        "  route ::/0 unreachable;",
        "  route 2001:db8:aaaa::/48 unreachable;",
        "}",
        "protocol bgp customer {",
        `  local ${TEST_WAN.isp6} as ${config.model.bgp!.peerAsn};`,
        `  neighbor ${TEST_WAN.router6} as ${config.model.bgp!.asn};`,
        "  ipv6 { import all; export where source = RTS_STATIC; };",
        "}",
        "protocol kernel {",
        "  ipv6 { export where source = RTS_BGP; };",
        "}",
        "",
      ].join("\n"),
    );
    must(inNs(NS.wan, "bird", "-c", isp, "-s", ispSock, "-P", path.join(dir, "isp.pid")));
    must(inNs(NS.router, "bird", "-c", files.bird, "-s", routerSock, "-P", path.join(dir, "router.pid")));
    must(inNs(NS.router, "dnsmasq", "-C", files.dnsmasq, `--pid-file=${path.join(dir, "dnsmasq.pid")}`, `--dhcp-leasefile=${path.join(dir, "leases")}`, "--no-resolv"));
    must(inNs(NS.router, "radvd", "-C", files.radvd, "-p", path.join(dir, "radvd.pid"), "-m", "none"));
    // Clients: static addresses of the zones (the lan one is ai-coordinator's), IPv6 by RA.
    for (const [ns, addr, z] of [[NS.lan, LAN_HOST, lanZone], [NS.guest, GUEST_HOST, guestZone]] as const) {
      must(inNs(ns, "sysctl", "-q", "-w", "net.ipv6.conf.eth0.accept_ra=1", "net.ipv6.conf.eth0.autoconf=1"));
      must(inNs(ns, "ip", "addr", "add", `${addr}/${z.ipv4!.length}`, "dev", "eth0"));
      must(inNs(ns, "ip", "link", "set", "eth0", "up"));
      must(inNs(ns, "ip", "route", "add", "default", "via", z.gateway4!));
    }
    peerEcho(NS.wan, 7000);
    peerEcho(NS.lan, 7001);
    peerEcho(NS.lan, 8443);
    peerEcho(NS.guest, 7001);
    for (const [ns, port] of [[NS.wan, 7000], [NS.lan, 7001], [NS.lan, 8443], [NS.guest, 7001]] as const)
      await until(`listener ${ns}:${port}`, 15, () => (run(inNs(ns, "ss", "-Htln", `sport = :${port}`)).out.includes(`:${port}`) ? true : undefined));
  } catch (e) {
    teardown();
    throw e;
  }
}, 60000);

afterAll(teardown);

describe("rendered configuration is accepted by the Debian tools", () => {
  it("nft -c -f and bird -p -c accept the rendered files; dnsmasq --test and radvd -c too", () => {
    expect(run(inNs(NS.router, "nft", "-c", "-f", path.join(dir, "nftables.conf"))).code).toBe(0);
    expect(run(["bird", "-p", "-c", path.join(dir, "bird.conf")]).code).toBe(0);
    expect(run(["dnsmasq", "--test", "-C", path.join(dir, "dnsmasq.conf")]).code).toBe(0);
    expect(run(["radvd", "-c", "-C", path.join(dir, "radvd.conf")]).code).toBe(0);
    // The installer puts them where the Debian packages read them (bird2's bird.service, nftables.service, radvd.service).
    expect(ROUTER_PATHS).toMatchObject({ nftables: "/etc/nftables.conf", bird: "/etc/bird/bird.conf", radvd: "/etc/radvd.conf" });
  });

  it("the ruleset loads over itself (it replaces only its own table) and leaves other tables alone", () => {
    must(inNs(NS.router, "nft", "add", "table", "inet", "other"));
    expect(run(inNs(NS.router, "nft", "-f", path.join(dir, "nftables.conf"))).code).toBe(0);
    const tables = run(inNs(NS.router, "nft", "list", "tables")).out;
    expect(tables).toContain("table inet homelab");
    expect(tables).toContain("table inet other");
    must(inNs(NS.router, "nft", "delete", "table", "inet", "other"));
  });

  it("systemd-analyze verify accepts the router's units", () => {
    const units: Record<string, string> = { "homelab-router-addresses.service": renderAddressesUnit(config.model) };
    const metrics = renderMetricsUnits(config.model)!;
    units["homelab-bird-metrics.service"] = metrics.service;
    units["homelab-bird-metrics.timer"] = metrics.timer;
    const unitDir = path.join(dir, "units");
    fs.mkdirSync(unitDir, { recursive: true });
    for (const [n, t] of Object.entries(units)) fs.writeFileSync(path.join(unitDir, n), t);
    const r = spawnSync("systemd-analyze", ["verify", ...Object.keys(units).map((n) => path.join(unitDir, n))], { encoding: "utf8", timeout: 30000, env: { ...process.env, SYSTEMD_LOG_LEVEL: "notice" } });
    // The container has no running systemd: only lines about our units count (as test/real/lint.test.ts).
    const relevant = `${r.stdout}${r.stderr}`.split("\n").filter((l) => l.trim() && Object.keys(units).some((n) => l.includes(n)));
    expect(relevant).toEqual([]);
  });

  it("shellcheck accepts the install script", () => {
    const file = path.join(dir, "install.sh");
    fs.writeFileSync(file, renderRouterInstall(config));
    const r = run(["shellcheck", "-s", "bash", file], 60000);
    expect(r.out).toBe("");
    expect(r.code).toBe(0);
  });
});

describe("BGP", () => {
  it("the session establishes; the ISP receives exactly the aggregate and the router keeps only the default", async () => {
    await until("BGP Established", 40, () => (/Established/.test(run(inNs(NS.router, "birdc", "-s", routerSock, "show", "protocols", BGP_PROTOCOL), 5000).out) ? true : undefined));
    const received = await until("the ISP's route", 10, () => {
      const p = prefixes(birdOf(NS.wan, ispSock, "show", "route", "protocol", "customer"));
      return p.length ? p : undefined;
    });
    expect(received).toEqual([config.model.bgp!.aggregate.text]);
    expect(config.model.bgp!.aggregate.text).toBe("2001:db8::/48");
    expect(prefixes(birdOf(NS.router, routerSock, "show", "route", "protocol", BGP_PROTOCOL))).toEqual(["::/0"]);
    // The blackhole for the aggregate is in the router's kernel.
    expect(run(inNs(NS.router, "ip", "-6", "route", "show", "2001:db8::/48")).out).toMatch(/unreachable 2001:db8::\/48/);
  }, 60000);

  it("the metrics script reports the session up with 1 route each way", () => {
    const tf = path.join(dir, "textfile");
    const cmd = inNs(NS.router, "bash", path.join(__dirname, "../../components/router/scripts/bird-metrics.sh"));
    const r = spawnSync(cmd[0], cmd.slice(1), {
      encoding: "utf8",
      timeout: 10000,
      env: { ...process.env, BIRD_SOCKET: routerSock, PROTOCOL: BGP_PROTOCOL, TEXTFILE_DIR: tf },
    });
    expect(r.status).toBe(0);
    const prom = fs.readFileSync(path.join(tf, "homelab_bgp.prom"), "utf8");
    expect(prom).toContain(`homelab_bgp_session_up{protocol="${BGP_PROTOCOL}"} 1`);
    expect(prom).toContain(`homelab_bgp_routes_imported{protocol="${BGP_PROTOCOL}"} 1`);
    expect(prom).toContain(`homelab_bgp_routes_exported{protocol="${BGP_PROTOCOL}"} 1`);
  });
});

describe("DHCP, RA and DNS", () => {
  it("a LAN and a guest client get addresses from their scopes by DHCP (busybox udhcpc)", () => {
    for (const [ns, z] of [[NS.lan, lanZone], [NS.guest, guestZone]] as const) {
      const out = run(inNs(ns, "timeout", "15", "udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "3", "-T", "2", "-s", "/bin/true"), 20000).out;
      const m = out.match(/lease of ([0-9.]+) obtained/);
      expect(m).not.toBeNull();
      const last = Number(m![1].split(".")[3]);
      expect(last).toBeGreaterThanOrEqual(Number(z.dhcp!.start.split(".")[3]));
      expect(last).toBeLessThanOrEqual(Number(z.dhcp!.end.split(".")[3]));
      expect(m![1].split(".").slice(0, 3)).toEqual(z.gateway4!.split(".").slice(0, 3));
    }
  }, 60000);

  it("the LAN client gets an IPv6 address in its /64 by router advertisement", async () => {
    const addr = await until("SLAAC address", 30, () => globalIpv6(NS.lan, "2001:db8:0:1000:"));
    expect(addr.startsWith("2001:db8:0:1000:")).toBe(true);
  }, 40000);

  it("the router answers for the site's domain", () => {
    const js = `const r=new (require("dns").promises.Resolver)({timeout:2000,tries:1});r.setServers([${JSON.stringify(lanZone.gateway4)}]);r.resolve4("netbox.orion.internal").then((a)=>console.log(a.join(",")),(e)=>console.log("FAIL "+e.code))`;
    expect(run(inNs(NS.lan, "timeout", "5", process.execPath, "-e", js)).out.trim()).toBe("198.51.100.50");
  });
});

describe("firewall and NAT", () => {
  it("LAN reaches WAN, masqueraded to the router's WAN address; IPv6 routed without NAT", async () => {
    expect(strip(connect(NS.lan, TEST_WAN.isp4, 7000))).toBe(TEST_WAN.router4);
    expect(strip(connect(NS.lan, TEST_WAN.management4, 7000))).toBe(TEST_WAN.router4);
    const v6 = await until("SLAAC address", 30, () => globalIpv6(NS.lan, "2001:db8:0:1000:"));
    expect(connect(NS.lan, TEST_WAN.isp6, 7000)).toBe(v6);
  }, 40000);

  it("WAN cannot open a connection into LAN or guest, IPv4 or IPv6, though it has routes there", async () => {
    expect(connect(NS.wan, LAN_HOST, 7001)).toBe("FAIL");
    expect(connect(NS.wan, GUEST_HOST, 7001)).toBe("FAIL");
    expect(run(inNs(NS.wan, "ping", "-c", "1", "-W", "1", LAN_HOST), 5000).code).not.toBe(0);
    const v6 = await until("SLAAC address", 30, () => globalIpv6(NS.lan, "2001:db8:0:1000:"));
    expect(run(inNs(NS.wan, "ip", "-6", "route", "get", v6)).out).toContain(`via ${TEST_WAN.router6}`); // learned over BGP
    expect(connect(NS.wan, v6, 7001)).toBe("FAIL");
  }, 40000);

  it("a published port (from: any) is forwarded from the WAN to its service", () => {
    expect(strip(connect(NS.wan, TEST_WAN.router4, 8443))).toBe(TEST_WAN.isp4);
    expect(connect(NS.wan, TEST_WAN.router4, 7001)).toBe("FAIL");
  });

  it("guest reaches WAN but neither LAN nor the management network", async () => {
    expect(strip(connect(NS.guest, TEST_WAN.isp4, 7000))).toBe(TEST_WAN.router4);
    expect(connect(NS.guest, LAN_HOST, 7001)).toBe("FAIL");
    expect(run(inNs(NS.guest, "ping", "-c", "1", "-W", "1", LAN_HOST), 5000).code).not.toBe(0);
    expect(connect(NS.guest, TEST_WAN.management4, 7000)).toBe("FAIL");
    const v6 = await until("SLAAC address", 30, () => globalIpv6(NS.lan, "2001:db8:0:1000:"));
    await until("guest SLAAC address", 30, () => globalIpv6(NS.guest, "2001:db8:0:2000:"));
    expect(connect(NS.guest, TEST_WAN.isp6, 7000)).not.toBe("FAIL");
    expect(connect(NS.guest, v6, 7001)).toBe("FAIL");
    // SSH to the router: management (LAN) only.
    expect(connect(NS.guest, guestZone.gateway4!, 22)).toBe("FAIL");
  }, 40000);
});
