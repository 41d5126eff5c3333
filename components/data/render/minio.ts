/**
 * Pure renderers for bo's MinIO (issue 4): systemd unit, non-secret env file, bucket setup script.
 * Root credentials live in a separate root-only EnvironmentFile written by the caller
 * (MINIO_ROOT_USER / MINIO_ROOT_PASSWORD); nothing rendered here contains them.
 * MinIO and its client are upstream binaries (Debian's `mc` package is Midnight Commander).
 */
import { createHmac } from "crypto";
import { lines, shellScript, shq } from "../../shell";

export interface MinioEnvArgs {
  /** MINIO_VOLUMES. Default: `/srv/minio/data`. */
  volumes?: string;
  /** --address, `<service address>:<S3 port>` (e.g. `192.0.2.21:9000`). Required: it differs per site. */
  address: string;
  /** --console-address, `<service address>:<console port>` (e.g. `192.0.2.21:9001`). Required: it differs per site. */
  consoleAddress: string;
  /** --certs-dir (public.crt/private.key → HTTPS; pgBackRest's S3 driver only speaks HTTPS). Default: `/etc/minio/certs`. */
  certsDir?: string;
}

/** /etc/default/minio: volumes and server options, no credentials. */
export function renderMinioEnv(a: MinioEnvArgs): string {
  const opts = [
    `--address ${a.address}`,
    `--console-address ${a.consoleAddress}`,
    `--certs-dir ${a.certsDir ?? "/etc/minio/certs"}`,
  ].join(" ");
  return lines(
    "# Managed by homelab (components/data/render/minio.ts). Credentials are in the separate credentials env file.",
    `MINIO_VOLUMES="${a.volumes ?? "/srv/minio/data"}"`,
    `MINIO_OPTS="${opts}"`,
  );
}

export interface MinioUnitArgs {
  /** minio server binary. Default: `/usr/local/bin/minio`. */
  binPath?: string;
  /** Non-secret env file (renderMinioEnv). Default: `/etc/default/minio`. */
  envFile?: string;
  /** Root-only env file with MINIO_ROOT_USER / MINIO_ROOT_PASSWORD, written by the caller. Default: `/etc/minio/credentials.env`. */
  credentialsEnvFile?: string;
  /** OS user/group. Default: `minio-user`. */
  user?: string;
}

/** minio.service modelled on upstream's minio-service unit. */
export function renderMinioUnit(a: MinioUnitArgs = {}): string {
  const user = a.user ?? "minio-user";
  return lines(
    "# Managed by homelab (components/data/render/minio.ts).",
    "[Unit]",
    "Description=MinIO object storage (homelab)",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=notify",
    `User=${user}`,
    `Group=${user}`,
    `EnvironmentFile=${a.envFile ?? "/etc/default/minio"}`,
    `EnvironmentFile=${a.credentialsEnvFile ?? "/etc/minio/credentials.env"}`,
    `ExecStart=${a.binPath ?? "/usr/local/bin/minio"} server $MINIO_OPTS $MINIO_VOLUMES`,
    "Restart=always",
    "LimitNOFILE=1048576",
    "TasksMax=infinity",
    "TimeoutStopSec=infinity",
    "SendSIGKILL=no",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
  );
}

export interface MinioBucket {
  /** Bucket name (S3 rules: 3-63 chars, lowercase, digits, dots, hyphens). */
  name: string;
  /** `mc version enable` on it. Default: false. */
  versioning?: boolean;
}

export interface MinioBucketsArgs {
  /** Buckets. Default: backups (versioned), archives (versioned), media, pg-wal. */
  buckets?: MinioBucket[];
  /** mc alias. Default: `homelab`. */
  alias?: string;
  /** MinIO endpoint URL, e.g. `https://192.0.2.21:9000`. Required: it differs per site. */
  url: string;
  /** MinIO client binary. Default: `/usr/local/bin/mc`. */
  mcBin?: string;
  /** Env var holding the access key. Default: `MINIO_ROOT_USER`. */
  userEnv?: string;
  /** Env var holding the secret key. Default: `MINIO_ROOT_PASSWORD`. */
  passwordEnv?: string;
}

