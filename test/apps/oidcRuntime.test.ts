/**
 * The run-time half of an OIDC client (components/apps/oidcRuntime.ts) on a site that does not run the
 * identity provider: the issuer is derived from the inventory, the client secret and the CA come from
 * the identity provider's stack outputs through the site's StackReference (`oidcClientSecrets`, secret;
 * `mesh.caCertPem`). The same-site half is checked in test/mesh/components.test.ts.
 */
import * as pulumi from "@pulumi/pulumi";
import { StrictMocks, readStackConfig } from "../../scripts/lib/offline";
import { loadInventory } from "../../components/inventory/load";

const value = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((res) => o.apply((v) => { res(v); return v; }));
const isSecret = (o: any): Promise<boolean> => (o as any).isSecret;

describe("oidcRuntime on a site other than the identity provider's (bh, reading bo)", () => {
  let rt: any;
  let missing: any;
  let ctxBo: any;
  beforeAll(async () => {
    const boOutputs = { oidcClientSecrets: { gitea: "s3cret-from-bo" }, mesh: { caCertPem: "-----BEGIN CERTIFICATE-----bo-ca" } };
    await pulumi.runtime.setMocks(new StrictMocks({ "organization/homelab/bo": boOutputs }), "homelab", "bh", false);
    const { SiteContext } = await import("../../components/site/context");
    const { deploymentFromConfig } = await import("../../components/site/deployment");
    const { organisationOf } = await import("../../components/inventory/org");
    const { siblingSites } = await import("../../components/site/stackFiles");
    const { oidcRuntime } = await import("../../components/apps/oidcRuntime");
    const site = (n: string) => loadInventory(n, JSON.parse(readStackConfig(n)["homelab:inventory"]), Number(readStackConfig(n)["homelab:phase"]));
    const bh = site("bh");
    const ctx = new SiteContext(bh, organisationOf(bh, siblingSites(bh)), undefined, deploymentFromConfig("bh"));
    rt = oidcRuntime(ctx, "gitea");
    missing = oidcRuntime(ctx, "open-webui");
    const bo = site("bo");
    ctxBo = { oidcRuntime, ctx: new SiteContext(bo, organisationOf(bo, siblingSites(bo)), undefined, deploymentFromConfig("bo")) };
  });
  it("derives the issuer from the inventory", () => {
    expect(rt.OIDC_ISSUER).toBe("https://192.168.9.30:9443/application/o/gitea/");
  });
  it("reads the secret (kept secret) and the CA from the identity provider's stack", async () => {
    expect(await value(rt.OIDC_CLIENT_SECRET)).toBe("s3cret-from-bo");
    expect(await isSecret(rt.OIDC_CLIENT_SECRET)).toBe(true);
    expect(await value(rt.OIDC_CA_PEM)).toBe("-----BEGIN CERTIFICATE-----bo-ca");
  });
  it("a client the identity provider has not issued yet gets an empty secret (the install's require_env stops)", async () => {
    expect(await value(missing.OIDC_CLIENT_SECRET)).toBe("");
  });
  it("on the identity provider's own site, without the mesh tier's handle, it refuses", () => {
    expect(() => ctxBo.oidcRuntime(ctxBo.ctx, "gitea")).toThrow(/the identity provider is active but the mesh tier created no authentik/);
  });
});
