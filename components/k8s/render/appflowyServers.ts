/** AppFlowy's servers: GoTrue, the cloud API, worker, search, admin frontend and web (see appflowyConfig.ts). */
import {
  K8sObject,
  deployment,
  env,
  pvc,
  res,
  secretEnv,
  service,
} from "./common";
import { APPFLOWY_PORTS as P, APPFLOWY_SECRET_KEYS as K, APPFLOWY_SERVICES as S, AppflowyContext, NON_ROOT } from "./appflowyConfig";

export function appflowyServers(c: AppflowyContext): K8sObject[] {
  const { ns, host, img, sizes, sec, pgDb, baseUrl, redisUrl, s3Env, L, sel, args } = c;
  const objs: K8sObject[] = [];
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
          securityContext: NON_ROOT,
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
          securityContext: NON_ROOT,
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
          securityContext: NON_ROOT,
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
          securityContext: NON_ROOT,
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

  return objs;
}
