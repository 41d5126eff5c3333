import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as random from "@pulumi/random";
import { InternalCa } from "./internalCa";
import { MeshPlan } from "./render/meshPolicy";
import {
  NETBIRD_API_ENV,
  NETBIRD_INSTALL_ENV,
  NETBIRD_PEER_ENV,
  NETBIRD_VERSION,
  NetbirdImageDigests,
  NetbirdServerArgs,
  authentikOidcEndpoints,
  managementUrl,
  netbirdApiSetupScript,
  netbirdPeerEnrolScript,
  netbirdServerInstallScript,
  netbirdTlsPaths,
  pkceRedirectUrls,
} from "./render/netbird";
import { remoteScript } from "../remote/script";

/** Where the coordinator keeps the program's PAT (root-only; created by the API setup when absent). */
export const NETBIRD_PAT_FILE = "/root/netbird-pat/homelab.pat";

/** Arguments of {@link NetbirdCoordinator}. */
export interface NetbirdCoordinatorArgs {
  /** SSH connection to the coordinator LXC (root). */
  connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  /** LXC address (certificate SAN). */
  ip: string;
  /** Hostname and DNS domain (certificate SANs). */
  hostname: string;
  domain: string;
  /**
   * Name or address peers use for management/signal/relay/STUN (the inventory's
   * `mesh-coordinator` app `publicEndpoint`). Default: `ip`. Members off the coordinator's LAN need a
   * name that resolves to the site's WAN (443/tcp, 10000/tcp, 33080/tcp, 3478/udp forwarded).
   */
  publicHost?: string;
  ca: InternalCa;
  /** OIDC issuer (authentik per-provider issuer, ends with /) and NetBird's client id. */
  issuer: string;
  clientId: string;
  /** authentik service account used by the IdP manager, and its app password (secret). */
  idpServiceAccount: string;
  idpServiceAccountPassword: pulumi.Input<string>;
  /**
   * Management PAT override (secret, `homelab:netbirdPat`). Unset (the default): the API setup creates
   * the service user and its PAT itself, signed in with the IdP service account.
   */
  pat?: pulumi.Input<string>;
  /** The mesh plan the API setup applies (derived from the organisation's inventories, see meshPlanFromSites). */
  plan: MeshPlan;
  imageDigests?: NetbirdImageDigests;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/**
 * Self-hosted NetBird coordinator (management + signal + relay/STUN, podman
 * containers of the pinned version) on bo's LXC; SQLite store in
 * /var/lib/netbird; OIDC against authentik; TLS from the internal CA. It then runs the idempotent
 * API setup (service user + PAT created without a human, groups, setup keys, routes, policies) and
 * exports the setup keys.
 */
export class NetbirdCoordinator extends pulumi.ComponentResource {
  public readonly managementUrl: string;
  /** Server args as rendered (for tests and for the authentik redirect URIs). */
  public readonly server: NetbirdServerArgs;
  /** Setup keys by name; secret. */
  public readonly setupKeys: pulumi.Output<Record<string, string>>;
  /** How the API setup authenticates (for the outputs; never the PAT). */
  public readonly enrolment: string;
  public readonly install: command.remote.Command;

