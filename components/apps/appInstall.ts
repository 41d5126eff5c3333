/**
 * One app on one guest: its generated secrets (kept in the stack) and its install script, run over
 * SSH with the secrets on stdin (components/remote/script.ts). The script is idempotent; a changed
 * plan (setting, pin, config) changes its text and so re-runs it, which rewrites the config and
 * restarts the service. What a plan declares beyond its own secrets arrives on the same stdin: its
 * OIDC client's issuer, secret and CA (`plan.oidc`), its database on the organisation's primary
 * (`plan.database`), the organisation's app metrics token (a `bearer` endpoint of `plan.metrics`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { InternalCa } from "../mesh/internalCa";
import { GuestConnection, remoteScript } from "../remote/script";
import type { AppPlan } from "./module";
import type { OidcRuntime } from "./oidcRuntime";
import { x25519PublicKey } from "./wireguard";

/** The primary's connection for `plan.database` (components/apps/siteApps.ts). */
export interface AppDatabase {
  host: string;
  port: number;
  name: string;
  user: string;
  password: pulumi.Input<string>;
}

/** Arguments of {@link AppInstall}. */
export interface AppInstallArgs {
  /** The guest (container or VM) the app runs in. */
  guest: pulumi.Resource;
  /** SSH connection to the guest: root (containers), or a VM's cloud-init user with `sudo`. */
  connection: GuestConnection;
  /** Run the script as root through `sudo -n` (the connection's user is not root: a VM's cloud-init user). Default false. */
  sudo?: boolean;
  plan: AppPlan;
  /** Required when `plan.oidc` is set: the client's issuer, secret and CA. */
  oidc?: OidcRuntime;
  /** Required when `plan.database` is set: the primary's address and the owner role's password. */
  database?: AppDatabase;
  /** Resources the install waits for besides the guest (e.g. the primary on the same site). Default none. */
  dependsOn?: pulumi.Resource[];
  /** The site's internal CA; required when the plan asks for a certificate (`plan.tls`). Default none. */
  ca?: InternalCa;
  /** The organisation's app metrics token; required when a `plan.metrics` endpoint has `auth: "bearer"` (given as `METRICS_TOKEN`). */
  metricsToken?: pulumi.Input<string>;
  /** The peers' secrets of `plan.peerSecrets`, by variable name. Required for each of them. */
  peerSecrets?: Record<string, pulumi.Input<string>>;
}

/** An app module's plan converged on its guest. */
export class AppInstall extends pulumi.ComponentResource {
  public readonly install: pulumi.Resource;
  /** The generated secrets by environment name (secret), for what enrols with the app (Wazuh's agents). */
  public readonly secrets: Record<string, pulumi.Output<string>> = {};
  /** What `plan` shows: kind, version, address, health URL. */
  public readonly summary: { service: string; kind: string; version: string; address: string; health: string; metrics?: string[]; oidc?: string; database?: string; agents?: string[]; publicKeys?: Record<string, pulumi.Output<string>> };

  constructor(name: string, args: AppInstallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:apps:AppInstall", name, {}, opts);
    const p = args.plan;
    const publicKeys: Record<string, pulumi.Output<string>> = {};
    for (const s of p.secrets) {
      const rname = `${name}-${s.env.toLowerCase().replace(/_/g, "-")}`;
      if (s.kind === "x25519") {
        const key = pulumi.secret(new random.RandomBytes(rname, { length: 32 }, { parent: this, protect: !!s.protect }).base64);
        this.secrets[s.env] = key;
        publicKeys[s.env] = pulumi.unsecret(key.apply(x25519PublicKey));
      } else {
        const classes = s.symbols ? { special: true, overrideSpecial: "-_.", minLower: 1, minUpper: 1, minNumeric: 1, minSpecial: 1 } : { special: false };
        this.secrets[s.env] = pulumi.secret(new random.RandomPassword(rname, { length: s.length, ...classes }, { parent: this, protect: !!s.protect }).result);
      }
    }
    const secrets: Record<string, pulumi.Input<string>> = { ...this.secrets };
    for (const peer of p.peerSecrets ?? []) {
      const v = args.peerSecrets?.[peer.env];
      if (v === undefined) throw new Error(`homelab: app ${p.kind} of "${p.service}" needs secret ${peer.env} of service "${peer.service}"`);
      secrets[peer.env] = pulumi.secret(v);
    }
    if (p.oidc) {
      if (!args.oidc) throw new Error(`homelab: app "${p.service}" (${p.kind}) declares an OIDC client but no issuer/secret was given`);
      Object.assign(secrets, { OIDC_ISSUER: args.oidc.OIDC_ISSUER, OIDC_CLIENT_SECRET: args.oidc.OIDC_CLIENT_SECRET, OIDC_CA_PEM: args.oidc.OIDC_CA_PEM });
    }
    if (p.database) {
      const d = args.database;
      if (!d || d.name !== p.database) throw new Error(`homelab: app "${p.service}" (${p.kind}) owns database "${p.database}" on the primary but its connection was not given`);
      Object.assign(secrets, { DB_HOST: d.host, DB_PORT: String(d.port), DB_NAME: d.name, DB_USER: d.user, DB_PASSWORD: d.password });
    }
    if (p.metrics.some((m) => m.auth === "bearer")) {
      if (args.metricsToken === undefined) throw new Error(`homelab: app "${p.service}" (${p.kind}) serves /metrics behind a bearer token but no app metrics token was given`);
      secrets.METRICS_TOKEN = pulumi.secret(args.metricsToken);
    }
    if (p.tls) {
      if (!args.ca) throw new Error(`homelab: service "${p.service}" (app ${p.kind}) needs a certificate of the site's internal CA, and the site has none`);
      const t = p.tls;
      const cert = args.ca.issueServerCert(`${name}-tls`, { hostname: t.hostname, domain: t.domain, ips: t.ips, extraDnsNames: t.extraDnsNames }, { parent: this });
      secrets.TLS_CERT_PEM = cert.chainPem;
      secrets.TLS_KEY_PEM = cert.keyPem;
      secrets.TLS_CA_PEM = args.ca.certPem;
    }
    this.install = remoteScript(`${name}-install`, { connection: args.connection, script: p.script, secrets, ...(args.sudo ? { sudo: true } : {}) }, { parent: this, dependsOn: [args.guest, ...(args.dependsOn ?? [])] });
    this.summary = {
      service: p.service,
      kind: p.kind,
      version: p.version,
      address: p.address,
      health: p.health.url,
      ...(p.metrics.length ? { metrics: p.metrics.map((m) => `${m.scheme}://${p.address}:${m.port}${m.path}`) } : {}),
      ...(p.oidc ? { oidc: args.oidc!.OIDC_ISSUER } : {}),
      ...(p.database ? { database: `${args.database!.host}:${args.database!.port}/${p.database}` } : {}),
      ...(Object.keys(publicKeys).length ? { publicKeys } : {}),
    };
    this.registerOutputs({});
  }
}
