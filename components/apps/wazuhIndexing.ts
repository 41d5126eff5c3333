/**
 * What decision 233 left open on the Wazuh all-in-one (decisions 300–304): Filebeat shipping the
 * manager's alerts into the indexer, the Wazuh API users' passwords in the dashboard's API entry, and
 * weekly snapshots of the alert indices into an `fs` repository on the indexer's data disk.
 *
 * Upstream facts (cited per item; every one checked at the pinned tags):
 * - Filebeat: wazuh/wazuh-ansible v4.14.7 roles/wazuh/ansible-filebeat-oss/defaults/main.yml
 *   (`filebeat_version: 7.10.2`, package `filebeat=<v>-*` in tasks/main.yml) and
 *   wazuh/wazuh-installation-assistant branch 4.14.7 install_functions/installVariables.sh
 *   (`filebeat_version="7.10.2-*"`), the revision 2 from install_functions/wazuh-offline-download.sh
 *   (`filebeat_revision="2"`, commit b5ec4c9 "Increase Filebeat revision"); filebeat.yml keys from
 *   config/filebeat/filebeat_assistant.yml (4.14.7) plus `setup.template.overwrite` (ansible's
 *   templates/filebeat.yml.j2); certificates in /etc/filebeat/certs named filebeat.pem/filebeat-key.pem
 *   (the assistant's file, and the manager's own `<indexer>` block in wazuh/wazuh v4.14.7
 *   etc/templates/config/generic/wodle-indexer.manager.template).
 * - The alerts template and the module: wazuh/wazuh v4.14.7 extensions/elasticsearch/7.x/wazuh-template.json
 *   (the URL the assistant and ansible fetch, at the release tag) and the ten files of
 *   extensions/filebeat/7.x/wazuh-module/ that its README says make up wazuh-filebeat-0.5.tar.gz
 *   ("From 4.14.2 to current"; root:root, directories 755, files 644). The tarball itself has no
 *   published checksum; the files at the tag are upstream's publication, so each is fetched from the
 *   tag and held to the sha256 of its blob there (decision 300).
 * - Snapshots: `path.repo` (opensearch-project/OpenSearch server/.../env/Environment.java
 *   PATH_REPO_SETTING, a list); the snapshot-management policy of opensearch-project/index-management
 *   2.19.0.0 (SMPolicy.kt: `creation.schedule.cron{expression,timezone}`, `time_limit`, `deletion`
 *   with `condition{max_count,min_count}` where max_count > min_count > 0, `snapshot_config` needing
 *   `repository`; IndexManagementPlugin.kt SM_BASE_URI `_plugins/_sm`).
 */
import { stringify } from "yaml";

/** sha256 of the files fetched from wazuh/wazuh at `v<version>`: the alerts template and the Filebeat module. */
export interface WazuhSourcePins {
  template: string;
  /** Path under extensions/filebeat/7.x/wazuh-module/ → sha256. */
  module: Record<string, string>;
}

/**
 * Per Wazuh release, computed from the blobs of wazuh/wazuh at that tag (git show v4.14.7:<path> | sha256sum).
 * A release without an entry installs no Filebeat: the install stops naming this table.
 */
export const WAZUH_SOURCE_PINS: Record<string, WazuhSourcePins> = {
  "4.14.7": {
    template: "c6e30822c67c10f7e777cb51926e261d8b2c3a941c4ffcf83325f700c1c8802f",
    module: {
      "module.yml": "dd475278b4695f6998a38fc134d8d67338f45a37664c696e15f2f7a03719d894",
      "_meta/config.yml": "5bcbec65ffa2e9af2ce36431d22f7bdc77e44ca4238f6c2b1ddcd5001d1f3951",
      "_meta/docs.asciidoc": "7e43d6279cea63524da83bf7c1eb56c0ea1d697edb63617ec2c9dbc7286fe94f",
      "_meta/fields.yml": "9de7bfa6bf93d6557c37516c003c586bdfd3723ca9a22ce24a68dc7be154a846",
      "alerts/manifest.yml": "091f7a005c5c6b2a87b2bff902d2e261cc0a2efddf2ce970611e6c340f600316",
      "alerts/config/alerts.yml": "036b2aae9ace02ea0b911d5bbdb21ff911d2389fc19ad12ca250f51ffd628233",
      "alerts/ingest/pipeline.json": "3f37f8df1cbd417bf520764ef7905248b8884d1737811ac6e4a152d424987aaa",
      "archives/manifest.yml": "622bd85ff8694633d3b210bed73cd89127ffa23b72bf9ecca55bd09fd44717c7",
      "archives/config/archives.yml": "036b2aae9ace02ea0b911d5bbdb21ff911d2389fc19ad12ca250f51ffd628233",
      "archives/ingest/pipeline.json": "ccc8119165cdb646348ff6e4fbc4ebf5aae11203a876b626c05ad924f8821ee4",
    },
  },
};

