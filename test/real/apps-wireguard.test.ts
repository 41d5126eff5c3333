/**
 * WireGuard (components/apps/wireguard.ts, decision 185) against Debian's wireguard-tools 1.0.20210914:
 * - the public key the stack computes (node:crypto X25519) is what `wg pubkey` derives, for keys from
 *   `wg genkey` and for raw random bytes (the stack's RandomBytes: wg clamps as X25519 does);
 * - the rendered wg0.conf with a peer, completed by the real install script (its key from the environment,
 *   as on stdin), is accepted by `wg-quick strip`, whose wg(8) part names the key, port and peer;
 * - the install runs twice with systemctl/wg/apt stubbed: the key lands only in the 0600 file, the second
 *   run restarts nothing.
 * A tunnel between network namespaces is not run: this machine's kernel has no wireguard module
 * (`ip link add … type wireguard` answers "Unknown device type"), and Debian 12 packages no userspace
 * implementation.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { loadStackSite } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { x25519PublicKey } from "../../components/apps/wireguard";
import { run, runOk, tempDir } from "./helpers";

const dir = tempDir("homelab-wg-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const wg = (args: string[], input?: string) => runOk("wg", args, { input }).stdout.trim();

describe("WireGuard keys and config with wireguard-tools", () => {
  it("the stack's public key is `wg pubkey`'s, for generated and for raw random keys", () => {
    for (let i = 0; i < 4; i++) {
      const priv = wg(["genkey"]);
      expect(x25519PublicKey(priv)).toBe(wg(["pubkey"], priv + "\n"));
    }
    for (let i = 0; i < 4; i++) {
      const raw = crypto.randomBytes(32).toString("base64");
      expect(x25519PublicKey(raw)).toBe(wg(["pubkey"], raw + "\n"));
    }
  });

  const peerKey = x25519PublicKey(crypto.randomBytes(32).toString("base64"));
  const serverKey = crypto.randomBytes(32).toString("base64");
  const site = loadStackSite("orion", undefined, 3);
  const svc = site.services.find((s) => s.name === "wireguard")! as any;
  const plan = appPlanOf({ ...svc, app: { ...svc.app, peers: [{ name: "laptop", publicKey: peerKey, address: "10.66.0.2" }] } }, site, {})!;
  const stubs = path.join(dir, "stubs");
  const calls = path.join(dir, "calls.log");
  const script = plan.script.replace(/^WG_CONF=.*$/m, `WG_CONF=${dir}/wireguard/wg0.conf`);
  const install = () => {
    fs.writeFileSync(calls, "");
    fs.writeFileSync(path.join(dir, "install.sh"), script, { mode: 0o700 });
    const r = run("bash", [path.join(dir, "install.sh")], { env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, WG_PRIVATE_KEY: serverKey } });
    return { status: r.status, log: r.stdout + r.stderr, calls: fs.readFileSync(calls, "utf8") };
  };

  it("the install writes the key into a 0600 config that wg-quick strip accepts", () => {
    fs.mkdirSync(stubs, { recursive: true });
    const stub = (n: string, body: string) => fs.writeFileSync(path.join(stubs, n), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    stub("apt-get", 'echo "apt-get $*" >>"$CALLS"');
    stub("dpkg", "exit 0");
    stub("systemctl", 'echo "systemctl $*" >>"$CALLS"');
    stub("wg", 'if [ "$1 $3" = "show listen-port" ]; then echo 51820; else exec /usr/bin/wg "$@"; fi');
    const r = install();
    if (r.status !== 0) console.log(r.log);
    expect(r.status).toBe(0);
    const file = path.join(dir, "wireguard/wg0.conf");
    expect((fs.statSync(file).mode & 0o777).toString(8)).toBe("600");
    expect(r.log).not.toContain(serverKey);
    expect(script).not.toContain(serverKey);
    expect(r.calls).toContain("systemctl restart wg-quick@wg0.service");
    const stripped = runOk("wg-quick", ["strip", file]).stdout;
    expect(stripped).toContain(`PrivateKey = ${serverKey}`);
    expect(stripped).toContain("ListenPort = 51820");
    expect(stripped).toContain(`PublicKey = ${peerKey}`);
    expect(stripped).toContain("AllowedIPs = 10.66.0.2/32");
    expect(stripped).not.toMatch(/^(Address|PostUp|PostDown)/m); // wg-quick's own keys are stripped, so it parsed them
  });

  it("a second run restarts nothing", () => {
    const r = install();
    expect(r.status).toBe(0);
    expect(r.calls).not.toContain("restart");
    expect(r.calls).toContain("systemctl start wg-quick@wg0.service");
  });

  it("the NAT rule of PostUp is one nft accepts (checked, not applied)", () => {
    const postUp = plan.config[0].text.match(/^PostUp = (.*)$/m)![1];
    const nftCmds = postUp.split(/; (?=nft )|; (?=sysctl )/).filter((c) => c.startsWith("nft ")).map((c) => c.replace(/^nft /, "").replace(/'/g, ""));
    fs.writeFileSync(path.join(dir, "nat.nft"), nftCmds.join("\n") + "\n");
    const r = run("nft", ["-c", "-f", path.join(dir, "nat.nft")]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(nftCmds[2]).toBe("add rule ip homelab_wg post ip saddr 10.66.0.0/24 ip daddr 192.168.100.0/24 masquerade");
  });
});
