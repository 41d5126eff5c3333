/**
 * What decision 233 left open on Wazuh (decisions 300–304): Filebeat's rendered configuration against
 * the keys upstream's own deployments write, the pinned template and module files, the dashboard's API
 * entry, the snapshot repository and policy against the index-management plugin's model, and the agents
 * on every site of the organisation. Sources (checked at the pinned tags):
 * - wazuh/wazuh-installation-assistant branch 4.14.7 config/filebeat/filebeat_assistant.yml (keys) and
 *   install_functions/filebeat.sh (certs in /etc/filebeat/certs, keystore `username`/`password`);
 *   wazuh/wazuh-ansible v4.14.7 roles/wazuh/ansible-filebeat-oss/templates/filebeat.yml.j2
 *   (`setup.template.overwrite`) and roles/wazuh/wazuh-dashboard/templates/wazuh.yml.j2 (API entry keys);
 * - wazuh/wazuh v4.14.7 extensions/filebeat/7.x/wazuh-module/README.md (the ten files of the module),
 *   etc/templates/config/generic/wodle-indexer.manager.template (the manager's indexer certificates);
 * - opensearch-project/index-management 2.19.0.0 snapshotmanagement/model/SMPolicy.kt.
 * test/real/wazuh-filebeat.test.ts and wazuh-api-users.test.ts run the scripts.
 */
import { parse } from "yaml";
import { loadInventory, ResolvedService } from "../../components/inventory/load";
import { appPlanOf } from "../../components/apps/registry";
import { WAZUH_DATA_DIR } from "../../components/apps/wazuh";
import { renderDashboardApiYml, renderFilebeatYml, renderSmPolicy, renderSnapshotRepo, SNAPSHOT_DIR, SNAPSHOT_REPO, WAZUH_SOURCE_PINS, WUI_PASSWORD_TOKEN } from "../../components/apps/wazuhIndexing";
import { wazuhAgentGuests, wazuhAgentReach } from "../../components/apps/wazuhAgents";
import { requiredFlowsFrom } from "../../components/mesh/render/meshPolicy";
import { committedInventory, committedPhase, serviceIndex } from "../helpers/inventory";
import { committedSite } from "../helpers/mesh";
import { renderSite } from "../helpers/render";

const bo = (app?: Record<string, unknown>) => {
  const inv = committedInventory("bo");
  if (app) inv.services[serviceIndex(inv, "wazuh")].app = { kind: "wazuh", ...app };
  return loadInventory("bo", inv, committedPhase("bo"));
};
const planOf = (site = bo()) => appPlanOf(site.services.find((s) => s.name === "wazuh") as ResolvedService, site)!;

/** Dotted paths of a parsed YAML mapping (lists are leaves). */
function keys(o: Record<string, unknown>, prefix = ""): string[] {
  return Object.entries(o).flatMap(([k, v]) => (v && typeof v === "object" && !Array.isArray(v) ? keys(v as Record<string, unknown>, `${prefix}${k}.`) : [`${prefix}${k}`]));
}

