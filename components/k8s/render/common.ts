/** Small pure helpers shared by the app builders (plain objects typed with kubernetes-models interfaces). */
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { IStatefulSet } from "kubernetes-models/apps/v1/StatefulSet";
import type { IService } from "kubernetes-models/v1/Service";
import type { IPersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import type { IIngress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { IIoK8sApiCoreV1EnvVar as EnvVar } from "kubernetes-models/v1/EnvVar";
import type { IIoK8sApiCoreV1Container as Container } from "kubernetes-models/v1/Container";
import { INGRESS_CLASS } from "./ingress";

export type { EnvVar, Container };
export type K8sObject = IDeployment | IStatefulSet | IService | IPersistentVolumeClaim | IIngress;

const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SIZE_RE = /^[1-9][0-9]*(Mi|Gi|Ti)$/;
const HOST_RE = /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

export function checkName(n: string, what = "name"): string {
  if (!NAME_RE.test(n) || n.length > 63) throw new Error(`invalid ${what} ${JSON.stringify(n)}`);
  return n;
}
export function checkSize(s: string): string {
  if (!SIZE_RE.test(s)) throw new Error(`invalid storage size ${JSON.stringify(s)} (use e.g. 20Gi)`);
  return s;
}
export function checkHost(h: string): string {
  if (!HOST_RE.test(h)) throw new Error(`invalid host ${JSON.stringify(h)}`);
  return h;
}

export function labelsFor(app: string, component: string, partOf?: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": app,
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/managed-by": "homelab",
    ...(partOf ? { "app.kubernetes.io/part-of": partOf } : {}),
  };
}
export function selectorFor(app: string, component: string): Record<string, string> {
  return { "app.kubernetes.io/name": app, "app.kubernetes.io/component": component };
}

export const env = (name: string, value: string): EnvVar => ({ name, value });
export const secretEnv = (name: string, secretName: string, key: string): EnvVar => ({
  name,
  valueFrom: { secretKeyRef: { name: secretName, key } },
});

export function pvc(name: string, namespace: string, storageClass: string, size: string, labels: Record<string, string>): IPersistentVolumeClaim {
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: checkName(name), namespace, labels },
    spec: { accessModes: ["ReadWriteOnce"], storageClassName: storageClass, resources: { requests: { storage: checkSize(size) } } },
  };
}

export function service(
  name: string,
  namespace: string,
  selector: Record<string, string>,
  ports: { name: string; port: number; targetPort?: number }[],
  labels: Record<string, string>,
): IService {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: checkName(name), namespace, labels },
    spec: {
      type: "ClusterIP",
      selector,
      ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.targetPort ?? p.port, protocol: "TCP" })),
    },
  };
}

export interface IngressPath {
  path: string;
  pathType: "Prefix" | "Exact" | "ImplementationSpecific";
  service: string;
  port: number;
}

export function ingress(args: {
  name: string;
  namespace: string;
  host: string;
  tlsSecret: string;
  paths: IngressPath[];
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  /** Only ONE Ingress per TLS secret may carry this, or cert-manager creates competing Certificates. */
  clusterIssuer?: string;
}): IIngress {
  const annotations = { ...(args.annotations ?? {}), ...(args.clusterIssuer ? { "cert-manager.io/cluster-issuer": args.clusterIssuer } : {}) };
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: checkName(args.name), namespace: args.namespace, labels: args.labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
    spec: {
      ingressClassName: INGRESS_CLASS,
      tls: [{ hosts: [checkHost(args.host)], secretName: args.tlsSecret }],
      rules: [
        {
          host: args.host,
          http: {
            paths: args.paths.map((p) => ({
              path: p.path,
              pathType: p.pathType,
              backend: { service: { name: p.service, port: { number: p.port } } },
            })),
          },
        },
      ],
    },
  };
}

export function tlsSecretName(host: string): string {
  return `${checkHost(host).replace(/\./g, "-")}-tls`.slice(0, 63).replace(/-+$/, "");
}

export interface Resources {
  requests: { cpu: string; memory: string };
  limits: { memory: string; cpu?: string; "nvidia.com/gpu"?: string };
}
export const res = (cpu: string, memory: string, memoryLimit: string): Resources => ({
  requests: { cpu, memory },
  limits: { memory: memoryLimit },
});

export function deployment(args: {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  selector: Record<string, string>;
  containers: Container[];
  volumes?: NonNullable<NonNullable<IDeployment["spec"]>["template"]["spec"]>["volumes"];
  /** Recreate for single-replica apps holding an RWO volume. */
  recreate?: boolean;
  podSpec?: Partial<NonNullable<NonNullable<IDeployment["spec"]>["template"]["spec"]>>;
}): IDeployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: checkName(args.name), namespace: args.namespace, labels: args.labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: args.selector },
      strategy: args.recreate ? { type: "Recreate" } : { type: "RollingUpdate" },
      template: {
        metadata: { labels: { ...args.labels, ...args.selector } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(args.podSpec ?? {}),
          containers: args.containers,
          ...(args.volumes ? { volumes: args.volumes } : {}),
        },
      },
    },
  };
}

/** Single-replica StatefulSet with one RWO volumeClaimTemplate named "data". */
export function statefulSet(
  name: string,
  namespace: string,
  labels: Record<string, string>,
  selector: Record<string, string>,
  container: Container,
  storageClass: string,
  size: string,
  fsGroup?: number,
): IStatefulSet {
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: checkName(name), namespace, labels },
    spec: {
      serviceName: name,
      replicas: 1,
      selector: { matchLabels: selector },
      template: {
        metadata: { labels: { ...labels, ...selector } },
        spec: {
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(fsGroup !== undefined ? { securityContext: { fsGroup } } : {}),
          containers: [container],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: "data", labels },
          spec: { accessModes: ["ReadWriteOnce"], storageClassName: storageClass, resources: { requests: { storage: checkSize(size) } } },
        },
      ],
    },
  };
}

