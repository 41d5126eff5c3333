import { APPFLOWY_SECRET_KEYS, appflowyManifests, appflowyUrls } from "../../components/k8s/render/appflowy";
import { REDIS_ALPINE_USER } from "../../components/k8s/render/versions";
import {
  heimdallManifests,
  n8nManifests,
  nocodbDbUrl,
  nocodbManifests,
  agentWorkloadManifests,
  sharedPostgresManifests,
} from "../../components/k8s/render/apps";
import { failures, imagesOf } from "./validate";

const D = "sector7.helloworlddao.com";
const common = { namespace: "apps", storageClass: "longhorn", clusterIssuer: "letsencrypt-prod" };
const appflowy = appflowyManifests({
  namespace: "appflowy",
  host: `appflowy.${D}`,
  storageClass: "longhorn",
  secretName: "appflowy-secrets",
  adminEmail: "graydon@helloworlddao.com",
  clusterIssuer: "letsencrypt-prod",
});
const sector7 = [
  ...heimdallManifests({ ...common, host: D }),
  ...sharedPostgresManifests({ ...common, secretName: "postgres-secrets" }),
  ...n8nManifests({ ...common, host: `n8n.${D}`, secretName: "n8n-secrets" }),
  ...nocodbManifests({ ...common, host: `nocodb.${D}`, secretName: "nocodb-secrets" }),
];
const orion = agentWorkloadManifests({
  namespace: "orion",
  clusterIssuer: "letsencrypt-prod",
  backstage: { image: "ghcr.io/hwdao/backstage:1.0.0", host: "backstage.orion.example.com" },
  vaporApi: { image: "ghcr.io/hwdao/vapor-api:0.3.1" },
  agents: {
    infrastructure: "ghcr.io/hwdao/agent-infra:0.1.0",
    network: "ghcr.io/hwdao/agent-network:0.1.0",
    security: `ghcr.io/hwdao/agent-security@sha256:${"b".repeat(64)}`,
    devops: "ghcr.io/hwdao/agent-devops:0.1.0",
  },
});
const all = [...appflowy, ...sector7, ...orion];
type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const find = (objs: Any[], kind: string, name: string): Any => {
  const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} missing`);
  return o;
};
const envOf = (d: Any): Record<string, Any> => Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: Any) => [e.name, e]));

test("every object validates against the Kubernetes OpenAPI schema", () => {
  expect(failures(all)).toEqual([]);
});

test("no image is untagged or :latest", () => {
  const imgs = imagesOf(all);
  expect(imgs.length).toBeGreaterThan(15);
  for (const i of imgs) expect(i).toMatch(/(:[A-Za-z0-9_][A-Za-z0-9_.-]*|@sha256:[0-9a-f]{64})$/);
  for (const i of imgs) expect(i).not.toMatch(/:latest$/);
});

test("builders are deterministic", () => {
  const again = appflowyManifests({
    namespace: "appflowy",
    host: `appflowy.${D}`,
    storageClass: "longhorn",
    secretName: "appflowy-secrets",
    adminEmail: "graydon@helloworlddao.com",
    clusterIssuer: "letsencrypt-prod",
  });
  expect(JSON.stringify(again)).toBe(JSON.stringify(appflowy));
});

describe("appflowy", () => {
  test("services from upstream compose are present", () => {
    const deps = appflowy.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet").map((o) => o.metadata!.name).sort();
    expect(deps).toEqual(
      ["appflowy-admin-frontend", "appflowy-cloud", "appflowy-gotrue", "appflowy-minio", "appflowy-postgres", "appflowy-redis", "appflowy-search", "appflowy-web", "appflowy-worker"].sort(),
    );
    expect(find(appflowy, "StatefulSet", "appflowy-postgres").spec.template.spec.containers[0].image).toMatch(/^pgvector\/pgvector:/);
  });
  test("seed sizes on Longhorn", () => {
    for (const n of ["appflowy-postgres", "appflowy-minio"]) {
      const vct = find(appflowy, "StatefulSet", n).spec.volumeClaimTemplates[0].spec;
      expect(vct.storageClassName).toBe("longhorn");
      expect(vct.resources.requests.storage).toBe("50Gi");
    }
  });
  test("secrets only as Secret references", () => {
    const gotrue = envOf(find(appflowy, "Deployment", "appflowy-gotrue"));
    expect(gotrue.DATABASE_URL.valueFrom.secretKeyRef).toEqual({ name: "appflowy-secrets", key: "GOTRUE_DATABASE_URL" });
    expect(gotrue.GOTRUE_JWT_SECRET.valueFrom.secretKeyRef.key).toBe("GOTRUE_JWT_SECRET");
    expect(gotrue.GOTRUE_ADMIN_PASSWORD.valueFrom).toBeDefined();
    expect(gotrue.GOTRUE_DB_DRIVER.value).toBe("postgres");
    expect(gotrue.API_EXTERNAL_URL.value).toBe(`https://appflowy.${D}/gotrue`);
    const cloud = envOf(find(appflowy, "Deployment", "appflowy-cloud"));
    expect(cloud.APPFLOWY_GOTRUE_JWT_SECRET.valueFrom.secretKeyRef.key).toBe("GOTRUE_JWT_SECRET");
    expect(cloud.APPFLOWY_DATABASE_URL.valueFrom.secretKeyRef.key).toBe("APPFLOWY_DATABASE_URL");
    expect(cloud.APPFLOWY_S3_SECRET_KEY.valueFrom.secretKeyRef.key).toBe("APPFLOWY_S3_SECRET_KEY");
    const secretNames = new Set<string>(Object.values(APPFLOWY_SECRET_KEYS));
    for (const d of appflowy.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet") as Any[]) {
      for (const e of d.spec.template.spec.containers[0].env ?? []) {
        if (/PASSWORD|SECRET|_URL$/.test(e.name) && e.value !== undefined) {
          expect(e.value).not.toMatch(/:\/\/[^/]*:[^/]*@/); // no credentials in plain URLs
        }
        if (e.valueFrom) expect(secretNames.has(e.valueFrom.secretKeyRef.key)).toBe(true);
        if (/PASSWORD|JWT_SECRET|SECRET_KEY/.test(e.name)) expect(e.valueFrom).toBeDefined();
      }
    }
  });
  test("probes and resources on every long-running container", () => {
    for (const d of appflowy.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet") as Any[]) {
      const c = d.spec.template.spec.containers[0];
      expect(c.resources.requests).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
      if (d.metadata.name !== "appflowy-worker") {
        expect(c.readinessProbe).toBeDefined();
        expect(c.livenessProbe).toBeDefined();
      }
    }
  });
  test("ingress routes mirror upstream nginx.conf", () => {
    const ings = appflowy.filter((o) => o.kind === "Ingress") as Any[];
    const routes = ings.flatMap((i) =>
      i.spec.rules[0].http.paths.map((p: Any) => `${p.path} -> ${p.backend.service.name}:${p.backend.service.port.number}`),
    );
    expect(routes.sort()).toEqual(
      [
        "/ -> appflowy-web:80",
        "/ai -> appflowy-cloud:8000",
        "/api -> appflowy-cloud:8000",
        "/api/import -> appflowy-cloud:8000",
        "/console -> appflowy-admin-frontend:3000",
        "/gotrue(/|$)(.*) -> appflowy-gotrue:9999",
        "/minio-api(/|$)(.*) -> appflowy-minio:9000",
        "/ws -> appflowy-cloud:8000",
      ].sort(),
    );
    for (const i of ings) {
      expect(i.spec.rules[0].host).toBe(`appflowy.${D}`);
      expect(i.spec.tls[0]).toEqual({ hosts: [`appflowy.${D}`], secretName: `appflowy-sector7-helloworlddao-com-tls` });
      expect(i.spec.ingressClassName).toBe("nginx");
    }
    expect(ings.filter((i) => i.metadata.annotations?.["cert-manager.io/cluster-issuer"])).toHaveLength(1);
    const gotrue = find(ings, "Ingress", "appflowy-gotrue").metadata.annotations;
    expect(gotrue["nginx.ingress.kubernetes.io/rewrite-target"]).toBe("/$2");
    const ws = find(ings, "Ingress", "appflowy-ws").metadata.annotations;
    expect(Number(ws["nginx.ingress.kubernetes.io/proxy-read-timeout"])).toBeGreaterThanOrEqual(3600);
    expect(find(ings, "Ingress", "appflowy-minio-api").metadata.annotations["nginx.ingress.kubernetes.io/upstream-vhost"]).toBe("appflowy-minio:9000");
  });
});

