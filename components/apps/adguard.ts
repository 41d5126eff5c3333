/**
 * AdGuard Home (ryzen9 LXC 2): the site's DNS server. The upstream release binary (pinned by sha256 when
 * the inventory gives it) in /opt/AdGuardHome, AdGuardHome.yaml rendered from the inventory: DNS on the
 * service address, upstreams = the site's other DNS servers (`dns.servers` without this one), a DNS
 * rewrite for every web route's name to the reverse proxy (webRoutes.ts) and for every other service's
 * name to its own address, DNS-over-TLS (853) and DNS-over-HTTPS (443) with a certificate of the site's
 * internal CA, the admin UI on 3000 (behind Traefik), and the admin login from a generated secret whose
 * bcrypt hash is computed on the guest at install time (`htpasswd -B`, password on stdin).
 *
 * Upstream facts (AdguardTeam/AdGuardHome v0.107.79; test/apps/adguard.test.ts holds the rendered keys
 * to them):
 * - internal/configmigrate/configmigrate.go: `LastSchemaVersion` 34 (`schema_version`).
 * - internal/home/config.go: `http.address` (web UI), `users`, `dns.bind_hosts`, `dns.port`, `tls.enabled`,
 *   `server_name`, `force_https`, `port_https`, `port_dns_over_tls`, `port_dns_over_quic`,
 *   `certificate_path`, `private_key_path`; internal/dnsforward/config.go `upstream_dns`, `bootstrap_dns`.
 * - internal/home/auth.go: a user is `name` and `password`, the bcrypt hash (bcrypt.GenerateFromPassword).
 * - internal/filtering/filtering.go: `filtering.rewrites`, `rewrites_enabled`, `protection_enabled`,
 *   `filtering_enabled`; rewrites.go: a rewrite is `domain`, `answer`, `enabled`.
 * - internal/home/options.go: `--config`/`-c`, `--work-dir`/`-w`, `--no-check-update`.
 */
import * as YAML from "yaml";
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { readScript, shellScript } from "../shell";
import type { AppModule, AppPlan, AppSource } from "./module";
import { reverseProxyOf, webRoutes } from "./webRoutes";

export const ADGUARD_DIR = "/opt/AdGuardHome";
export const ADGUARD_CONF = `${ADGUARD_DIR}/AdGuardHome.yaml`;
export const ADGUARD_UI_PORT = 3000;
export const ADGUARD_SCHEMA_VERSION = 34;
/** Placeholder of the admin's bcrypt hash in the rendered text (replaced on the guest). */
export const ADGUARD_HASH_PLACEHOLDER = "HOMELAB_ADMIN_BCRYPT";
const INSTALL_SH = readScript(__dirname, "scripts/adguard-install.sh");

type AdguardService = ResolvedService & { app: AppOf<"adguard-home"> };

/** DNS rewrites: every web route's host to the proxy; every other service's name to its own address. */
export function dnsRewrites(site: Site): Array<{ domain: string; answer: string }> {
  const proxy = reverseProxyOf(site);
  const domain = site.inventory.dns.domain;
  const routes = webRoutes(site);
  const out = new Map<string, string>();
  for (const r of routes) out.set(r.host, proxy!.ipv4!);
  if (proxy) out.set(`${proxy.name}.${domain}`, proxy.ipv4!);
  for (const s of [...site.services].filter((x) => x.ipv4)) {
    const name = `${s.name}.${domain}`;
    if (!out.has(name)) out.set(name, s.ipv4!);
  }
  return [...out].map(([d, answer]) => ({ domain: d, answer }));
}

/** The upstreams: the site's DNS servers except this one (the router's resolver on ryzen9). */
export function adguardUpstreams(s: AdguardService, site: Site): string[] {
  const up = site.inventory.dns.servers.filter((a) => a !== s.ipv4);
  if (up.length === 0) throw new Error(`homelab: service "${s.name}": AdGuard Home needs an upstream: list another resolver after it in dns.servers`);
  return up;
}

