import { NetbirdServerArgs, pkceRedirectUrls } from "../../components/mesh/render/netbird";
import { AuthentikArgs, BlueprintArgs } from "../../components/mesh/render/authentik";

/** Values that look like secrets; none may appear in rendered output. */
export const FAKE_SECRETS = ["s3cr3t-relay-V4lue", "pg-P4ssw0rd-xyz", "pat-nbp_ABCDEF123", "setupkey-9A8B7C"];

export const D = (c: string) => "sha256:" + c.repeat(64);

export const serverArgs: NetbirdServerArgs = {
  domain: "netbird.bo.home.arpa",
  tlsCertFile: "/etc/netbird/tls/cert.pem",
  tlsKeyFile: "/etc/netbird/tls/key.pem",
  oidc: { issuer: "https://auth.bo.home.arpa/application/o/netbird/", clientId: "netbird", idpServiceAccount: "netbird-svc" },
};


export const authentikArgs: AuthentikArgs = {
  postgres: { host: "192.168.9.20" },
  bootstrapEmail: "admin@bo.home.arpa",
  tls: true,
};

export const blueprintArgs: BlueprintArgs = {
  authentikUrl: "https://auth.bo.home.arpa",
  webCertificate: "authentik",
  netbird: {
    clientId: "netbird",
    dashboardOrigin: "https://netbird.bo.home.arpa",
    cliRedirectUrls: pkceRedirectUrls(serverArgs),
    serviceAccount: "netbird-svc",
    serviceAccountPasswordEnv: "NB_IDP_SA_PASSWORD",
  },
  clients: [
    { clientId: "gitea", name: "Gitea", redirectUris: ["http://192.168.9.40:3000/user/oauth2/authentik/callback"], launchUrl: "http://192.168.9.40:3000/", clientSecretEnv: "GITEA_OIDC_CLIENT_SECRET" },
    { clientId: "n8n", name: "n8n", redirectUris: ["http://192.168.9.41:5678/rest/sso/oidc/callback"], launchUrl: "http://192.168.9.41:5678/", clientSecretEnv: "N8N_OIDC_CLIENT_SECRET" },
    { clientId: "paperless", name: "Paperless-ngx", redirectUris: ["http://192.168.9.42:8000/accounts/oidc/authentik/login/callback/"], launchUrl: "http://192.168.9.42:8000/", clientSecretEnv: "PAPERLESS_OIDC_CLIENT_SECRET" },
  ],
};

describe("fixtures", () => {
  it("fake secrets are distinct", () => expect(new Set(FAKE_SECRETS).size).toBe(FAKE_SECRETS.length));
});
