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
  /**
   * Whether the organisation's identity provider gets an OIDC client for this service and the app logs
   * in through it. Default true; without an identity provider in the organisation the app has none.
   */
  sso: z.boolean().default(true),
};

/**
 * A pinned upstream Debian package: the URL of one fixed build and the digest its upstream publishes,
 * `sha256`, or `sha1` where sha1 is all upstream publishes (Odoo: the official image's Dockerfile
 * pins each nightly .deb by `ODOO_SHA`, a sha1 — decision 160). Exactly one of the two.
 */
const pinnedDeb = (pkg: string) =>
  z
    .strictObject({
      url: z.string().regex(new RegExp(`^https://\\S+/${pkg}_[^/_]+_(all|amd64)\\.deb$`), `must be the https URL of one ${pkg}_<version>_<arch>.deb`),
      /** sha256 of the file, as published by upstream. */
      sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be the 64-hex-digit sha256 of the file").optional(),
      /** sha1 of the file, as published by upstream (only where upstream publishes no sha256). */
      sha1: z.string().regex(/^[0-9a-f]{40}$/, "must be the 40-hex-digit sha1 of the file").optional(),
    })
    .refine((r) => (r.sha256 === undefined) !== (r.sha1 === undefined), { message: "must carry exactly one digest: sha256, or sha1 where upstream publishes only that" });

/**
 * An OCI image pin overriding a module's default (components/apps: each OCI module carries a default
 * tag and digest with the upstream-published source it was taken from). `digest` is the
 * `sha256:<64 hex>` of the image for that tag (manifest list or manifest), never a guess.
 */
