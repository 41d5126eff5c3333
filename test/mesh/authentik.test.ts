import YAML from "yaml";
import {
  authentikBlueprint,
  authentikEnv,
  authentikInstallScript,
  authentikIssuer,
  authentikRequiredSecretKeys,
  authentikUnits,
  authentikListenerPorts,
  AUTHENTIK_LISTENERS,
} from "../../components/mesh/render/authentik";
import { FAKE_SECRETS, authentikArgs, blueprintArgs } from "./fixtures.test";

/** authentik's custom YAML tags, registered so the `yaml` package can parse blueprints. */
const customTags: YAML.Tags = [
  { tag: "!Find", collection: "seq", resolve: (seq: any) => ({ $find: seq.toJSON() }) } as any,
  { tag: "!KeyOf", resolve: (s: string) => ({ $keyOf: s }) } as any,
  { tag: "!Env", resolve: (s: string) => ({ $env: s }) } as any,
];

describe("authentik blueprint", () => {
  const text = authentikBlueprint(blueprintArgs);
  const doc = YAML.parse(text, { customTags });
  const providers = doc.entries.filter((e: any) => e.model === "authentik_providers_oauth2.oauth2provider");
  const byName = (n: string) => providers.find((p: any) => p.identifiers.name === n).attrs;

  it("is a version 1 blueprint with entries", () => {
    expect(doc.version).toBe(1);
    expect(doc.metadata.name).toBe("homelab-oidc-clients");
    expect(doc.entries.length).toBeGreaterThan(4);
  });

  it("NetBird is a public client with dashboard and CLI redirect URIs", () => {
    const nb = byName("NetBird");
    expect(nb.client_type).toBe("public");
    expect(nb.client_id).toBe("netbird");
    expect(nb.redirect_uris).toEqual([
      { matching_mode: "strict", url: "https://netbird.bo.home.arpa/nb-auth" },
      { matching_mode: "strict", url: "https://netbird.bo.home.arpa/nb-silent-auth" },
      { matching_mode: "strict", url: "http://localhost:53000/" },
      { matching_mode: "strict", url: "http://localhost:54000/" },
    ]);
    expect(nb.authorization_flow).toEqual({ $find: ["authentik_flows.flow", ["slug", "default-provider-authorization-implicit-consent"]] });
    const app = doc.entries.find((e: any) => e.model === "authentik_core.application" && e.identifiers.slug === "netbird");
    expect(app.attrs.provider).toEqual({ $keyOf: "netbird-provider" });
    const token = doc.entries.find((e: any) => e.model === "authentik_core.token");
    expect(token.attrs.key).toEqual({ $env: "NB_IDP_SA_PASSWORD" });
    expect(token.attrs.intent).toBe("app_password");
  });

  it("Gitea, n8n and Paperless get the right callbacks and !Env secrets", () => {
    expect(byName("Gitea").redirect_uris[0].url).toBe("http://192.168.9.40:3000/user/oauth2/authentik/callback");
    expect(byName("Gitea").client_secret).toEqual({ $env: "GITEA_OIDC_CLIENT_SECRET" });
    expect(byName("n8n").redirect_uris[0].url).toBe("http://192.168.9.41:5678/rest/sso/oidc/callback");
    expect(byName("Paperless-ngx").redirect_uris[0].url).toBe("http://192.168.9.42:8000/accounts/oidc/authentik/login/callback/");
    expect(byName("Paperless-ngx").client_type).toBe("confidential");
  });

  it("sets the discovered TLS keypair as the default brand's web certificate", () => {
    const brand = doc.entries.find((e: any) => e.model === "authentik_brands.brand");
    expect(brand.identifiers).toEqual({ domain: "authentik-default" });
    expect(brand.attrs.web_certificate).toEqual({ $find: ["authentik_crypto.certificatekeypair", ["name", "authentik"]] });
  });

  it("issuer URL form", () => {
    expect(authentikIssuer("https://auth.bo.home.arpa/", "netbird")).toEqual({
      issuer: "https://auth.bo.home.arpa/application/o/netbird/",
      discovery: "https://auth.bo.home.arpa/application/o/netbird/.well-known/openid-configuration",
    });
  });
});

