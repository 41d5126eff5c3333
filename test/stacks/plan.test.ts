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

  it("a bad inventory exits non-zero with one line and no stack trace", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-"));
    const text = fs.readFileSync(path.join(root, "Pulumi.ep.yaml"), "utf8").replace("ipv4: 192.168.30.22", "ipv4: 192.168.31.22");
    fs.writeFileSync(path.join(root, "Pulumi.eptest.yaml"), text);
    try {
      const r = plan(["eptest"], dir);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toEqual(['homelab: site "eptest": inventory.services[4].ipv4 = "192.168.31.22": outside network "lan" 192.168.30.0/24 (service "pg-replica")']);
    } finally {
      fs.rmSync(path.join(root, "Pulumi.eptest.yaml"));
    }
  });

  it("an unknown site names the sites that exist", () => {
    const r = plan(["nowhere"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^homelab: no stack file Pulumi\.nowhere\.yaml \(sites: bh, bo, ep, hx310-db, orion, ryzen9, sector7\)/);
  });
});
