/**
 * Wazuh all-in-one (bo BO-8, decision 233): manager, indexer and dashboard on one Debian 12 VM, from
 * Wazuh's apt repository at one pinned version, the indexer's data on the VM's data disk (formatted
 * once, never reformatted), its own CA, generated passwords, agents enrolling with a generated
 * password, and an ISM policy deleting alert indices after `retentionDays`; Filebeat, the API users'
 * passwords and weekly snapshots (decisions 300–303) are rendered by wazuhIndexing.ts.
 *
 * Upstream facts (wazuh/wazuh-ansible v4.14.7 unless noted):
 * - roles/wazuh/vars/repo.yml: `deb [signed-by=/usr/share/keyrings/wazuh.gpg] https://packages.wazuh.com/4.x/apt/
 *   stable main`, key https://packages.wazuh.com/key/GPG-KEY-WAZUH; its fingerprint
 *   0DCFCA5547B19D2A6099506096B3EE5F29111145 (roles/wazuh/ansible-filebeat-oss/README.md `key_id`;
 *   wazuh/wazuh-documentation deployment-options puppet guide `apt::key id`).
 * - packages: roles/wazuh/wazuh-indexer/tasks/Debian.yml `wazuh-indexer=<v>-1`; manager and dashboard
 *   `wazuh-manager=<v>-*`, `wazuh-dashboard=<v>-*`.
 * - indexer: templates/opensearch.yml.j2 (keys below), security tools in
 *   /usr/share/wazuh-indexer/plugins/opensearch-security/tools (hash.sh, securityadmin.sh with
 *   -cd -icl -nhnv -cacert -cert -key -h), users in /etc/wazuh-indexer/opensearch-security/internal_users.yml
 *   (tasks/security_actions.yml, templates/internal_users.yml.j2); path.data /var/lib/wazuh-indexer.
 * - dashboard: templates/opensearch_dashboards.yml.j2 (keys below), `opensearch-dashboards-keystore
 *   --allow-root add -f --stdin opensearch.password` (tasks/main.yml), port 443.
 * - manager: authd password in /var/ossec/etc/authd.pass (owner wazuh, 0640) with
 *   `<auth><use_password>yes</use_password>` (tasks/main.yml, templates/var-ossec-etc-ossec-server.conf.j2).
 * - ISM: wazuh/wazuh-documentation source/user-manual/wazuh-indexer/index-life-management.rst (policy
 *   JSON: default_state, states with transitions `min_index_age`, a `delete` action with `retry`,
 *   `ism_template` [{index_patterns, priority}]); the rollover policy there has priority 50, so the
 *   retention policy takes 100 (the higher priority applies).
 */
import { stringify } from "yaml";
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { dataDisk, heredoc, readScript, shellScript, vendorApt, VendorApt } from "../shell";
import type { AppModule, AppPlan } from "./module";
import { renderDashboardApiYml, renderFilebeatYml, renderSmPolicy, renderSnapshotRepo, SM_POLICY_ID, SNAPSHOT_DIR, SNAPSHOT_REPO, WAZUH_SOURCE_PINS, WUI_PASSWORD_TOKEN } from "./wazuhIndexing";

type WazuhService = ResolvedService & { app: AppOf<"wazuh"> };

export const WAZUH_APT: VendorApt = {
  keyUrl: "https://packages.wazuh.com/key/GPG-KEY-WAZUH",
  keyFingerprint: "0DCFCA5547B19D2A6099506096B3EE5F29111145",
  keyring: "/usr/share/keyrings/wazuh.asc",
  list: "/etc/apt/sources.list.d/wazuh.list",
  source: "https://packages.wazuh.com/4.x/apt/ stable main",
};
/** The indexer's data directory (the package's path.data), the VM's data disk. */
export const WAZUH_DATA_DIR = "/var/lib/wazuh-indexer";
export const ISM_POLICY_ID = "homelab-retention";
/** DN of a certificate made by wazuh-certs.sh. */
const dn = (cn: string) => `CN=${cn},OU=Wazuh,O=homelab`;

