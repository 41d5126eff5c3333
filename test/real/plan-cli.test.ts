/** The `plan` command as a user runs it. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "../..");
function plan(args: string[], cwd = root) {
  return spawnSync(process.execPath, ["-r", path.join(root, "scripts/lib/register.js"), path.join(root, "scripts/plan.ts"), ...args], { cwd, encoding: "utf8", timeout: 60000 });
}

describe("npm run plan", () => {
  it("--json prints exactly one JSON object with resources, hosts and violations", () => {
    const r = plan(["ep", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.site).toBe("ep");
    expect(doc.violations).toEqual([]);
    const ct = doc.resources.find((x: any) => x.name === "ep-odoo" && x.type === "proxmoxve:index/containerLegacy:ContainerLegacy");
    expect(ct).toMatchObject({ urn: expect.stringMatching(/^urn:pulumi:ep::homelab::/), parent: expect.stringContaining("homelab:proxmox:LxcService"), inputs: { vmId: 301 } });
    expect(ct.inputs.initialization.userAccount.password).toBe("[secret]");
    expect(doc.hosts).toEqual([expect.objectContaining({ host: "ep-01-sn", cores: 10, coreBudget: 16, memoryGiB: 28, memoryBudgetGiB: 30 })]);
  });

  it("the table output shows hosts and the address plan", () => {
    const r = plan(["bh"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Hosts \(used \/ capacity\)/);
    expect(r.stdout).toMatch(/bh-21100\s+5\s+14\/16\s+30\.0\/30/);
    expect(r.stdout).toMatch(/192\.168\.50\.22\s+pg-replica\s+lxc\s+bh-21100\s+203/);
  });

  it("the table output shows the router's policy and the monitoring targets", () => {
    const orion = plan(["orion"]);
    expect(orion.status).toBe(0);
    expect(orion.stdout).toMatch(/\nRouter\n {2}bgp:\n[\s\S]*announced:\n {6}- 2602:f674::\/48\n/);
    expect(orion.stdout).toMatch(/192\.168\.100\.0\/24 masqueraded on wan/);
    const bo = plan(["bo"]);
    expect(bo.stdout).toMatch(/\nMonitoring\n[\s\S]*\n {2}prometheus: bo\/prometheus \(192\.168\.9\.23:9090\)\n/);
  });

  /** A temp directory of stack files (copies of the committed ones, edited); removed after the test. Never the repository. */
  function withStackDir(edit: Record<string, (text: string) => string>, fn: (dir: string) => void): void {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-stacks-"));
    try {
      for (const f of fs.readdirSync(root).filter((f) => /^Pulumi\.[a-z0-9-]+\.yaml$/.test(f))) fs.copyFileSync(path.join(root, f), path.join(dir, f));
      for (const [file, fix] of Object.entries(edit)) {
        const original = path.join(dir, file);
        fs.writeFileSync(original, fix(fs.existsSync(original) ? fs.readFileSync(original, "utf8") : fs.readFileSync(path.join(root, "Pulumi.ep.yaml"), "utf8")));
      }
      fn(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const repoStackFiles = () => fs.readdirSync(root).filter((f) => /^Pulumi\..*\.yaml$/.test(f)).sort();

  it("a bad inventory exits non-zero with one line and no stack trace (stack files from --root)", () => {
    const before = repoStackFiles();
    withStackDir({ "Pulumi.eptest.yaml": (t) => t.replace("ipv4: 192.168.30.22", "ipv4: 192.168.31.22") }, (dir) => {
      const r = plan(["eptest", "--root", dir], dir);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toEqual(['homelab: site "eptest": inventory.services[4].ipv4 = "192.168.31.22": outside network "lan" 192.168.30.0/24 (service "pg-replica")']);
      expect(r.status).toBe(1);
    });
    expect(repoStackFiles()).toEqual(before);
  });

  it("HOMELAB_STACK_DIR names the stack directory too", () => {
    withStackDir({ "Pulumi.eptest.yaml": (t) => t.replace("timezone: America/Chicago", "timezone: America/Chicgo") }, (dir) => {
      const r = spawnSync(process.execPath, ["-r", path.join(root, "scripts/lib/register.js"), path.join(root, "scripts/plan.ts"), "eptest"], { cwd: dir, encoding: "utf8", timeout: 60000, env: { ...process.env, HOMELAB_STACK_DIR: dir } });
      expect(r.stderr.trim().split("\n")).toEqual(['homelab: site "eptest": inventory.timezone = "America/Chicgo": not an IANA time zone (e.g. America/Chicago, Europe/Berlin, UTC)']);
      expect(r.status).toBe(1);
    });
  });

  it("a YAML syntax error names the file, line and column, in one line", () => {
    withStackDir({ "Pulumi.eptest.yaml": () => "config:\n  homelab:phase: 2\n  homelab:inventory: [1\n  homelab:other: 3\n" }, (dir) => {
      const r = plan(["eptest", "--root", dir], dir);
      expect(r.stderr.trim().split("\n")).toEqual(["homelab: Pulumi.eptest.yaml:4:3: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]"]);
      expect(r.status).toBe(1);
    });
  });

  it("a sibling that does not load is reported as its own error, from the site that reads it", () => {
    withStackDir({ "Pulumi.bo.yaml": (t) => t.replace("timezone: America/Chicago", "timezone: Mars/Olympus") }, (dir) => {
      const r = plan(["bh", "--root", dir], dir);
      expect(r.stderr.trim().split("\n")).toEqual(['homelab: site "bh": sibling site "bo" does not load: site "bo": inventory.timezone = "Mars/Olympus": not an IANA time zone (e.g. America/Chicago, Europe/Berlin, UTC)']);
      expect(r.status).toBe(1);
    });
  });

  // The other spellings (abc, -1, 10, --phase=x, no value) are unit tests of parsePhaseArgument in test/inventory/stackFiles.test.ts.
  it("a bad phase argument is echoed as typed, in one line", () => {
    const r = plan(["bo", "--phase", "1.5"]);
    expect(r.stderr.trim().split("\n")).toEqual(["homelab: --phase 1.5: the phase must be an integer from 0 to 9"]);
    expect(r.stdout).toBe("");
    expect(r.status).toBe(1);
  });

  it("an unknown site names the sites that exist", () => {
    const r = plan(["nowhere"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^homelab: no stack file Pulumi\.nowhere\.yaml \(sites: bh, bo, ep, hx310-db, orion, ryzen9, sector7\)/);
  });
});