describe("appflowyUrls", () => {
  const pw = "p@ss:w/o?r#d%";
  const urls = appflowyUrls({ postgresPassword: pw });
  test("gotrue URL has search_path=auth; app URL does not", () => {
    expect(urls.GOTRUE_DATABASE_URL.endsWith("?search_path=auth")).toBe(true);
    expect(urls.APPFLOWY_DATABASE_URL).not.toContain("search_path");
  });
  test("password with @:/?#% is encoded and round-trips", () => {
    expect(urls.APPFLOWY_DATABASE_URL).toBe("postgres://postgres:p%40ss%3Aw%2Fo%3Fr%23d%25@appflowy-postgres:5432/postgres");
    const u = new URL(urls.GOTRUE_DATABASE_URL);
    expect(decodeURIComponent(u.password)).toBe(pw);
    expect(u.hostname).toBe("appflowy-postgres");
    expect(u.port).toBe("5432");
    expect(u.searchParams.get("search_path")).toBe("auth");
    expect(() => appflowyUrls({ postgresPassword: "" })).toThrow();
  });
  test("nocodb NC_DB encodes the password too", () => {
    const s = nocodbDbUrl({ host: "postgres", user: "postgres", password: pw, database: "nocodb" });
    expect(s).toBe("pg://postgres:5432?u=postgres&p=p%40ss%3Aw%2Fo%3Fr%23d%25&d=nocodb");
    expect(new URL(s.replace(/^pg:/, "http:")).searchParams.get("p")).toBe(pw);
  });
});

