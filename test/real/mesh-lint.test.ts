import { execFileSync } from "child_process";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { NETBIRD_INSTALL_ENV, NETBIRD_PEER_ENV, managementUrl, netbirdApiSetupScript, netbirdPeerEnrolScript, netbirdServerInstallScript } from "../../components/mesh/render/netbird";
import { AUTHENTIK_INSTALL_ENV, authentikInstallScript } from "../../components/mesh/render/authentik";
import { wrapScript } from "../../components/remote/script";
import { committedMesh } from "../helpers/mesh";
import { authentikArgs, blueprintArgs, serverArgs } from "../mesh/fixtures.test";

const scripts: Record<string, string> = {
  "netbird-install.sh": netbirdServerInstallScript({ server: serverArgs }),
  "netbird-setup.sh": netbirdApiSetupScript({ managementUrl: managementUrl(serverArgs), patFile: "/root/pat", setupKeyDir: "/root/keys", plan: committedMesh().plan }),
  "netbird-enrol.sh": netbirdPeerEnrolScript({ managementUrl: managementUrl(serverArgs), setupKeyFile: "/etc/netbird/setup.key", hostname: "bh-router" }),
  "netbird-enrol-tarball.sh": netbirdPeerEnrolScript({ managementUrl: managementUrl(serverArgs), setupKeyFile: "/etc/netbird/setup.key", hostname: "bh-router", client: { tarballSha256: "e".repeat(64) } }),
  "authentik-install-digest.sh": authentikInstallScript({ ...authentikArgs, imageDigest: "sha256:" + "d".repeat(64), tls: false }),
  "authentik-install.sh": authentikInstallScript(authentikArgs, blueprintArgs),
};

/** The `create` texts the mesh Commands send: wrapper + script, with the secret names they pass on stdin. */
const wrapped: Record<string, string> = {
  "netbird-install-wrapped.sh": wrapScript(scripts["netbird-install.sh"], Object.values(NETBIRD_INSTALL_ENV)),
  "netbird-setup-wrapped.sh": wrapScript(scripts["netbird-setup.sh"], ["NB_PAT"]),
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
