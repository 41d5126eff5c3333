import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as random from "@pulumi/random";
import { InternalCa } from "./internalCa";
import {
  AUTHENTIK_INSTALL_ENV,
  AUTHENTIK_TLS_KEYPAIR,
  BlueprintArgs,
  ForwardAuth,
  authentikInstallScript,
  clientSecretEnv,
  authentikIssuer,
} from "./render/authentik";
import { remoteScript } from "../remote/script";

import type { AppOidc } from "../apps/module";

/** Arguments of {@link Authentik}. */
export interface AuthentikArgs {
  /** SSH connection to the authentik LXC (root). */
  connection: pulumi.Input<command.types.input.remote.ConnectionArgs>;
  /** LXC address; also the URL host and a certificate SAN. */
  ip: string;
  /** Hostname and DNS domain (certificate SANs). */
  hostname: string;
  domain: string;
  /** HTTPS port. Default 9443. */
  httpsPort?: number;
  ca: InternalCa;
  /** The organisation's PostgreSQL: host, port (default 5432), database and its owner role (default `authentik` each; created by the data tier), password. */
  postgres: { host: string; port?: number; name?: string; user?: string; password: pulumi.Input<string> };
  bootstrapEmail: string;
  /** NetBird app: PKCE loopback URLs (from render/netbird pkceRedirectUrls) and optional dashboard origin. */
  netbird: { clientId?: string; cliRedirectUrls: string[]; dashboardOrigin?: string; serviceAccount?: string };
  /** Confidential OIDC clients of the organisation's apps (components/apps/oidc.ts `oidcClients`), each with a secret generated here. Default none. */
  clients?: AppOidc[];
  /** Domain-level forward auth for the site's reverse proxy (components/apps/webRoutes.ts `forwardAuthDomain`). Default none. */
  forwardAuth?: ForwardAuth;
  /** Optional image digest pin on top of the version tag. */
  imageDigest?: string;
  /** Resources the install waits for (the container, the database). */
  dependsOn?: pulumi.Input<pulumi.Resource>[];
}

const secretRandom = (name: string, parent: pulumi.Resource, length = 48, protect = false) =>
  new random.RandomPassword(name, { length, special: false }, { parent, protect });

/**
 * authentik (pinned version, podman + systemd) on its LXC, database on the
 * shared PostgreSQL, TLS from the internal CA, OIDC providers from one
 * blueprint (NetBird and every app client of the organisation). Every secret is random, secret
 * in state, and reaches the host only on the install Command's secret stdin
 * (components/remote/script.ts; exported to the script as environment variables).
 */
export class Authentik extends pulumi.ComponentResource {
  /** Base URL, e.g. https://192.0.2.30:9443 */
  public readonly url: string;
  /** NetBird's OIDC issuer (per-provider, ends with /). */
  public readonly netbirdIssuer: string;
  public readonly netbirdClientId: string;
  public readonly netbirdServiceAccount: string;
  /** App password of the NetBird IdP service account (secret). */
  public readonly netbirdServiceAccountPassword: pulumi.Output<string>;
  /** Bootstrap admin (akadmin) password and API token (secret). */
  public readonly bootstrapPassword: pulumi.Output<string>;
  public readonly bootstrapToken: pulumi.Output<string>;
  /** Client secrets by client id (secret). */
  public readonly clientSecrets: pulumi.Output<Record<string, string>>;
  /** The install Command (NetBird waits for it). */
  public readonly install: command.remote.Command;

  constructor(name: string, args: AuthentikArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:mesh:Authentik", name, {}, opts);
    const port = args.httpsPort ?? 9443;
    this.url = `https://${args.ip}:${port}`;
    this.netbirdClientId = args.netbird.clientId ?? "netbird";
    this.netbirdServiceAccount = args.netbird.serviceAccount ?? "netbird-idp";
    this.netbirdIssuer = authentikIssuer(this.url, "netbird").issuer;

    const cert = args.ca.issueServerCert(`${name}-tls`, { hostname: args.hostname, domain: args.domain, ips: [args.ip] }, { parent: this });
    // Protected: authentik derives user identifiers and signs sessions with it; it must never change.
    const secretKey = secretRandom(`${name}-secret-key`, this, 60, true);
    const bootstrapPassword = secretRandom(`${name}-bootstrap-password`, this, 32);
    const bootstrapToken = secretRandom(`${name}-bootstrap-token`, this, 60);
    const nbPassword = secretRandom(`${name}-netbird-sa-password`, this, 48);
    this.bootstrapPassword = pulumi.secret(bootstrapPassword.result);
    this.bootstrapToken = pulumi.secret(bootstrapToken.result);
    this.netbirdServiceAccountPassword = pulumi.secret(nbPassword.result);

    const blueprint: BlueprintArgs = {
      authentikUrl: this.url,
      webCertificate: AUTHENTIK_TLS_KEYPAIR,
      forwardAuth: args.forwardAuth,
      netbird: {
        clientId: this.netbirdClientId,
        dashboardOrigin: args.netbird.dashboardOrigin,
        cliRedirectUrls: args.netbird.cliRedirectUrls,
        serviceAccount: this.netbirdServiceAccount,
        serviceAccountPasswordEnv: "NB_IDP_SA_PASSWORD",
      },
    };
    const env: Record<string, pulumi.Input<string>> = {
      [AUTHENTIK_INSTALL_ENV.secretKey]: secretKey.result,
      [AUTHENTIK_INSTALL_ENV.postgresPassword]: pulumi.secret(args.postgres.password),
      [AUTHENTIK_INSTALL_ENV.bootstrapPassword]: bootstrapPassword.result,
      [AUTHENTIK_INSTALL_ENV.bootstrapToken]: bootstrapToken.result,
      [AUTHENTIK_INSTALL_ENV.tlsCert]: cert.chainPem,
      [AUTHENTIK_INSTALL_ENV.tlsKey]: cert.keyPem,
      [AUTHENTIK_INSTALL_ENV.caCert]: args.ca.certPem,
      NB_IDP_SA_PASSWORD: nbPassword.result,
    };
    const clientSecrets: Record<string, pulumi.Output<string>> = {};
    blueprint.clients = (args.clients ?? []).map((c) => {
      const envName = clientSecretEnv(c.clientId);
      // Generated once here; the app's install gets it on stdin (components/apps/oidcRuntime.ts).
      const secret = secretRandom(`${name}-${c.clientId}-client-secret`, this, 48);
      env[envName] = secret.result;
      clientSecrets[c.clientId] = secret.result;
      return { clientId: c.clientId, name: c.name, redirectUris: c.redirectUris, launchUrl: c.launchUrl, clientSecretEnv: envName };
    });
    this.clientSecrets = pulumi.secret(pulumi.output(clientSecrets));

    const script = authentikInstallScript(
      { postgres: { host: args.postgres.host, port: args.postgres.port, name: args.postgres.name, user: args.postgres.user }, bootstrapEmail: args.bootstrapEmail, imageDigest: args.imageDigest, tls: true },
      blueprint,
    );
    this.install = remoteScript(`${name}-install`, { connection: args.connection, script, secrets: env }, { parent: this, dependsOn: args.dependsOn });
    this.registerOutputs({ url: this.url, netbirdIssuer: this.netbirdIssuer });
  }
}
