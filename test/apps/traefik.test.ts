/**
 * Traefik v3 (ryzen9 LXC 1) and the site's web routes (components/apps/webRoutes.ts): routes derived
 * from the ports that admit the proxy, forward auth for apps without their own OIDC login, TLS from the
 * internal CA, the dashboard behind forward auth, and the rendered static and dynamic configuration held
 * to the keys Traefik v3.7.1 reads (traefik/traefik at tag v3.7.1, the pinned release, cited per list below;
 * every key path below is also in v3.7.9: v3.7.1..v3.7.9 only adds fields to those files).
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory, ResolvedService, Site } from "../../components/inventory/load";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { appContractProblems } from "../../components/apps/contract";
import { forwardAuthDomain, webRoutes } from "../../components/apps/webRoutes";

const doc = (site: string) => YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${site}.yaml`), "utf8")).config;
const raw = (site: string) => doc(site)["homelab:inventory"];
const load = (site: string, inv = raw(site)): Site => loadInventory(site, inv, Number(doc(site)["homelab:phase"]));
const svc = (site: Site, name: string) => site.services.find((s) => s.name === name)! as ResolvedService;

/** Key paths of the static configuration: pkg/config/static/static_config.go (Configuration, Global, API, Providers), entrypoints.go, provider/file/file.go, observability/types/{metrics,logs}.go, ping/ping.go. */
const STATIC_KEYS = [
  /^global\.(checkNewVersion|sendAnonymousUsage)$/,
  /^entryPoints\.[a-z]+\.address$/,
  /^entryPoints\.[a-z]+\.http\.redirections\.entryPoint\.(to|scheme|permanent)$/,
  /^entryPoints\.[a-z]+\.http\.tls$/,
  /^providers\.file\.(directory|watch|filename)$/,
  /^api\.(dashboard|insecure)$/,
  /^ping\.entryPoint$/,
  /^metrics\.prometheus\.entryPoint$/,
  /^log\.level$/,
  /^accessLog$/,
];
/** Key paths of the dynamic configuration: pkg/config/dynamic/{config,http_config,middlewares}.go, pkg/tls/{certificate,tls}.go. */
const DYNAMIC_KEYS = [
  /^http\.routers\.[a-z0-9-]+\.(rule|service|tls)$/,
  /^http\.routers\.[a-z0-9-]+\.(entryPoints|middlewares)\.\d+$/,
  /^http\.services\.[a-z0-9-]+\.loadBalancer\.servers\.\d+\.url$/,
  /^http\.services\.[a-z0-9-]+\.loadBalancer\.(passHostHeader|serversTransport)$/,
  /^http\.middlewares\.[a-z0-9-]+\.forwardAuth\.(address|trustForwardHeader)$/,
  /^http\.middlewares\.[a-z0-9-]+\.forwardAuth\.authResponseHeaders\.\d+$/,
  /^http\.serversTransports\.[a-z0-9-]+\.insecureSkipVerify$/,
  /^http\.serversTransports\.[a-z0-9-]+\.rootCAs\.\d+$/,
  /^tls\.certificates\.\d+\.(certFile|keyFile)$/,
  /^tls\.stores\.default\.defaultCertificate\.(certFile|keyFile)$/,
];
const leaves = (o: unknown, prefix = ""): string[] =>
  o && typeof o === "object" && Object.keys(o).length > 0
    ? Object.entries(o as Record<string, unknown>).flatMap(([k, v]) => leaves(v, `${prefix}${k}.`))
    : [prefix.replace(/\.$/, "")];

