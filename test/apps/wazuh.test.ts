/**
 * Wazuh all-in-one (bo BO-8; decision 233): typed settings, the plan against its service, the
 * rendered indexer/dashboard configuration against the keys upstream's own deployment renders
 * (wazuh/wazuh-ansible v4.14.7 roles/wazuh/wazuh-indexer/templates/opensearch.yml.j2,
 * roles/wazuh/wazuh-dashboard/templates/opensearch_dashboards.yml.j2), the ISM retention policy
 * against the documented shape (wazuh/wazuh-documentation
 * source/user-manual/wazuh-indexer/index-life-management.rst), and the install's pins.
 * test/real/wazuh-certs.test.ts runs the certificate generation, test/real/data-disk.test.ts the disk.
 */
import { parse } from "yaml";
import { loadInventory, ResolvedService } from "../../components/inventory/load";
import { appPlanOf } from "../../components/apps/registry";
import { appContractProblems } from "../../components/apps/contract";
import { ISM_POLICY_ID, renderDashboardYml, renderIsmPolicy, renderOpenSearchYml, WAZUH_APT, WAZUH_DATA_DIR } from "../../components/apps/wazuh";
import { committedInventory, committedPhase, serviceIndex } from "../helpers/inventory";
import { renderSite } from "../helpers/render";

const bo = (app?: Record<string, unknown>) => {
  const inv = committedInventory("bo");
  if (app) inv.services[serviceIndex(inv, "wazuh")].app = { kind: "wazuh", ...app };
  return loadInventory("bo", inv, committedPhase("bo"));
};
const wazuh = (site = bo()) => site.services.find((s) => s.name === "wazuh") as ResolvedService;

describe("Wazuh settings", () => {
  it("defaults: 4.14.7, 30 days, the first data disk, Filebeat 7.10.2-2, 4 weekly snapshots", () => {
    expect(wazuh().app).toEqual({ kind: "wazuh", version: "4.14.7", retentionDays: 30, dataDisk: "/dev/disk/by-id/scsi-0QEMU_QEMU_HARDDISK_drive-scsi1", filebeatVersion: "7.10.2-2", snapshotWeeks: 4 });
  });
  it.each([
    ["a 5.x version", { version: "5.0.0" }, /Wazuh 4\.x release/],
    ["a retention of 0 days", { retentionDays: 0 }, /retentionDays/],
    ["a data disk outside /dev", { dataDisk: "/tmp/disk" }, /device path under \/dev/],
    ["a Filebeat outside 7.10 (Wazuh 4.x ships Filebeat OSS 7.10.2)", { filebeatVersion: "8.0.0-1" }, /Filebeat OSS 7\.10/],
    ["one weekly snapshot (the policy needs max_count > min_count = 1)", { snapshotWeeks: 1 }, /snapshotWeeks/],
  ])("refuses %s", (_what, app, message) => {
    expect(() => bo(app)).toThrow(message);
  });
});

