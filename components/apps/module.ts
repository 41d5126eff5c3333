/**
 * The one app mechanism: an app module turns a service of the inventory whose `app` is its kind into
 * a plan — how it is installed (pinned), its rendered configuration, its data paths, ports, health
 * check, backup hooks, OIDC client and metrics endpoint — and one idempotent install script that
 * converges the guest to that plan. Modules are pure (no Pulumi resources): the registry
 * (registry.ts) lists them by kind, the loader-side contract (contract.ts) checks a plan against its
 * service, and `AppInstall` (appInstall.ts) runs the script on the guest.
 */
import type { AppKind, AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";

/** How the app's software gets onto the guest (the decision of each app, docs/decisions.md "App catalogue", records the choice). */
export type AppSource =
  /** An upstream Debian package of one fixed build, checked against the digest upstream publishes for it (sha256, or sha1 where that is all upstream publishes). */
  | { type: "deb"; package: string; version: string; url: string; digest: { algorithm: "sha1" | "sha256"; value: string } }
  /** A Debian package from the guest's configured apt sources (Debian's own archive). */
  | { type: "apt"; package: string }
  /** A pinned upstream release file (`sha256`: its hex sha256, or an npm `sha512-…` integrity string). */
  | { type: "release"; version: string; url: string; sha256: string }
  /** An npm package of one version, its tarball checked against the registry's `dist.integrity` (sha512). */
  | { type: "npm"; package: string; version: string; integrity: string }
  /** Source code of one commit of a git repository (the commit is the content pin; its dependencies are pinned by version). */
  | { type: "git"; repository: string; commit: string; version: string }
  /** An OCI image run by digest under podman (components/apps/oci.ts); `image` is `repository:tag`, the tag shown only. */
  | { type: "oci"; image: string; digest: string }
  /** Not pinned in the inventory yet: the install stops unless the software is already there. */
  | { type: "unpinned"; package: string; hint: string };

/** A port the app listens on; the service must declare it (components/apps/contract.ts). */
export interface AppPort {
  port: number;
  protocol: "tcp" | "udp";
  description: string;
}

/** What must be captured before restic runs on the guest, and which paths restic must hold. */
export interface AppBackup {
  /** Paths that hold the app's state (on the guest's data mounts); the service's `backup.paths` must cover them. */
  paths: string[];
  /** Databases of the guest's own PostgreSQL, dumped by the restic agent before the backup (`backup.databases`). */
  localDatabases: string[];
  /** Extra commands the agent runs before restic (e.g. an app's own export); none when the dumps suffice. */
  preBackup: string[];
}

/** A secret the install reads from its environment (the Command's stdin); generated once and kept in the stack. */
export interface AppSecret {
  /** Environment variable name. */
  env: string;
  /** Random password of this length (letters and digits); for an `x25519` key, 32 (bytes). */
  length: number;
  /** Keep it `protect`ed: the app's data is encrypted with it and a new value would lock the data away. Default false. */
  protect?: boolean;
  /** `password` (default) or `x25519`: 32 random bytes in base64, a WireGuard private key; its public key is an output. */
  kind?: "password" | "x25519";
  /**
   * A password that must mix classes (e.g. the Wazuh API's rule): at least one lower-case letter, one
   * upper-case letter, one digit and one of `-_.` (safe unquoted in URLs, YAML and shell words).
   * Default false (letters and digits only).
   */
  symbols?: boolean;
}

/**
 * The OIDC client the identity provider issues for this app (feeds the authentik blueprint).
 * Contract with `AppInstall`: when a plan has `oidc`, its install script is given, at run time, the
 * environment variables `OIDC_ISSUER` (the provider's issuer URL, ending in `/`),
 * `OIDC_CLIENT_SECRET` (secret, generated once on the identity provider's stack) and `OIDC_CA_PEM`
 * (the CA the provider's TLS certificate chains to), all on stdin; the script must not expect them
 * otherwise. The client itself reaches the blueprint through components/apps/oidc.ts.
 */
export interface AppOidc {
  /** Client id registered with the identity provider (and the authentik application slug). */
  clientId: string;
  /** Application name shown by the identity provider. */
  name: string;
  /** Redirect URIs of the client. */
  redirectUris: string[];
  /** Launch URL of the app (its external base URL). */
  launchUrl: string;
}

/**
 * A server certificate the app needs from the site's internal CA (components/mesh/internalCa.ts).
 * Contract with `AppInstall`: the script is given, at run time on stdin, `TLS_CERT_PEM` (the leaf and
 * the root), `TLS_KEY_PEM` and `TLS_CA_PEM` (the root); the script must not expect them otherwise.
 */
export interface AppTls {
  /** Short host name; the certificate's CN is `<hostname>.<domain>`. */
  hostname: string;
  domain: string;
  /** Addresses the service is reached on. */
  ips: string[];
  /** Further DNS names (e.g. a wildcard for a reverse proxy). */
  extraDnsNames: string[];
}

/** An HTTP endpoint (health check, metrics). */
export interface AppEndpoint {
  url: string;
  /** Substring the body must contain. Default: any 2xx. */
  expect?: string;
}

/** One metrics endpoint the app serves (scraped at the guest's address). */
export interface AppMetrics {
  job: string;
  port: number;
  scheme: "http" | "https";
  path: string;
  /**
   * `bearer`: the endpoint answers only to the organisation's app metrics token, sent by Prometheus as
   * `Authorization: Bearer <token>` (components/monitoring/render/prometheus.ts). Contract with
   * `AppInstall`: the script is given that token, at run time on stdin, as `METRICS_TOKEN` (secret;
   * generated by the Prometheus site, components/monitoring/siteMonitoring.ts). Default none (open).
   */
  auth?: "bearer";
}

/** What a module may know about the organisation beyond its own service and site (given by the apps tier). */
export interface AppPlanContext {
  /** The organisation's PostgreSQL primary, when it has one that is active. */
  postgres?: { host: string; port: number };
  /** Names of this site's active services whose app a module installs (a peer must be one to be relied on). */
  installed?: ReadonlySet<string>;
}

/** Everything the program installs and wires for one app on one guest. */
export interface AppPlan {
  kind: AppKind;
  service: string;
  address: string;
  /** Version shown by `plan` (the pinned build, or "unpinned"). */
  version: string;
  source: AppSource;
  /** Rendered configuration files (no secrets; secret values are added by the script at run time). */
  config: Array<{ path: string; text: string }>;
  /** Data paths on the guest's data mounts. */
  dataPaths: string[];
  ports: AppPort[];
  health: AppEndpoint;
  backup: AppBackup;
  oidc?: AppOidc;
  /** A certificate of the site's internal CA (see {@link AppTls}). Default none. */
  tls?: AppTls;
  /**
   * The database the app owns on the organisation's PostgreSQL primary (the service's `app.database`,
   * owned by a role of the same name, components/inventory/org.ts `primaryDatabases`). Contract with
   * `AppInstall`: the script is given `DB_HOST`, `DB_PORT`, `DB_NAME`, `DB_USER` and `DB_PASSWORD`
   * (secret, the primary's generated role password) on stdin at run time. None: the app keeps no data there.
   */
  database?: string;
  /**
   * Generated secrets of another app of this site that this install needs (e.g. Redis's password for
   * LiteLLM): `AppInstall` hands the peer's secret `env` to this script on stdin under the same name.
   * The peer's module must declare that secret. Default none.
   */
  peerSecrets?: Array<{ service: string; env: string }>;
  /**
   * Metrics endpoints for Prometheus, in the shape of the monitoring tier's scrape targets
   * (components/inventory/org.ts `ScrapeTarget`: job, port, scheme, path); none when the app serves
   * none (its ports are then probed by blackbox_exporter, `probeTargets`).
   */
  metrics: AppMetrics[];
  secrets: AppSecret[];
  /** The idempotent install script (shellScript text; secrets only by variable name). */
  script: string;
}

/** One app module: a kind and its planner. */
export interface AppModule<K extends AppKind = AppKind> {
  kind: K;
  /** Why this install method (recorded with the app's decision). */
  installNote: string;
  plan(service: ResolvedService & { app: AppOf<K> }, site: Site, context?: AppPlanContext): AppPlan;
}