describe("web routes of ryzen9 (derived from the ports open to Traefik)", () => {
  const site = load("ryzen9");
  const routes = webRoutes(site);
  it("one route per port that admits Traefik, named after its service (further ports: <service>-<port>)", () => {
    expect(routes.map((r) => `${r.host} -> ${r.scheme}://${r.address}:${r.port}`)).toEqual(
      expect.arrayContaining([
        "home-assistant.homelab.internal -> http://10.0.60.10:8123",
        "minio.homelab.internal -> https://10.0.20.13:9001",
        "adguard.homelab.internal -> http://10.0.30.11:3000",
        "nas.homelab.internal -> https://10.0.40.12:5001",
        "authentik.homelab.internal -> https://10.0.30.13:9443",
        "docker.homelab.internal -> http://10.0.40.10:5678",
        "docker-3001.homelab.internal -> http://10.0.40.10:3001",
        "coolify.homelab.internal -> http://10.0.40.11:8000",
        "monitoring.homelab.internal -> http://10.0.30.20:3000",
      ]),
    );
    // not routes: the database tier (no port admits Traefik), authentik's outpost port 9000, Traefik itself
    expect(routes.some((r) => ["postgres", "mongodb", "redis", "traefik"].includes(r.service))).toBe(false);
    expect(routes.some((r) => r.service === "authentik" && r.port === 9000)).toBe(false);
  });
  it("forward auth for every route except the apps with their own OIDC login (authentik itself, Grafana beside Prometheus) and the ports marked ownLogin", () => {
    // ownLogin (decision 392): Home Assistant's companion app, DSM, the Docker host's n8n (webhooks) and Portainer, Coolify's dashboard and realtime socket.
    expect(routes.filter((r) => !r.forwardAuth).map((r) => r.name).sort()).toEqual(["authentik", "coolify", "coolify-6001", "docker", "docker-9443", "home-assistant", "monitoring", "nas"]);
    expect(routes.filter((r) => r.forwardAuth).map((r) => r.name)).toContain("docker-3001"); // Uptime Kuma stays gated
  });
  it("a port marked ownLogin is routed without forward auth; unmarked, the same port is gated", () => {
    const inv = raw("ryzen9");
    const ha = inv.services.find((s: any) => s.name === "home-assistant");
    ha.ports = ha.ports.map((p: any) => ({ ...p, ownLogin: undefined }));
    const gated = webRoutes(loadInventory("ryzen9", inv, Number(doc("ryzen9")["homelab:phase"])));
    expect(gated.find((r) => r.name === "home-assistant")!.forwardAuth).toBe(true);
    expect(routes.find((r) => r.name === "home-assistant")!.forwardAuth).toBe(false);
  });
  it("only Grafana's port of the Prometheus guest skips forward auth: a Prometheus port opened to Traefik is gated", () => {
    const inv = raw("ryzen9");
    inv.services.find((x: any) => x.name === "monitoring").ports.push({ port: 9093, from: ["traefik"], description: "Alertmanager UI" });
    const r = webRoutes(load("ryzen9", inv)).filter((x) => x.service === "monitoring");
    expect(r.map((x) => [x.name, x.forwardAuth])).toEqual([["monitoring", false], ["monitoring-9093", true]]);
    // Without Grafana's sso the Grafana route is gated too.
    inv.services.find((x: any) => x.name === "monitoring").app = { kind: "prometheus", grafana: { sso: false } };
    expect(webRoutes(load("ryzen9", inv)).find((x) => x.name === "monitoring")!.forwardAuth).toBe(true);
  });
  it("backends of the internal CA are verified, other https backends are not", () => {
    expect(routes.filter((r) => r.internalCa).map((r) => r.name).sort()).toEqual(["authentik", "minio"]);
  });
  it("a service added with a port open to Traefik gets a route with forward auth, no other edit", () => {
    const inv = raw("ryzen9");
    inv.services.push({ name: "wiki", description: "a wiki", kind: "lxc", host: "ryzen9", vmid: 120, network: "apps", ipv4: "10.0.40.20", cores: 1, memoryMiB: 512, diskGiB: 8, ports: [{ port: 3000, from: ["traefik"], description: "wiki" }], phase: 3 });
    const r = webRoutes(load("ryzen9", inv)).find((x) => x.service === "wiki");
    expect(r).toMatchObject({ host: "wiki.homelab.internal", scheme: "http", forwardAuth: true });
  });
});

describe("the forward-auth domain authentik serves (decisions 350, 353)", () => {
  it("ryzen9: sign-in on authentik's own route, the session cookie on the site's domain", () => {
    expect(forwardAuthDomain(load("ryzen9"))).toEqual({ externalHost: "https://authentik.homelab.internal", cookieDomain: "homelab.internal" });
  });
  it("none on a site without Traefik", () => {
    expect(forwardAuthDomain(load("bo"))).toBeUndefined();
  });
  it("refuses, in one line, a site whose authentik admits no route from Traefik", () => {
    const inv = raw("ryzen9");
    const ak = inv.services.find((x: any) => x.name === "authentik");
    ak.ports = ak.ports.map((p: any) => (p.port === 9443 ? { ...p, from: p.from.filter((f: string) => f !== "traefik") } : p));
    expect(() => forwardAuthDomain(load("ryzen9", inv))).toThrow(/^homelab: site "ryzen9": services\[authentik\]\.ports: .*from: \[traefik\]\)$/);
  });
});

