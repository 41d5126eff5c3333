/** AppFlowy's data stores: PostgreSQL (pgvector), Redis and MinIO (see appflowyConfig.ts). */
import {
  Container,
  K8sObject,
  deployment,
  env,
  res,
  secretEnv,
  service,
  statefulSet,
} from "./common";
import { REDIS_ALPINE_USER } from "./versions";
import { APPFLOWY_PORTS as P, APPFLOWY_SECRET_KEYS as K, APPFLOWY_SERVICES as S, AppflowyContext, NON_ROOT } from "./appflowyConfig";

/**
 * Redis runs as the image's own `redis` user (REDIS_ALPINE_USER). Its entrypoint steps down
 * from root with gosu only when started as uid 0 (docker-library/redis docker-entrypoint.sh:
 * `if [ "$1" = 'redis-server' -a "$(id -u)" = '0' ]`), and gosu's setuid/setgid fail once every
 * capability is dropped — so a root start with `drop: [ALL]` never runs redis.
 */
export const REDIS_SECURITY_CONTEXT = {
  ...NON_ROOT,
  runAsNonRoot: true,
  runAsUser: REDIS_ALPINE_USER.uid,
  runAsGroup: REDIS_ALPINE_USER.gid,
};

export function appflowyStores(c: AppflowyContext): K8sObject[] {
  const { ns, img, sizes, sec, pgUser, pgDb, baseUrl, L, sel, args } = c;
  const objs: K8sObject[] = [];
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
          securityContext: REDIS_SECURITY_CONTEXT,
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

  return objs;
}
