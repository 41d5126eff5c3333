/**
 * Creates plain manifests (from the pure builders in render/) as typed @pulumi/kubernetes
 * resources, so that a plan shows every object by kind and the provider awaits readiness of
 * workloads. Kinds without a typed class (CRDs) become CustomResources.
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";

/** A manifest: apiVersion, kind, metadata.name and whatever else the kind carries. */
export interface Manifest {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string };
}

type Ctor = new (name: string, args: any, opts?: pulumi.CustomResourceOptions) => pulumi.CustomResource;

/** Typed resource classes by `apiVersion/kind`. */
const TYPED: Record<string, Ctor> = {
  "v1/Namespace": k8s.core.v1.Namespace,
  "v1/Secret": k8s.core.v1.Secret,
  "v1/ConfigMap": k8s.core.v1.ConfigMap,
  "v1/Service": k8s.core.v1.Service,
  "v1/PersistentVolumeClaim": k8s.core.v1.PersistentVolumeClaim,
  "apps/v1/Deployment": k8s.apps.v1.Deployment,
  "apps/v1/StatefulSet": k8s.apps.v1.StatefulSet,
  "apps/v1/DaemonSet": k8s.apps.v1.DaemonSet,
  "networking.k8s.io/v1/Ingress": k8s.networking.v1.Ingress,
  "node.k8s.io/v1/RuntimeClass": k8s.node.v1.RuntimeClass,
};

/** Pulumi resource name for a manifest: `<prefix>-<kind>-<name>` (lower case). */
export function resourceNameFor(prefix: string, m: Manifest): string {
  if (!m.kind || !m.metadata?.name) throw new Error(`manifest without kind or metadata.name under ${prefix}`);
  return `${prefix}-${m.kind.toLowerCase()}-${m.metadata.name}`;
}

/** Whether a manifest holds data: a PVC, or a StatefulSet with volume claim templates (databases, object stores). */
export function holdsData(m: Manifest): boolean {
  const spec = (m as { spec?: { volumeClaimTemplates?: unknown[] } }).spec;
  return m.kind === "PersistentVolumeClaim" || (m.kind === "StatefulSet" && (spec?.volumeClaimTemplates?.length ?? 0) > 0);
}

/**
 * Creates one resource for a manifest: the typed class for its kind, else a CustomResource.
 * Objects that hold data are protected unless the caller says otherwise.
 */
export function k8sObject(prefix: string, m: Manifest, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
  const name = resourceNameFor(prefix, m);
  opts = { ...opts, protect: opts.protect ?? holdsData(m) };
  const Typed = TYPED[`${m.apiVersion}/${m.kind}`];
  if (Typed) {
    const { apiVersion: _a, kind: _k, ...rest } = m as Manifest & Record<string, unknown>;
    return new Typed(name, rest, opts);
  }
  return new k8s.apiextensions.CustomResource(name, m as unknown as k8s.apiextensions.CustomResourceArgs, opts);
}

/**
 * Creates every manifest, in order, each depending on nothing but `opts.dependsOn`
 * (Kubernetes reconciles references by name; the provider awaits workload readiness).
 */
export function k8sObjects(prefix: string, manifests: readonly Manifest[], opts: pulumi.CustomResourceOptions): pulumi.CustomResource[] {
  const names = manifests.map((m) => resourceNameFor(prefix, m));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`two manifests would both be resource ${dup}`);
  return manifests.map((m) => k8sObject(prefix, m, opts));
}