/** Where a release's files are fetched from (the tag, as the assistant's `source_branch="v${wazuh_version}"`). */
export const wazuhRawUrl = (version: string, path: string) => `https://raw.githubusercontent.com/wazuh/wazuh/v${version}/${path}`;
export const FILEBEAT_CERTS = "/etc/filebeat/certs";
export const FILEBEAT_TEMPLATE = "/etc/filebeat/wazuh-template.json";
export const FILEBEAT_MODULE_DIR = "/usr/share/filebeat/module/wazuh";

/** /etc/filebeat/filebeat.yml: the wazuh module's alerts into the indexer at `address`, user and password from Filebeat's keystore. */
export function renderFilebeatYml(address: string): string {
  return (
    "# Managed by homelab (components/apps/wazuhIndexing.ts).\n" +
    stringify(
      {
        "output.elasticsearch": {
          hosts: [`${address}:9200`],
          protocol: "https",
          username: "${username}",
          password: "${password}",
          "ssl.certificate_authorities": [`${FILEBEAT_CERTS}/root-ca.pem`],
          "ssl.certificate": `${FILEBEAT_CERTS}/filebeat.pem`,
          "ssl.key": `${FILEBEAT_CERTS}/filebeat-key.pem`,
        },
        "setup.template.json.enabled": true,
        "setup.template.json.path": FILEBEAT_TEMPLATE,
        "setup.template.json.name": "wazuh",
        "setup.template.overwrite": true,
        "setup.ilm.overwrite": true,
        "setup.ilm.enabled": false,
        "filebeat.modules": [{ module: "wazuh", alerts: { enabled: true }, archives: { enabled: false } }],
        "logging.level": "info",
        "logging.to_files": true,
        "logging.files": { path: "/var/log/filebeat", name: "filebeat", keepfiles: 7, permissions: "0644" },
        "logging.metrics.enabled": false,
        seccomp: { default_action: "allow", syscalls: [{ action: "allow", names: ["rseq"] }] },
      },
      { lineWidth: 0 },
    )
  );
}

/** The token the install script replaces with the `wazuh-wui` password (bash pattern substitution, no file ever holds the token). */
export const WUI_PASSWORD_TOKEN = "@WAZUH_WUI_PASSWORD@";

/**
 * /usr/share/wazuh-dashboard/data/wazuh/config/wazuh.yml: the dashboard's one API entry, the manager's
 * API on this VM as `wazuh-wui` (wazuh/wazuh-ansible v4.14.7 roles/wazuh/wazuh-dashboard/templates/
 * wazuh.yml.j2: hosts[].<id>.{url, port, username, password, run_as}).
 */
export function renderDashboardApiYml(address: string): string {
  return (
    "# Managed by homelab (components/apps/wazuhIndexing.ts).\n" +
    stringify({ hosts: [{ default: { url: `https://${address}`, port: 55000, username: "wazuh-wui", password: WUI_PASSWORD_TOKEN, run_as: true } }] }, { lineWidth: 0, defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" })
  );
}

/** The snapshot repository's directory: on the indexer's data disk, beside path.data's `nodes`. */
export const SNAPSHOT_DIR = "/var/lib/wazuh-indexer/snapshots";
export const SNAPSHOT_REPO = "homelab-weekly";
export const SM_POLICY_ID = "homelab-weekly";

/** PUT _snapshot/<repo>: a shared-filesystem repository at `dir` (one of path.repo). */
export function renderSnapshotRepo(dir: string): string {
  return JSON.stringify({ type: "fs", settings: { location: dir } });
}

/**
 * The snapshot-management policy: Sundays 00:00 UTC a snapshot of the alert and archive indices into
 * the fs repository, and the oldest deleted once more than `weeks` exist (at least one kept).
 */
export function renderSmPolicy(weeks: number): string {
  if (!Number.isInteger(weeks) || weeks < 2) throw new Error(`homelab: Wazuh snapshotWeeks must be an integer of at least 2 (max_count > min_count = 1), got ${weeks}`);
  return JSON.stringify({
    description: `homelab: weekly snapshot of the Wazuh alert indices, ${weeks} kept`,
    creation: { schedule: { cron: { expression: "0 0 * * 0", timezone: "UTC" } }, time_limit: "6h" },
    deletion: { schedule: { cron: { expression: "0 12 * * 0", timezone: "UTC" } }, condition: { max_count: weeks, min_count: 1 }, time_limit: "1h" },
    snapshot_config: { repository: SNAPSHOT_REPO, indices: "wazuh-alerts-*,wazuh-archives-*", include_global_state: false, partial: false },
  });
}
