/**
 * AppFlowy Cloud on Kubernetes, derived from upstream docker-compose.yml / deploy.env /
 * nginx/nginx.conf (AppFlowy-IO/AppFlowy-Cloud HEAD 4fb9c929). Pure: every secret value is a
 * reference to a key of ONE Secret (`secretName`) whose stringData the lead builds from Pulumi
 * Outputs; database URLs (which must embed the password) come from `appflowyUrls()`.
 */
import { APPFLOWY_IMAGES, requirePinnedImage } from "./versions";
import {
  Container,
  EnvVar,
  K8sObject,
  checkHost,
  checkName,
  checkSize,
  deployment,
  env,
  ingress,
  labelsFor,
  pvc,
  res,
  secretEnv,
  selectorFor,
  service,
  statefulSet,
  tlsSecretName,
} from "./common";

/** Keys the lead must put into the AppFlowy Secret. All hold secrets except where noted. */
export const APPFLOWY_SECRET_KEYS = {
  postgresPassword: "POSTGRES_PASSWORD",
  jwtSecret: "GOTRUE_JWT_SECRET",
  adminPassword: "GOTRUE_ADMIN_PASSWORD",
  s3AccessKey: "APPFLOWY_S3_ACCESS_KEY",
  s3SecretKey: "APPFLOWY_S3_SECRET_KEY",
  /** From appflowyUrls(): contains the password. */
  gotrueDatabaseUrl: "GOTRUE_DATABASE_URL",
  /** From appflowyUrls(): contains the password. */
  appflowyDatabaseUrl: "APPFLOWY_DATABASE_URL",
} as const;

export type AppflowyImages = { [K in keyof typeof APPFLOWY_IMAGES]: string };

export interface AppflowyArgs {
  namespace: string;
  /** Public host, e.g. appflowy.sector7.helloworlddao.com. */
  host: string;
  /** StorageClass for PVCs (Longhorn). */
  storageClass: string;
  sizes?: { postgres?: string; minio?: string; searchIndex?: string };
  /** Secret holding APPFLOWY_SECRET_KEYS. */
  secretName: string;
  /** Initial admin e-mail (not a secret). */
  adminEmail: string;
  clusterIssuer: string;
  images?: Partial<AppflowyImages>;
  postgresUser?: string;
  postgresDb?: string;
  /** Allow public sign-up (default false: admin-created accounts only). */
  allowSignup?: boolean;
  /** S3 bucket name (default "appflowy"). */
  bucket?: string;
}

/** In-cluster service names (compose service names use "_" which Kubernetes forbids). */
export const APPFLOWY_SERVICES = {
  postgres: "appflowy-postgres",
  redis: "appflowy-redis",
  minio: "appflowy-minio",
  gotrue: "appflowy-gotrue",
  cloud: "appflowy-cloud",
  worker: "appflowy-worker",
  search: "appflowy-search",
  adminFrontend: "appflowy-admin-frontend",
  web: "appflowy-web",
} as const;

export const APPFLOWY_PORTS = {
  postgres: 5432,
  redis: 6379,
  minioApi: 9000,
  minioConsole: 9001,
  gotrue: 9999,
  cloud: 8000,
  search: 4002,
  adminFrontend: 3000,
  web: 80,
} as const;

export interface AppflowyUrlArgs {
  postgresPassword: string;
  postgresUser?: string;
  postgresDb?: string;
  postgresHost?: string;
  postgresPort?: number;
}

/**
 * The two database URLs that embed the password (URL-encoded with encodeURIComponent, as
 * deploy.env warns). Call inside Output.apply and put the result in the Secret's stringData.
 * GoTrue's URL carries `search_path=auth` (its tables live in the auth schema).
 */
