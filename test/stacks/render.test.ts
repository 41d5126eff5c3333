/** Properties of the offline render itself: structure, determinism, duplicate detection. */
import * as pulumi from "@pulumi/pulumi";
import { renderStack } from "../../scripts/lib/offline";
import { renderSite } from "../helpers/render";
import { renderWithDependencies } from "../../scripts/lib/crossSite";

class Unmocked extends pulumi.CustomResource {
  constructor(name: string) {
    super("unknown:index:Thing", name, {});
  }
}

class Dummy extends pulumi.ComponentResource {
  constructor(name: string) {
    super("homelab:test:Dummy", name, {}, {});
    this.registerOutputs({});
  }
}

describe("offline render", () => {
  it("records the stack, components and parents like the engine would", async () => {
    const r = await renderSite("bh");
    const stack = r.resources.find((x) => x.type === "pulumi:pulumi:Stack")!;
    expect(stack.urn).toBe("urn:pulumi:bh::homelab::pulumi:pulumi:Stack::homelab-bh");
    const site = r.resources.find((x) => x.type === "homelab:site:ProxmoxSite")!;
    expect(site.parent).toBe(stack.urn);
    for (const x of r.resources.filter((y) => y.type !== "pulumi:pulumi:Stack")) expect(r.resources.some((p) => p.urn === x.parent)).toBe(true);
  });

  it("a second render is identical to the first (the suite's shared render, made in another process)", async () => {
    const a = await renderSite("bo");
    const b = await renderWithDependencies("bo");
    expect(JSON.stringify(b.resources.map((x) => [x.urn, x.inputs, x.protect]))).toBe(JSON.stringify(a.resources.map((x) => [x.urn, x.inputs, x.protect])));
    expect(b.outputs).toEqual(a.outputs);
  });

  it("detects duplicate resource names, which the mocks alone would accept", async () => {
    await expect(
      renderStack("bh", {
        program: () => {
          new Dummy("same");
          new Dummy("same");
          return {};
        },
      }),
    ).rejects.toThrow(/duplicate resource URNs.*homelab:test:Dummy::same/);
  });

  it("strict mocks refuse resource types and calls nobody mocked", async () => {
    await expect(
      renderStack("bh", {
        program: () => {
          new Unmocked("x");
          return {};
        },
      }),
    ).rejects.toThrow(/no mock for resource type unknown:index:Thing/);
  });

  it("a bad inventory fails before any resource is registered", async () => {
    await expect(renderStack("bh", { inventory: { organisation: "apiary" } })).rejects.toThrow(/^homelab: site "bh": inventory\.description = \(missing\)/);
  });
});
