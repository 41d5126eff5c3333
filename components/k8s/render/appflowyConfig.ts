/**
 * AppFlowy Cloud on Kubernetes: the shared configuration of every artifact (secret keys, service
 * names, ports, database URLs, and the per-render context the builders share). Derived from
 * upstream docker-compose.yml / deploy.env / nginx/nginx.conf (AppFlowy-IO/AppFlowy-Cloud HEAD
 * 4fb9c929). The artifacts: appflowyStores.ts (PostgreSQL, Redis, MinIO), appflowyServers.ts
 * (GoTrue, the cloud, worker, search, admin frontend and web), appflowyIngress.ts (routes);
 * appflowy.ts assembles them.
 */
import { APPFLOWY_IMAGES, requirePinnedImage } from "./versions";
import { EnvVar, checkHost, checkName, checkSize, env, labelsFor, secretEnv, selectorFor } from "./common";

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

export const PART_OF = "appflowy";

/** What every AppFlowy builder needs from one render. */
export interface AppflowyContext {
  args: AppflowyArgs;
  ns: string;
  host: string;
  img: AppflowyImages;
  sizes: { postgres: string; minio: string; searchIndex: string };
  /** Secret name. */
  sec: string;
  pgUser: string;
  pgDb: string;
  baseUrl: string;
  redisUrl: string;
  s3Env: EnvVar[];
  L: (component: string) => Record<string, string>;
  sel: (component: string) => Record<string, string>;
}

function images(args: AppflowyArgs): AppflowyImages {
  const merged = { ...APPFLOWY_IMAGES, ...(args.images ?? {}) } as AppflowyImages;
  for (const v of Object.values(merged)) requirePinnedImage(v);
  return merged;
}

/** Checks the arguments and derives the shared values. */
export function appflowyContext(args: AppflowyArgs): AppflowyContext {
  const ns = checkName(args.namespace, "namespace");
  const host = checkHost(args.host);
  checkName(args.secretName, "secret name");
  const S = APPFLOWY_SERVICES;
  const P = APPFLOWY_PORTS;
  const K = APPFLOWY_SECRET_KEYS;
  const sec = args.secretName;
  const minioUrl = `http://${S.minio}:${P.minioApi}`;
  return {
    args,
    ns,
    host,
    img: images(args),
    sizes: {
      postgres: checkSize(args.sizes?.postgres ?? "50Gi"),
      minio: checkSize(args.sizes?.minio ?? "50Gi"),
      searchIndex: checkSize(args.sizes?.searchIndex ?? "5Gi"),
    },
    sec,
    pgUser: args.postgresUser ?? "postgres",
    pgDb: args.postgresDb ?? "postgres",
    baseUrl: `https://${host}`,
    redisUrl: `redis://${S.redis}:${P.redis}`,
    s3Env: [
      env("APPFLOWY_S3_USE_MINIO", "true"),
      env("APPFLOWY_S3_MINIO_URL", minioUrl),
      secretEnv("APPFLOWY_S3_ACCESS_KEY", sec, K.s3AccessKey),
      secretEnv("APPFLOWY_S3_SECRET_KEY", sec, K.s3SecretKey),
      env("APPFLOWY_S3_BUCKET", args.bucket ?? "appflowy"),
      env("APPFLOWY_S3_REGION", "us-east-1"),
    ],
    L: (c: string) => labelsFor("appflowy", c, PART_OF),
    sel: (c: string) => selectorFor("appflowy", c),
  };
}

/** Containers that need no privileges at all. */
export const NON_ROOT = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };
