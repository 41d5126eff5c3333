/**
 * sector7 apps (Heimdall, shared Postgres, n8n on the GPU node, NocoDB) and orion workloads
 * (Backstage, Vapor API, four agents). Pure builders; secrets only as Secret key references.
 */
import { APP_IMAGES, requirePinnedImage } from "./versions";
import { GPU_NODE_LABEL, NVIDIA_RUNTIME_CLASS } from "./ingress";
import {
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

interface Common {
  namespace: string;
  storageClass: string;
}
interface Exposed {
  host: string;
  clusterIssuer: string;
}

const nonRoot = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };

/** Heimdall dashboard (linuxserver image; runs s6 as root and drops to PUID/PGID). */
export function heimdallManifests(args: Common & Exposed & { size?: string; image?: string; timezone?: string }): K8sObject[] {
  const ns = checkName(args.namespace, "namespace");
  const image = requirePinnedImage(args.image ?? APP_IMAGES.heimdall);
  const L = labelsFor("heimdall", "server");
  const sel = selectorFor("heimdall", "server");
  return [
    pvc("heimdall-config", ns, args.storageClass, args.size ?? "1Gi", L),
    deployment({
      name: "heimdall",
      namespace: ns,
      labels: L,
      selector: sel,
      recreate: true,
      containers: [
        {
          name: "heimdall",
          image,
          ports: [{ name: "http", containerPort: 80 }],
          env: [env("PUID", "1000"), env("PGID", "1000"), env("TZ", args.timezone ?? "Etc/UTC")],
          volumeMounts: [{ name: "config", mountPath: "/config" }],
          readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 10 },
          livenessProbe: { tcpSocket: { port: 80 }, initialDelaySeconds: 30, periodSeconds: 20 },
          resources: res("25m", "64Mi", "256Mi"),
        },
      ],
      volumes: [{ name: "config", persistentVolumeClaim: { claimName: "heimdall-config" } }],
    }),
    service("heimdall", ns, sel, [{ name: "http", port: 80 }], L),
    ingress({
      name: "heimdall",
      namespace: ns,
      host: checkHost(args.host),
      tlsSecret: tlsSecretName(args.host),
      labels: L,
      clusterIssuer: args.clusterIssuer,
      paths: [{ path: "/", pathType: "Prefix", service: "heimdall", port: 80 }],
    }),
  ];
}

export interface SharedPostgresArgs extends Common {
  /** StatefulSet + Service name (default "postgres"). */
  name?: string;
  size?: string;
  image?: string;
  secretName: string;
  /** Key in secretName holding the superuser password (default POSTGRES_PASSWORD). */
  passwordKey?: string;
  /** Database created at first start (default "nocodb"). */
  database?: string;
  user?: string;
}

/** Shared PostgreSQL (StatefulSet, 100Gi by default) used by NocoDB. */
export function sharedPostgresManifests(args: SharedPostgresArgs): K8sObject[] {
  const ns = checkName(args.namespace, "namespace");
  const name = checkName(args.name ?? "postgres");
  const image = requirePinnedImage(args.image ?? APP_IMAGES.postgres);
  const L = labelsFor("postgres", "database");
  const sel = selectorFor("postgres", "database");
  const probe = ["sh", "-c", 'pg_isready -U "$POSTGRES_USER" -d "$POSTGRES_DB"'];
  return [
    statefulSet(
      name,
      ns,
      L,
      sel,
      {
        name: "postgres",
        image,
        ports: [{ name: "postgres", containerPort: 5432 }],
        env: [
          env("POSTGRES_USER", args.user ?? "postgres"),
          env("POSTGRES_DB", args.database ?? "nocodb"),
          secretEnv("POSTGRES_PASSWORD", args.secretName, args.passwordKey ?? "POSTGRES_PASSWORD"),
          env("PGDATA", "/var/lib/postgresql/data/pgdata"),
        ],
        volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql/data" }],
        readinessProbe: { exec: { command: probe }, periodSeconds: 5, timeoutSeconds: 5 },
        livenessProbe: { exec: { command: probe }, initialDelaySeconds: 30, periodSeconds: 15, timeoutSeconds: 5, failureThreshold: 6 },
        resources: res("250m", "512Mi", "4Gi"),
      },
      args.storageClass,
      checkSize(args.size ?? "100Gi"),
      999,
    ),
    service(name, ns, sel, [{ name: "postgres", port: 5432 }], L),
  ];
}