export function appflowyUrls(args: AppflowyUrlArgs): Record<"GOTRUE_DATABASE_URL" | "APPFLOWY_DATABASE_URL", string> {
  if (!args.postgresPassword) throw new Error("postgresPassword is empty");
  const user = encodeURIComponent(args.postgresUser ?? "postgres");
  const pw = encodeURIComponent(args.postgresPassword);
  const host = args.postgresHost ?? APPFLOWY_SERVICES.postgres;
  const port = args.postgresPort ?? APPFLOWY_PORTS.postgres;
  const db = encodeURIComponent(args.postgresDb ?? "postgres");
  const base = `postgres://${user}:${pw}@${host}:${port}/${db}`;
  return { GOTRUE_DATABASE_URL: `${base}?search_path=auth`, APPFLOWY_DATABASE_URL: base };
}

const PART_OF = "appflowy";

function images(args: AppflowyArgs): AppflowyImages {
  const merged = { ...APPFLOWY_IMAGES, ...(args.images ?? {}) } as AppflowyImages;
  for (const v of Object.values(merged)) requirePinnedImage(v);
  return merged;
}

export function appflowyManifests(args: AppflowyArgs): K8sObject[] {
  const ns = checkName(args.namespace, "namespace");
  const host = checkHost(args.host);
  checkName(args.secretName, "secret name");
  const img = images(args);
  const sizes = {
    postgres: checkSize(args.sizes?.postgres ?? "50Gi"),
    minio: checkSize(args.sizes?.minio ?? "50Gi"),
    searchIndex: checkSize(args.sizes?.searchIndex ?? "5Gi"),
  };
  const sec = args.secretName;
  const K = APPFLOWY_SECRET_KEYS;
  const S = APPFLOWY_SERVICES;
  const P = APPFLOWY_PORTS;
  const pgUser = args.postgresUser ?? "postgres";
  const pgDb = args.postgresDb ?? "postgres";
  const bucket = args.bucket ?? "appflowy";
  const baseUrl = `https://${host}`;
  const redisUrl = `redis://${S.redis}:${P.redis}`;
  const minioUrl = `http://${S.minio}:${P.minioApi}`;
  const objs: K8sObject[] = [];
  const L = (c: string) => labelsFor("appflowy", c, PART_OF);
  const sel = (c: string) => selectorFor("appflowy", c);

  const s3Env: EnvVar[] = [
    env("APPFLOWY_S3_USE_MINIO", "true"),
    env("APPFLOWY_S3_MINIO_URL", minioUrl),
    secretEnv("APPFLOWY_S3_ACCESS_KEY", sec, K.s3AccessKey),
    secretEnv("APPFLOWY_S3_SECRET_KEY", sec, K.s3SecretKey),
    env("APPFLOWY_S3_BUCKET", bucket),
    env("APPFLOWY_S3_REGION", "us-east-1"),
  ];
  const nonRoot = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };

  // --- postgres (pgvector) -------------------------------------------------------------
  const pg: Container = {
    name: "postgres",
    image: img.postgres,
    ports: [{ name: "postgres", containerPort: P.postgres }],
    env: [
      env("POSTGRES_USER", pgUser),
      env("POSTGRES_DB", pgDb),
      secretEnv("POSTGRES_PASSWORD", sec, K.postgresPassword),
      // Longhorn ext4 volumes have lost+found at the root; initdb needs an empty directory.
      env("PGDATA", "/var/lib/postgresql/data/pgdata"),
    ],
    volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql/data" }],
    readinessProbe: { exec: { command: ["sh", "-c", 'pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB"'] }, periodSeconds: 5, timeoutSeconds: 5 },
    livenessProbe: { exec: { command: ["sh", "-c", 'pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB"'] }, initialDelaySeconds: 30, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 6 },
    resources: res("250m", "512Mi", "2Gi"),
  };
  objs.push(statefulSet(S.postgres, ns, L("postgres"), sel("postgres"), pg, args.storageClass, sizes.postgres, 999));
  objs.push(service(S.postgres, ns, sel("postgres"), [{ name: "postgres", port: P.postgres }], L("postgres")));

  // --- redis -----------------------------------------------------------------------------
  objs.push(
    deployment({
      name: S.redis,
      namespace: ns,
      labels: L("redis"),
      selector: sel("redis"),
      containers: [
        {
          name: "redis",
          image: img.redis,
          args: ["--save", "", "--appendonly", "no"],
          ports: [{ name: "redis", containerPort: P.redis }],
          readinessProbe: { exec: { command: ["redis-cli", "ping"] }, periodSeconds: 5 },
          livenessProbe: { tcpSocket: { port: P.redis }, initialDelaySeconds: 10, periodSeconds: 15 },
          resources: res("50m", "64Mi", "512Mi"),
          securityContext: nonRoot,
        },
      ],
    }),
  );
  objs.push(service(S.redis, ns, sel("redis"), [{ name: "redis", port: P.redis }], L("redis")));

  // --- minio -----------------------------------------------------------------------------
  const minio: Container = {
    name: "minio",
    image: img.minio,
    args: ["server", "/data", "--console-address", `:${P.minioConsole}`],
    ports: [
      { name: "api", containerPort: P.minioApi },
      { name: "console", containerPort: P.minioConsole },
    ],
    env: [
      env("MINIO_BROWSER_REDIRECT_URL", `${baseUrl}/minio`),
      secretEnv("MINIO_ROOT_USER", sec, K.s3AccessKey),
      secretEnv("MINIO_ROOT_PASSWORD", sec, K.s3SecretKey),
    ],
    volumeMounts: [{ name: "data", mountPath: "/data" }],
    readinessProbe: { httpGet: { path: "/minio/health/ready", port: P.minioApi }, periodSeconds: 10 },
    livenessProbe: { httpGet: { path: "/minio/health/live", port: P.minioApi }, initialDelaySeconds: 20, periodSeconds: 30, timeoutSeconds: 20 },
    resources: res("100m", "256Mi", "1Gi"),
  };
  objs.push(statefulSet(S.minio, ns, L("minio"), sel("minio"), minio, args.storageClass, sizes.minio));
  objs.push(
    service(S.minio, ns, sel("minio"), [
      { name: "api", port: P.minioApi },
      { name: "console", port: P.minioConsole },
    ], L("minio")),
  );

  // --- gotrue ----------------------------------------------------------------------------
  const verify = "/gotrue/verify";
  objs.push(
    deployment({
      name: S.gotrue,
      namespace: ns,
      labels: L("gotrue"),
      selector: sel("gotrue"),
      containers: [
        {
          name: "gotrue",
          image: img.gotrue,
          ports: [{ name: "http", containerPort: P.gotrue }],
          env: [
            env("GOTRUE_ADMIN_EMAIL", args.adminEmail),
            secretEnv("GOTRUE_ADMIN_PASSWORD", sec, K.adminPassword),
            env("GOTRUE_DISABLE_SIGNUP", String(!(args.allowSignup ?? false))),
            env("GOTRUE_SITE_URL", "appflowy-flutter://"),
            env("GOTRUE_URI_ALLOW_LIST", "**"),
            secretEnv("GOTRUE_JWT_SECRET", sec, K.jwtSecret),
            env("GOTRUE_JWT_EXP", "604800"),
            env("GOTRUE_JWT_ADMIN_GROUP_NAME", "supabase_admin"),
            env("GOTRUE_DB_DRIVER", "postgres"),
            env("API_EXTERNAL_URL", `${baseUrl}/gotrue`),
            secretEnv("DATABASE_URL", sec, K.gotrueDatabaseUrl),
            env("PORT", String(P.gotrue)),
            env("GOTRUE_MAILER_URLPATHS_CONFIRMATION", verify),
            env("GOTRUE_MAILER_URLPATHS_INVITE", verify),
            env("GOTRUE_MAILER_URLPATHS_RECOVERY", verify),
            env("GOTRUE_MAILER_URLPATHS_EMAIL_CHANGE", verify),
            // No SMTP configured: sign-ups are confirmed without e-mail (deploy.env default).
            env("GOTRUE_MAILER_AUTOCONFIRM", "true"),
            env("GOTRUE_RATE_LIMIT_EMAIL_SENT", "100"),
          ],
          readinessProbe: { httpGet: { path: "/health", port: P.gotrue }, periodSeconds: 5, timeoutSeconds: 5 },
          livenessProbe: { httpGet: { path: "/health", port: P.gotrue }, initialDelaySeconds: 40, periodSeconds: 15, timeoutSeconds: 5 },
          resources: res("50m", "64Mi", "256Mi"),
          securityContext: nonRoot,
        },
      ],
    }),
  );
  objs.push(service(S.gotrue, ns, sel("gotrue"), [{ name: "http", port: P.gotrue }], L("gotrue")));

  // --- appflowy_cloud --------------------------------------------------------------------
  const jwt = secretEnv("APPFLOWY_GOTRUE_JWT_SECRET", sec, K.jwtSecret);
  objs.push(
    deployment({
      name: S.cloud,
      namespace: ns,
      labels: L("cloud"),
      selector: sel("cloud"),
      containers: [
        {
          name: "appflowy-cloud",
          image: img.cloud,
          ports: [{ name: "http", containerPort: P.cloud }],
          env: [
            env("RUST_LOG", "info"),
            env("APPFLOWY_ENVIRONMENT", "production"),
            secretEnv("APPFLOWY_DATABASE_URL", sec, K.appflowyDatabaseUrl),
            env("APPFLOWY_REDIS_URI", redisUrl),
            jwt,
            env("APPFLOWY_GOTRUE_BASE_URL", `http://${S.gotrue}:${P.gotrue}`),
            env("APPFLOWY_S3_CREATE_BUCKET", "true"),
            ...s3Env,
            env("APPFLOWY_S3_PRESIGNED_URL_ENDPOINT", `${baseUrl}/minio-api`),
            env("APPFLOWY_ACCESS_CONTROL", "true"),
            env("APPFLOWY_DATABASE_MAX_CONNECTIONS", "40"),
            env("APPFLOWY_WEB_URL", baseUrl),
            env("APPFLOWY_BASE_URL", baseUrl),
            env("APPFLOWY_SEARCH_SERVICE_URL", `http://${S.search}:${P.search}`),
            env("APPFLOWY_SEARCH_REQUEST_TIMEOUT_SECS", "10"),
          ],
          readinessProbe: { httpGet: { path: "/api/health", port: P.cloud }, periodSeconds: 5, timeoutSeconds: 5 },
          livenessProbe: { httpGet: { path: "/api/health", port: P.cloud }, initialDelaySeconds: 30, periodSeconds: 15, timeoutSeconds: 5 },
          resources: res("200m", "256Mi", "2Gi"),
          securityContext: nonRoot,
        },
      ],
    }),
  );
  objs.push(service(S.cloud, ns, sel("cloud"), [{ name: "http", port: P.cloud }], L("cloud")));

  // --- appflowy_worker (no port, no Service) --------------------------------------------
  objs.push(
    deployment({
      name: S.worker,
      namespace: ns,
      labels: L("worker"),
      selector: sel("worker"),
      containers: [
        {
          name: "appflowy-worker",
          image: img.worker,
          env: [
            env("RUST_LOG", "info"),
            env("APPFLOWY_ENVIRONMENT", "production"),
            env("APPFLOWY_WORKER_REDIS_URL", redisUrl),
            env("APPFLOWY_WORKER_ENVIRONMENT", "production"),
            secretEnv("APPFLOWY_WORKER_DATABASE_URL", sec, K.appflowyDatabaseUrl),
            env("APPFLOWY_WORKER_DATABASE_NAME", pgDb),
            env("APPFLOWY_WORKER_IMPORT_TICK_INTERVAL", "30"),
            ...s3Env,
          ],
          resources: res("100m", "128Mi", "1Gi"),
          securityContext: nonRoot,
        },
      ],
    }),
  );

  // --- appflowy_search (keyword index on a PVC) ----------------------------------------
  const indexDir = "/var/lib/appflowy/keyword_index";
  objs.push(pvc(`${S.search}-index`, ns, args.storageClass, sizes.searchIndex, L("search")));
  objs.push(
    deployment({
      name: S.search,
      namespace: ns,
      labels: L("search"),
      selector: sel("search"),
      recreate: true,
      containers: [
        {
          name: "appflowy-search",
          image: img.search,
          ports: [{ name: "http", containerPort: P.search }],
          env: [
            env("RUST_LOG", "info"),
            env("APPFLOWY_SEARCH_HOST", "0.0.0.0"),
            env("APPFLOWY_SEARCH_PORT", String(P.search)),
            secretEnv("APPFLOWY_SEARCH_DATABASE_URL", sec, K.appflowyDatabaseUrl),
            env("APPFLOWY_SEARCH_REDIS_URL", redisUrl),
            env("APPFLOWY_BACKGROUND_INDEXER_ENABLED", "true"),
            env("APPFLOWY_INDEXER_DATABASE_ENABLED", "false"),
            env("APPFLOWY_KEYWORD_SEARCH_ENABLED", "true"),
            env("APPFLOWY_KEYWORD_WORKER_ENABLED", "true"),
            env("APPFLOWY_KEYWORD_INDEX_MAP_SIZE_BYTES", "2147483648"),
            env("APPFLOWY_KEYWORD_INDEX_DIR", indexDir),
            jwt,
          ],
          volumeMounts: [{ name: "index", mountPath: indexDir }],
          readinessProbe: { tcpSocket: { port: P.search }, periodSeconds: 10 },
          livenessProbe: { tcpSocket: { port: P.search }, initialDelaySeconds: 30, periodSeconds: 20 },
          resources: res("100m", "256Mi", "3Gi"),
          securityContext: nonRoot,
        },
      ],
      volumes: [{ name: "index", persistentVolumeClaim: { claimName: `${S.search}-index` } }],
    }),
  );
  objs.push(service(S.search, ns, sel("search"), [{ name: "http", port: P.search }], L("search")));

  // --- admin_frontend + web ---------------------------------------------------------------
  objs.push(
    deployment({
      name: S.adminFrontend,
      namespace: ns,
      labels: L("admin-frontend"),
      selector: sel("admin-frontend"),
      containers: [
        {
          name: "admin-frontend",
          image: img.adminFrontend,
          ports: [{ name: "http", containerPort: P.adminFrontend }],
          env: [env("APPFLOWY_GOTRUE_BASE_URL", `${baseUrl}/gotrue`), env("APPFLOWY_BASE_URL", baseUrl)],
          readinessProbe: { tcpSocket: { port: P.adminFrontend }, periodSeconds: 10 },
          livenessProbe: { tcpSocket: { port: P.adminFrontend }, initialDelaySeconds: 20, periodSeconds: 20 },
          resources: res("50m", "64Mi", "256Mi"),
        },
      ],
    }),
  );
  objs.push(service(S.adminFrontend, ns, sel("admin-frontend"), [{ name: "http", port: P.adminFrontend }], L("admin-frontend")));
  objs.push(
    deployment({
      name: S.web,
      namespace: ns,
      labels: L("web"),
      selector: sel("web"),
      containers: [
        {
          name: "appflowy-web",
          image: img.web,
          ports: [{ name: "http", containerPort: P.web }],
          env: [
            env("APPFLOWY_BASE_URL", baseUrl),
            env("APPFLOWY_GOTRUE_BASE_URL", `${baseUrl}/gotrue`),
            env("APPFLOWY_WS_BASE_URL", `wss://${host}/ws/v2`),
          ],
          readinessProbe: { tcpSocket: { port: P.web }, periodSeconds: 10 },
          livenessProbe: { tcpSocket: { port: P.web }, initialDelaySeconds: 20, periodSeconds: 20 },
          resources: res("50m", "128Mi", "512Mi"),
        },
      ],
    }),
  );
  objs.push(service(S.web, ns, sel("web"), [{ name: "http", port: P.web }], L("web")));

  objs.push(...appflowyIngresses({ namespace: ns, host, clusterIssuer: args.clusterIssuer }));
  return objs;
}

