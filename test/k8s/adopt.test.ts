/**
 * Adopt mode (issue 10, item 18): existing Helm releases are imported, not installed next to the
 * running ones. Checked against the installed @pulumi/kubernetes (4.34.2) and the engine rules:
 * - pulumi-kubernetes provider/pkg/provider/helm_release.go (Read): an import ID is parsed as
 *   `<namespace>/<name>` (parseFqName) and the inputs are hydrated from the live release;
 * - pulumi pkg/resource/deploy/step_generator.go: `isImport := goal.Custom && goal.ID != "" &&
 *   (!hasOld || old.External || old.ID != goal.ID)` (the option is inert once imported), and
 *   an ImportStep whose inputs differ fails with "inputs to import do not match the existing
 *   resource" unless ignoreChanges covers them.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { adoptOptions, RELEASE_INPUTS } from "../../components/k8s/metalLbIngress";

/** ReleaseArgs' properties as the installed SDK declares them (the registry's artifact, not a copy). */
function releaseArgKeys(): string[] {
  const dts = fs.readFileSync(path.join(path.dirname(require.resolve("@pulumi/kubernetes/package.json")), "helm/v3/release.d.ts"), "utf8");
  const body = /export interface ReleaseArgs \{([\s\S]*?)\n\}/.exec(dts)![1];
  return [...body.matchAll(/^ {4}(?:readonly )?([A-Za-z]+)\??:/gm)].map((m) => m[1]).sort();
}

describe("adoptOptions", () => {
  test("the ignored inputs are exactly ReleaseArgs of the installed @pulumi/kubernetes", () => {
    expect([...RELEASE_INPUTS].sort()).toEqual(releaseArgKeys());
  });
  const adopted = { releases: { certManager: { name: "cert-manager", namespace: "cert-manager" } }, manage: false };
  test("first up: import <namespace>/<name> with every input ignored, so differing values cannot fail the import", () => {
    expect(adoptOptions(adopted, "certManager")).toEqual({ import: "cert-manager/cert-manager", ignoreChanges: RELEASE_INPUTS });
  });
  test("manageReleases: the import ID stays (inert once in the state) and nothing is ignored, so the next up upgrades", () => {
    expect(adoptOptions({ ...adopted, manage: true }, "certManager")).toEqual({ import: "cert-manager/cert-manager" });
  });
  test("releases not listed are installed as before", () => {
    expect(adoptOptions(adopted, "metallb")).toEqual({});
    expect(adoptOptions(undefined, "certManager")).toEqual({});
  });
});

describe("MetalLbIngress under mocks: the engine is asked to import the adopted releases only", () => {
  const seen: { type: string; name: string; id?: string; inputs: any }[] = [];
  beforeAll(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource: (a) => {
          seen.push({ type: a.type, name: a.name, id: a.id, inputs: a.inputs });
          return { id: a.id || `${a.name}-id`, state: a.inputs };
        },
        call: (a) => a.inputs,
      },
      "homelab",
      "adopt-test",
      false,
    );
    const k8s = await import("@pulumi/kubernetes");
    const { MetalLbIngress } = await import("../../components/k8s/metalLbIngress");
    const provider = new k8s.Provider("p", { kubeconfig: "apiVersion: v1\nkind: Config\n" });
    new MetalLbIngress("s", {
      provider,
      metallb: { pool: "pool", ranges: ["192.0.2.200-192.0.2.210"] },
      ingress: { address: "192.0.2.200" },
      certManager: {},
      nvidia: true,
      adopted: { releases: { certManager: { name: "cm", namespace: "infra" }, ingressNginx: { name: "ingress-nginx", namespace: "ingress-nginx" } }, manage: false },
    });
    await new Promise((r) => setTimeout(r, 300));
  });
  test("import IDs", () => {
    const releases = Object.fromEntries(seen.filter((x) => x.type === "kubernetes:helm.sh/v3:Release").map((x) => [x.name, x]));
    expect(releases["s-cert-manager"].id).toBe("infra/cm");
    expect(releases["s-cert-manager"].inputs).toMatchObject({ name: "cm", namespace: "infra", chart: "cert-manager" });
    expect(releases["s-ingress-nginx"].id).toBe("ingress-nginx/ingress-nginx");
    expect(releases["s-metallb"].id ?? "").toBe("");
    expect(releases["s-nvidia-device-plugin"].inputs).toMatchObject({ allowNullValues: true, values: { affinity: null } });
  });
});