describe("the Wazuh plan", () => {
  const site = bo();
  const p = appPlanOf(wazuh(site), site)!;

  it("agrees with its service: ports, data on the data disk, backup paths", () => {
    expect(appContractProblems(wazuh(site), p)).toEqual([]);
    expect(p.dataPaths).toEqual([WAZUH_DATA_DIR]);
    expect(p.version).toBe("4.14.7");
  });

  it("pins the repository key, the packages and the data disk; secrets only by name", () => {
    expect(WAZUH_APT).toMatchObject({ keyUrl: "https://packages.wazuh.com/key/GPG-KEY-WAZUH", keyFingerprint: "0DCFCA5547B19D2A6099506096B3EE5F29111145", source: "https://packages.wazuh.com/4.x/apt/ stable main" });
    expect(p.script).toMatch(/^WAZUH_VERSION=4\.14\.7$/m);
    for (const pkg of ["wazuh-indexer", "wazuh-manager", "wazuh-dashboard"]) expect(p.script).toContain(`vendor_apt_install ${pkg} "$WAZUH_VERSION-1"`);
    expect(p.script).toContain('ensure_data_disk "$DATA_DISK" "$DATA_DIR"');
    expect(p.secrets.map((s) => s.env).sort()).toEqual(["WAZUH_ADMIN_PASSWORD", "WAZUH_API_PASSWORD", "WAZUH_ENROLMENT_PASSWORD", "WAZUH_KIBANASERVER_PASSWORD", "WAZUH_WUI_PASSWORD"]);
    expect(p.script).toContain("put_env WAZUH_ENROLMENT_PASSWORD /var/ossec/etc/authd.pass 0640 root:wazuh");
    expect(p.script).toMatch(/^HEAP_MB=8192$/m); // 16 GiB VM: half, at most 8 GiB (seed: heap = 8GB)
  });

  it("the indexer: single node on the VM's address, data on the disk, its own CA's certificates, DNs matching wazuh-certs.sh", () => {
    const y = parse(renderOpenSearchYml("192.168.9.26"));
    // Every key is one upstream's opensearch.yml.j2 renders (v4.14.7), or discovery.type (its single_node branch).
    const upstream = [
      "network.host", "node.name", "discovery.type", "cluster.name", "path.data", "path.logs",
      "plugins.security.ssl.http.pemcert_filepath", "plugins.security.ssl.http.pemkey_filepath", "plugins.security.ssl.http.pemtrustedcas_filepath",
      "plugins.security.ssl.transport.pemcert_filepath", "plugins.security.ssl.transport.pemkey_filepath", "plugins.security.ssl.transport.pemtrustedcas_filepath",
      "plugins.security.ssl.http.enabled", "plugins.security.ssl.transport.enforce_hostname_verification", "plugins.security.ssl.transport.resolve_hostname",
      "plugins.security.authcz.admin_dn", "plugins.security.nodes_dn", "plugins.security.check_snapshot_restore_write_privileges", "plugins.security.enable_snapshot_restore_privilege",
      "plugins.security.restapi.roles_enabled", "plugins.security.system_indices.enabled", "compatibility.override_main_response_version",
    ];
    // path.repo: OpenSearch's own setting (opensearch-project/OpenSearch server/src/main/java/org/opensearch/env/
    // Environment.java PATH_REPO_SETTING, a list), the snapshot repository's root (decision 303).
    expect(Object.keys(y).filter((k) => !upstream.includes(k))).toEqual(["path.repo"]);
    expect(y["path.repo"]).toEqual(["/var/lib/wazuh-indexer/snapshots"]);
    expect(y).toMatchObject({ "network.host": "192.168.9.26", "discovery.type": "single-node", "path.data": WAZUH_DATA_DIR });
    expect(y["plugins.security.authcz.admin_dn"]).toEqual(["CN=admin,OU=Wazuh,O=homelab"]);
    expect(y["plugins.security.nodes_dn"]).toEqual(["CN=indexer,OU=Wazuh,O=homelab"]);
  });

  it("the dashboard: 443 on the VM's address, the indexer over TLS with its CA (user kibanaserver in its keystore)", () => {
    const y = parse(renderDashboardYml("192.168.9.26"));
    expect(y).toMatchObject({ "server.host": "192.168.9.26", "server.port": 443, "opensearch.hosts": ["https://192.168.9.26:9200"], "server.ssl.enabled": true });
    expect(y["opensearch.ssl.certificateAuthorities"]).toEqual(["/etc/wazuh-dashboard/certs/root-ca.pem"]);
  });

  it("the ISM policy deletes alert and archive indices after retentionDays, above the rollover policy's priority", () => {
    const doc = JSON.parse(renderIsmPolicy(30));
    expect(Object.keys(doc)).toEqual(["policy"]);
    const pol = doc.policy;
    expect(pol.default_state).toBe("retention");
    expect(pol.states.map((s: any) => s.name)).toEqual(["retention", "delete"]);
    expect(pol.states[0].transitions).toEqual([{ state_name: "delete", conditions: { min_index_age: "30d" } }]);
    expect(pol.states[1].actions).toEqual([{ retry: { count: 3, backoff: "exponential", delay: "1m" }, delete: {} }]);
    expect(pol.ism_template).toEqual([{ index_patterns: ["wazuh-alerts-*", "wazuh-archives-*"], priority: 100 }]);
    expect(JSON.parse(renderIsmPolicy(7)).policy.states[0].transitions[0].conditions.min_index_age).toBe("7d");
    expect(p.script).toMatch(new RegExp(`^ISM_POLICY_ID=${ISM_POLICY_ID}$`, "m"));
  });
});

describe("bo renders Wazuh", () => {
  it("one AppInstall with its generated secrets on stdin and its restic agent", async () => {
    const r = await renderSite("bo");
    const install = r.resources.find((x) => x.name === "bo-wazuh-app-install")!;
    const names = String(install.props.stdin).split("\n").filter(Boolean).map((l) => l.split("=")[0]);
    expect(names).toEqual(expect.arrayContaining(["WAZUH_ENROLMENT_PASSWORD", "WAZUH_ADMIN_PASSWORD", "WAZUH_KIBANASERVER_PASSWORD", "WAZUH_API_PASSWORD", "WAZUH_WUI_PASSWORD"]));
    for (const n of names) expect(String(install.props.create)).not.toMatch(new RegExp(`^${n}=\\S`, "m"));
    // The API users' passwords follow the API's rule (wazuh/wazuh v4.14.7 framework/wazuh/security.py
    // `_user_password`: a lower, an upper, a digit and a non-alphanumeric, 8-64 long).
    for (const env of ["wazuh-api-password", "wazuh-wui-password"]) {
      const pw = r.resources.find((x) => x.name === `bo-wazuh-app-${env}`)!;
      expect(pw.props).toMatchObject({ length: 32, special: true, overrideSpecial: "-_.", minLower: 1, minUpper: 1, minNumeric: 1, minSpecial: 1 });
    }
    expect(r.resources.some((x) => x.name === "bo-wazuh-backup-setup")).toBe(true);
  });
});

describe("Wazuh agents on the seed's log sources", () => {
  it("bo: authentik, NetBird and PostgreSQL get an agent, enrolled with the manager's password, after the manager", async () => {
    const { wazuhAgentGuests } = await import("../../components/apps/wazuhAgents");
    expect(wazuhAgentGuests(bo()).map((s) => s.name).sort()).toEqual(["authentik", "netbird", "postgres"]);
    const r = await renderSite("bo");
    for (const g of ["authentik", "netbird", "postgres"]) {
      const c = r.resources.find((x) => x.name === `bo-${g}-wazuh-agent`)!;
      expect(String(c.props.stdin).split("\n").map((l) => l.split("=")[0])).toContain("WAZUH_ENROLMENT_PASSWORD");
      const script = String(c.props.create);
      expect(script).toMatch(/^WAZUH_MANAGER=192\.168\.9\.26$/m);
      expect(script).toMatch(/^WAZUH_VERSION=4\.14\.7$/m);
      expect(script).toContain('vendor_apt_install wazuh-agent "$WAZUH_VERSION-1"');
    }
  });
});