describe("authentik runtime", () => {
  it("env file has no secrets and points at the shared PostgreSQL", () => {
    const env = authentikEnv(authentikArgs);
    expect(env).toContain("AUTHENTIK_POSTGRESQL__HOST=192.168.9.20");
    expect(env).toContain("AUTHENTIK_POSTGRESQL__NAME=authentik");
    expect(env).not.toMatch(/PASSWORD=|SECRET_KEY=|REDIS/);
  });

  it("units run server and worker from the pinned tag (digest optional)", () => {
    const u = authentikUnits(authentikArgs);
    expect(u.server).toContain(`ghcr.io/goauthentik/server:2026.5.6 server`);
    expect(authentikUnits({ ...authentikArgs, imageDigest: "sha256:" + "d".repeat(64) }).server).toContain(`ghcr.io/goauthentik/server:2026.5.6@sha256:${"d".repeat(64)} server`);
    expect(() => authentikUnits({ ...authentikArgs, imageDigest: "latest" })).toThrow();
    expect(u.worker).toMatch(/ worker$/m);
    expect(u.server).toContain("--env-file /etc/authentik/secrets.env");
  });

  it("server and worker (both --network host) bind disjoint ports, set explicitly in each unit", () => {
    // authentik 2026.5: the worker binds listen.http and listen.metrics itself (src/worker/mod.rs,
    // src/main.rs) with the server's defaults; a failed bind is fatal (goauthentik/authentik#22606).
    const u = authentikUnits(authentikArgs);
    const listen = (unit: string) => Object.fromEntries([...unit.matchAll(/ -e AUTHENTIK_LISTEN__([A-Z]+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    const server = listen(u.server);
    const worker = listen(u.worker);
    for (const l of [server, worker]) expect(Object.keys(l).sort()).toEqual(["HTTP", "HTTPS", "METRICS"]);
    expect(server).toEqual(AUTHENTIK_LISTENERS.server);
    expect(worker).toEqual(AUTHENTIK_LISTENERS.worker);
    const port = (a: string) => Number(a.split(":").pop());
    const all = [...Object.values(server), ...Object.values(worker)].map(port);
    expect(new Set(all).size).toBe(all.length);
    expect(all.sort()).toEqual([...authentikListenerPorts("server"), ...authentikListenerPorts("worker")].sort());
    // The server keeps the ports the inventory opens (9000 HTTP, 9443 HTTPS); the worker stays on loopback.
    expect(authentikListenerPorts("server").slice(0, 2)).toEqual([9000, 9443]);
    for (const a of Object.values(worker)) expect(a).toMatch(/^127\.0\.0\.1:/);
  });

  it("install script checks every secret key, and leaks none", () => {
    const s = authentikInstallScript(authentikArgs, blueprintArgs);
    for (const k of authentikRequiredSecretKeys(blueprintArgs)) expect(s).toContain(k);
    expect(s).toContain(`AK_SECRET_KEYS=(${authentikRequiredSecretKeys(blueprintArgs).join(" ")})`);
    expect(s).toContain('put_env_file "$AK_SECRETS_ENV" "${AK_SECRET_KEYS[@]}"');
    expect(s).toContain('put_env HOMELAB_TLS_KEY "$AK_DATA_DIR/certs/$AK_TLS_KEYPAIR.key" 0600 1000:1000');
    for (const f of FAKE_SECRETS) expect(s).not.toContain(f);
    expect(authentikRequiredSecretKeys(blueprintArgs)).toEqual(
      expect.arrayContaining(["AUTHENTIK_SECRET_KEY", "AUTHENTIK_POSTGRESQL__PASSWORD", "GITEA_OIDC_CLIENT_SECRET", "NB_IDP_SA_PASSWORD"]),
    );
  });

  it("install returns only when authentik is really ready (health, keypair, blueprint applied)", () => {
    const s = authentikInstallScript(authentikArgs, blueprintArgs);
    const at = (x: string) => {
      const i = s.indexOf(x);
      expect(i).toBeGreaterThan(0);
      return i;
    };
    const started = at("converge_units authentik-server authentik-worker");
    expect(at('http_ok "http://$AK_SERVER_HTTP/-/health/ready/"')).toBeGreaterThan(started);
    expect(at('http_ok "http://$AK_WORKER_HTTP/-/health/ready/"')).toBeGreaterThan(started);
    expect(s).toContain("AK_SERVER_HTTP=127.0.0.1:9000");
    expect(s).toContain("AK_WORKER_HTTP=127.0.0.1:9001");
    expect(at('wait_until "keypair $AK_TLS_KEYPAIR discovered" keypair_found')).toBeGreaterThan(started);
    expect(at('wait_until "blueprint $AK_BLUEPRINT_REL applied" blueprint_applied')).toBeGreaterThan(started);
    expect(s).toContain("AK_BLUEPRINT_REL=custom/homelab.yaml");
    expect(s).toContain('want_hash="$(sha512sum "$blueprint_file"');
    expect(s.trimEnd().endsWith('echo "authentik is ready"')).toBe(true);
    // The bootstrap token goes to curl through a header file, never argv.
    expect(s).toContain('-H @"$auth_file"');
    expect(s).not.toMatch(/-H "Authorization/);
  });
});