describe("Filebeat", () => {
  const y = parse(renderFilebeatYml("192.168.9.26"));

  it("writes exactly the keys of upstream's all-in-one filebeat.yml, plus ansible's setup.template.overwrite", () => {
    // filebeat_assistant.yml (4.14.7): output.elasticsearch.{hosts, protocol, username, password, ssl.*},
    // setup.template.json.*, setup.ilm.{overwrite,enabled}, filebeat.modules, logging.*, seccomp.
    const upstream = [
      "output.elasticsearch.hosts", "output.elasticsearch.protocol", "output.elasticsearch.username", "output.elasticsearch.password",
      "output.elasticsearch.ssl.certificate_authorities", "output.elasticsearch.ssl.certificate", "output.elasticsearch.ssl.key",
      "setup.template.json.enabled", "setup.template.json.path", "setup.template.json.name", "setup.ilm.overwrite", "setup.ilm.enabled",
      "filebeat.modules", "logging.level", "logging.to_files", "logging.files.path", "logging.files.name", "logging.files.keepfiles", "logging.files.permissions",
      "logging.metrics.enabled", "seccomp.default_action", "seccomp.syscalls",
      "setup.template.overwrite",
    ];
    expect(keys(y).sort()).toEqual([...upstream].sort());
  });

  it("sends the alerts (not the archives) to the indexer over TLS with the keystore's credentials", () => {
    const out = y["output.elasticsearch"];
    expect(out.hosts).toEqual(["192.168.9.26:9200"]);
    expect(out.protocol).toBe("https");
    expect([out.username, out.password]).toEqual(["${username}", "${password}"]);
    // The manager's own <indexer> block reads the same three files (wodle-indexer.manager.template).
    expect([out["ssl.certificate_authorities"], out["ssl.certificate"], out["ssl.key"]]).toEqual([["/etc/filebeat/certs/root-ca.pem"], "/etc/filebeat/certs/filebeat.pem", "/etc/filebeat/certs/filebeat-key.pem"]);
    expect(y["filebeat.modules"]).toEqual([{ module: "wazuh", alerts: { enabled: true }, archives: { enabled: false } }]);
    expect(y["setup.template.json.path"]).toBe("/etc/filebeat/wazuh-template.json");
    expect(y["setup.template.json.name"]).toBe("wazuh");
  });

  it("pins the template and the ten module files the module's README lists, fetched from the release tag", () => {
    const pins = WAZUH_SOURCE_PINS["4.14.7"];
    expect(Object.keys(pins.module).sort()).toEqual(
      [
        "module.yml", "_meta/config.yml", "_meta/docs.asciidoc", "_meta/fields.yml",
        "alerts/manifest.yml", "alerts/config/alerts.yml", "alerts/ingest/pipeline.json",
        "archives/manifest.yml", "archives/config/archives.yml", "archives/ingest/pipeline.json",
      ].sort(),
    );
    for (const sha of [pins.template, ...Object.values(pins.module)]) expect(sha).toMatch(/^[0-9a-f]{64}$/);
    const p = planOf();
    expect(p.script).toMatch(/^WAZUH_RAW_BASE=https:\/\/raw\.githubusercontent\.com\/wazuh\/wazuh\/v4\.14\.7$/m);
    expect(p.script).toContain(`WAZUH_TEMPLATE_SHA256=${pins.template}`);
    expect(p.script).toMatch(/^FILEBEAT_VERSION=7\.10\.2-2$/m);
    expect(p.script).toContain('vendor_apt_install filebeat "$FILEBEAT_VERSION"');
    expect(p.script).toContain("wait_until \"Filebeat reaches the indexer\" filebeat test output");
    expect(p.source).toMatchObject({ type: "apt", package: expect.stringContaining("filebeat=7.10.2-2") });
  });

  it("a release without pins stops the install before it changes anything, naming the table", () => {
    const p = planOf(bo({ version: "4.14.6" }));
    expect(p.script).toMatch(/^WAZUH_TEMPLATE_SHA256=''$/m);
    const hint = p.script.indexOf('[ -n "$WAZUH_TEMPLATE_SHA256" ] || die');
    expect(hint).toBeGreaterThan(0);
    expect(p.script.indexOf('\nensure_data_disk "$DATA_DISK"')).toBeGreaterThan(hint);
    expect(p.script.indexOf("\nvendor_apt_install wazuh-indexer")).toBeGreaterThan(hint);
    expect(p.script).toContain("WAZUH_SOURCE_PINS (components/apps/wazuhIndexing.ts)");
  });

  it("filebeat.yml reaches the guest through a quoted heredoc: ${username} stays literal", () => {
    expect(planOf().script).toMatch(/wazuh_filebeat_yml\(\) \{\n  cat <<'HOMELAB_EOF'\n# Managed by homelab/);
  });
});

describe("the dashboard's API entry", () => {
  it("one host, the manager's API as wazuh-wui, the password substituted at run time", () => {
    const doc = parse(renderDashboardApiYml("192.168.9.26"));
    expect(doc.hosts).toHaveLength(1);
    // wazuh.yml.j2: hosts: - <id>: {url, port, username, password, run_as}
    expect(doc.hosts[0]).toEqual({ default: { url: "https://192.168.9.26", port: 55000, username: "wazuh-wui", password: WUI_PASSWORD_TOKEN, run_as: true } });
    expect(planOf().script).toContain('<<<"${DASHBOARD_API_YML//"$WUI_PASSWORD_TOKEN"/"$WAZUH_WUI_PASSWORD"}"');
  });
});

describe("weekly index snapshots", () => {
  it("an fs repository in path.repo on the data disk, backed up by restic", () => {
    expect(JSON.parse(renderSnapshotRepo(SNAPSHOT_DIR))).toEqual({ type: "fs", settings: { location: SNAPSHOT_DIR } });
    expect(SNAPSHOT_DIR.startsWith(`${WAZUH_DATA_DIR}/`)).toBe(true);
    const site = bo();
    const svc = site.services.find((s) => s.name === "wazuh")!;
    expect(svc.dataMounts.map((m) => m.path)).toContain(WAZUH_DATA_DIR);
    expect(planOf(site).backup.paths).toContain(SNAPSHOT_DIR);
    expect((svc.backup as { paths: string[] }).paths).toContain(SNAPSHOT_DIR);
  });

  it("the policy has SMPolicy.kt's shape: weekly cron, deletion beyond the kept count, the repository", () => {
    const pol = JSON.parse(renderSmPolicy(4));
    expect(Object.keys(pol).sort()).toEqual(["creation", "deletion", "description", "snapshot_config"]);
    expect(Object.keys(pol.creation).sort()).toEqual(["schedule", "time_limit"]);
    expect(pol.creation.schedule.cron.expression.split(" ")).toHaveLength(5);
    expect(pol.creation.schedule.cron.expression.split(" ")[4]).toBe("0"); // Sundays
    expect(pol.deletion.condition).toEqual({ max_count: 4, min_count: 1 });
    // DeleteCondition.init: max_count - min_count > 0, min_count > 0.
    expect(pol.deletion.condition.max_count - pol.deletion.condition.min_count).toBeGreaterThan(0);
    expect(pol.snapshot_config.repository).toBe(SNAPSHOT_REPO);
    expect(pol.snapshot_config.indices).toBe("wazuh-alerts-*,wazuh-archives-*");
    expect(() => renderSmPolicy(1)).toThrow(/at least 2/);
    expect(JSON.parse(renderSmPolicy(8)).deletion.condition.max_count).toBe(8);
  });
});

describe("agents on every site of the organisation", () => {
  const sites = ["bo", "bh", "ep"].map((n) => committedSite(n));

  it("the replica sites' PostgreSQL replicas (also their NetBird routing peers) get an agent", () => {
    expect(wazuhAgentGuests(sites[1]).map((s) => s.name)).toEqual(["pg-replica"]);
    expect(wazuhAgentGuests(sites[2]).map((s) => s.name)).toEqual(["pg-replica"]);
  });

  it("each agent's address is opened on the manager's 1514/1515, so the derived mesh flows carry them", () => {
    const manager = sites[0].services.find((s) => s.name === "wazuh")!;
    const { flows } = requiredFlowsFrom(sites);
    for (const site of sites.slice(1)) {
      for (const g of wazuhAgentGuests(site)) {
        expect(wazuhAgentReach(manager, site, g)).toEqual([]);
        for (const port of [1514, 1515]) expect(flows.some((f) => f.sourceSite === site.name && f.destination === manager.ipv4 && f.port === port && f.protocol === "tcp")).toBe(true);
      }
    }
    // An opening that does not admit the guest is refused in one line naming site, guest and port.
    const closed = { ...manager, firewall: manager.firewall.filter((p) => p.port !== 1515) } as ResolvedService;
    expect(wazuhAgentReach(closed, sites[1], wazuhAgentGuests(sites[1])[0])).toEqual([
      'homelab: site "bh": Wazuh agent on "pg-replica" (192.168.50.22): the manager "wazuh" does not open tcp/1515 to it (add its LAN to that port\'s from)',
    ]);
  });

  it.each(["bh", "ep"])("%s: the agent enrols with bo's manager using the enrolment secret from bo's stack", async (name) => {
    const r = await renderSite(name);
    const c = r.resources.find((x) => x.name === `${name}-pg-replica-wazuh-agent`)!;
    expect(c).toBeDefined();
    expect(String(c.props.create)).toMatch(/^WAZUH_MANAGER=192\.168\.9\.26$/m);
    expect(String(c.props.create)).toMatch(/^WAZUH_VERSION=4\.14\.7$/m);
    expect(String(c.props.stdin).split("\n").map((l) => l.split("=")[0])).toContain("WAZUH_ENROLMENT_PASSWORD");
    expect(String(c.props.stdin)).not.toMatch(/WAZUH_ENROLMENT_PASSWORD=$/m);
    expect(r.outputs.wazuhAgents).toEqual(["pg-replica"]);
  });

  it("bo exports the enrolment password as a secret output", async () => {
    const r = await renderSite("bo");
    expect(JSON.stringify(r.outputs.wazuhEnrolment)).toContain("[secret]");
  });
});
