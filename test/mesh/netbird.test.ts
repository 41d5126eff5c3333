import {
  NETBIRD_SECRET_ENV,
  NETBIRD_VERSION,
  managementConfig,
  managementUrl,
  netbirdApiSetupScript,
  netbirdPeerEnrolScript,
  netbirdServerInstallScript,
  netbirdServerUnits,
} from "../../components/mesh/render/netbird";
import { committedMesh } from "../helpers/mesh";
import { D, FAKE_SECRETS, serverArgs } from "./fixtures.test";

const IDP = { tokenEndpoint: "https://auth.bo.home.arpa/application/o/token/", clientId: "netbird", username: "netbird-svc" };

describe("managementConfig", () => {
  const cfg = JSON.parse(managementConfig(serverArgs));

  it("uses the real management.json structure", () => {
    expect(Object.keys(cfg)).toEqual(
      expect.arrayContaining(["Stuns", "Relay", "Signal", "Datadir", "HttpConfig", "IdpManagerConfig", "DeviceAuthorizationFlow", "PKCEAuthorizationFlow", "StoreConfig"]),
    );
    expect(cfg.StoreConfig).toEqual({ Engine: "sqlite" });
    expect(cfg.Datadir).toBe("/var/lib/netbird");
  });

  it("carries STUN, relay and signal endpoints", () => {
    expect(cfg.Stuns).toEqual([{ Proto: "udp", URI: "stun:netbird.bo.home.arpa:3478", Username: "", Password: "" }]);
    expect(cfg.Relay.Addresses).toEqual(["rels://netbird.bo.home.arpa:33080"]);
    expect(cfg.Relay.CredentialsTTL).toBe("24h");
    expect(cfg.Signal).toMatchObject({ Proto: "https", URI: "netbird.bo.home.arpa:10000" });
  });

  it("wires secrets as env template placeholders, not values", () => {
    expect(cfg.Relay.Secret).toBe(`{{ .${NETBIRD_SECRET_ENV.relayAuthSecret} }}`);
    expect(cfg.DataStoreEncryptionKey).toBe("{{ .NB_DATASTORE_ENC_KEY }}");
    expect(cfg.IdpManagerConfig.ExtraConfig.Password).toBe("{{ .NB_IDP_SA_PASSWORD }}");
  });

  it("points OIDC at authentik", () => {
    expect(cfg.HttpConfig).toMatchObject({
      AuthIssuer: "https://auth.bo.home.arpa/application/o/netbird/",
      AuthAudience: "netbird",
      AuthKeysLocation: "https://auth.bo.home.arpa/application/o/netbird/jwks/",
      OIDCConfigEndpoint: "https://auth.bo.home.arpa/application/o/netbird/.well-known/openid-configuration",
      IdpSignKeyRefreshEnabled: true,
      CertFile: "/etc/netbird/tls/cert.pem",
    });
    expect(cfg.IdpManagerConfig.ManagerType).toBe("authentik");
    expect(cfg.IdpManagerConfig.ClientConfig.TokenEndpoint).toBe("https://auth.bo.home.arpa/application/o/token/");
    expect(cfg.PKCEAuthorizationFlow.ProviderConfig.AuthorizationEndpoint).toBe("https://auth.bo.home.arpa/application/o/authorize/");
    expect(cfg.PKCEAuthorizationFlow.ProviderConfig.RedirectURLs).toEqual(["http://localhost:53000/", "http://localhost:54000/"]);
    expect(cfg.DeviceAuthorizationFlow.Provider).toBe("none");
  });

  it("PKCE flow sends no prompt=login to authentik (DisablePromptLogin, netbirdio/netbird#3654)", () => {
    // ProviderConfig.DisablePromptLogin: management/internals/server/config/config.go, read by
    // client/internal/auth/pkce_flow.go (v0.77.1), which otherwise adds prompt=login.
    expect(cfg.PKCEAuthorizationFlow.ProviderConfig.DisablePromptLogin).toBe(true);
  });

  it("renders the device flow when asked", () => {
    const c = JSON.parse(managementConfig({ ...serverArgs, oidc: { ...serverArgs.oidc, deviceFlow: true } }));
    expect(c.DeviceAuthorizationFlow.Provider).toBe("hosted");
    expect(c.DeviceAuthorizationFlow.ProviderConfig.DeviceAuthEndpoint).toBe("https://auth.bo.home.arpa/application/o/device/");
  });

  it("is deterministic", () => {
    expect(managementConfig(serverArgs)).toBe(managementConfig(serverArgs));
  });
});

