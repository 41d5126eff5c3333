/**
 * WireGuard remote access (orion LXC 1008; decision 185): wg-quick's `wg0` rendered from the inventory
 * (the tunnel address, the UDP port the service declares, one [Peer] per `app.peers` entry), the server's
 * private key generated once in the stack (32 random bytes; its public key computed here with X25519 and
 * shown as a stack output for the peers' configs) and written on the guest from stdin, forwarding and
 * NAT from the tunnel to the LAN so LAN hosts need no route back.
 *
 * Upstream facts (WireGuard/wireguard-tools v1.0.20210914, Debian bookworm):
 * - src/man/wg.8 and src/encoding.c: keys are 32 bytes, written as 44 characters of base64; `wg pubkey`
 *   computes the public key with Curve25519 (X25519, RFC 7748: the scalar is clamped), as `wg genkey`'s
 *   output needs no clamping to be used.
 * - src/man/wg-quick.8: the [Interface] keys Address, ListenPort, PrivateKey, PostUp/PostDown (run by bash,
 *   `%i` is the interface); [Peer] PublicKey, AllowedIPs; the config is /etc/wireguard/<if>.conf and the
 *   unit wg-quick@<if>.service; `wg-quick strip` prints the wg(8) part of a config.
 */
import * as crypto from "crypto";
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { contains, parsePrefix } from "../inventory/net";
import { readScript, shellScript } from "../shell";
import type { AppModule, AppPlan } from "./module";

const INSTALL_SH = readScript(__dirname, "scripts/wireguard-install.sh");
/** PKCS#8 DER prefix of an X25519 private key (RFC 8410): the 32 key bytes follow. */
const X25519_PKCS8 = Buffer.from("302e020100300506032b656e04220420", "hex");

/** The WireGuard public key (base64) of a base64 private key: X25519 with the base point, as `wg pubkey`. */
export function x25519PublicKey(privateB64: string): string {
  const raw = Buffer.from(privateB64, "base64");
  if (raw.length !== 32) throw new Error("a WireGuard private key is 32 bytes");
  const key = crypto.createPrivateKey({ key: Buffer.concat([X25519_PKCS8, raw]), format: "der", type: "pkcs8" });
  const jwk = crypto.createPublicKey(key).export({ format: "jwk" }) as { x: string };
  return Buffer.from(jwk.x, "base64url").toString("base64");
}

type WgService = ResolvedService & { app: AppOf<"wireguard"> };

/** wg0.conf without the private key line (the install adds `PrivateKey = …` from stdin). */
export function renderWgConf(s: WgService, lanPrefix: string): string {
  const tunnel = s.app.address;
  const nat = `nft add table ip homelab_wg; nft add chain ip homelab_wg post '{ type nat hook postrouting priority srcnat; }'; nft add rule ip homelab_wg post ip saddr ${parsePrefix(tunnel, true).text} ip daddr ${lanPrefix} masquerade`;
  return [
    "# Managed by homelab (components/apps/wireguard.ts); PrivateKey is added by the install.",
    "[Interface]",
    `Address = ${tunnel}`,
    `ListenPort = ${s.app.listenPort}`,
    `PostUp = sysctl -q -w net.ipv4.ip_forward=1; ${nat}`,
    "PostDown = nft delete table ip homelab_wg",
    ...s.app.peers.flatMap((p) => ["", `# ${p.name}`, "[Peer]", `PublicKey = ${p.publicKey}`, `AllowedIPs = ${p.address}/32`]),
    "",
  ].join("\n");
}

function plan(s: WgService, site: Site): AppPlan {
  const tunnel = parsePrefix(s.app.address, true);
  for (const p of s.app.peers) {
    if (!contains(tunnel, p.address) || s.app.address.startsWith(`${p.address}/`)) throw new Error(`homelab: service "${s.name}": peer ${p.name} address ${p.address} is not a peer address of the tunnel ${s.app.address}`);
  }
  const net = site.networks.find((n) => n.name === s.network);
  if (!net?.ipv4Prefix) throw new Error(`homelab: service "${s.name}": WireGuard needs its network's IPv4 prefix to reach`);
  const conf = renderWgConf(s, net.ipv4Prefix.text);
  const script = shellScript({
    title: `WireGuard ${s.name} (${site.name})`,
    source: "components/apps/wireguard.ts",
    logTag: `wireguard-${s.name}`,
    env: { WG_IF: "wg0", WG_CONF: "/etc/wireguard/wg0.conf", WG_CONF_TEXT: conf, WG_PORT: s.app.listenPort },
    body: INSTALL_SH,
  });
  return {
    kind: "wireguard",
    service: s.name,
    address: s.ipv4!,
    version: "debian",
    source: { type: "apt", package: "wireguard-tools" },
    config: [{ path: "/etc/wireguard/wg0.conf", text: conf }],
    dataPaths: [],
    ports: [{ port: s.app.listenPort, protocol: "udp", description: "WireGuard" }],
    // No HTTP: the install checks `wg show wg0 listen-port`; the UDP port is what monitoring can probe.
    health: { url: `udp://${s.ipv4}:${s.app.listenPort}` },
    // The key is in the stack and the config is rendered: nothing on the guest to back up.
    backup: { paths: [], localDatabases: [], preBackup: [] },
    metrics: [],
    secrets: [{ env: "WG_PRIVATE_KEY", length: 32, kind: "x25519" }],
    script,
  };
}

export const wireguardModule: AppModule<"wireguard"> = {
  kind: "wireguard",
  installNote: "Debian's wireguard-tools and wg-quick@wg0 with a config rendered from the inventory; the server key generated in the stack",
  plan,
};