/** /etc/wazuh-indexer/opensearch.yml: one node, the data disk, this VM's CA and certificates. */
export function renderOpenSearchYml(address: string): string {
  const certs = "/etc/wazuh-indexer/certs";
  return (
    "# Managed by homelab (components/apps/wazuh.ts).\n" +
    stringify(
      {
        "network.host": address,
        "node.name": "indexer",
        "discovery.type": "single-node",
        "cluster.name": "wazuh",
        "path.data": WAZUH_DATA_DIR,
        "path.logs": "/var/log/wazuh-indexer",
        // The snapshot repository's directory on the data disk (decision 303).
        "path.repo": [SNAPSHOT_DIR],
        "plugins.security.ssl.http.pemcert_filepath": `${certs}/indexer.pem`,
        "plugins.security.ssl.http.pemkey_filepath": `${certs}/indexer-key.pem`,
        "plugins.security.ssl.http.pemtrustedcas_filepath": `${certs}/root-ca.pem`,
        "plugins.security.ssl.transport.pemcert_filepath": `${certs}/indexer.pem`,
        "plugins.security.ssl.transport.pemkey_filepath": `${certs}/indexer-key.pem`,
        "plugins.security.ssl.transport.pemtrustedcas_filepath": `${certs}/root-ca.pem`,
        "plugins.security.ssl.http.enabled": true,
        "plugins.security.ssl.transport.enforce_hostname_verification": false,
        "plugins.security.ssl.transport.resolve_hostname": false,
        "plugins.security.authcz.admin_dn": [dn("admin")],
        "plugins.security.nodes_dn": [dn("indexer")],
        "plugins.security.check_snapshot_restore_write_privileges": true,
        "plugins.security.enable_snapshot_restore_privilege": true,
        "plugins.security.restapi.roles_enabled": ["all_access", "security_rest_api_access"],
        "plugins.security.system_indices.enabled": true,
        "compatibility.override_main_response_version": true,
      },
      { lineWidth: 0 },
    )
  );
}

/** /etc/wazuh-dashboard/opensearch_dashboards.yml (the indexer user `kibanaserver` and its password are in the dashboard's keystore). */
export function renderDashboardYml(address: string): string {
  const certs = "/etc/wazuh-dashboard/certs";
  return (
    "# Managed by homelab (components/apps/wazuh.ts).\n" +
    stringify(
      {
        "server.host": address,
        "server.port": 443,
        "opensearch.hosts": [`https://${address}:9200`],
        "opensearch.ssl.verificationMode": "certificate",
        "opensearch.requestHeadersWhitelist": ["securitytenant", "Authorization"],
        "opensearch_security.multitenancy.enabled": false,
        "opensearch_security.readonly_mode.roles": ["kibana_read_only"],
        "server.ssl.enabled": true,
        "server.ssl.key": `${certs}/dashboard-key.pem`,
        "server.ssl.certificate": `${certs}/dashboard.pem`,
        "opensearch.ssl.certificateAuthorities": [`${certs}/root-ca.pem`],
        "uiSettings.overrides.defaultRoute": "/app/wz-home",
      },
      { lineWidth: 0 },
    )
  );
}

/** The ISM policy: alert and archive indices deleted once older than `days`. */
export function renderIsmPolicy(days: number): string {
  return JSON.stringify({
    policy: {
      description: `homelab: delete Wazuh alert and archive indices after ${days} days`,
      default_state: "retention",
      states: [
        { name: "retention", actions: [], transitions: [{ state_name: "delete", conditions: { min_index_age: `${days}d` } }] },
        { name: "delete", actions: [{ retry: { count: 3, backoff: "exponential", delay: "1m" }, delete: {} }], transitions: [] },
      ],
      ism_template: [{ index_patterns: ["wazuh-alerts-*", "wazuh-archives-*"], priority: 100 }],
    },
  });
}

