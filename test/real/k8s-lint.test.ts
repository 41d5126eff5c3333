/**
 * shellcheck on the generated k3s scripts, and their behaviour against fake k3s/systemctl/curl
 * (requires the shellcheck binary).
 */
import { execFileSync, spawnSync } from "child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { k3sAgentScript, k3sKubeconfigScript, k3sPrereqScript, k3sServerScript } from "../../components/k8s/render/k3s";
import { K3S_VERSION } from "../../components/k8s/render/versions";
import { wrapScript } from "../../components/remote/script";
import { K3S_TOKEN_ENV } from "../../components/k8s/k3sCluster";

const scripts: Record<string, string> = {
  "server.sh": k3sServerScript({ serverAddress: "192.168.2.159", nodeLabels: { "nvidia.com/gpu.present": "true" } }),
  "server-plain.sh": k3sServerScript({ serverAddress: "orion-master.lan", disable: ["traefik"], extraTlsSans: ["192.168.2.60"] }),
  "agent.sh": k3sAgentScript({ serverAddress: "192.168.2.159" }),
  "agent-v6.sh": k3sAgentScript({ serverAddress: "fd00::10", nodeLabels: { "homelab/role": "worker" } }),
  "kubeconfig.sh": k3sKubeconfigScript({ serverAddress: "192.168.2.159" }),
  "prereqs-longhorn.sh": k3sPrereqScript({ longhorn: true, nvidia: false }),
  "prereqs-gpu.sh": k3sPrereqScript({ longhorn: true, nvidia: true }),
};

/** The `create` texts K3sCluster sends (wrapper + script; token on stdin, root via sudo when needed). */
const wrapped: Record<string, string> = {
  "server-wrapped.sh": wrapScript(scripts["server.sh"], [K3S_TOKEN_ENV], { sudo: true }),
  "agent-wrapped.sh": wrapScript(scripts["agent.sh"], [K3S_TOKEN_ENV], { sudo: true }),
  "prereqs-wrapped.sh": wrapScript(scripts["prereqs-gpu.sh"], [], { sudo: true }),
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
});

/**
 * A node in a temp directory: fake k3s (prints a version), systemctl and curl (log their calls),
 * an installer that logs its arguments, install(1) without chown, dpkg that says "installed".
 */
