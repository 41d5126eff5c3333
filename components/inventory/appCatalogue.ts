/**
 * The settings of the apps installed by a module of components/apps (registry.ts): their pins and
 * what each module renders from the inventory. Part of APP_SCHEMAS (components/inventory/apps.ts).
 */
import { z } from "zod";
import { app, databaseClient, dbName, ociImage, oidcClient, pinnedDeb } from "./appFields";

/** The catalogue's app kinds with their typed settings. */
export const CATALOGUE_APPS = [
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
    /** Wazuh's `filebeat` package, `<version>-<revision>` (decision 300). Default 7.10.2-2. */
    filebeatVersion: z.string().regex(/^7\.10\.\d+-\d+$/, "must be a Filebeat OSS 7.10 package version like 7.10.2-2").default("7.10.2-2"),
    /** Weekly index snapshots kept in the snapshot repository on the data disk (decision 303). Default 4. */
    snapshotWeeks: z.number().int().min(2).max(520).default(4),
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
  /**
   * NetBox (orion VM 500; decision 320): the upstream source at one git commit with its pinned
   * requirements in a venv, gunicorn behind nginx on the service port, the VM's own PostgreSQL and Redis.
   */
  app("netbox", {
    ...oidcClient,
    /**
     * The NetBox release: its version (shown) and the full commit of its tag in
     * github.com/netbox-community/netbox (what is checked out). Default v4.4.10 = fa8a9ef9 (the newest
     * series that supports Debian 12's Python 3.11; components/apps/netbox.ts).
     */
    release: z
      .strictObject({
        version: z.string().regex(/^4\.\d+\.\d+$/, "must be a NetBox 4.x release like 4.4.10"),
        commit: z.string().regex(/^[0-9a-f]{40}$/, "must be the full 40-hex-digit commit of the release tag"),
      })
      .optional(),
    /** The VM's own PostgreSQL database, dumped by the restic agent (it must be one of `backup.databases`). Default "netbox". */
    localDatabase: dbName.default("netbox"),
    /** The superuser created once (its password a generated secret, shown by no output). Default "admin". */
    superuser: z.string().regex(/^[A-Za-z0-9@.+_-]{1,150}$/, "must be a Django user name (letters, digits, @ . + - _)").default("admin"),
    /** Further names NetBox answers to (ALLOWED_HOSTS) besides its address and `<service>.<domain>`. Default none. */
    allowedHosts: z.array(z.string().regex(/^[A-Za-z0-9.*-]+$/, "must be a host name or address")).default([]),
    /** gunicorn worker processes (contrib/gunicorn.py suggests 2n+1). Default 2 × cores + 1 of the service. */
    workers: z.number().int().min(1).max(64).optional(),
  }),
  /**
   * The AI coordinator (orion VM 300; decision 321): no upstream program exists, so this runs the
   * operator's LangGraph code from one git commit in a venv with pinned LangGraph and uvicorn.
   */
  app("ai-coordinator", {
    ...databaseClient,
    /** Clone URL (http(s)) of the operator's coordinator code. Without it the install stops naming this setting. Default none. */
    repository: z.string().regex(/^https?:\/\/\S+$/, "must be an http(s) clone URL").optional(),
    /** The full 40-hex commit deployed (a branch or tag would move under the same config). Required with `repository`. */
    revision: z.string().regex(/^[0-9a-f]{40}$/, "must be a full 40-hex-digit commit SHA").optional(),
    /** The ASGI application uvicorn serves, `module:attribute` inside the repository. Default "coordinator.app:app". */
    entrypoint: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_.]*$/, "must be module:attribute").default("coordinator.app:app"),
    /** Path the app answers with 2xx when it is up (the health check). Default "/health". */
    healthPath: z.string().regex(/^\/[A-Za-z0-9._~\/-]*$/, "must be an absolute URL path").default("/health"),
    /** A requirements file of the repository installed after the pinned packages (path inside it). Default none. */
    requirements: z.string().regex(/^[A-Za-z0-9._][A-Za-z0-9._\/-]*$/, "must be a relative path inside the repository").optional(),
    /** Python package pins of the venv (PyPI versions). Defaults: langgraph 1.2.11, langgraph-checkpoint-postgres 3.1.2, uvicorn 0.35.0. */
    packages: z
      .strictObject({
        langgraph: z.string().regex(/^\d+\.\d+\.\d+$/).default("1.2.11"),
        checkpointPostgres: z.string().regex(/^\d+\.\d+\.\d+$/).default("3.1.2"),
        uvicorn: z.string().regex(/^\d+\.\d+\.\d+$/).default("0.35.0"),
      })
      .default({ langgraph: "1.2.11", checkpointPostgres: "3.1.2", uvicorn: "0.35.0" }),
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
  /**
   * Vaultwarden (hx310-db; decisions 340-343): the upstream image by digest under podman, SQLite on the
   * data mount, TLS on 443 with a certificate of the site's internal CA, signups closed, the admin page
   * behind an Argon2id ADMIN_TOKEN made on the guest from a generated secret.
   */
  app("vaultwarden", {
    /** The Vaultwarden image (components/apps/vaultwarden.ts has the default pin and its source). */
    image: ociImage.optional(),
    /**
     * `primary`: the vault, backed up nightly (a consistent SQLite copy first). `restore-target`: the same
     * install with no backup of its own, filled by restoring the primary's restic snapshot (seed 004's
     * tested restore path). Default primary.
     */
    role: z.enum(["primary", "restore-target"]).default("primary"),
  }),
  /**
   * Wiki.js 2.5 (hx310-db; decisions 344-347): the upstream image by digest under podman, its database on
   * the organisation's PostgreSQL primary, set up through its API, Git storage on the site's Gitea.
   */
  app("wikijs", {
    ...databaseClient,
    /** The Wiki.js image (components/apps/wikijs.ts has the default pin and its source). */
    image: ociImage.optional(),
    /** The administrator's e-mail (its login name). Default `admin@<dns.domain>`. */
    adminEmail: z.string().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "must be an e-mail address").optional(),
    /**
     * Git storage target (Wiki.js `git` module, mode sync): a repository of a `gitea` service of this site,
     * pushed and pulled as one of that Gitea's `machineUsers` (its generated password arrives as a peer
     * secret). Default none: pages stay in the database only.
     */
    git: z
      .strictObject({
        /** The site's `gitea` service. */
        service: z.string().min(1),
        /** Repository of that Gitea's `repositories` (owned by its `owner`). */
        repository: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "must be a Gitea repository name"),
        /** Machine user of that Gitea with write permission on the repository. */
        user: z.string().regex(/^[a-z][a-z0-9-]{0,38}$/, "must be a Gitea user name"),
        /** Branch synchronised (must exist: the repository is in the Gitea's `autoInit`). Default main. */
        branch: z.string().regex(/^[A-Za-z0-9._/-]{1,100}$/, "must be a branch name").default("main"),
      })
      .optional(),
  }),
] as const;