describe("the Traefik plan", () => {
  const site = load("ryzen9");
  const p = appPlanOf(svc(site, "traefik"), site)!;
  const stat = YAML.parse(p.config[0].text);
  const dyn = YAML.parse(p.config[1].text);
  it("static configuration uses only Traefik v3.7.1 keys", () => {
    for (const k of leaves(stat)) expect([k, STATIC_KEYS.some((re) => re.test(k))]).toEqual([k, true]);
  });
  it("dynamic configuration uses only Traefik v3.7.1 keys", () => {
    for (const k of leaves(dyn)) expect([k, DYNAMIC_KEYS.some((re) => re.test(k))]).toEqual([k, true]);
  });
  it("entry points on its own address: 80 redirects to 443, metrics and ping on 8082", () => {
    expect(stat.entryPoints.web).toEqual({ address: "10.0.30.10:80", http: { redirections: { entryPoint: { to: "websecure", scheme: "https", permanent: true } } } });
    expect(stat.entryPoints.websecure.address).toBe("10.0.30.10:443");
    expect(p.health).toEqual({ url: "http://10.0.30.10:8082/ping", expect: "OK" });
    expect(p.metrics).toEqual([{ job: "traefik", port: 8082, scheme: "http", path: "/metrics" }]);
  });
  it("forward auth at authentik's embedded outpost (mode_forward.go /outpost.goauthentik.io/auth/traefik)", () => {
    expect(dyn.http.middlewares.authentik.forwardAuth.address).toBe("http://10.0.30.13:9000/outpost.goauthentik.io/auth/traefik");
    expect(dyn.http.routers.adguard.middlewares).toEqual(["authentik"]);
    expect(dyn.http.routers.authentik.middlewares).toBeUndefined();
  });
  it("the dashboard is api@internal behind forward auth; the API is not insecure", () => {
    expect(dyn.http.routers.dashboard).toMatchObject({ rule: 'Host("traefik.homelab.internal")', service: "api@internal", middlewares: ["authentik"] });
    expect(stat.api).toEqual({ dashboard: true, insecure: false });
  });
  it("TLS: a certificate of the internal CA for *.homelab.internal", () => {
    expect(p.tls).toEqual({ hostname: "traefik", domain: "homelab.internal", ips: ["10.0.30.10"], extraDnsNames: ["*.homelab.internal"] });
  });
  // Decision 331: the linux_amd64 archive of v3.7.1 and its sha256 as traefik_v3.7.1_checksums.txt lists
  // it, found identically in independent public pins (a Home Assistant add-on Dockerfile citing that
  // checksums file, which also agrees on the arm64 archive 911ad9f4…; a release-fetch shell script; a
  // CI workflow; a proxy-image build script). The configuration keys above are v3.7.1's.
  it("the committed release: v3.7.1's linux_amd64 archive by its published sha256", () => {
    expect(p.version).toBe("3.7.1");
    expect(p.source).toEqual({
      type: "release",
      version: "3.7.1",
      url: "https://github.com/traefik/traefik/releases/download/v3.7.1/traefik_v3.7.1_linux_amd64.tar.gz",
      sha256: "e92bcfb03fa1e6a70c4e7ad4eb4f1604967e6fa3c21d8e7605aca5407a40162c",
    });
    expect(p.script).toContain("TRAEFIK_HINT=''");
  });
  it("without a release the binary is unpinned and the install stops naming the setting", () => {
    const inv = raw("ryzen9");
    inv.services.find((x: any) => x.name === "traefik").app = { kind: "traefik" };
    const site2 = load("ryzen9", inv);
    const u = appPlanOf(svc(site2, "traefik"), site2)!;
    expect(u.version).toBe("unpinned");
    expect(u.script).toContain("TRAEFIK_HINT='set app.release of service \"traefik\"");
  });
  it("agrees with its service", () => {
    expect(appContractProblems(svc(site, "traefik"), p)).toEqual([]);
  });
  it("refuses a release that is not the linux amd64 archive", () => {
    const inv = raw("ryzen9");
    inv.services.find((x: any) => x.name === "traefik").app = { kind: "traefik", release: { version: "3.7.9", url: "https://example.org/traefik.deb", sha256: "a".repeat(64) } };
    expect(() => load("ryzen9", inv)).toThrow(/app\.release\.url = .*traefik_v3\.x\.y_linux_amd64\.tar\.gz/);
  });
});