describe("units", () => {
  const u = netbirdServerUnits(serverArgs);
  it("gives each binary its own metrics port and the relay its env config", () => {
    expect(u.management).toContain("--metrics-port 9090");
    expect(u.signal).toContain("--metrics-port 9091");
    expect(u.relay).toContain("NB_METRICS_PORT=9092");
    expect(u.relay).toContain("NB_EXPOSED_ADDRESS=rels://netbird.bo.home.arpa:33080");
    expect(u.relay).toContain("NB_ENABLE_STUN=true");
    expect(u.relay).toContain("--env-file /etc/netbird/secrets.env");
    expect(u.management).toContain("--env-file /etc/netbird/secrets.env");
    expect(u.signal).not.toContain("secrets.env");
  });

  it("management starts only once the IdP's OIDC discovery answers (it exits otherwise, v0.77.1 ApplyOIDCConfig)", () => {
    const u = netbirdServerUnits(serverArgs);
    const pre = /\nExecStartPre=(.*)\n/.exec(u.management)?.[1] ?? "";
    expect(pre).toContain("https://auth.bo.home.arpa/application/o/netbird/.well-known/openid-configuration");
    expect(pre).toMatch(/--retry-all-errors/);
    expect(u.management.indexOf("ExecStartPre=")).toBeLessThan(u.management.indexOf("ExecStart=/usr/bin/podman"));
    expect(u.signal).not.toContain("ExecStartPre=");
    const install = netbirdServerInstallScript({ server: serverArgs });
    expect(install.indexOf("wait_until \"OIDC discovery answers")).toBeLessThan(install.indexOf("converge_units netbird-signal"));
    expect(install.indexOf("wait_until \"OIDC discovery answers")).toBeGreaterThan(0);
  });

  it("runs the pinned images with podman on the host network", () => {
    expect(u.management).toContain(`ghcr.io/netbirdio/management:${NETBIRD_VERSION} --config /etc/netbird/management.json`);
    expect(u.signal).toContain(`ghcr.io/netbirdio/signal:${NETBIRD_VERSION} --port 10000`);
    expect(u.relay).toMatch(new RegExp(`ghcr.io/netbirdio/relay:${NETBIRD_VERSION.replace(/\./g, "\\.")}$`, "m"));
    for (const unit of Object.values(u)) {
      expect(unit).toContain("--network host");
      expect(unit).toContain("--pull never");
      expect(unit).toContain("-v /etc/netbird/tls:/etc/netbird/tls:ro");
    }
    expect(u.management).toContain("-v /var/lib/netbird:/var/lib/netbird ");
    expect(u.management).toContain("SSL_CERT_FILE=");
    const pinned = netbirdServerUnits(serverArgs, { relay: D("c") });
    expect(pinned.relay).toContain(`relay:${NETBIRD_VERSION}@${D("c")}`);
  });
});

