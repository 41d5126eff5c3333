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
import { CATALOGUE_APPS } from "./appCatalogue";
import { app, databaseClient, dbName, ociImage, oidcClient } from "./appFields";

/** Grafana's package in Grafana's apt repository (a `grafana` guest, or Grafana beside Prometheus). */
const grafanaRelease = {
  /**
   * The `grafana` package version in Grafana's apt repository (apt.grafana.com, `grafana=<version>`,
   * held; decision 380). Default 12.4.3.
   */
  version: z.string().regex(/^\d+\.\d+\.\d+$/, "must be a Grafana release like 12.4.3").default("12.4.3"),
};

/** Extensions the PostgreSQL primary can create: pgvector (PGDG) and PostgreSQL 15's contrib modules. */
export const PG_EXTENSIONS = ["vector", "pg_trgm", "cube", "hstore", "citext", "pgcrypto", "uuid-ossp"] as const;

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
    /**
     * Repositories of `repositories` created with a first commit (a README on `main`) instead of empty,
     * for consumers that need the branch to exist (Wiki.js's git storage). Only at creation. Default none.
     */
    autoInit: z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "must be a Gitea repository name")).default([]),
    /**
     * Machine users (no admin, no UI login needed): each gets a password generated in the stack
     * (`giteaMachineSecretEnv`, handed to the app that uses it as a peer secret) and is a collaborator
     * of its `repositories` (of `repositories` above) with `permission`. Default none.
     */
    machineUsers: z
      .array(
        z.strictObject({
          /** Gitea user name. */
          name: z.string().regex(/^[a-z][a-z0-9-]{0,38}$/, "must be a lower-case Gitea user name (a-z, 0-9, -)"),
          /** Repositories it may use. */
          repositories: z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "must be a Gitea repository name")).min(1),
          /** Collaborator permission (Gitea AddCollaboratorOption: read, write, admin). Default write. */
          permission: z.enum(["read", "write", "admin"]).default("write"),
        }),
      )
      .default([]),
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
    /**
     * Run Grafana on this guest beside Prometheus (seed 002 LXC 9 "Grafana + Prometheus"), installed and
     * configured exactly as a separate `grafana` guest is (components/monitoring/grafana.ts); `sso` as there.
     * Default: no Grafana here (a site may run it on its own `grafana` guest instead).
     */
    grafana: z.strictObject({ ...oidcClient, ...grafanaRelease }).optional(),
  }),
  app("grafana", { ...oidcClient, ...grafanaRelease }),
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
  app("uptime-kuma", {
    /** The Uptime Kuma image (components/apps/uptimeKuma.ts has the default pin and its source). */
    image: ociImage.optional(),
  }),
  // Apps installed by a module of components/apps (components/inventory/appCatalogue.ts).
  ...CATALOGUE_APPS,
  // Apps the catalogue describes; guests only until their modules land.
  ...(
    [
      "ai-orchestrator",
      "ai-worker",
      "appflowy",
      "coolify",
      "heimdall",
      "home-assistant-os",
      "nocodb",
      "opnsense",
      "postgres",
      "postgres-restore",
      "unraid-nas",
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
export const TLS_SERVER_APPS = ["object-store", "restic-server", "identity-provider", "mesh-coordinator", "reverse-proxy", "vaultwarden"] as const satisfies readonly AppKind[];

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