  constructor(name: string, args: NetbirdCoordinatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:mesh:NetbirdMesh", name, {}, opts);
    const host = args.publicHost ?? args.ip;
    this.server = coordinatorServerArgs({ host, issuer: args.issuer, clientId: args.clientId, idpServiceAccount: args.idpServiceAccount });
    this.managementUrl = managementUrl(this.server);

    const extra = args.publicHost && !/^[0-9.:]+$/.test(args.publicHost) ? [args.publicHost] : [];
    const extraIps = args.publicHost && /^[0-9.:]+$/.test(args.publicHost) && args.publicHost !== args.ip ? [args.publicHost] : [];
    const cert = args.ca.issueServerCert(`${name}-tls`, { hostname: args.hostname, domain: args.domain, ips: [args.ip, ...extraIps], extraDnsNames: extra }, { parent: this });

    const relaySecret = new random.RandomPassword(`${name}-relay-secret`, { length: 48, special: false }, { parent: this });
    // 32 random bytes, base64 (the store encryption key format netbird-mgmt expects).
    // Protected: NetBird encrypts sensitive store fields with it; a new key would make the store unreadable.
    const encKey = new random.RandomBytes(`${name}-datastore-key`, { length: 32 }, { parent: this, protect: true });

    const env: Record<string, pulumi.Input<string>> = {
      [NETBIRD_INSTALL_ENV.relayAuthSecret]: relaySecret.result,
      [NETBIRD_INSTALL_ENV.dataStoreEncryptionKey]: encKey.base64,
      [NETBIRD_INSTALL_ENV.idpServiceAccountPassword]: pulumi.secret(args.idpServiceAccountPassword),
      [NETBIRD_INSTALL_ENV.tlsCert]: cert.chainPem,
      [NETBIRD_INSTALL_ENV.tlsKey]: cert.keyPem,
      [NETBIRD_INSTALL_ENV.caCert]: args.ca.certPem,
    };
    this.install = remoteScript(
      `${name}-install`,
      { connection: args.connection, script: netbirdServerInstallScript({ server: this.server, imageDigests: args.imageDigests }), secrets: env },
      { parent: this, dependsOn: args.dependsOn },
    );

    this.enrolment = args.pat === undefined ? `setup keys from the API setup (PAT of service user "homelab", created on the coordinator)` : "setup keys from the API setup (PAT from homelab:netbirdPat)";
    const setup = remoteScript(
      `${name}-api-setup`,
      {
        connection: args.connection,
        script: netbirdApiSetupScript({
          managementUrl: this.managementUrl,
          patFile: NETBIRD_PAT_FILE,
          idp: { tokenEndpoint: authentikOidcEndpoints(args.issuer).token, clientId: args.clientId, username: args.idpServiceAccount },
          setupKeyDir: "/root/netbird-setup-keys",
          plan: args.plan,
        }),
        secrets: {
          [NETBIRD_API_ENV.idpPassword]: pulumi.secret(args.idpServiceAccountPassword),
          ...(args.pat === undefined ? {} : { [NETBIRD_API_ENV.pat]: args.pat }),
        },
        // stdout carries the setup keys: kept out of the logs, secret in the state.
        secretOutput: true,
      },
      { parent: this, dependsOn: [this.install] },
    );
    this.setupKeys = pulumi.secret(setup.stdout.apply(parseSetupKeys));
    this.registerOutputs({ managementUrl: this.managementUrl, enrolment: this.enrolment, setupKeys: this.setupKeys });
  }

}

/** Server args of the coordinator (shared by the component and authentik's redirect URIs). */
export function coordinatorServerArgs(a: { host: string; issuer: string; clientId: string; idpServiceAccount: string }): NetbirdServerArgs {
  const tls = netbirdTlsPaths();
  return { domain: a.host, tlsCertFile: tls.cert, tlsKeyFile: tls.key, oidc: { issuer: a.issuer, clientId: a.clientId, idpServiceAccount: a.idpServiceAccount } };
}

/** Loopback redirect URLs the NetBird CLI's PKCE login uses (register them in authentik). */
export function netbirdCliRedirectUrls(): string[] {
  return pkceRedirectUrls(coordinatorServerArgs({ host: "localhost", issuer: "https://localhost/", clientId: "netbird", idpServiceAccount: "x" }));
}

/** Parse the API setup script's stdout (last line: {"name": "key"}). Empty → {}. */
export function parseSetupKeys(stdout: string): Record<string, string> {
  const line = (stdout ?? "").trim().split("\n").pop() ?? "";
  if (!line) return {};
  const parsed = JSON.parse(line) as unknown;
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("netbird API setup: stdout is not a JSON object");
  return parsed as Record<string, string>;
}

/** Arguments of {@link NetbirdPeer}. */
export interface NetbirdPeerArgs {
  connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  /** https://<coordinator>:<port> (from bo's outputs). */
  managementUrl: pulumi.Input<string>;
  /** Setup key (secret, from bo's outputs). */
  setupKey: pulumi.Input<string>;
  /** Internal CA certificate (PEM, from bo's outputs). */
  caCertPem: pulumi.Input<string>;
  /** Name shown in NetBird. */
  hostname: string;
  /** Client tarball sha256; default: NetBird's signed apt repo, version pinned. */
  clientTarballSha256?: string;
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

/** Enrols one host (a site's routing peer) into the mesh. Idempotent. */
export class NetbirdPeer extends pulumi.ComponentResource {
  public readonly enrol: command.remote.Command;

  constructor(name: string, args: NetbirdPeerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:mesh:NetbirdPeer", name, {}, opts);
    const script = pulumi.output(args.managementUrl).apply((url) =>
      netbirdPeerEnrolScript({
        managementUrl: url,
        setupKeyFile: "/etc/netbird/setup.key",
        hostname: args.hostname,
        client: args.clientTarballSha256 ? { tarballSha256: args.clientTarballSha256 } : undefined,
      }),
    );
    this.enrol = remoteScript(
      `${name}-enrol`,
      {
        connection: args.connection,
        script,
        secrets: { [NETBIRD_PEER_ENV.setupKey]: args.setupKey, [NETBIRD_PEER_ENV.caCert]: args.caCertPem },
        triggers: [NETBIRD_VERSION],
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({});
  }
}
