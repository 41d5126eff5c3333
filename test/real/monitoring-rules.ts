/**
 * promtool unit tests for every alert of components/monitoring/render/rules.ts: each alert fires
 * on a synthetic failing series and stays silent on a healthy one. Format: Prometheus
 * docs/configuration/unit_testing_rules.md (rule_files, evaluation_interval, tests[].input_series
 * with expanding notation `a+bxN`, alert_rule_test[].eval_time/alertname/exp_alerts) at v2.42.
 */
import { stringify } from "yaml";

type Case = { series: Array<{ series: string; values: string }>; at: string; fires: boolean; labels?: Record<string, string> };

const L = 'site="bo", instance="postgres"';
const node = (m: string) => `${m}{job="node", ${L}}`;

/** Per alert: [firing case, silent case]. Interval 30 s: 3 failures fire at 1 min (for: 1m). */
export const RULE_CASES: Record<string, Case[]> = {
  TargetDown: [
    { series: [{ series: `up{job="node", ${L}}`, values: "1 0 0 0 0" }], at: "2m", fires: true, labels: { job: "node", site: "bo", instance: "postgres", severity: "critical" } },
    // two failures then recovery: not three in a row
    { series: [{ series: `up{job="node", ${L}}`, values: "1 0 0 1 1" }], at: "2m", fires: false },
  ],
  ProbeFailed: [
    { series: [{ series: `probe_success{job="blackbox-tcp", ${L}, target="192.0.2.1:5432"}`, values: "0 0 0 0" }], at: "1m30s", fires: true, labels: { job: "blackbox-tcp", site: "bo", instance: "postgres", target: "192.0.2.1:5432", severity: "critical" } },
    { series: [{ series: `probe_success{job="blackbox-tcp", ${L}, target="192.0.2.1:5432"}`, values: "1 1 1 1" }], at: "1m30s", fires: false },
  ],
  BackupFailed: [
    { series: [{ series: node("restic_backup_success"), values: "0" }], at: "0m", fires: true, labels: { job: "node", site: "bo", instance: "postgres", severity: "critical" } },
    { series: [{ series: node("restic_backup_success"), values: "1" }], at: "0m", fires: false },
  ],
  ResticCheckFailed: [
    { series: [{ series: node("restic_check_success"), values: "0" }], at: "0m", fires: true, labels: { job: "node", site: "bo", instance: "postgres", severity: "critical" } },
    { series: [{ series: node("restic_check_success"), values: "1" }], at: "0m", fires: false },
  ],
  ResticCheckStale: [
    // last check at t=0 (timestamp 0); evaluated 9 days later
    { series: [{ series: node("restic_check_last_run_timestamp_seconds"), values: "0x500" }], at: "9d", fires: true, labels: { job: "node", site: "bo", instance: "postgres", severity: "warning" } },
    { series: [{ series: node("restic_check_last_run_timestamp_seconds"), values: "0x500" }], at: "7d", fires: false },
  ],
  PostgresReplicationLag: [
    { series: [{ series: `pg_stat_replication_pg_wal_lsn_diff{job="postgres", ${L}, application_name="bh"}`, values: "1e9x20" }], at: "6m", fires: true, labels: { job: "postgres", site: "bo", instance: "postgres", application_name: "bh", severity: "critical" } },
    { series: [{ series: `pg_stat_replication_pg_wal_lsn_diff{job="postgres", ${L}, application_name="bh"}`, values: "1e6x20" }], at: "6m", fires: false },
  ],
  PostgresReplicaNotStreaming: [
    { series: [{ series: `pg_replication_slots_active{job="postgres", ${L}, slot_name="bh"}`, values: "0x10" }], at: "2m", fires: true, labels: { job: "postgres", site: "bo", instance: "postgres", slot_name: "bh", severity: "critical" } },
    { series: [{ series: `pg_replication_slots_active{job="postgres", ${L}, slot_name="bh"}`, values: "1x10" }], at: "2m", fires: false },
  ],
  PostgresSlotRetainedWal: [
    { series: [{ series: `pg_replication_slots_pg_wal_lsn_diff{job="postgres", ${L}, slot_name="bh"}`, values: "1e10x20" }], at: "6m", fires: true, labels: { job: "postgres", site: "bo", instance: "postgres", slot_name: "bh", severity: "critical" } },
    { series: [{ series: `pg_replication_slots_pg_wal_lsn_diff{job="postgres", ${L}, slot_name="bh"}`, values: "1e6x20" }], at: "6m", fires: false },
  ],
  PostgresWalArchivingFailing: [
    { series: [{ series: `pg_stat_archiver_failed_count{job="postgres", ${L}}`, values: "0+1x30" }], at: "10m", fires: true, labels: { job: "postgres", site: "bo", instance: "postgres", severity: "critical" } },
    { series: [{ series: `pg_stat_archiver_failed_count{job="postgres", ${L}}`, values: "3x30" }], at: "10m", fires: false },
  ],
  FilesystemFullIn24h: [
    // 100 GB free, losing 1 GB every 30 s: empty long before 24 h
    {
      series: [
        { series: `node_filesystem_avail_bytes{job="node", ${L}, mountpoint="/var/lib/postgresql", fstype="ext4"}`, values: "100e9-1e9x120" },
        { series: `node_filesystem_readonly{job="node", ${L}, mountpoint="/var/lib/postgresql", fstype="ext4"}`, values: "0x120" },
      ],
      at: "50m",
      fires: true,
      labels: { job: "node", site: "bo", instance: "postgres", mountpoint: "/var/lib/postgresql", fstype: "ext4", severity: "warning" },
    },
    {
      series: [
        { series: `node_filesystem_avail_bytes{job="node", ${L}, mountpoint="/var/lib/postgresql", fstype="ext4"}`, values: "100e9x120" },
        { series: `node_filesystem_readonly{job="node", ${L}, mountpoint="/var/lib/postgresql", fstype="ext4"}`, values: "0x120" },
      ],
      at: "50m",
      fires: false,
    },
  ],
  CertificateExpiresSoon: [
    // expiry at 10 days (864000 s) after t=0
    { series: [{ series: `probe_ssl_earliest_cert_expiry{job="blackbox-tls", ${L}, target="192.0.2.1:9000"}`, values: "864000" }], at: "0m", fires: true, labels: { job: "blackbox-tls", site: "bo", instance: "postgres", target: "192.0.2.1:9000", severity: "warning" } },
    { series: [{ series: `probe_ssl_earliest_cert_expiry{job="blackbox-tls", ${L}, target="192.0.2.1:9000"}`, values: "8640000" }], at: "0m", fires: false },
  ],
  HostMemorySaturated: [
    {
      series: [
        { series: node("node_memory_MemAvailable_bytes"), values: "5x60" },
        { series: node("node_memory_MemTotal_bytes"), values: "100x60" },
      ],
      at: "20m",
      fires: true,
      labels: { job: "node", site: "bo", instance: "postgres", severity: "warning" },
    },
    {
      series: [
        { series: node("node_memory_MemAvailable_bytes"), values: "50x60" },
        { series: node("node_memory_MemTotal_bytes"), values: "100x60" },
      ],
      at: "20m",
      fires: false,
    },
  ],
  HostCpuSaturated: [
    // idle grows 0.3 s per 30 s: 1% idle
    { series: [{ series: `node_cpu_seconds_total{job="node", ${L}, cpu="0", mode="idle"}`, values: "0+0.3x80" }], at: "25m", fires: true, labels: { site: "bo", instance: "postgres", severity: "warning" } },
    { series: [{ series: `node_cpu_seconds_total{job="node", ${L}, cpu="0", mode="idle"}`, values: "0+25x80" }], at: "25m", fires: false },
  ],
  BackupStale: [
    // last success at t=0; evaluated 27 h later (schedule 24 h + margin 2 h)
    { series: [{ series: `restic_backup_last_success_timestamp_seconds{job="node", ${L}}`, values: "0x100" }], at: "27h", fires: true, labels: { site: "bo", instance: "postgres", job: "node", severity: "critical" } },
    { series: [{ series: `restic_backup_last_success_timestamp_seconds{job="node", ${L}}`, values: "0x100" }], at: "25h", fires: false },
  ],
  BackupNeverReported: [
    { series: [{ series: `up{job="node", ${L}}`, values: "1x100" }], at: "27h", fires: true, labels: { site: "bo", instance: "postgres", severity: "critical" } },
    { series: [{ series: `restic_backup_last_success_timestamp_seconds{job="node", ${L}}`, values: "0x100" }], at: "27h", fires: false },
  ],
};

/** The promtool test file for `rulesFile` (one test group per case). */
export function ruleTests(rulesFile: string, intervalSeconds: number, long = false): string {
  // Cases evaluated hours or days out run in their own file at a coarser evaluation interval
  // (their rules have no `for` shorter than it); the rest at the real interval.
  const isLong = (c: Case) => /[hd]$/.test(c.at);
  const tests = Object.entries(RULE_CASES).flatMap(([alert, cases]) =>
    cases.filter((c) => isLong(c) === long).map((c) => ({
      name: `${alert} ${c.fires ? "fires" : "stays silent"}`,
      interval: `${intervalSeconds}s`,
      input_series: c.series,
      alert_rule_test: [
        {
          eval_time: c.at,
          alertname: alert,
          exp_alerts: c.fires ? [{ exp_labels: c.labels ?? {} }] : [],
        },
      ],
    })),
  );
  return stringify({ rule_files: [rulesFile], evaluation_interval: `${intervalSeconds}s`, tests }, { lineWidth: 0 });
}