describe("scripts", () => {
  const install = netbirdServerInstallScript({ server: serverArgs });
  const setup = netbirdApiSetupScript({ managementUrl: managementUrl(serverArgs), patFile: "/root/.netbird-pat", idp: IDP, setupKeyDir: "/root/netbird-keys", plan: committedMesh().plan });
  const enrol = netbirdPeerEnrolScript({
    managementUrl: managementUrl(serverArgs),
    setupKeyFile: "/etc/netbird/setup.key",
    hostname: "bh-router",
    client: { tarballSha256: "e".repeat(64) },
  });
  const enrolApt = netbirdPeerEnrolScript({ managementUrl: managementUrl(serverArgs), setupKeyFile: "/etc/netbird/setup.key", hostname: "bh-router" });

  it("install pulls the pinned images, writes secrets from the environment and embeds the config", () => {
    expect(install).toContain(`podman pull "$image"`);
    expect(install).toContain("NB_OIDC_DISCOVERY=https://auth.bo.home.arpa/application/o/netbird/.well-known/openid-configuration");
    expect(install).toContain("ensure_packages podman crun ca-certificates curl jq"); // the API setup script runs here and needs jq
    expect(install).toContain(`ghcr.io/netbirdio/management:${NETBIRD_VERSION}`);
    expect(install).not.toMatch(/ghcr\.io\/v2|blobs|layerDigest/);
    expect(install).toContain('"Engine": "sqlite"');
    expect(install).toContain("NB_SECRET_KEYS=(NB_AUTH_SECRET NB_DATASTORE_ENC_KEY NB_IDP_SA_PASSWORD)");
    expect(install).toContain('put_env_file "$NB_SECRETS_ENV" "${NB_SECRET_KEYS[@]}"');
    expect(install).toContain('put_env HOMELAB_TLS_KEY "$NB_TLS_KEY_FILE" 0600 root:root');
    expect(install).toContain("NB_TLS_KEY_FILE=/etc/netbird/tls/key.pem");
  });

  it("setup script authenticates through a header file, never a command-line argument", () => {
    // The old helper passed -H "Authorization: Token ${PAT}" to curl: visible in ps to every local user.
    expect(setup).not.toMatch(/-H "Authorization/);
    expect(setup).toContain(`printf 'Authorization: %s %s\\n' "$1" "\${!2}" >"$AUTH_FILE"`);
    expect(setup).toContain('-H @"$AUTH_FILE"');
    // The app password reaches the token request through jq's environment and curl's stdin.
    expect(setup).toContain("env.NB_IDP_SA_PASSWORD | @uri");
    expect(setup).toContain("--data-binary @- \"$IDP_TOKEN_URL\"");
  });

  it("setup script creates everything idempotently", () => {
    expect(setup).toContain("PAT_FILE=/root/.netbird-pat");
    expect(setup).toContain("ensure_group routers-bh");
    expect(setup).toContain("ensure_setup_key router-bh reusable 31536000 2 false routers-bh");
    expect(setup).toContain("ensure_route lan-bo 192.168.9.0/24 routers-bo 100 false 'Site bo LAN' routers-bh routers-ep admins");
    expect(setup).toContain("ensure_route lan-bh 192.168.50.0/24 routers-bh 100 false 'Site bh LAN' routers-bo admins");
    expect(setup).toContain(`ensure_policy bh-to-bo-tcp`);
    expect(setup).toMatch(/ensure_policy bh-to-bo-tcp .* tcp '\["1514","1515","3000","5432","8000","9443"\]' false "\$\(ids_json routers-bh\)" "\$\(ids_json routers-bo\)"/);
    expect(setup).not.toMatch(/masquerade: true|ensure_route [^\n]* true /);
  });

  it("setup script bootstraps its own service user + PAT when no PAT is given (no human step)", () => {
    expect(setup).toContain('PAT="${NB_PAT:-}"');
    expect(setup).toMatch(/\nensure_pat\n/);
    expect(setup.indexOf("\nensure_pat\n")).toBeLessThan(setup.indexOf("\nensure_group "));
    // NetBird v0.77.1 openapi.yml: UserCreateRequest {role, auto_groups, is_service_user}, PersonalAccessTokenRequest {name, expires_in 1..365}.
    expect(setup).toContain(`'{name: $n, role: "admin", auto_groups: [], is_service_user: true}'`);
    expect(setup).toContain(`'{name: $n, expires_in: $d}'`);
    expect(setup).toContain("PAT_DAYS=365");
    expect(setup).toContain("jq -er .plain_token");
    expect(setup).toContain("IDP_TOKEN_URL=https://auth.bo.home.arpa/application/o/token/");
    expect(() => netbirdApiSetupScript({ managementUrl: managementUrl(serverArgs), patFile: "/p", idp: IDP, setupKeyDir: "/k", plan: committedMesh().plan, patDays: 400 })).toThrow(/patDays/);
  });

  it("setup script prints the created setup keys as one JSON object", () => {
    expect(setup).toContain("--rawfile k \"$KEY_DIR/router-bh.key\"");
    expect(setup.trimEnd().split("\n").pop()).toBe(`printf '%s\\n' "$out"`);
  });

  it("enrol script skips cleanly (exit 0, no netbird up) while no setup key exists", () => {
    const skip = enrol.indexOf('if [ -z "${NB_SETUP_KEY:-}" ]; then');
    expect(skip).toBeGreaterThan(0);
    // the script's own install of curl, not the shell library's fetch_verified (a definition, run only when called)
    const install = enrol.search(/^ensure_packages curl/m);
    expect(install).toBeGreaterThan(skip);
    expect(enrol.indexOf("exit 0", skip)).toBeLessThan(install);
  });

  it("enrol script uses --setup-key-file and the pinned client (tarball or apt)", () => {
    expect(enrol).toContain('--setup-key-file "$SETUP_KEY_FILE"');
    expect(enrol).toContain('put_env NB_SETUP_KEY "$SETUP_KEY_FILE" 0600 root:root');
    expect(enrolApt).toContain('apt-get install -y -q --allow-downgrades "netbird=${NETBIRD_VERSION}"');
    expect(enrolApt).toContain(`NETBIRD_VERSION=${NETBIRD_VERSION}`);
    expect(() => netbirdPeerEnrolScript({ managementUrl: "https://api.netbird.io", setupKeyFile: "/k", hostname: "h" })).toThrow(/public/);
    expect(enrol).toContain(`netbird_${NETBIRD_VERSION}_linux_amd64.tar.gz`);
    expect(enrol).toContain(`releases/download/v${NETBIRD_VERSION}`);
    expect(enrol).toContain(".management.connected == true");
  });

  it("no secret value ever appears", () => {
    for (const text of [install, setup, enrol, enrolApt, managementConfig(serverArgs)]) {
      for (const s of FAKE_SECRETS) expect(text).not.toContain(s);
    }
  });

  it("rejects unpinned artifacts", () => {
    expect(() => netbirdPeerEnrolScript({ managementUrl: "https://x", setupKeyFile: "/k", hostname: "h", client: { tarballSha256: "nope" } })).toThrow();
    expect(() => netbirdServerInstallScript({ server: serverArgs, imageDigests: { relay: "latest" } })).toThrow();
  });
});
