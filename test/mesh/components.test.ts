import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { StrictMocks, readStackConfig } from "../../scripts/lib/offline";
import { loadInventory } from "../../components/inventory/load";

const PAT = "pat-nbp_ABCDEF123";
const KEYS = { "router-bo": "setupkey-9A8B7C", "router-bh": "setupkey-BH0000", replicas: "setupkey-REPL01" };

interface Rec { type: string; name: string; inputs: any; state: any }
class RecordingMocks extends StrictMocks {
  readonly recs: Rec[] = [];
  newResource(args: pulumi.runtime.MockResourceArgs) {
    const r = super.newResource(args);
    if (args.type === "command:remote:Command" && args.name.endsWith("-api-setup")) r.state.stdout = JSON.stringify(KEYS) + "\n";
    this.recs.push({ type: args.type, name: args.name, inputs: args.inputs, state: r.state });
    return r;
  }
}

/** The value of a single-quoted assignment NAME='…' in a rendered script (components/shell envBlock). */
const envValue = (script: string, name: string): string => {
  const m = new RegExp(`\\n${name}='((?:[^']|'\\\\'')*)'\\n`).exec(script);
  expect(m).not.toBeNull();
  return m![1].replace(/'\\''/g, "'");
};

const tagged: YAML.Tags = [
  { tag: "!Find", collection: "seq", resolve: (s: any) => ({ $find: s.toJSON() }) } as any,
  { tag: "!KeyOf", resolve: (s: string) => ({ $keyOf: s }) } as any,
  { tag: "!Env", resolve: (s: string) => ({ $env: s }) } as any,
];
const SIG = "4dabf18193072939515e22adb298388d";
/** A secret input must arrive as a secret envelope; return its value. */
const secretEnvelope = (v: any) => {
  expect(v?.[SIG]).toBe("1b47061264138c4ac30d75fd1eb44270");
  return v.value;
};
/** The Command's secret stdin (NAME=<base64> lines, components/remote/script.ts), decoded. */
const secretStdinOf = (inputs: any): Record<string, string> => {
  const doc = String(secretEnvelope(inputs.stdin));
  expect(doc.endsWith("\n")).toBe(true);
  const out: Record<string, string> = {};
  for (const line of doc.slice(0, -1).split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=([A-Za-z0-9+/=]*)$/.exec(line);
    expect(m).not.toBeNull();
    out[m![1]] = Buffer.from(m![2], "base64").toString("utf8");
  }
  return out;
};
const isSecret = (o: any): Promise<boolean> => (pulumi.Output.isInstance(o) ? (o as any).isSecret : Promise.resolve(false));
const value = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((res) => o.apply((v) => { res(v); return v; }));

describe("mesh components under mocks (bo)", () => {
  const mocks = new RecordingMocks();
  let out: any;
  let secrets: any;
  beforeAll(async () => {
    await pulumi.runtime.setMocks(mocks, "homelab", "bo", false);
    pulumi.runtime.setAllConfig({ "homelab:netbirdPat": PAT }, ["homelab:netbirdPat"]);
    const { meshCoordinator } = await import("../../components/mesh/siteMesh");
    const { SiteContext } = await import("../../components/site/context");
    const { deploymentFromConfig } = await import("../../components/site/deployment");
    const { InternalCa } = await import("../../components/mesh/internalCa");
    const { organisationOf } = await import("../../components/inventory/org");
    const { siblingSites } = await import("../../components/site/stackFiles");
    const c = readStackConfig("bo");
    const site = loadInventory("bo", JSON.parse(c["homelab:inventory"]), 2);
    const ctx = new SiteContext(site, organisationOf(site, siblingSites(site)), undefined, deploymentFromConfig("bo"));
    const ca = new InternalCa("bo-ca", { organisation: site.inventory.organisation });
    const r = meshCoordinator(ctx, { ca, primary: { databases: { authentik: { password: pulumi.secret("pg-P4ssw0rd-xyz") } } } });
    secrets = r.meshSecrets;
    out = { ...r.mesh, setupKeys: secrets.apply((x: any) => x.setupKeys), oidcClientSecrets: r.oidcClientSecrets, authentikBootstrapPassword: secrets.apply((x: any) => x.authentikBootstrapPassword) };
    // The apps that are OIDC clients, composed on the same site the way appsTier composes them.
    const { AppInstall } = await import("../../components/apps/appInstall");
    const { oidcRuntime } = await import("../../components/apps/oidcRuntime");
    const { appPlanOf } = await import("../../components/apps/registry");
    for (const name of ["gitea", "n8n"]) {
      const plan = appPlanOf(site.services.find((x) => x.name === name)!, site)!;
      new AppInstall(`bo-${name}-app`, { guest: ca, connection: ctx.root(plan.address), plan, oidc: oidcRuntime(ctx, plan.oidc!.clientId), database: { host: "192.168.9.20", port: 5432, name, user: name, password: pulumi.secret(`pg-${name}-pw`) }, metricsToken: pulumi.secret("app-metrics-t0ken") });
    }
    await value(pulumi.all([out.setupKeys, out.caCertPem, out.oidcClientSecrets]));
    await new Promise((r) => setTimeout(r, 200));
  });
  const recs = (type: string) => mocks.recs.filter((r) => r.type === type);
  const one = (type: string, suffix: string) => {
    const r = recs(type).find((x) => x.name.endsWith(suffix));
    if (!r) throw new Error(`no ${type} ${suffix}: ${mocks.recs.map((x) => x.name).join(", ")}`);
    return r;
  };
  const secretValues = () => [
    PAT, "pg-P4ssw0rd-xyz", "pg-gitea-pw", "pg-n8n-pw", ...Object.values(KEYS),
    ...recs("random:index/randomPassword:RandomPassword").map((r) => r.state.result),
    ...recs("random:index/randomBytes:RandomBytes").map((r) => r.state.base64),
    ...recs("tls:index/privateKey:PrivateKey").map((r) => r.state.privateKeyPem),
  ];

  it("root CA is an ECDSA P256 CA for signing only", () => {
    const ca = one("tls:index/selfSignedCert:SelfSignedCert", "bo-ca-cert").inputs;
    expect(ca.isCaCertificate).toBe(true);
    expect(ca.allowedUses).toEqual(["cert_signing", "crl_signing"]);
    expect(ca.validityPeriodHours).toBe(87600);
    expect(ca.earlyRenewalHours).toBeGreaterThan(0);
    expect(ca.subject.organization).toBe("apiary");
    expect(one("tls:index/privateKey:PrivateKey", "bo-ca-key").inputs).toMatchObject({ algorithm: "ECDSA", ecdsaCurve: "P256" });
  });

  it("server certificates carry the expected SANs", () => {
    const nb = one("tls:index/certRequest:CertRequest", "bo-netbird-tls-csr").inputs;
    expect(nb.dnsNames).toEqual(["netbird.bo.apiary.internal", "netbird"]);
    expect(nb.ipAddresses).toEqual(["192.168.9.31"]);
    const ak = one("tls:index/certRequest:CertRequest", "bo-authentik-tls-csr").inputs;
    expect(ak.dnsNames).toEqual(["authentik.bo.apiary.internal", "authentik"]);
    expect(ak.ipAddresses).toEqual(["192.168.9.30"]);
    expect(one("tls:index/locallySignedCert:LocallySignedCert", "bo-netbird-tls-cert").inputs.allowedUses).toContain("server_auth");
  });

  it("keys and secrets are secret outputs, apart from the public mesh output", async () => {
    expect(await isSecret(secrets)).toBe(true);
    expect(await isSecret(out.managementUrl)).toBe(false);
    expect(await isSecret(out.setupKeys)).toBe(true);
    expect(await isSecret(out.oidcClientSecrets)).toBe(true);
    expect(await isSecret(out.authentikBootstrapPassword)).toBe(true);
    expect(await isSecret(out.caCertPem)).toBe(false);
    expect(await value(out.setupKeys)).toEqual(KEYS);
  });

  it("Command scripts never contain a secret; secrets travel only in the secret stdin", () => {
    const cmds = recs("command:remote:Command");
    // No AcceptEnv prep Commands: nothing edits the hosts' sshd_config any more.
    expect(cmds.map((c) => c.name).sort()).toEqual(["bo-authentik-install", "bo-gitea-app-install", "bo-mesh-router-enrol", "bo-n8n-app-install", "bo-netbird-api-setup", "bo-netbird-install"].sort());
    const secrets = secretValues();
    expect(secrets.length).toBeGreaterThan(8);
    for (const c of cmds) {
      expect(c.inputs.environment).toBeUndefined();
      expect(String(c.inputs.create)).toMatch(/^set -eu\numask 077\n# secrets \([A-Z0-9_ ]+\) arrive on stdin as NAME=<base64> lines/);
      const { stdin: _stdin, ...rest } = c.inputs;
      for (const s of secrets) {
        expect(String(c.inputs.create)).not.toContain(s);
        expect(JSON.stringify(rest)).not.toContain(s);
      }
      // The wrapper names exactly the variables stdin carries.
      const names = Object.keys(secretStdinOf(c.inputs));
      expect(String(c.inputs.create)).toContain(`# secrets (${names.join(" ")}) arrive on stdin`);
    }
    const nbEnv = secretStdinOf(one("command:remote:Command", "bo-netbird-install").inputs);
    expect(Object.keys(nbEnv).sort()).toEqual(["HOMELAB_CA_CERT", "HOMELAB_TLS_CERT", "HOMELAB_TLS_KEY", "NB_AUTH_SECRET", "NB_DATASTORE_ENC_KEY", "NB_IDP_SA_PASSWORD"]);
    expect(nbEnv.HOMELAB_TLS_KEY).toMatch(/^mock-private-key-bo-netbird-tls-key/);
    // The operator's PAT override and the IdP service account's app password (the PAT bootstrap's sign-in).
    expect(secretStdinOf(one("command:remote:Command", "bo-netbird-api-setup").inputs)).toEqual({ NB_PAT: PAT, NB_IDP_SA_PASSWORD: nbEnv.NB_IDP_SA_PASSWORD });
    const akEnv = secretStdinOf(one("command:remote:Command", "bo-authentik-install").inputs);
    expect(akEnv.AUTHENTIK_POSTGRESQL__PASSWORD).toBe("pg-P4ssw0rd-xyz");
    expect(Object.keys(akEnv)).toEqual(expect.arrayContaining(["AUTHENTIK_SECRET_KEY", "GITEA_OIDC_CLIENT_SECRET", "GRAFANA_OIDC_CLIENT_SECRET", "N8N_OIDC_CLIENT_SECRET", "NB_IDP_SA_PASSWORD"]));
    expect(akEnv.NB_IDP_SA_PASSWORD).toBe(nbEnv.NB_IDP_SA_PASSWORD);
  });

  it("each OIDC client's install gets, on stdin, the very secret authentik's blueprint holds, its issuer and the CA (components/apps/oidcRuntime.ts)", () => {
    const akEnv = secretStdinOf(one("command:remote:Command", "bo-authentik-install").inputs);
    for (const [cmd, id] of [["bo-gitea-app-install", "gitea"], ["bo-n8n-app-install", "n8n"]]) {
      const env = secretStdinOf(one("command:remote:Command", cmd).inputs);
      expect(env.OIDC_CLIENT_SECRET).toBeTruthy();
      expect(env.OIDC_CLIENT_SECRET).toBe(akEnv[`${id.toUpperCase()}_OIDC_CLIENT_SECRET`]);
      expect(env.OIDC_ISSUER).toBe(`https://192.168.9.30:9443/application/o/${id}/`);
      expect(env.OIDC_CA_PEM).toBe(akEnv.HOMELAB_CA_CERT);
      expect(env).toMatchObject({ DB_HOST: "192.168.9.20", DB_PORT: "5432", DB_NAME: id, DB_USER: id, DB_PASSWORD: `pg-${id}-pw` });
    }
  });

  it("private keys appear in no other input than the Command stdin and signing inputs", () => {
    const keys = recs("tls:index/privateKey:PrivateKey").map((r) => r.state.privateKeyPem as string);
    for (const r of mocks.recs) {
      const allowed = r.type === "tls:index/certRequest:CertRequest" || r.type === "tls:index/selfSignedCert:SelfSignedCert" || r.type === "tls:index/locallySignedCert:LocallySignedCert";
      const text = JSON.stringify({ ...r.inputs, stdin: undefined });
      if (!allowed) for (const k of keys) expect(text).not.toContain(k);
    }
  });

  it("the blueprint parses and registers every redirect URI", () => {
    const script = String(one("command:remote:Command", "bo-authentik-install").inputs.create);
    const doc = YAML.parse(envValue(script, "AK_BLUEPRINT_TEXT"), { customTags: tagged });
    const uris = (n: string) => doc.entries.find((e: any) => e.identifiers?.name === n).attrs.redirect_uris.map((u: any) => u.url);
    expect(uris("NetBird")).toEqual(["http://localhost:53000/", "http://localhost:54000/"]);
    expect(uris("Gitea")).toEqual(["http://192.168.9.40:3000/user/oauth2/authentik/callback"]);
    expect(uris("n8n")).toEqual(["http://192.168.9.41:5678/rest/sso/oidc/callback"]);
    expect(uris("Grafana")).toEqual(["http://192.168.9.24:3000/login/generic_oauth"]);
    // Paperless-ngx's client comes from its app module's plan (no per-app block in the blueprint).
    expect(uris("Paperless-ngx")).toEqual(["http://192.168.9.42:8000/accounts/oidc/authentik/login/callback/"]);
  });

  it("NetBird config carries the right URLs, ports and OIDC endpoints", async () => {
    const script = String(one("command:remote:Command", "bo-netbird-install").inputs.create);
    const cfg = JSON.parse(envValue(script, "NB_MGMT_CONFIG_TEXT"));
    expect(cfg.HttpConfig.AuthIssuer).toBe("https://192.168.9.30:9443/application/o/netbird/");
    expect(cfg.HttpConfig.OIDCConfigEndpoint).toBe("https://192.168.9.30:9443/application/o/netbird/.well-known/openid-configuration");
    expect(cfg.IdpManagerConfig.ClientConfig.TokenEndpoint).toBe("https://192.168.9.30:9443/application/o/token/");
    // The inventory's publicEndpoint (bh and ep are not on bo's LAN), not the LAN address.
    expect(cfg.Signal.URI).toBe("netbird.bo.apiary.internal:10000");
    expect(cfg.Relay.Addresses).toEqual(["rels://netbird.bo.apiary.internal:33080"]);
    expect(cfg.Stuns[0].URI).toBe("stun:netbird.bo.apiary.internal:3478");
    expect(cfg.Datadir).toBe("/var/lib/netbird");
    expect(out.managementUrl).toBe("https://netbird.bo.apiary.internal:443");
    const enrol = String(one("command:remote:Command", "bo-mesh-router-enrol").inputs.create);
    expect(enrol).toContain("MGMT_URL=https://netbird.bo.apiary.internal:443");
    expect(secretStdinOf(one("command:remote:Command", "bo-mesh-router-enrol").inputs).NB_SETUP_KEY).toBe(KEYS["router-bo"]);
  });
});