function plan(s: WazuhService, site: Site): AppPlan {
  const address = s.ipv4!;
  const apt = vendorApt(WAZUH_APT);
  if (!s.dataMounts.some((m) => m.path === WAZUH_DATA_DIR)) throw new Error(`homelab: service "${s.name}": Wazuh keeps its indexer on a data mount at ${WAZUH_DATA_DIR}`);
  // The seed's "Elasticsearch heap = 8GB" on 16 GB: half the VM's memory, at most 8 GiB; the rest is the manager's, the dashboard's and the page cache.
  const heapMb = Math.min(Math.floor((s.memoryMiB ?? 4096) / 2), 8192);
  const opensearch = renderOpenSearchYml(address);
  const dashboard = renderDashboardYml(address);
  const ism = renderIsmPolicy(s.app.retentionDays);
  const filebeat = renderFilebeatYml(address);
  // filebeat.yml holds ${username}/${password} for Filebeat's keystore: a quoted heredoc keeps them literal.
  const fbDoc = heredoc(filebeat);
  const apiYml = renderDashboardApiYml(address);
  const repo = renderSnapshotRepo(SNAPSHOT_DIR);
  const sm = renderSmPolicy(s.app.snapshotWeeks);
  // No pins for this release: the install stops before changing anything, naming the table.
  const pins = WAZUH_SOURCE_PINS[s.app.version];
  const script = shellScript({
    title: `Wazuh ${s.app.version} all-in-one ${s.name} (${site.name})`,
    source: "components/apps/wazuh.ts",
    logTag: `wazuh-${s.name}`,
    env: {
      ...apt.env,
      WAZUH_VERSION: s.app.version,
      DATA_DISK: s.app.dataDisk,
      DATA_DIR: WAZUH_DATA_DIR,
      ADDRESS: address,
      HEAP_MB: heapMb,
      OPENSEARCH_YML: opensearch,
      DASHBOARD_YML: dashboard,
      ISM_POLICY: ism,
      ISM_POLICY_ID,
      FILEBEAT_VERSION: s.app.filebeatVersion,
      WAZUH_RAW_BASE: `https://raw.githubusercontent.com/wazuh/wazuh/v${s.app.version}`,
      WAZUH_TEMPLATE_SHA256: pins?.template ?? "",
      WAZUH_MODULE_FILES: Object.entries(pins?.module ?? {}).map(([path, sha]) => `${path}=${sha}`),
      DASHBOARD_API_YML: apiYml,
      WUI_PASSWORD_TOKEN,
      SNAPSHOT_DIR,
      SNAPSHOT_REPO,
      SNAPSHOT_REPO_JSON: repo,
      SM_POLICY_ID,
      SM_POLICY: sm,
    },
    body: [
      apt.body,
      dataDisk(),
      `wazuh_filebeat_yml() {\n  cat ${fbDoc.open}\n${fbDoc.body}\n}`,
      ...["wazuh-certs", "wazuh-filebeat", "wazuh-api-users", "wazuh-snapshots", "wazuh-install"].map((f) => readScript(__dirname, `scripts/${f}.sh`).trimEnd()),
    ],
  });
  return {
    kind: "wazuh",
    service: s.name,
    address,
    version: s.app.version,
    source: {
      type: "apt",
      package: `wazuh-manager=${s.app.version}-1 wazuh-indexer=${s.app.version}-1 wazuh-dashboard=${s.app.version}-1 filebeat=${s.app.filebeatVersion} (packages.wazuh.com 4.x, key ${WAZUH_APT.keyFingerprint})`,
    },
    config: [
      { path: "/etc/wazuh-indexer/opensearch.yml", text: opensearch },
      { path: "/etc/wazuh-dashboard/opensearch_dashboards.yml", text: dashboard },
      { path: `ism:${ISM_POLICY_ID}`, text: ism },
      { path: "/etc/filebeat/filebeat.yml", text: filebeat },
      { path: "/usr/share/wazuh-dashboard/data/wazuh/config/wazuh.yml", text: apiYml },
      { path: `snapshot-repository:${SNAPSHOT_REPO}`, text: repo },
      { path: `sm:${SM_POLICY_ID}`, text: sm },
    ],
    dataPaths: [WAZUH_DATA_DIR],
    ports: [
      { port: 443, protocol: "tcp", description: "Wazuh dashboard" },
      { port: 1514, protocol: "tcp", description: "agent events" },
      { port: 1515, protocol: "tcp", description: "agent enrolment" },
      { port: 55000, protocol: "tcp", description: "Wazuh API" },
    ],
    health: { url: `https://${address}/` },
    // restic keeps the manager's keys and config, the indexer's config, the VM's CA and the weekly index
    // snapshots (decision 303); the live indices themselves are not read by restic.
    backup: { paths: ["/var/ossec/etc", "/etc/wazuh-indexer", "/etc/wazuh-certs", SNAPSHOT_DIR], localDatabases: [], preBackup: [] },
    metrics: [],
    secrets: [
      { env: "WAZUH_ENROLMENT_PASSWORD", length: 32 },
      { env: "WAZUH_ADMIN_PASSWORD", length: 32 },
      { env: "WAZUH_KIBANASERVER_PASSWORD", length: 32 },
      // The API's password rule: 8-64 characters with a lower- and an upper-case letter, a digit and a
      // symbol (wazuh/wazuh v4.14.7 framework/wazuh/security.py `_user_password`, update_user).
      { env: "WAZUH_API_PASSWORD", length: 32, symbols: true },
      { env: "WAZUH_WUI_PASSWORD", length: 32, symbols: true },
    ],
    script,
  };
}

export const wazuhModule: AppModule<"wazuh"> = {
  kind: "wazuh",
  installNote: "Wazuh's own apt repository (packages.wazuh.com 4.x), signing key held to its fingerprint, packages pinned to one release and held: upstream's supported Debian path, and an upgrade is a new pin",
  plan,
};