/** NocoDB's NC_DB connection string (pg://host:port?u=&p=&d=), values URL-encoded. For Output.apply. */
export function nocodbDbUrl(a: { host: string; port?: number; user: string; password: string; database: string }): string {
  const q = (s: string) => encodeURIComponent(s);
  return `pg://${a.host}:${a.port ?? 5432}?u=${q(a.user)}&p=${q(a.password)}&d=${q(a.database)}`;
}

/** NocoDB with NC_DB (from nocodbDbUrl) and NC_AUTH_JWT_SECRET from a Secret. */
export function nocodbManifests(
  args: Common & Exposed & { size?: string; image?: string; secretName: string; dbUrlKey?: string; jwtSecretKey?: string },
): K8sObject[] {
  const ns = checkName(args.namespace, "namespace");
  const image = requirePinnedImage(args.image ?? APP_IMAGES.nocodb);
  const L = labelsFor("nocodb", "server");
  const sel = selectorFor("nocodb", "server");
  return [
    pvc("nocodb-data", ns, args.storageClass, args.size ?? "20Gi", L),
    deployment({
      name: "nocodb",
      namespace: ns,
      labels: L,
      selector: sel,
      recreate: true,
      containers: [
        {
          name: "nocodb",
          image,
          ports: [{ name: "http", containerPort: 8080 }],
          env: [
            secretEnv("NC_DB", args.secretName, args.dbUrlKey ?? "NC_DB"),
            secretEnv("NC_AUTH_JWT_SECRET", args.secretName, args.jwtSecretKey ?? "NC_AUTH_JWT_SECRET"),
            env("NC_PUBLIC_URL", `https://${checkHost(args.host)}`),
            env("NC_DISABLE_TELE", "true"),
          ],
          volumeMounts: [{ name: "data", mountPath: "/usr/app/data" }],
          readinessProbe: { httpGet: { path: "/api/v1/health", port: 8080 }, periodSeconds: 10, timeoutSeconds: 5 },
          livenessProbe: { httpGet: { path: "/api/v1/health", port: 8080 }, initialDelaySeconds: 60, periodSeconds: 20, timeoutSeconds: 5 },
          resources: res("100m", "256Mi", "1Gi"),
          securityContext: nonRoot,
        },
      ],
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: "nocodb-data" } }],
    }),
    service("nocodb", ns, sel, [{ name: "http", port: 8080 }], L),
    ingress({
      name: "nocodb",
      namespace: ns,
      host: args.host,
      tlsSecret: tlsSecretName(args.host),
      labels: L,
      clusterIssuer: args.clusterIssuer,
      annotations: { "nginx.ingress.kubernetes.io/proxy-body-size": "100m" },
      paths: [{ path: "/", pathType: "Prefix", service: "nocodb", port: 8080 }],
    }),
  ];
}

/** n8n pinned to the GPU node: nvidia.com/gpu limit, runtimeClassName nvidia, GPU nodeSelector. */
export function n8nManifests(
  args: Common &
    Exposed & { size?: string; image?: string; secretName: string; encryptionKeyKey?: string; timezone?: string; gpu?: boolean },
): K8sObject[] {
  const ns = checkName(args.namespace, "namespace");
  const image = requirePinnedImage(args.image ?? APP_IMAGES.n8n);
  const host = checkHost(args.host);
  const gpu = args.gpu ?? true;
  const L = labelsFor("n8n", "server");
  const sel = selectorFor("n8n", "server");
  const resources = res("200m", "512Mi", "2Gi");
  if (gpu) resources.limits["nvidia.com/gpu"] = "1";
  return [
    pvc("n8n-data", ns, args.storageClass, args.size ?? "20Gi", L),
    deployment({
      name: "n8n",
      namespace: ns,
      labels: L,
      selector: sel,
      recreate: true,
      podSpec: {
        securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, runAsNonRoot: true },
        ...(gpu ? { runtimeClassName: NVIDIA_RUNTIME_CLASS, nodeSelector: { [GPU_NODE_LABEL.key]: GPU_NODE_LABEL.value } } : {}),
      },
      containers: [
        {
          name: "n8n",
          image,
          ports: [{ name: "http", containerPort: 5678 }],
          env: [
            env("N8N_HOST", host),
            env("N8N_PORT", "5678"),
            env("N8N_PROTOCOL", "https"),
            env("N8N_EDITOR_BASE_URL", `https://${host}/`),
            env("WEBHOOK_URL", `https://${host}/`),
            env("N8N_PROXY_HOPS", "1"),
            env("GENERIC_TIMEZONE", args.timezone ?? "Etc/UTC"),
            env("TZ", args.timezone ?? "Etc/UTC"),
            env("N8N_DIAGNOSTICS_ENABLED", "false"),
            secretEnv("N8N_ENCRYPTION_KEY", args.secretName, args.encryptionKeyKey ?? "N8N_ENCRYPTION_KEY"),
            ...(gpu ? [env("NVIDIA_VISIBLE_DEVICES", "all"), env("NVIDIA_DRIVER_CAPABILITIES", "compute,utility")] : []),
          ],
          volumeMounts: [{ name: "data", mountPath: "/home/node/.n8n" }],
          readinessProbe: { httpGet: { path: "/healthz", port: 5678 }, periodSeconds: 10, timeoutSeconds: 5 },
          livenessProbe: { httpGet: { path: "/healthz", port: 5678 }, initialDelaySeconds: 60, periodSeconds: 20, timeoutSeconds: 5 },
          resources,
          securityContext: nonRoot,
        },
      ],
      volumes: [{ name: "data", persistentVolumeClaim: { claimName: "n8n-data" } }],
    }),
    service("n8n", ns, sel, [{ name: "http", port: 5678 }], L),
    ingress({
      name: "n8n",
      namespace: ns,
      host,
      tlsSecret: tlsSecretName(host),
      labels: L,
      clusterIssuer: args.clusterIssuer,
      annotations: { "nginx.ingress.kubernetes.io/proxy-read-timeout": "3600", "nginx.ingress.kubernetes.io/proxy-body-size": "50m" },
      paths: [{ path: "/", pathType: "Prefix", service: "n8n", port: 5678 }],
    }),
  ];
}

