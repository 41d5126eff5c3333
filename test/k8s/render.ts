/** Test helpers: render a stack offline and pull the Kubernetes objects out of it. */
import { RenderedResource } from "../../scripts/lib/offline";

export { renderSite as render } from "../helpers/render";

/** `kubernetes:apps/v1:Deployment` → { apiVersion: "apps/v1", kind: "Deployment" }; core → "v1". */
export function typeToGvk(type: string): { apiVersion: string; kind: string } | undefined {
  const m = /^kubernetes:([^:]+):([A-Za-z0-9]+)$/.exec(type);
  if (!m) return undefined;
  const [group, version] = m[1].split("/").length === 2 ? m[1].split("/") : [m[1], ""];
  if (!version) return undefined;
  return { apiVersion: group === "core" ? version : `${group}/${version}`, kind: m[2] };
}

/** Typed Kubernetes resources and CustomResources as manifests (helm Releases excluded). */
export function manifestsOf(resources: RenderedResource[], props = false): Record<string, any>[] {
  const out: Record<string, any>[] = [];
  for (const r of resources) {
    if (!r.custom || !r.type.startsWith("kubernetes:") || r.type === "kubernetes:helm.sh/v3:Release") continue;
    const gvk = typeToGvk(r.type);
    if (!gvk) continue;
    const { apiVersion: _a, kind: _k, ...rest } = (props ? r.props : r.inputs) as Record<string, unknown>;
    out.push({ apiVersion: gvk.apiVersion, kind: gvk.kind, ...rest });
  }
  return out;
}

export function releasesOf(resources: RenderedResource[]): Record<string, any>[] {
  return resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => ({ name: r.name, ...r.inputs }));
}
