/** bh/ep plans show enrolment, routes and policies fed from bo's own render. */
import { renderSite } from "../helpers/render";

describe.each(["bh", "ep"])("plan %s: the mesh from bo's outputs", (site) => {
  it("shows the routes and policies that involve the site, and only a masked setup key", async () => {
    const r = await renderSite(site);
    const mesh = r.outputs.mesh as any;
    // bo's inventory publicEndpoint: bh and ep cannot reach bo's LAN address before the mesh exists.
    expect(mesh.managementUrl).toBe("https://netbird.bo.apiary.internal:443");
    expect(mesh.routes.map((x: any) => [x.site, x.network, x.masquerade])).toEqual(
      expect.arrayContaining([
        ["bo", "192.168.9.0/24", false],
        [site, site === "bh" ? "192.168.50.0/24" : "192.168.30.0/24", false],
      ]),
    );
    expect(mesh.policies.map((p: any) => p.name).sort()).toEqual(["admins-to-everything", `bo-to-${site}-tcp`, `${site}-to-bo-tcp`].sort());
    expect(mesh.gatewayRoutes).toEqual([{ site, destination: "192.168.9.0/24", via: site === "bh" ? "192.168.50.22" : "192.168.30.22" }]);
    expect(mesh.enrolment).toMatch(/^waiting: bo has not exported setup key router-/);
    const peer = r.resources.find((x) => x.type === "command:remote:Command" && x.urn.includes("homelab:mesh:NetbirdPeer"));
    expect(peer?.inputs.stdin).toBe("[secret]");
    expect(JSON.stringify(r.outputs)).not.toMatch(/mock-[0-9a-f]{8}/);
  });
});

describe("plan bo: the mesh bootstraps without a human step", () => {
  it("runs the API setup (service user + PAT + setup keys) and enrols bo's routing peer without homelab:netbirdPat", async () => {
    const r = await renderSite("bo");
    const names = r.resources.filter((x) => x.type === "command:remote:Command").map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(["bo-netbird-api-setup", "bo-mesh-router-enrol"]));
    expect(JSON.stringify(r.outputs)).not.toMatch(/skipped: homelab:netbirdPat/);
  });
});
