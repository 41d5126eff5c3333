/**
 * What runs in a service: its app, as inventory data. The site program composes a site from
 * these (which guest is the PostgreSQL primary, which holds the backup repositories, which one
 * coordinates the mesh), and the organisation's relations — replicas, backup targets, database
 * consumers, OIDC clients — are derived from them across the organisation's inventories
 * (components/inventory/org.ts), never written in code.
 *
 * In YAML an app is either its kind alone (`app: gitea`) or the kind with its settings
 * (`app: { kind: postgres-primary, databases: [odoo_bo] }`).
 */
import { z } from "zod";

const dbName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a PostgreSQL identifier (a-z, 0-9, _; at most 63 characters)");

/** Settings every app that keeps its data in the organisation's PostgreSQL primary may carry. */
const databaseClient = {
  /**
   * Database on the organisation's PostgreSQL primary that this service owns (created with an
   * owner role of the same name, reachable from this service's addresses only). Default: none.
   */
  database: dbName.optional(),
};

/** Settings of apps that log in through the organisation's identity provider (OIDC). */
const oidcClient = {
  /** Whether the identity provider gets an OIDC client for this service. Default true. */
  sso: z.boolean().default(true),
};

/** A pinned upstream Debian package: the URL of one fixed build and its published sha256. */
const pinnedDeb = (pkg: string) =>
  z.strictObject({
    url: z.string().regex(new RegExp(`^https://\\S+/${pkg}_[^/_]+_(all|amd64)\\.deb$`), `must be the https URL of one ${pkg}_<version>_<arch>.deb`),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be the 64-hex-digit sha256 of the file"),
  });

/** Extensions the PostgreSQL primary can create: pgvector (PGDG) and PostgreSQL 15's contrib modules. */
export const PG_EXTENSIONS = ["vector", "pg_trgm", "cube", "hstore", "citext", "pgcrypto", "uuid-ossp"] as const;

const app = <K extends string, S extends z.ZodRawShape>(kind: K, shape: S) => z.strictObject({ kind: z.literal(kind), ...shape });

