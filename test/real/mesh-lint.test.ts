import { execFileSync } from "child_process";
import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import { join } from "path";
import { managementUrl, netbirdApiSetupScript, netbirdPeerEnrolScript, netbirdServerInstallScript } from "../../components/mesh/render/netbird";
import { authentikInstallScript } from "../../components/mesh/render/authentik";
import { homelabMeshPlan } from "../../components/mesh/render/meshPolicy";
import { authentikArgs, blueprintArgs, serverArgs } from "../mesh/fixtures.test";

const scripts: Record<string, string> = {
  "netbird-install.sh": netbirdServerInstallScript({ server: serverArgs }),
  "netbird-setup.sh": netbirdApiSetupScript({ managementUrl: managementUrl(serverArgs), patFile: "/root/pat", setupKeyDir: "/root/keys", plan: homelabMeshPlan() }),
  "netbird-enrol.sh": netbirdPeerEnrolScript({ managementUrl: managementUrl(serverArgs), setupKeyFile: "/etc/netbird/setup.key", hostname: "bh-router" }),
  "netbird-enrol-tarball.sh": netbirdPeerEnrolScript({ managementUrl: managementUrl(serverArgs), setupKeyFile: "/etc/netbird/setup.key", hostname: "bh-router", client: { tarballSha256: "e".repeat(64) } }),
  "authentik-install-digest.sh": authentikInstallScript({ ...authentikArgs, imageDigest: "sha256:" + "d".repeat(64), tls: false }),
  "authentik-install.sh": authentikInstallScript(authentikArgs, blueprintArgs),
};

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
