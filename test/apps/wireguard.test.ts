/**
 * WireGuard (orion LXC 1008, decision 185): typed peers, the rendered wg-quick config, the generated key
 * and the contract. wireguard-tools checks the keys and the config in test/real/apps-wireguard.test.ts.
 */
import type { ResolvedService } from "../../components/inventory/load";
import { loadInventory } from "../../components/inventory/load";
import { loadStackSite } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { appContractProblems } from "../../components/apps/contract";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { PROJECT_ROOT } from "../../components/site/stackFiles";

const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.orion.yaml"), "utf8")).config;
const withPeers = (peers: unknown[]) => {
  const inv = JSON.parse(JSON.stringify(doc["homelab:inventory"]));
  inv.services.find((s: any) => s.name === "wireguard").app.peers = peers;
  return loadInventory("orion", inv, 3);
};
const KEY = "qVd+5nIwmj4cF+lcXyZuiAl4V77DngOLilIrKtbAViw=";

describe("WireGuard", () => {
  it("refuses a peer key that is not 32 bytes of base64", () => {
    expect(() => withPeers([{ name: "laptop", publicKey: "abc=", address: "10.66.0.2" }])).toThrow("must be a WireGuard public key");
  });

  it("renders the tunnel, the port the service declares and one peer per entry; the key is generated", () => {
    const site = withPeers([{ name: "laptop", publicKey: KEY, address: "10.66.0.2" }]);
    const svc = site.services.find((s) => s.name === "wireguard")! as ResolvedService;
    const p = appPlanOf(svc, site, {})!;
    const conf = p.config[0].text;
    expect(conf).toContain("Address = 10.66.0.1/24\nListenPort = 51820\n");
    expect(conf).toContain(`# laptop\n[Peer]\nPublicKey = ${KEY}\nAllowedIPs = 10.66.0.2/32\n`);
    expect(conf).not.toMatch(/^PrivateKey/m);
    expect(p.secrets).toEqual([{ env: "WG_PRIVATE_KEY", length: 32, kind: "x25519" }]);
    expect(appContractProblems(svc, p)).toEqual([]);
  });

  it("refuses a peer outside the tunnel or on the server's own address", () => {
    for (const address of ["10.67.0.2", "10.66.0.1"]) {
      const site = withPeers([{ name: "laptop", publicKey: KEY, address }]);
      expect(() => appPlanOf(site.services.find((s) => s.name === "wireguard")!, site, {})).toThrow(`peer laptop address ${address} is not a peer address of the tunnel 10.66.0.1/24`);
    }
  });

  it("is published on the WAN at phase 3 (from: any) and absent at the committed phase", () => {
    expect(loadStackSite("orion").deferred.map((s) => s.name)).toContain("wireguard");
  });
});