/** Every app kind the library knows, with its typed settings. */
export const APP_SCHEMAS = [
  // The organisation's data tier.
  app("postgres-primary", {
    /**
     * Databases that no declared service owns yet (an app outside the inventory, a later phase).
     * The primary's databases are these plus every `database` an app of the organisation declares.
     * Default none.
     */
    databases: z.array(dbName).default([]),
    /**
     * Extensions created (`CREATE EXTENSION IF NOT EXISTS`, by the superuser) in every database the
     * primary serves. `vector` is pgvector, which Debian 12 does not package: it comes from the
     * PostgreSQL project's apt repository (PGDG) pinned by `pgvectorVersion`; the others are
     * PostgreSQL 15's contrib modules, shipped in Debian's postgresql-15 (decision 180). Default none.
     */
    extensions: z.array(z.enum(PG_EXTENSIONS)).default([]),
    /**
     * The PGDG apt version of postgresql-15-pgvector (e.g. `0.8.0-1.pgdg120+1`, from the repository's
     * bookworm-pgdg Packages index). Required for `vector`: without it the install stops naming this
     * setting. Default none.
     */
    /**
     * Where pgBackRest keeps backups and the WAL archive: the site's object store, or `pgbackrest/` on the
     * primary's data mount. The repository never moves when a phase is raised (decision 110), so a primary
     * that starts before its site's object store says `data-mount` (orion, decision 181). Default: the
     * object store when the site declares one at any phase, else the data mount.
     */
    pgBackRestRepository: z.enum(["object-store", "data-mount"]).optional(),
    pgvectorVersion: z.string().regex(/^[0-9][A-Za-z0-9.+~-]*$/, "must be a Debian package version").optional(),
  }),
  app("postgres-replica", {}),
  app("restic-server", {}),
  app("object-store", {}),
  // Identity and mesh.
  app("identity-provider", { ...databaseClient }),
  app("mesh-coordinator", {
    /**
     * Name (or address) the organisation's peers use for the coordinator's management, signal, relay
     * and STUN: a DNS name that resolves to the site's public address, with 443/tcp, 10000/tcp,
     * 33080/tcp and 3478/udp forwarded to the coordinator. Default: the coordinator's LAN address.
     * Required when a mesh site of the organisation is not on the coordinator's LAN (it could not
     * reach that address before the mesh exists; see `checkOrganisation`).
     */
    publicEndpoint: z
      .string()
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$|^[0-9.]+$/i, "must be a DNS name or an IPv4 address")
      .optional(),
  }),
  // The site's router (components/router): nftables, DHCP/DNS, router advertisements, BGP.
  app("router", {
    /**
     * Where SSH to the router (and the Proxmox management network) may be reached from: network names
     * of this site or IPv4/IPv6 prefixes. A guest network is never management. Default: the router's
     * primary network.
     */
    management: z.array(z.string().min(1)).optional(),
    /** Interface name per network inside the router VM. Default: Proxmox virtio order, net0 ens18, net1 ens19, … */
    interfaces: z.record(z.string(), z.string().regex(/^[a-z][a-z0-9_.-]{0,14}$/, "must be a Linux interface name")).default({}),
    /** eBGP to the upstream (docs/decisions.md, Router). Default: no BGP, the site's IPv6 prefix is not announced. */
    bgp: z
      .strictObject({
        /** The site's own AS number. */
        asn: z.number().int().min(1).max(4294967295),
        /** The upstream's AS number. */
        peerAsn: z.number().int().min(1).max(4294967295),
        /** The upstream's IPv6 address on the link (the ISP's, given at provisioning). Unset: the session is rendered disabled. */
        neighbor: z.string().regex(/^[0-9a-fA-F:]+$/, "must be an IPv6 address").optional(),
        /** The router's own address on that link, with its prefix length (e.g. `2001:db8:1::2/64`), put on the WAN interface. */
        localAddress: z.string().regex(/^[0-9a-fA-F:]+\/\d{1,3}$/, "must be an IPv6 address with its prefix length").optional(),
      })
      .optional(),
  }),
  // Kubernetes nodes that are guests of the site (bare-metal nodes are hosts of kind `baremetal`).
  app("k3s-server", {}),
  app("k3s-agent", {}),
  // Apps with an OIDC login.
  app("gitea", { ...databaseClient, ...oidcClient }),
  app("n8n", { ...databaseClient, ...oidcClient }),
  app("paperless", { ...databaseClient, ...oidcClient }),
  // The organisation's monitoring (components/monitoring): one Prometheus scrapes every site of the organisation.
  app("prometheus", {
    /** Scrape and rule-evaluation interval in seconds. Default 30 (seed 000: "every 30 s"). */
    scrapeIntervalSeconds: z.number().int().min(5).max(300).default(30),
    /** Days of samples kept (--storage.tsdb.retention.time). Default 30; the size limit always follows the data mount. */
    retentionDays: z.number().int().min(1).max(3650).default(30),
    /** Run Alertmanager beside Prometheus (its receiver is the secret `homelab:alertReceiver`). Default true. */
    alertmanager: z.boolean().default(true),
  }),
  app("grafana", { ...oidcClient }),
  /**
   * Uptime Kuma is the human status page only: every probe and alert is blackbox_exporter on the
   * Prometheus guest + Alertmanager (docs/decisions.md, Monitoring).
   */
  app("uptime-kuma", {}),
  // Apps installed by a module of components/apps (see components/apps/registry.ts).
  app("ollama", {
    /** The upstream Linux archive of one release (ollama-linux-amd64.tgz or .tar.zst), its version and sha256. Default none (decision 133). */
    release: z
      .strictObject({
        version: z.string().regex(/^v?\d+\.\d+\.\d+$/, "must be a release version like 0.5.7"),
        url: z.string().regex(/^https:\/\/\S+\/ollama-linux-amd64\.(tgz|tar\.zst)$/, "must be the https URL of one ollama-linux-amd64.tgz or .tar.zst"),
        sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be the 64-hex-digit sha256 of the file"),
      })
      .optional(),
    /** Models pulled (`name:tag` of the Ollama library), each held to its manifest's sha256 once `digest` is set. Default none. */
    models: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z0-9][a-z0-9._-]*:[a-z0-9][a-z0-9._-]*$/, "must be a library model with its tag, e.g. mistral:7b"),
          digest: z.string().regex(/^[0-9a-f]{64}$/, "must be the 64-hex-digit sha256 of the model's manifest").optional(),
        }),
      )
      .default([]),
  }),
  app("litellm", {
    ...databaseClient,
    /**
     * The image `ghcr.io/berriai/litellm-database` run by the OCI runner: the tag it was published under
     * (shown only) and its `sha256:` digest (what is pulled). Without a digest the install stops naming
     * this setting (decision 183). Default: tag `main-stable`, no digest.
     */
    image: z
      .strictObject({
        tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, "must be an image tag"),
        digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex digits>").optional(),
      })
      .default({ tag: "main-stable" }),
    /** Requests per minute each model may take (LiteLLM's per-deployment `rpm`, counted in Redis when the site runs one). Default: no limit. */
    rpm: z.number().int().min(1).optional(),
  }),
  /** The site's reverse proxy (components/apps/reverseProxy.ts): its routes are derived from the site's web apps. */
  app("reverse-proxy", {}),
  /** Remote access (components/apps/wireguard.ts, decision 185). */
  app("wireguard", {
    /** The server's address on the tunnel with the tunnel's prefix length (a network of its own, overlapping none of the site's). */
    address: z.string().regex(/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2\d|30)$/, "must be an IPv4 address with a prefix length 16-30 (address/length)"),
    /** UDP port (the service must declare it). Default 51820. */
    listenPort: z.number().int().min(1).max(65535).default(51820),
    /** Remote peers: a name, its public key (`wg pubkey` of its private key) and its address on the tunnel. Default none. */
    peers: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "must be a lower-case name"),
          publicKey: z.string().regex(/^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/, "must be a WireGuard public key (44 base64 characters)"),
          address: z.string().regex(/^(\d{1,3}\.){3}\d{1,3}$/, "must be an IPv4 address on the tunnel"),
        }),
      )
      .default([]),
  }),
  app("flowise", {
    ...databaseClient,
    /**
     * The npm package `flowise` of one version and its registry `dist.integrity` (sha512, as `npm view
     * flowise@<version> dist.integrity` prints it). Without it the install stops unless Flowise is
     * already installed (decision 182). Default none.
     */
    release: z
      .strictObject({
        version: z.string().regex(/^\d+\.\d+\.\d+$/, "must be a release version like 3.1.2"),
        integrity: z.string().regex(/^sha512-[A-Za-z0-9+/]{86}==$/, "must be the package's sha512 integrity (sha512-…==)"),
      })
      .optional(),
  }),
  app("odoo", {
    /**
     * The official Odoo Debian package of one fixed build (nightly.odoo.com/<series>/nightly/deb/
     * odoo_<version>_all.deb) with its sha256 as published beside it. Without it the install stops
     * unless that package is already installed (decision 132). Default none.
     */
    release: pinnedDeb("odoo").optional(),
    /**
     * The guest's own PostgreSQL database (decision 10: Odoo keeps its data on the guest and works
     * with the WAN down; it is never a database of the organisation's primary). Dumped by the
     * guest's restic agent before each backup, so it must be one of the service's `backup.databases`.
     */
    localDatabase: z
      .string({ error: (iss) => (iss.input === undefined ? "Odoo needs localDatabase: the name of the guest's own PostgreSQL database (decision 10)" : undefined) })
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a PostgreSQL identifier (a-z, 0-9, _; at most 63 characters)"),
    /** Custom addons from one git repository at one commit, put first in the addons path. Default none. */
    addons: z
      .strictObject({
        /** Clone URL (https), e.g. the organisation's Gitea repository apiary-odoo-mods. */
        repository: z.string().regex(/^https?:\/\/\S+$/, "must be an http(s) clone URL"),
        /** The full 40-hex commit to deploy (a branch or tag would move under the same config). */
        revision: z.string().regex(/^[0-9a-f]{40}$/, "must be a full 40-hex-digit commit SHA"),
        /** Module directories inside the repository relative to its root. Default the root itself. */
        path: z.string().regex(/^[A-Za-z0-9._/-]*$/).default(""),
        /** Modules installed (and updated when the revision changes) in the database. Default none. */
        modules: z.array(z.string().regex(/^[a-z0-9_]+$/)).default([]),
      })
      .optional(),
    /** Odoo's `workers` (0: one threaded process, no separate gevent port to proxy). Default 0. */
    workers: z.number().int().min(0).max(64).default(0),
  }),
  // Apps the catalogue describes; guests only until their modules land.
  ...(
    [
      "adguard-home",
      "ai-coordinator",
      "ai-orchestrator",
      "ai-worker",
      "appflowy",
      "coolify",
      "docker-host",
      "heimdall",
      "home-assistant",
      "home-assistant-os",
      "loki",
      "mongodb",
      "netbox",
      "nocodb",
      "open-webui",
      "opnsense",
      "postgres",
      "postgres-restore",
      "redis",
      "traefik",
      "unraid-nas",
      "vaultwarden",
      "wazuh",
      "wikijs",
      "xpenology",
    ] as const
  ).map((k) => app(k, { ...databaseClient })),
] as const;

/** An app as the inventory states it. */
export const AppSchema = z.preprocess(
  (v) => (typeof v === "string" ? { kind: v } : v),
  z.discriminatedUnion("kind", APP_SCHEMAS, {
    error: (iss) => `unknown app kind ${JSON.stringify((iss.input as { kind?: unknown } | undefined)?.kind ?? null)} (see components/inventory/apps.ts for the kinds)`,
  }),
);

export type App = z.infer<typeof AppSchema>;
export type AppKind = App["kind"];
/** The settings of the app of kind `K`. */
export type AppOf<K extends AppKind> = Extract<App, { kind: K }>;

/** Every known app kind (for messages and the docs). */
export const APP_KINDS: readonly AppKind[] = APP_SCHEMAS.map((s) => s.shape.kind.value as AppKind);

/** Apps the identity provider issues OIDC clients for. */
export const OIDC_APPS = ["gitea", "n8n", "paperless"] as const satisfies readonly AppKind[];

/** Apps that serve TLS with a certificate of the organisation's internal CA. */
export const TLS_SERVER_APPS = ["object-store", "restic-server", "identity-provider", "mesh-coordinator", "reverse-proxy"] as const satisfies readonly AppKind[];