/**
 * Routes of upstream nginx/nginx.conf as Ingresses on one host. nginx-ingress annotations
 * apply per Ingress, so each route family with different proxy settings gets its own.
 * Only the main Ingress carries the cert-manager annotation (one Certificate per secret).
 * Note: `use-regex` on the rewrite Ingresses makes ingress-nginx treat every path on this
 * host as a regex; all paths here are anchored prefixes, so routing is unchanged.
 * The MinIO console (/minio/) and pgadmin are deliberately not exposed.
 */
export function appflowyIngresses(args: { namespace: string; host: string; clusterIssuer: string }) {
  const { namespace, host } = args;
  const S = APPFLOWY_SERVICES;
  const P = APPFLOWY_PORTS;
  const tls = tlsSecretName(host);
  const L = labelsFor("appflowy", "ingress", PART_OF);
  const A = "nginx.ingress.kubernetes.io/";
  return [
    ingress({
      name: "appflowy",
      namespace,
      host,
      tlsSecret: tls,
      labels: L,
      clusterIssuer: args.clusterIssuer,
      annotations: { [`${A}proxy-body-size`]: "256m", [`${A}proxy-read-timeout`]: "600", [`${A}proxy-send-timeout`]: "600" },
      paths: [
        { path: "/api", pathType: "Prefix", service: S.cloud, port: P.cloud },
        { path: "/ai", pathType: "Prefix", service: S.cloud, port: P.cloud },
        { path: "/console", pathType: "Prefix", service: S.adminFrontend, port: P.adminFrontend },
        { path: "/", pathType: "Prefix", service: S.web, port: P.web },
      ],
    }),
    ingress({
      name: "appflowy-import",
      namespace,
      host,
      tlsSecret: tls,
      labels: L,
      annotations: {
        [`${A}proxy-body-size`]: "2g",
        [`${A}proxy-request-buffering`]: "off",
        [`${A}proxy-buffering`]: "off",
        [`${A}proxy-read-timeout`]: "600",
        [`${A}proxy-send-timeout`]: "600",
        [`${A}proxy-connect-timeout`]: "600",
      },
      paths: [{ path: "/api/import", pathType: "Prefix", service: S.cloud, port: P.cloud }],
    }),
    ingress({
      name: "appflowy-ws",
      namespace,
      host,
      tlsSecret: tls,
      labels: L,
      annotations: { [`${A}proxy-read-timeout`]: "86400", [`${A}proxy-send-timeout`]: "86400" },
      paths: [{ path: "/ws", pathType: "Prefix", service: S.cloud, port: P.cloud }],
    }),
    ingress({
      name: "appflowy-gotrue",
      namespace,
      host,
      tlsSecret: tls,
      labels: L,
      annotations: { [`${A}use-regex`]: "true", [`${A}rewrite-target`]: "/$2" },
      paths: [{ path: "/gotrue(/|$)(.*)", pathType: "ImplementationSpecific", service: S.gotrue, port: P.gotrue }],
    }),
    ingress({
      name: "appflowy-minio-api",
      namespace,
      host,
      tlsSecret: tls,
      labels: L,
      annotations: {
        [`${A}use-regex`]: "true",
        [`${A}rewrite-target`]: "/$2",
        // Presigned URLs are signed for the internal endpoint; upstream nginx sends Host minio:9000.
        [`${A}upstream-vhost`]: `${S.minio}:${P.minioApi}`,
        [`${A}proxy-body-size`]: "1000m",
        [`${A}proxy-request-buffering`]: "off",
        [`${A}proxy-connect-timeout`]: "300",
      },
      paths: [{ path: "/minio-api(/|$)(.*)", pathType: "ImplementationSpecific", service: S.minio, port: P.minioApi }],
    }),
  ];
}
