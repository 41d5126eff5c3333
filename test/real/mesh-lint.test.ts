import { execFileSync, spawnSync } from "child_process";
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { NETBIRD_INSTALL_ENV, NETBIRD_PEER_ENV, managementUrl, netbirdApiSetupScript, netbirdPeerEnrolScript, netbirdServerInstallScript } from "../../components/mesh/render/netbird";
import { AUTHENTIK_INSTALL_ENV, authentikInstallScript } from "../../components/mesh/render/authentik";
import { encodeSecrets, wrapScript } from "../../components/remote/script";
import { committedMesh } from "../helpers/mesh";
import { authentikArgs, blueprintArgs, serverArgs } from "../mesh/fixtures.test";

const scripts: Record<string, string> = {
  "netbird-install.sh": netbirdServerInstallScript({ server: serverArgs }),
  "netbird-setup.sh": netbirdApiSetupScript({
    managementUrl: managementUrl(serverArgs),
    patFile: "/root/pat",
    idp: { tokenEndpoint: "https://auth.bo.home.arpa/application/o/token/", clientId: "netbird", username: "netbird-svc" },
    setupKeyDir: "/root/keys",
    plan: committedMesh().plan,
  }),
  "netbird-enrol.sh": netbirdPeerEnrolScript({ managementUrl: managementUrl(serverArgs), setupKeyFile: "/etc/netbird/setup.key", hostname: "bh-router" }),
  "netbird-enrol-tarball.sh": netbirdPeerEnrolScript({ managementUrl: managementUrl(serverArgs), setupKeyFile: "/etc/netbird/setup.key", hostname: "bh-router", client: { tarballSha256: "e".repeat(64) } }),
  "authentik-install-digest.sh": authentikInstallScript({ ...authentikArgs, imageDigest: "sha256:" + "d".repeat(64), tls: false }),
  "authentik-install.sh": authentikInstallScript(authentikArgs, blueprintArgs),
};

/** The `create` texts the mesh Commands send: wrapper + script, with the secret names they pass on stdin. */
const wrapped: Record<string, string> = {
  "netbird-install-wrapped.sh": wrapScript(scripts["netbird-install.sh"], Object.values(NETBIRD_INSTALL_ENV)),
  "netbird-setup-wrapped.sh": wrapScript(scripts["netbird-setup.sh"], ["NB_PAT", "NB_IDP_SA_PASSWORD"]),
  "netbird-enrol-wrapped.sh": wrapScript(scripts["netbird-enrol.sh"], Object.values(NETBIRD_PEER_ENV)),
  "authentik-install-wrapped.sh": wrapScript(scripts["authentik-install.sh"], [
    ...Object.values(AUTHENTIK_INSTALL_ENV),
    "NB_IDP_SA_PASSWORD",
    "GITEA_OIDC_CLIENT_SECRET",
    "N8N_OIDC_CLIENT_SECRET",
    "PAPERLESS_OIDC_CLIENT_SECRET",
  ]),
};

describe("shellcheck on the mesh Commands' create texts (wrapped), as sh and bash", () => {
  const dir = mkdtempSync(join(tmpdir(), "mesh-wrapped-lint-"));
  for (const [name, text] of Object.entries(wrapped)) {
    for (const shell of ["sh", "bash"]) {
      it(`${name} (${shell})`, () => {
        const file = join(dir, name);
        writeFileSync(file, text);
        execFileSync(shell, ["-n", file]);
        try {
          execFileSync("shellcheck", ["-s", shell, "-S", "style", file], { encoding: "utf8" });
        } catch (e: any) {
          throw new Error(`${name}:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
        }
      });
    }
  }
});

describe("shellcheck on rendered mesh scripts", () => {
  const dir = mkdtempSync(join(tmpdir(), "mesh-lint-"));
  for (const [name, text] of Object.entries(scripts)) {
    it(`${name} passes shellcheck and bash -n`, () => {
      const file = join(dir, name);
      writeFileSync(file, text);
      execFileSync("bash", ["-n", file]);
      try {
        execFileSync("shellcheck", ["-s", "bash", "-S", "style", file], { encoding: "utf8" });
      } catch (e: any) {
        throw new Error(`${name}:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
      }
    });
  }
});

describe("peer enrolment before the coordinator exported a setup key (real bash, the Command's wrapper)", () => {
  it("exits 0 without touching the host or running netbird up", () => {
    const dir = mkdtempSync(join(tmpdir(), "mesh-enrol-skip-"));
    // Every tool the script would use past the skip records its call: none may run.
    const calls = join(dir, "calls");
    for (const tool of ["netbird", "apt-get", "curl", "systemctl", "dpkg", "install", "update-ca-certificates", "gpg"]) {
      writeFileSync(join(dir, tool), `#!/bin/sh\necho ${tool} "$@" >>${calls}\nexit 1\n`);
      chmodSync(join(dir, tool), 0o755);
    }
    const create = wrapScript(scripts["netbird-enrol.sh"], Object.values(NETBIRD_PEER_ENV));
    const stdin = encodeSecrets({ NB_SETUP_KEY: "", HOMELAB_CA_CERT: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----" });
    const r = spawnSync("sh", ["-c", create], { input: stdin, encoding: "utf8", env: { PATH: `${dir}:/usr/bin:/bin` } });
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout).toMatch(/^skipped: no setup key for bh-router yet/);
    expect(existsSync(calls)).toBe(false);
  });
});