/** AdGuardHome.yaml with the admin's hash as a placeholder. */
export function renderAdguardConf(s: AdguardService, site: Site): string {
  const domain = site.inventory.dns.domain;
  const up = adguardUpstreams(s, site);
  const conf = {
    http: { address: `${s.ipv4}:${ADGUARD_UI_PORT}` },
    users: [{ name: "admin", password: ADGUARD_HASH_PLACEHOLDER }],
    dns: { bind_hosts: [s.ipv4], port: 53, upstream_dns: up, bootstrap_dns: up },
    tls: {
      enabled: true,
      server_name: `${s.name}.${domain}`,
      force_https: false,
      port_https: 443,
      port_dns_over_tls: 853,
      port_dns_over_quic: 0,
      certificate_path: `${ADGUARD_DIR}/tls/cert.pem`,
      private_key_path: `${ADGUARD_DIR}/tls/key.pem`,
    },
    filtering: { protection_enabled: true, filtering_enabled: true, rewrites_enabled: true, rewrites: dnsRewrites(site).map((r) => ({ ...r, enabled: true })) },
    schema_version: ADGUARD_SCHEMA_VERSION,
  };
  return `# Managed by homelab (components/apps/adguard.ts); the admin's bcrypt hash is set at install time.\n${YAML.stringify(conf, { lineWidth: 0 })}`;
}

function source(s: AdguardService): AppSource {
  const r = s.app.release;
  if (!r) return { type: "unpinned", package: "AdGuardHome", hint: `set app.release of service "${s.name}" to the AdGuardHome_linux_amd64.tar.gz of one release and its sha256` };
  return { type: "release", version: r.version.replace(/^v/, ""), url: r.url, sha256: r.sha256 };
}

function plan(s: AdguardService, site: Site): AppPlan {
  const src = source(s);
  const conf = renderAdguardConf(s, site);
  const domain = site.inventory.dns.domain;
  // client/public/login.html: <title>Login</title>; internal/home/authhttp.go serves it without a session.
  const health = { url: `http://${s.ipv4}:${ADGUARD_UI_PORT}/login.html`, expect: "<title>Login</title>" };
  const script = shellScript({
    title: `AdGuard Home ${s.name} (${site.name})`,
    source: "components/apps/adguard.ts",
    logTag: `adguard-${s.name}`,
    env: {
      ADGUARD_URL: src.type === "release" ? src.url : "",
      ADGUARD_SHA256: src.type === "release" ? src.sha256 : "",
      ADGUARD_HINT: src.type === "unpinned" ? src.hint : "",
      ADGUARD_DIR,
      CONF: ADGUARD_CONF,
      CONF_TEXT: conf,
      HASH_PLACEHOLDER: ADGUARD_HASH_PLACEHOLDER,
      DNS_ADDRESS: s.ipv4!,
      HEALTH_URL: health.url,
      HEALTH_EXPECT: health.expect,
      HEALTH_TIMEOUT: 120,
    },
    body: INSTALL_SH,
  });
  return {
    kind: "adguard-home",
    service: s.name,
    address: s.ipv4!,
    version: src.type === "release" ? src.version : "unpinned",
    source: src,
    config: [{ path: ADGUARD_CONF, text: conf }],
    dataPaths: [],
    ports: [
      { port: 53, protocol: "udp", description: "DNS" },
      { port: 53, protocol: "tcp", description: "DNS over TCP" },
      { port: 853, protocol: "tcp", description: "DNS-over-TLS" },
      { port: 443, protocol: "tcp", description: "DNS-over-HTTPS" },
      { port: ADGUARD_UI_PORT, protocol: "tcp", description: "admin UI" },
    ],
    health,
    backup: { paths: [ADGUARD_DIR], localDatabases: [], preBackup: [] },
    metrics: [],
    secrets: [{ env: "ADGUARD_ADMIN_PASSWORD", length: 32 }],
    tls: { hostname: s.name, domain, ips: [s.ipv4!], extraDnsNames: [] },
    script,
  };
}

export const adguardModule: AppModule<"adguard-home"> = {
  kind: "adguard-home",
  installNote: "the upstream release binary (AdGuard Home is not in Debian 12), checked by sha256 when the inventory gives it; AdGuardHome.yaml rendered from the inventory",
  plan,
};