function fakeNode(version: string) {
  const root = mkdtempSync(path.join(tmpdir(), "k3s-node-"));
  const bin = path.join(root, "bin");
  const calls = path.join(root, "calls");
  const exe = (name: string, body: string) => {
    writeFileSync(path.join(root, "x"), "", { flag: "a" });
    execFileSync("mkdir", ["-p", bin]);
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };
  exe("k3s", `echo "k3s version ${version} (deadbeef)"; echo "go version go1.24"`);
  exe("systemctl", `echo "systemctl $*" >>'${calls}'; exit 0`);
  exe("dpkg", "exit 0");
  exe("curl", `echo "curl $*" >>'${calls}'; while [ $# -gt 0 ]; do if [ "$1" = -o ]; then printf '%s\\n' 'echo "installer $* version=$INSTALL_K3S_VERSION token=\${K3S_TOKEN:+set}" >>'"'${calls}'" >"$2"; fi; shift; done`);
  exe("install", `for last; do :; done; src=""; prev=""; for a; do if [ "$a" = "$last" ]; then src="$prev"; fi; prev="$a"; done; mkdir -p "$(dirname "$last")"; cp "$src" "$last"`);
  const config = path.join(root, "etc/config.yaml");
  const systemd = path.join(root, "systemd");
  execFileSync("mkdir", ["-p", systemd]);
  const localise = (script: string) =>
    script.replace(/^K3S_CONFIG_FILE=.*$/m, `K3S_CONFIG_FILE=${config}`).replace(/^K3S_SYSTEMD_DIR=.*$/m, `K3S_SYSTEMD_DIR=${systemd}`);
  const run = (script: string) => {
    const file = path.join(root, "script.sh");
    writeFileSync(file, localise(script));
    writeFileSync(calls, "");
    const r = spawnSync("bash", [file], { encoding: "utf8", env: { PATH: `${bin}:/usr/bin:/bin`, K3S_TOKEN: "t0ken" } });
    return { status: r.status, stderr: r.stderr, calls: readFileSync(calls, "utf8") };
  };
  return { root, config, systemd, run, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

describe("k3s node script behaviour (config file, restart on change, installer only when needed)", () => {
  const server = scripts["server.sh"];
  test("pinned version running: writes the config and restarts k3s once; unchanged config is a no-op; a changed flag restarts again", () => {
    const n = fakeNode(K3S_VERSION);
    try {
      writeFileSync(path.join(n.systemd, "k3s.service"), "[Service]\nExecStart=/usr/local/bin/k3s \\\n    server \\\n\n");
      const first = n.run(server);
      expect(first.stderr).toContain("changed: restarting k3s");
      expect(first.status).toBe(0);
      expect(first.calls).toContain("systemctl restart k3s");
      expect(first.calls).not.toContain("curl");
      expect(readFileSync(n.config, "utf8")).toContain('"192.168.2.159"');

      const second = n.run(server);
      expect(second.status).toBe(0);
      expect(second.stderr).toContain("nothing to do");
      expect(second.calls).not.toContain("restart");

      // The defect: --tls-san / --disable changes never reached a node that ran the pinned version.
      const changed = k3sServerScript({ serverAddress: "192.168.2.159", nodeLabels: { "nvidia.com/gpu.present": "true" }, extraTlsSans: ["k3s.example.org"] });
      const third = n.run(changed);
      expect(third.status).toBe(0);
      expect(third.calls).toContain("systemctl restart k3s");
      expect(readFileSync(n.config, "utf8")).toContain('"k3s.example.org"');
    } finally {
      n.cleanup();
    }
  });

  test("a unit that still carries installer flags is re-installed with the role only", () => {
    const n = fakeNode(K3S_VERSION);
    try {
      writeFileSync(path.join(n.systemd, "k3s.service"), "[Service]\nExecStart=/usr/local/bin/k3s \\\n    server \\\n\t'--disable' \\\n\t'traefik' \\\n\n");
      const r = n.run(server);
      expect(r.status).toBe(0);
      expect(r.calls).toMatch(new RegExp(`installer server version=${K3S_VERSION.replace(/\+/g, "\\+")} token=set`));
    } finally {
      n.cleanup();
    }
  });

  test("another version installed: the installer runs (role only, token from the environment)", () => {
    const n = fakeNode("v1.33.0+k3s1");
    try {
      writeFileSync(path.join(n.systemd, "k3s-agent.service"), "[Service]\nExecStart=/usr/local/bin/k3s \\\n    agent \\\n\n");
      const r = n.run(scripts["agent.sh"]);
      expect(r.status).toBe(0);
      expect(r.calls).toContain(`installer agent version=${K3S_VERSION} token=set`);
      expect(readFileSync(n.config, "utf8")).toContain('server: "https://192.168.2.159:6443"');
    } finally {
      n.cleanup();
    }
  });

  test("exits 64 without K3S_TOKEN and writes nothing", () => {
    const n = fakeNode(K3S_VERSION);
    try {
      const file = path.join(n.root, "s.sh");
      writeFileSync(file, server.replace(/^K3S_CONFIG_FILE=.*$/m, `K3S_CONFIG_FILE=${n.config}`));
      const r = spawnSync("bash", [file], { encoding: "utf8", env: { PATH: "/usr/bin:/bin" } });
      expect(r.status).toBe(64);
      expect(r.stderr).toContain("K3S_TOKEN");
      expect(existsSync(n.config)).toBe(false);
    } finally {
      n.cleanup();
    }
  });
});
