/**
 * AppFlowy Cloud in its own namespace: one Secret whose stringData is built from random
 * Outputs (one JWT secret shared by GoTrue and every verifier; the Postgres password, also
 * URL-encoded into the two database URLs; MinIO keys; the admin password), then the
 * workloads from render/appflowy.ts as typed Kubernetes resources.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import { APPFLOWY_SECRET_KEYS, AppflowyImages, appflowyManifests, appflowyUrls } from "./render/appflowy";
import { K8sObject } from "./render/common";
import { k8sObjects } from "./objects";

/** Arguments of {@link AppFlowyStack}. */
export interface AppFlowyStackArgs {
  provider: k8s.Provider;
  namespace: string;
  /** Public host, e.g. appflowy.sector7.helloworlddao.com. */
  host: string;
  storageClass: string;
  clusterIssuer: string;
  /** Initial admin e-mail (not secret). */
  adminEmail: string;
  /** PVC sizes. Default: Postgres 50Gi, MinIO 50Gi (seed), search index 5Gi. */
  sizes?: { postgres?: string; minio?: string; searchIndex?: string };
  images?: Partial<AppflowyImages>;
  /** Post-processing of the rendered objects (e.g. Longhorn recurring-job labels on PVCs). */
  transform?: (objs: K8sObject[]) => K8sObject[];
  /** Platform resources the workloads wait for (ingress, issuers, storage). */
  dependsOn?: pulumi.Resource[];
}

export const APPFLOWY_SECRET_NAME = "appflowy-secrets";

/** AppFlowy Cloud. */
export class AppFlowyStack extends pulumi.ComponentResource {
  public readonly adminEmail: string;
  /** Initial admin password (secret). */
  public readonly adminPassword: pulumi.Output<string>;
  public readonly url: string;

  constructor(name: string, args: AppFlowyStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:k8s:AppFlowyStack", name, {}, opts);
    const base = { parent: this, provider: args.provider };
    // Protected where a new value would lock existing data away (Postgres initialised with it, MinIO's IAM keyed on it).
    const pw = (n: string, length: number, special = false, protect = false) =>
      new random.RandomPassword(`${name}-${n}`, { length, special, ...(special ? { overrideSpecial: "!#%&*()-_=+[]{}<>:?@/" } : {}) }, { parent: this, protect });
    const jwt = pw("jwt-secret", 64);
    const pg = pw("postgres-password", 32, true, true);
    const s3Access = pw("minio-access-key", 20, false, true);
    const s3Secret = pw("minio-secret-key", 40, false, true);
    const admin = pw("admin-password", 24, true);

    const ns = new k8s.core.v1.Namespace(`${name}-namespace`, { metadata: { name: args.namespace, labels: { "app.kubernetes.io/managed-by": "homelab" } } }, { ...base, dependsOn: args.dependsOn, protect: true }); // deleting the namespace would delete its volumes
    const K = APPFLOWY_SECRET_KEYS;
    const stringData = pulumi.secret(
      pulumi.all([jwt.result, pg.result, s3Access.result, s3Secret.result, admin.result]).apply(([j, p, a, s, ad]) => ({
        [K.jwtSecret]: j,
        [K.postgresPassword]: p,
        [K.s3AccessKey]: a,
        [K.s3SecretKey]: s,
        [K.adminPassword]: ad,
        ...appflowyUrls({ postgresPassword: p }),
      })),
    );
    const secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      { metadata: { name: APPFLOWY_SECRET_NAME, namespace: args.namespace, labels: { "app.kubernetes.io/part-of": "appflowy", "app.kubernetes.io/managed-by": "homelab" } }, type: "Opaque", stringData },
      { ...base, dependsOn: [ns] },
    );

    const objs = appflowyManifests({
      namespace: args.namespace,
      host: args.host,
      storageClass: args.storageClass,
      sizes: { postgres: "50Gi", minio: "50Gi", ...(args.sizes ?? {}) },
      secretName: APPFLOWY_SECRET_NAME,
      adminEmail: args.adminEmail,
      clusterIssuer: args.clusterIssuer,
      images: args.images,
    });
    k8sObjects(name, args.transform ? args.transform(objs) : objs, { ...base, dependsOn: [ns, secret, ...(args.dependsOn ?? [])] });

    this.adminEmail = args.adminEmail;
    this.adminPassword = pulumi.secret(admin.result);
    this.url = `https://${args.host}`;
    this.registerOutputs({ url: this.url, adminEmail: this.adminEmail, adminPassword: this.adminPassword });
  }
}
