/**
 * The run-time half of an OIDC client (components/apps/oidc.ts): what an app's install receives on
 * stdin — the issuer, the client secret generated once on the identity provider's stack, and the CA its
 * TLS certificate chains to. On the identity provider's own site the mesh tier hands them over directly
 * (`SiteContext.identity`); elsewhere they come from that stack's outputs through the site's
 * StackReference (`oidcClientSecrets`, secret; `mesh.caCertPem`).
 */
import * as pulumi from "@pulumi/pulumi";
import { placementOf } from "../inventory/org";
import type { SiteContext } from "../site/context";
import { oidcIssuer } from "./oidc";

/** The environment an OIDC client's install gets (the contract of `AppOidc`, components/apps/module.ts). */
export interface OidcRuntime {
  OIDC_ISSUER: string;
  OIDC_CLIENT_SECRET: pulumi.Output<string>;
  /** PEM of the CA authentik's certificate chains to (the organisation's internal CA). */
  OIDC_CA_PEM: pulumi.Output<string>;
}

/** The issuer, secret and CA of client `clientId` for a guest of `ctx.site`. */
export function oidcRuntime(ctx: SiteContext, clientId: string): OidcRuntime {
  const idp = placementOf(ctx.org, "identity-provider");
  const issuer = oidcIssuer(ctx.org, clientId);
  if (!idp || !issuer) throw new Error(`homelab: site "${ctx.site.name}": OIDC client "${clientId}" needs the organisation's identity provider active`);
  if (idp.site === ctx.site) {
    const id = ctx.identity;
    if (!id) throw new Error(`homelab: site "${ctx.site.name}": the identity provider is active but the mesh tier created no authentik (it runs beside the mesh coordinator)`);
    return { OIDC_ISSUER: issuer, OIDC_CLIENT_SECRET: pulumi.secret(id.clientSecrets.apply((s) => need(s, clientId, ctx.site.name))), OIDC_CA_PEM: id.caPem };
  }
  const ref = ctx.upstream(idp.site.name);
  const secrets = pulumi.secret(ref.getOutput("oidcClientSecrets")) as pulumi.Output<Record<string, string> | undefined>;
  const mesh = ref.getOutput("mesh") as pulumi.Output<{ caCertPem?: string } | undefined>;
  return {
    OIDC_ISSUER: issuer,
    OIDC_CLIENT_SECRET: pulumi.secret(secrets.apply((s) => need(s ?? {}, clientId, idp.site.name))),
    OIDC_CA_PEM: mesh.apply((m) => m?.caCertPem ?? ""),
  };
}

/**
 * The secret of `clientId`, or "" while the identity provider's stack has not issued it yet (a sibling
 * deployed before it): the install's `require_env OIDC_CLIENT_SECRET` then stops with a message, as a
 * mesh member waits for its setup key.
 */
function need(secrets: Record<string, string>, clientId: string, _site: string): string {
  return secrets[clientId] ?? "";
}
