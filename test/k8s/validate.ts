/**
 * Schema validation through kubernetes-models / @kubernetes-models/cert-manager.
 * Those packages are ESM-only, and jest here runs CommonJS, so validation happens in a child
 * `node` process (real ESM) that receives the manifests as JSON on stdin.
 */
import { execFileSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "../..");

const SCRIPT = `
const kinds = {
  Deployment: "kubernetes-models/apps/v1/Deployment",
  StatefulSet: "kubernetes-models/apps/v1/StatefulSet",
  Service: "kubernetes-models/v1/Service",
  PersistentVolumeClaim: "kubernetes-models/v1/PersistentVolumeClaim",
  Ingress: "kubernetes-models/networking.k8s.io/v1/Ingress",
  RuntimeClass: "kubernetes-models/node.k8s.io/v1/RuntimeClass",
  Namespace: "kubernetes-models/v1/Namespace",
  Secret: "kubernetes-models/v1/Secret",
  ClusterIssuer: "@kubernetes-models/cert-manager/cert-manager.io/v1/ClusterIssuer",
};
let input = "";
for await (const chunk of process.stdin) input += chunk;
const objs = JSON.parse(input);
const results = [];
for (const o of objs) {
  const mod = kinds[o.kind];
  if (!mod) { results.push({ kind: o.kind, name: o.metadata?.name, error: "no validator for kind" }); continue; }
  const m = await import(mod);
  const C = m[o.kind];
  try { new C(o).validate(); results.push({ kind: o.kind, name: o.metadata?.name, error: null }); }
  catch (e) { results.push({ kind: o.kind, name: o.metadata?.name, error: String(e && e.message || e) }); }
}
process.stdout.write(JSON.stringify(results));
`;

export interface ValidationResult {
  kind: string;
  name?: string;
  error: string | null;
}

export function validateObjects(objs: unknown[]): ValidationResult[] {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", SCRIPT], {
    cwd: ROOT,
    input: JSON.stringify(objs),
    encoding: "utf8",
  });
  return JSON.parse(out) as ValidationResult[];
}

/** Returns only failures, formatted, so `expect(failures(x)).toEqual([])` shows the reason. */
export function failures(objs: unknown[]): string[] {
  const r = validateObjects(objs);
  if (r.length !== objs.length) throw new Error("validator returned a wrong number of results");
  return r.filter((x) => x.error).map((x) => `${x.kind}/${x.name}: ${x.error}`);
}

/** Every image reference anywhere in the objects. */
export function imagesOf(objs: unknown[]): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        if (k === "image" && typeof x === "string") out.push(x);
        else walk(x);
      }
    }
  };
  walk(objs);
  return out;
}
