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
  app("docker-host", {
    /** n8n's database on the organisation's PostgreSQL primary (n8n runs in a container here). Default none: n8n keeps SQLite in /opt/docker/n8n. */
    ...databaseClient,
    /**
     * n8n's cache in Redis (seed 002: "DB 1: n8n cache/queue"): a `redis` service of the same site and
     * the logical database n8n uses. The password (Redis `requirepass`) reaches the install on stdin as
     * `REDIS_PASSWORD` from the Redis guest's stack. Default none: n8n caches in memory.
     */
    n8nRedis: z
      .strictObject({
        /** Name of the site's `redis` service. */
        service: z.string().min(1),
        /** Logical database (0-15). */
        db: z.number().int().min(0).max(15),
      })
      .optional(),
    /** Image pins overriding the module's defaults (components/apps/dockerHost.ts has them and their sources). Default none. */
    images: z
      .strictObject({ n8n: ociImage.optional(), homepage: ociImage.optional(), uptimeKuma: ociImage.optional(), portainer: ociImage.optional() })
      .default({}),
    /**
     * Further containers of the compose project (the seed's media stack: Plex, the arr stack, …), each
     * pinned by digest; their ports are published on the service address and must be among its ports.
     * Default none.
     */
    containers: z
      .array(
        z.strictObject({
          /** Compose service and container name. */
          name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, "must be lower-case letters, digits and dashes"),
          /** Image repository without tag or digest, e.g. `lscr.io/linuxserver/sonarr`. */
          image: z.string().regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+$/, "must be an image repository without tag or digest"),
          /** Tag and digest (the digest is pulled; the tag is shown). */
          tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, "must be an image tag"),
          digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex> (the image digest published for that tag)"),
          /** Ports: `port` on the service address to `container` (default the same) inside. Default none. */
          ports: z.array(z.strictObject({ port: z.number().int().min(1).max(65535), container: z.number().int().min(1).max(65535).optional(), protocol: z.enum(["tcp", "udp"]).default("tcp") })).default([]),
          /** Bind mounts: an absolute guest path (under /opt/docker for state, /mnt/nas for media) to a container path. Default none. */
          volumes: z.array(z.strictObject({ host: z.string().regex(/^\/[^\s:]*$/, "must be an absolute path without ':'"), container: z.string().regex(/^\/[^\s:]*$/, "must be an absolute path without ':'"), readOnly: z.boolean().default(false) })).default([]),
          /** Non-secret environment. Default none. */
          environment: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string().regex(/^[^\n\r]*$/, "must be one line")).default({}),
        }),
      )
      .default([]),
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
      "flowise",
      "heimdall",
      "home-assistant-os",
      "litellm",
      "loki",
      "mongodb",
      "netbox",
      "nocodb",
      "opnsense",
      "postgres",
      "postgres-restore",
      "redis",
      "reverse-proxy",
      "traefik",
      "unraid-nas",
      "vaultwarden",
      "wazuh",
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

/**
 * Appliance VMs: operating systems that boot their own image, not the Debian cloud image, and that
 * the program neither configures (no cloud-init) nor enters over SSH (no guest agent install, no
 * node_exporter, no restic agent). The VM's shape comes from the inventory; its disk content from the
 * operator (docs/decisions.md, decisions 275–278). `firmware`: what the appliance boots with.
 */
export const APPLIANCE_APPS: Readonly<Partial<Record<AppKind, { firmware: "seabios" | "ovmf" }>>> = {
  // Home Assistant OS's `ova` board builds GRUB for x86_64 EFI only (home-assistant/operating-system
  // buildroot-external/configs/ova_defconfig: BR2_TARGET_GRUB2_X86_64_EFI=y): UEFI, i.e. OVMF.
  "home-assistant-os": { firmware: "ovmf" },
  // Xpenology DSM boots from a community loader the operator writes to the loader disk.
  xpenology: { firmware: "seabios" },
};

/** The appliance settings of `app`, when it is one. */
export function applianceOf(app: { kind: AppKind } | undefined): { firmware: "seabios" | "ovmf" } | undefined {
  return app ? APPLIANCE_APPS[app.kind] : undefined;
}
