/** Runs shellcheck on the generated k3s scripts (requires the shellcheck binary). */
import { execFileSync, spawnSync } from "child_process";
import { mkdtempSync, writeFileSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { k3sAgentScript, k3sKubeconfigScript, k3sServerScript } from "../../components/k8s/render/k3s";
import { wrapScript } from "../../components/remote/script";
import { K3S_TOKEN_ENV } from "../../components/k8s/k3sCluster";

const scripts: Record<string, string> = {
  "server.sh": k3sServerScript({ serverAddress: "192.168.2.159", nodeLabels: { "nvidia.com/gpu.present": "true" } }),
  "server-plain.sh": k3sServerScript({ serverAddress: "orion-master.lan", disable: ["traefik"], extraTlsSans: ["192.168.2.60"] }),
  "agent.sh": k3sAgentScript({ serverAddress: "192.168.2.159" }),
  "agent-v6.sh": k3sAgentScript({ serverAddress: "fd00::10", nodeLabels: { "homelab/role": "worker" } }),
  "kubeconfig.sh": k3sKubeconfigScript({ serverAddress: "192.168.2.159" }),
};

/** The `create` texts K3sCluster sends (wrapper + script; token on stdin, root via sudo when needed). */
const wrapped: Record<string, string> = {
  "server-wrapped.sh": wrapScript(scripts["server.sh"], [K3S_TOKEN_ENV], { sudo: true }),
  "agent-wrapped.sh": wrapScript(scripts["agent.sh"], [K3S_TOKEN_ENV], { sudo: true }),
};

describe("k3s Command create texts (wrapped) pass shellcheck as sh and bash", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "k3s-wrapped-lint-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(wrapped)) {
    for (const shell of ["sh", "bash"]) {
      test(`${name} (${shell})`, () => {
        const file = path.join(dir, name);
        writeFileSync(file, text);
        const r = spawnSync("shellcheck", [`--shell=${shell}`, "--severity=style", file], { encoding: "utf8" });
        expect(r.stdout + r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(spawnSync(shell, ["-n", file]).status).toBe(0);
      });
    }
  }
});

describe("k3s scripts pass shellcheck", () => {
  let dir: string;
  beforeAll(() => {
    execFileSync("shellcheck", ["--version"]);
    dir = mkdtempSync(path.join(tmpdir(), "k3s-lint-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, text] of Object.entries(scripts)) {
    test(name, () => {
      const file = path.join(dir, name);
      writeFileSync(file, text, { mode: 0o755 });
      const r = spawnSync("shellcheck", ["--shell=bash", "--severity=style", file], { encoding: "utf8" });
      expect(r.stdout + r.stderr).toBe("");
      expect(r.status).toBe(0);
      const syntax = spawnSync("bash", ["-n", file], { encoding: "utf8" });
      expect(syntax.status).toBe(0);
    });
  }

  test("server script is a no-op when the pinned version is installed and active", () => {
    const bin = mkdtempSync(path.join(tmpdir(), "k3s-fake-"));
    writeFileSync(path.join(bin, "k3s"), '#!/bin/sh\necho "k3s version v1.34.2+k3s1 (deadbeef)"\necho "go version go1.24"\n', { mode: 0o755 });
    writeFileSync(path.join(bin, "systemctl"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    writeFileSync(path.join(bin, "curl"), "#!/bin/sh\necho curl must not run >&2\nexit 99\n", { mode: 0o755 });
    const r = spawnSync("bash", [path.join(dir, "server.sh")], { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin`, K3S_TOKEN: "t" } });
    rmSync(bin, { recursive: true, force: true });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("nothing to do");
  });

  test("server script exits 64 without K3S_TOKEN and does nothing else", () => {
    const file = path.join(dir, "server.sh");
    const r = spawnSync("bash", [file], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
    expect(r.status).toBe(64);
    expect(r.stderr).toContain("K3S_TOKEN");
  });
});