export const AGENT_NAMES = ["infrastructure", "network", "security", "devops"] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

export interface AgentWorkloadArgs {
  namespace: string;
  clusterIssuer: string;
  /** Secret whose keys become env of every agent-platform workload (optional). */
  envSecretName?: string;
  backstage: { image: string; host?: string; port?: number };
  vaporApi: { image: string; host?: string; port?: number };
  /** One image per agent; each must carry a tag or digest (not :latest). */
  agents: Record<AgentName, string>;
}

/** The agent platform (Backstage, the Vapor API, the agents; part-of = the namespace): the user's own images, all required to be pinned. */
export function agentWorkloadManifests(args: AgentWorkloadArgs): K8sObject[] {
  const ns = checkName(args.namespace, "namespace");
  for (const a of AGENT_NAMES) if (!args.agents[a]) throw new Error(`agent ${a} has no image`);
  const envFrom = args.envSecretName ? [{ secretRef: { name: checkName(args.envSecretName, "secret name") } }] : undefined;
  const objs: K8sObject[] = [];
  const web = (name: string, image: string, port: number, host: string | undefined, probePath: string) => {
    const L = labelsFor(name, "server", ns);
    const sel = selectorFor(name, "server");
    objs.push(
      deployment({
        name,
        namespace: ns,
        labels: L,
        selector: sel,
        containers: [
          {
            name,
            image: requirePinnedImage(image),
            ports: [{ name: "http", containerPort: port }],
            ...(envFrom ? { envFrom } : {}),
            readinessProbe: { httpGet: { path: probePath, port }, periodSeconds: 10 },
            livenessProbe: { tcpSocket: { port }, initialDelaySeconds: 30, periodSeconds: 20 },
            resources: res("100m", "256Mi", "1Gi"),
            securityContext: nonRoot,
          },
        ],
      }),
    );
    objs.push(service(name, ns, sel, [{ name: "http", port }], L));
    if (host) {
      objs.push(
        ingress({
          name,
          namespace: ns,
          host: checkHost(host),
          tlsSecret: tlsSecretName(host),
          labels: L,
          clusterIssuer: args.clusterIssuer,
          paths: [{ path: "/", pathType: "Prefix", service: name, port }],
        }),
      );
    }
  };
  web("backstage", args.backstage.image, args.backstage.port ?? 7007, args.backstage.host, "/healthcheck");
  web("vapor-api", args.vaporApi.image, args.vaporApi.port ?? 8080, args.vaporApi.host, "/");
  for (const a of AGENT_NAMES) {
    const name = `${a}-agent`;
    const L = labelsFor(name, "agent", ns);
    objs.push(
      deployment({
        name,
        namespace: ns,
        labels: L,
        selector: selectorFor(name, "agent"),
        containers: [
          {
            name: "agent",
            image: requirePinnedImage(args.agents[a]),
            env: [env("AGENT_ROLE", a)],
            ...(envFrom ? { envFrom } : {}),
            resources: res("50m", "128Mi", "512Mi"),
            securityContext: nonRoot,
          },
        ],
      }),
    );
  }
  return objs;
}