const ociImage = z.strictObject({
  /** The tag the digest was published under (shown by `plan`, never pulled by). */
  tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, "must be an image tag"),
  /** The image's digest. */
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex> (the image digest published for that tag)"),
});

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
  app("gitea", {
    ...databaseClient,
    ...oidcClient,
    /**
     * Repositories created (empty, private) if missing, owned by the Gitea organisation `owner`
     * (components/apps/gitea.ts). Default none.
     */
    repositories: z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "must be a Gitea repository name (letters, digits, _ . -)")).default([]),
    /** Gitea organisation that owns `repositories`. Default the inventory's `organisation`. */
    owner: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/, "must be a Gitea organisation name").optional(),
  }),
  app("n8n", {
    ...databaseClient,
    ...oidcClient,
    /**
     * Whether the instance runs under an n8n licence that includes OIDC single sign-on (decision 51):
     * only then is n8n's OIDC login switched on; the client is declared and configured either way.
     * Default false.
     */
    licensed: z.boolean().default(false),
  }),
  app("paperless", {
    ...databaseClient,
    ...oidcClient,
    /** The Paperless-ngx image (components/apps/paperless.ts has the default pin and its source). */
    image: ociImage.optional(),
    /** OCR languages (Tesseract codes, `PAPERLESS_OCR_LANGUAGE`, joined with `+`). Default ["eng"]. */
    ocrLanguages: z.array(z.string().regex(/^[a-z]{3}(_[a-z]+)?$/, "must be a Tesseract language code, e.g. eng or deu")).min(1).default(["eng"]),
  }),
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
   * Grafana Loki, the site's log store (seed 002 LXC 10; decision 232): every LXC and VM of its site
   * ships its journal to it through a Grafana Alloy agent. Chunks go to the site's object store
   * (MinIO, bucket `loki`) when the site runs one, else to the data mount.
   */
  app("loki", {
    /** Days logs are kept (compactor retention, `limits_config.retention_period`). Default 30 (seed 002: "long-term logs (30+ days)"). */
    retentionDays: z.number().int().min(1).max(3650).default(30),
    /** Days of index kept in the local cache (`tsdb_shipper.cache_ttl`) for recent queries. Default 7 (seed 002: "recent logs (7 days): local SSD"). */
    localDays: z.number().int().min(1).max(90).default(7),
    /** Loki's package version in Grafana's apt repository (apt.grafana.com, `loki=<version>`). Default 3.7.6. */
    version: z.string().regex(/^\d+\.\d+\.\d+$/, "must be a Loki release like 3.7.6").default("3.7.6"),
    /** Grafana Alloy's package version there for the site's agents (`alloy=<version>`). Default 1.18.1-1. */
    agentVersion: z.string().regex(/^\d+\.\d+\.\d+-\d+$/, "must be an Alloy package version like 1.18.1-1").default("1.18.1-1"),
  }),
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
  /**
   * Wazuh all-in-one (manager, indexer, dashboard) on a Debian 12 VM (bo BO-8; decision 233), from
   * Wazuh's apt repository at one pinned version; the indexer's data on the VM's data disk.
   */
  app("wazuh", {
    /** Wazuh release; packages `wazuh-manager|-indexer|-dashboard=<version>-1`. Default 4.14.7. */
    version: z.string().regex(/^4\.\d+\.\d+$/, "must be a Wazuh 4.x release like 4.14.7").default("4.14.7"),
    /** Days alerts are kept in the indexer (ISM policy deleting older `wazuh-alerts-*`, `wazuh-archives-*` indices). Default 30 (seed 000). */
    retentionDays: z.number().int().min(1).max(3650).default(30),
    /** The VM's data disk as the guest sees it. Default the first data disk (Proxmox scsi1): /dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi1. */
    dataDisk: z.string().regex(/^\/dev\/[\w./:-]+$/, "must be a device path under /dev").default("/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi1"),
  }),
  app("odoo", {
    /**
     * The official Odoo Debian package of one fixed build (nightly.odoo.com/<series>/nightly/deb/
     * odoo_<version>_all.deb) with the digest upstream publishes for it (the sha1 `ODOO_SHA` of the
     * official image's Dockerfile, odoo/docker <series>/Dockerfile; decision 160). Without it the
     * install stops unless that package is already installed (decision 132). Default none.
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
  app("open-webui", {
    ...oidcClient,
    /** The Open WebUI image (components/apps/openWebui.ts has the default pin and its source). */
    image: ociImage.optional(),
    /** Port published on the service address (the container listens on 8080). Default 8080. */
    port: z.number().int().min(1).max(65535).default(8080),
    /**
     * The model server: `{ ollama: <service> }` (an `ollama` service of the same site) or
     * `{ openai: <base URL> }` (an OpenAI-compatible API, e.g. LiteLLM). Default the site's only
     * active `ollama` service.
     */
    upstream: z
      .union([
        z.strictObject({ ollama: z.string().min(1) }),
        z.strictObject({ openai: z.string().regex(/^https?:\/\/\S+$/, "must be an http(s) base URL") }),
      ])
      .optional(),
  }),
  app("home-assistant", {
    /** The Home Assistant container image (components/apps/homeAssistant.ts has the default pin and its source). */
    image: ociImage.optional(),
  }),
  app("redis", {
    /**
     * The logical databases (`SELECT <index>`) handed to consumers, e.g. seed 002's 1 n8n, 2 web-app
     * sessions, 3 application cache. Each has a unique index (0-15, Redis's `databases 16`) and name;
     * `consumer`, when set, is a service of the site whose address tcp/6379 must admit (checked by the
     * loader). Consumers find their database with components/apps/redis.ts `redisDatabaseFor`. Default none.
     */
    databases: z
      .array(
        z.strictObject({
          index: z.number().int().min(0).max(15),
          name: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "must be a short lower-case name (a-z, 0-9, -)"),
          /** The service that uses this database. Default: none (several clients, or not declared yet). */
          consumer: z.string().min(1).optional(),
        }),
      )
      .default([]),
    /**
     * What survives a restart: `none` (a pure cache), `rdb` (snapshots) or `aof` (append-only file,
     * fsync every second, plus snapshots: a queue loses at most a second). `rdb` and `aof` keep their
     * files on a data mount at /var/lib/redis. Default none.
     */
    persistence: z.enum(["none", "rdb", "aof"]).default("none"),
  }),
  app("mongodb", {
    /**
     * The mongodb-org 7.0 package version installed from MongoDB's apt repository (repo.mongodb.org,
     * Debian bookworm) and held there. Default 7.0.15 (docker-library/mongo 7.0/Dockerfile pins the same
     * release; decision 204).
     */
    version: z.string().regex(/^7\.0\.\d+$/, "must be a MongoDB 7.0 release, e.g. 7.0.15").default("7.0.15"),
    /**
     * One database per consumer, with a user of the same name (readWrite on it) whose password is a
     * generated secret. `consumer` is a service of the site that tcp/27017 must admit. Default none.
     */
    databases: z
      .array(
        z.strictObject({
          name: z.string().regex(/^[a-z][a-z0-9_]{0,38}$/, "must be a lower-case database name (a-z, 0-9, _)"),
          consumer: z.string().min(1),
        }),
      )
      .default([]),
  }),
  app("traefik", {
    /**
     * The upstream release archive of one Traefik v3 release (github.com/traefik/traefik/releases:
     * `traefik_v<version>_linux_amd64.tar.gz`) and its sha256 from that release's
     * `traefik_v<version>_checksums.txt`. Without it the install stops unless /usr/local/bin/traefik is
     * there (decision 205). Default none.
     */
    release: z
      .strictObject({
        version: z.string().regex(/^3\.\d+\.\d+$/, "must be a Traefik v3 release like 3.7.9"),
        url: z.string().regex(/^https:\/\/\S+\/traefik_v3\.\d+\.\d+_linux_amd64\.tar\.gz$/, "must be the https URL of one traefik_v3.x.y_linux_amd64.tar.gz"),
        sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be the 64-hex-digit sha256 of the file"),
      })
      .optional(),
  }),
  app("adguard-home", {
    /**
     * The upstream release archive `AdGuardHome_linux_amd64.tar.gz` of one release
     * (github.com/AdguardTeam/AdGuardHome/releases) and its sha256 from that release's checksums. Without
     * it the install stops unless /opt/AdGuardHome/AdGuardHome is there (decision 208). Default none.
     */
    release: z
      .strictObject({
        version: z.string().regex(/^v?0\.\d+\.\d+$/, "must be an AdGuard Home release like 0.107.79"),
        url: z.string().regex(/^https:\/\/\S+\/AdGuardHome_linux_amd64\.tar\.gz$/, "must be the https URL of one AdGuardHome_linux_amd64.tar.gz"),
        sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be the 64-hex-digit sha256 of the file"),
      })
      .optional(),
  }),
  // Apps the catalogue describes; guests only until their modules land.
  ...(
    [
      "ai-coordinator",
      "ai-orchestrator",
      "ai-worker",
      "appflowy",
      "coolify",
      "docker-host",
      "flowise",
      "heimdall",
      "home-assistant-os",
      "litellm",
      "netbox",
      "nocodb",
      "opnsense",
      "postgres",
      "postgres-restore",
      "reverse-proxy",
      "unraid-nas",
      "vaultwarden",
      "wikijs",
      "wireguard",
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

/** Apps that serve TLS with a certificate of the organisation's internal CA. */
export const TLS_SERVER_APPS = ["object-store", "restic-server", "identity-provider", "mesh-coordinator"] as const satisfies readonly AppKind[];