export const DEFAULT_MINIO_BUCKETS: MinioBucket[] = [
  { name: "backups", versioning: true },
  { name: "archives", versioning: true },
  { name: "media" },
  { name: "pg-wal" },
];

/**
 * Bucket setup lines (bash, after the toolkit preamble): `mc alias set` from env, `mc mb --ignore-existing`,
 * `mc version enable` where asked. Composed into the MinIO setup script and {@link renderMinioBucketsScript}.
 */
export function minioBucketLines(a: MinioBucketsArgs): string[] {
  const buckets = a.buckets ?? DEFAULT_MINIO_BUCKETS;
  const alias = a.alias ?? "homelab";
  const userEnv = a.userEnv ?? "MINIO_ROOT_USER";
  const pwEnv = a.passwordEnv ?? "MINIO_ROOT_PASSWORD";
  for (const e of [userEnv, pwEnv]) if (!/^[A-Z_][A-Z0-9_]*$/.test(e)) throw new Error(`bad env var ${e}`);
  if (!/^[a-z0-9_-]+$/.test(alias)) throw new Error(`bad alias ${alias}`);
  for (const b of buckets) if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b.name)) throw new Error(`bad bucket name ${b.name}`);
  const out: string[] = [
    `MC=${shq(a.mcBin ?? "/usr/local/bin/mc")}`,
    `ALIAS=${shq(alias)}`,
    `URL=${shq(a.url)}`,
    `: "\${${userEnv}:?${userEnv} must be set}"`,
    `: "\${${pwEnv}:?${pwEnv} must be set}"`,
    "",
    `"$MC" alias set "$ALIAS" "$URL" "$${userEnv}" "$${pwEnv}" >/dev/null`,
  ];
  for (const b of buckets) {
    out.push(`"$MC" mb --ignore-existing "$ALIAS/${b.name}"`);
    if (b.versioning) out.push(`"$MC" version enable "$ALIAS/${b.name}"`);
  }
  return out;
}

/** Idempotent bucket setup as a standalone script (see {@link minioBucketLines}). */
export function renderMinioBucketsScript(a: MinioBucketsArgs): string {
  return shellScript({ title: "MinIO bucket setup", source: "components/data/render/minio.ts", body: minioBucketLines(a) });
}

/** The MinIO user Prometheus's metrics token is issued for (policy `PROMETHEUS_POLICY` only). */
export const PROMETHEUS_USER = "prometheus";
/**
 * Its policy: the one admin action MinIO's metrics endpoints authorise
 * (minio/minio RELEASE.2025-10-15T17-29-55Z cmd/metrics.go AuthMiddleware → policy.PrometheusAdminAction,
 * minio/pkg v3 policy/admin-action.go: "admin:Prometheus"; admin statements carry no Resource, like the
 * built-in consoleAdmin policy).
 */
export const PROMETHEUS_POLICY = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["admin:Prometheus"] }] };
/** The token's `exp`: 2100-01-01T00:00:00Z, fixed so the token is the same on every `up` (mc uses now + 100 years). */
export const PROMETHEUS_TOKEN_EXPIRY = 4102444800;

/**
 * The bearer token MinIO's metrics endpoints accept, computed as `mc admin prometheus generate`
 * does (minio/mc cmd/admin-prometheus-generate.go: HS512 JWT, `sub` the access key, `iss`
 * "prometheus", signed with the secret key). The server side (minio/minio RELEASE.2025-10-15T17-29-55Z
 * cmd/jwt.go metricsRequestAuthenticate, internal/jwt/parser.go ParseWithClaims) takes the access key
 * from `accessKey` or `sub`, verifies the HMAC with that IAM user's secret key, and AuthMiddleware
 * requires `iss` = "prometheus" and the user's permission for admin:Prometheus.
 */
export function minioPrometheusToken(accessKey: string, secretKey: string, expiry = PROMETHEUS_TOKEN_EXPIRY): string {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const unsigned = `${b64({ alg: "HS512", typ: "JWT" })}.${b64({ exp: expiry, iss: "prometheus", sub: accessKey })}`;
  return `${unsigned}.${createHmac("sha512", secretKey).update(unsigned).digest("base64url")}`;
}
