/**
 * homelab-root-pam-guests. Upstream: pve-container 6.1.10 src/PVE/LXC.pm check_ct_modify_config_perm
 * (only `$authuser eq 'root@pam'` may set dev<N> or features other than nesting; a token's user is
 * `root@pam!<name>`), bpg/terraform-provider-proxmox docs/index.md (tokens get 403 even for root@pam).
 */
import { baseResources, messages } from "./harness";
import { renderSite } from "../helpers/render";
import { runPolicies } from "../../scripts/lib/policies";

const RULE = "homelab-root-pam-guests";
const rootProvider = { type: "pulumi:providers:proxmoxve", name: "t-root-pam", urn: "urn:pulumi:t::homelab::pulumi:providers:proxmoxve::t-root-pam", props: { username: "root@pam", endpoint: "https://pve:8006/" } };

describe(RULE, () => {
  it("passes guests without root-only options on the default provider", async () => {
    expect(await messages(RULE, baseResources())).toEqual([]);
  });

  it("refuses /dev/net/tun or keyctl on the default (token) provider", async () => {
    const rs = baseResources();
    const ct = rs.find((r) => r.type === "proxmoxve:index/containerLegacy:ContainerLegacy")!;
    ct.props.devicePassthroughs = [{ path: "/dev/net/tun" }];
    expect((await messages(RULE, rs)).join("\n")).toMatch(/needs root@pam \(device passthrough \/dev\/net\/tun\) but uses the stack's default provider/);
    ct.props.devicePassthroughs = [];
    ct.props.features = { nesting: true, keyctl: true };
    expect((await messages(RULE, rs)).join("\n")).toMatch(/feature keyctl/);
    ct.props.features = { nesting: true };
    expect(await messages(RULE, rs)).toEqual([]);
  });

  it("refuses a root@pam API token, accepts the root@pam password provider", async () => {
    const rs = baseResources();
    const ct = rs.find((r) => r.type === "proxmoxve:index/containerLegacy:ContainerLegacy")!;
    ct.props.devicePassthroughs = [{ path: "/dev/net/tun" }];
    ct.provider = { ...rootProvider, props: { ...rootProvider.props, apiToken: "root@pam!homelab=x" } };
    expect((await messages(RULE, rs)).join("\n")).toMatch(/with an API token/);
    ct.provider = rootProvider;
    expect(await messages(RULE, rs)).toEqual([]);
  });

  it("the committed bo stack passes (its routing peer uses the root@pam provider, seen through the offline plan)", async () => {
    const bo = await renderSite("bo");
    expect((await runPolicies(bo)).filter((v) => v.policy === RULE)).toEqual([]);
    const peer = bo.resources.find((r) => r.name === "bo-netbird" && r.type === "proxmoxve:index/containerLegacy:ContainerLegacy")!;
    expect(peer.provider).toBe("urn:pulumi:bo::homelab::homelab:site:ProxmoxSite$pulumi:providers:proxmoxve::bo-root-pam");
  });
});