describe("sector7 apps", () => {
  test("n8n runs on the GPU node with a pinned image", () => {
    const d = find(sector7, "Deployment", "n8n");
    const spec = d.spec.template.spec;
    expect(spec.runtimeClassName).toBe("nvidia");
    expect(spec.nodeSelector).toEqual({ "nvidia.com/gpu.present": "true" });
    expect(spec.containers[0].resources.limits["nvidia.com/gpu"]).toBe("1");
    expect(spec.containers[0].image).toMatch(/^n8nio\/n8n:\d+\.\d+\.\d+$/);
    expect(find(sector7, "PersistentVolumeClaim", "n8n-data").spec.resources.requests.storage).toBe("20Gi");
    expect(() => n8nManifests({ ...common, host: `n8n.${D}`, secretName: "s", image: "n8nio/n8n:latest" })).toThrow();
  });
  test("sizes from the seed", () => {
    expect(find(sector7, "PersistentVolumeClaim", "heimdall-config").spec.resources.requests.storage).toBe("1Gi");
    expect(find(sector7, "PersistentVolumeClaim", "nocodb-data").spec.resources.requests.storage).toBe("20Gi");
    expect(find(sector7, "StatefulSet", "postgres").spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("100Gi");
  });
  test("heimdall at the apex, NocoDB NC_DB from a Secret", () => {
    expect(find(sector7, "Ingress", "heimdall").spec.rules[0].host).toBe(D);
    expect(envOf(find(sector7, "Deployment", "nocodb")).NC_DB.valueFrom.secretKeyRef).toEqual({ name: "nocodb-secrets", key: "NC_DB" });
  });
});

describe("orion", () => {
  test("four agents, backstage, vapor api", () => {
    const names = orion.filter((o) => o.kind === "Deployment").map((o) => o.metadata!.name).sort();
    expect(names).toEqual(["backstage", "devops-agent", "infrastructure-agent", "network-agent", "security-agent", "vapor-api"]);
  });
  test("user images must carry a tag or digest", () => {
    const base = {
      namespace: "orion",
      clusterIssuer: "x",
      backstage: { image: "ghcr.io/hwdao/backstage:1.0.0", host: "b.example.com" },
      vaporApi: { image: "ghcr.io/hwdao/vapor-api:0.3.1" },
      agents: { infrastructure: "a:1", network: "b:1", security: "c:1", devops: "d:1" },
    };
    expect(() => agentWorkloadManifests(base)).not.toThrow();
    expect(() => agentWorkloadManifests({ ...base, vaporApi: { image: "ghcr.io/hwdao/vapor-api" } })).toThrow();
    expect(() => agentWorkloadManifests({ ...base, agents: { ...base.agents, devops: "d:latest" } })).toThrow();
    expect(() => agentWorkloadManifests({ ...base, agents: { ...base.agents, network: "localhost:5000/net" } })).toThrow();
  });
});

describe("AppFlowy Redis runs as the image's redis user", () => {
  // docker-library/redis alpine Dockerfiles (6.2 … 7.4): `addgroup -S -g 1000 redis; adduser -S -G redis -u 999 redis`;
  // docker-entrypoint.sh: `if [ "$1" = 'redis-server' -a "$(id -u)" = '0' ]; then … exec gosu redis …` — gosu
  // needs CAP_SETUID/CAP_SETGID, which `drop: [ALL]` removes, so a root start can never reach redis-server.
  const redis = appflowy.find((o: any) => o.kind === "Deployment" && o.metadata.name === "appflowy-redis") as any;
  const c = redis.spec.template.spec.containers[0];
  test("uid/gid of the pinned alpine image, non-root, no capabilities", () => {
    expect(REDIS_ALPINE_USER).toEqual({ uid: 999, gid: 1000 });
    expect(c.image).toMatch(/^redis:7\.4\.\d+-alpine$/);
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 999, runAsGroup: 1000, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
  });
  test("the entrypoint would not step down (the start uid is not 0)", () => {
    const uid = c.securityContext.runAsUser ?? redis.spec.template.spec.securityContext?.runAsUser ?? 0;
    const dropsSetuid = c.securityContext.capabilities.drop.includes("ALL");
    const entrypointNeedsGosu = uid === 0;
    expect(entrypointNeedsGosu && dropsSetuid).toBe(false);
  });
  test("still valid against kubernetes-models", () => {
    expect(failures([redis])).toEqual([]);
  });
});
