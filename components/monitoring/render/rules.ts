/**
 * Prometheus alerting rules of the organisation (issue 11), rendered from the derived monitoring
 * plan: the generic rules (target down, saturation, disks, PostgreSQL, certificates, restic
 * check) plus one backup-freshness pair per backed-up guest, so that a guest whose agent never
 * reported is caught too (`absent`), and the policy pack can see that every stateful guest is
 * watched (components/monitoring/guestMonitoring.ts carries the alert names per guest).
 *
 * Metric names: node_exporter 1.5 (node_*), postgres_exporter 0.11 built-in maps (pg_stat_replication_*,
 * pg_replication_slots_*, pg_stat_archiver_*), blackbox_exporter 0.23 (probe_success,
 * probe_ssl_earliest_cert_expiry), the restic agent's textfile metrics
 * (components/data/scripts/restic-backup.sh) and the restic check's (scripts/restic-check.sh).
 * test/real/monitoring.test.ts scrapes the real exporters for the names; the promtool unit tests
 * make every alert fire and stay silent.
 */
import { stringify } from "yaml";

/** Thresholds of the rules (defaults in {@link DEFAULT_THRESHOLDS}). */
export interface Thresholds {
  /** Consecutive failed scrapes or probes before TargetDown/ProbeFailed fire. */
  failedScrapes: number;
  /** Hours after a daily backup's schedule before it counts as stale. */
  backupMarginHours: number;
  /** Days without a successful restic check before ResticCheckStale. */
  checkMaxAgeDays: number;
  /** Bytes a replica may lag behind the primary's current WAL position. */
  replicationLagBytes: number;
  /** Bytes of WAL a replication slot may hold back. */
  slotRetainedBytes: number;
  /** Days before an internal certificate's expiry. */
  certDays: number;
  /** Memory / CPU use ratio that counts as saturated (over 15 minutes). */
  memoryRatio: number;
  cpuRatio: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  failedScrapes: 3,
  backupMarginHours: 2,
  checkMaxAgeDays: 8,
  replicationLagBytes: 256 * 1024 * 1024,
  slotRetainedBytes: 4 * 1024 * 1024 * 1024,
  certDays: 14,
  memoryRatio: 0.9,
  cpuRatio: 0.9,
};

/** Arguments of {@link alertRules}. */
export interface RulesArgs {
  /** Scrape and evaluation interval in seconds. */
  intervalSeconds: number;
  /** Guests whose restic agent must report a fresh successful backup (site, instance = service name). */
  backups: ReadonlyArray<{ site: string; instance: string }>;
  /** Mount points watched for "full within 24 h": `/` and every data mount of the organisation. */
  mountpoints: readonly string[];
  thresholds?: Partial<Thresholds>;
}

/** One alerting rule as Prometheus reads it. */
export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** The alert names of the generic rules (every organisation gets each one). */
export const GENERIC_ALERTS = [
  "TargetDown",
  "ProbeFailed",
  "BackupFailed",
  "ResticCheckFailed",
  "ResticCheckStale",
  "PostgresReplicationLag",
  "PostgresReplicaNotStreaming",
  "PostgresSlotRetainedWal",
  "PostgresWalArchivingFailing",
  "FilesystemFullIn24h",
  "CertificateExpiresSoon",
  "HostMemorySaturated",
  "HostCpuSaturated",
] as const;

/** The alert names every backed-up guest gets (the policy pack requires the first). */
export const BACKUP_ALERTS = ["BackupStale", "BackupNeverReported"] as const;

const dur = (seconds: number): string => (seconds % 3600 === 0 ? `${seconds / 3600}h` : seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`);
const regexEscape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\\\$&");
const sel = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(", ");

/** The organisation's alerting rules: group `homelab` (generic) and `homelab-backups` (one pair per backed-up guest). */
export function alertRules(a: RulesArgs): { generic: AlertRule[]; backups: AlertRule[] } {
  const t = { ...DEFAULT_THRESHOLDS, ...a.thresholds };
  const i = a.intervalSeconds;
  // `for` counts from the first failed evaluation: N consecutive failures = (N - 1) intervals.
  const down = dur((t.failedScrapes - 1) * i);
  const mounts = [...new Set(["/", ...a.mountpoints])].sort();
  const mountRe = `^(${mounts.map(regexEscape).join("|")})$`;
  const crit = { severity: "critical" };
  const warn = { severity: "warning" };
  const generic: AlertRule[] = [
    {
      alert: "TargetDown",
      expr: "up == 0",
      for: down,
      labels: crit,
      annotations: { summary: `{{ $labels.job }} target {{ $labels.site }}/{{ $labels.instance }} is down (${t.failedScrapes} failed scrapes)` },
    },
    {
      alert: "ProbeFailed",
      expr: "probe_success == 0",
      for: down,
      labels: crit,
      annotations: { summary: `probe {{ $labels.site }}/{{ $labels.instance }} {{ $labels.target }} failed ${t.failedScrapes} times in a row` },
    },
    {
      alert: "BackupFailed",
      expr: "restic_backup_success == 0",
      labels: crit,
      annotations: { summary: "the last restic backup of {{ $labels.site }}/{{ $labels.instance }} failed (exit code of restic backup: see restic_backup_exit_code)" },
    },
    {
      alert: "ResticCheckFailed",
      expr: "restic_check_success == 0",
      labels: crit,
      annotations: { summary: "restic check of the repository of {{ $labels.site }}/{{ $labels.instance }} failed" },
    },
    {
      alert: "ResticCheckStale",
      expr: `time() - restic_check_last_run_timestamp_seconds > ${t.checkMaxAgeDays * 86400}`,
      labels: warn,
      annotations: { summary: `no restic check of {{ $labels.site }}/{{ $labels.instance }} for ${t.checkMaxAgeDays} days` },
    },
    {
      alert: "PostgresReplicationLag",
      expr: `pg_stat_replication_pg_wal_lsn_diff > ${t.replicationLagBytes}`,
      for: "5m",
      labels: crit,
      annotations: { summary: "replica {{ $labels.application_name }} of {{ $labels.site }}/{{ $labels.instance }} is {{ $value | humanize1024 }}B behind" },
    },
    {
      alert: "PostgresReplicaNotStreaming",
      expr: "pg_replication_slots_active == 0",
      for: down,
      labels: crit,
      annotations: { summary: "replication slot {{ $labels.slot_name }} on {{ $labels.site }}/{{ $labels.instance }} has no streaming replica" },
    },
    {
      alert: "PostgresSlotRetainedWal",
      expr: `pg_replication_slots_pg_wal_lsn_diff > ${t.slotRetainedBytes}`,
      for: "5m",
      labels: crit,
      annotations: { summary: "replication slot {{ $labels.slot_name }} on {{ $labels.site }}/{{ $labels.instance }} holds {{ $value | humanize1024 }}B of WAL" },
    },
    {
      alert: "PostgresWalArchivingFailing",
      expr: "increase(pg_stat_archiver_failed_count[15m]) > 0",
      labels: crit,
      annotations: { summary: "WAL archiving (pgBackRest) fails on {{ $labels.site }}/{{ $labels.instance }}" },
    },
    {
      alert: "FilesystemFullIn24h",
      expr: `predict_linear(node_filesystem_avail_bytes{mountpoint=~${JSON.stringify(mountRe)}, fstype!~"tmpfs|ramfs|overlay"}[6h], 86400) < 0 and node_filesystem_readonly == 0`,
      for: "30m",
      labels: warn,
      annotations: { summary: "{{ $labels.mountpoint }} on {{ $labels.site }}/{{ $labels.instance }} is predicted full within 24 h" },
    },
    {
      alert: "CertificateExpiresSoon",
      expr: `probe_ssl_earliest_cert_expiry - time() < ${t.certDays * 86400}`,
      labels: warn,
      annotations: { summary: `the certificate of {{ $labels.site }}/{{ $labels.instance }} ({{ $labels.target }}) expires within ${t.certDays} days` },
    },
    {
      alert: "HostMemorySaturated",
      expr: `1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes > ${t.memoryRatio}`,
      for: "15m",
      labels: warn,
      annotations: { summary: `{{ $labels.site }}/{{ $labels.instance }} uses more than ${t.memoryRatio * 100}% of its memory` },
    },
    {
      alert: "HostCpuSaturated",
      expr: `1 - avg by (site, instance) (rate(node_cpu_seconds_total{mode="idle"}[5m])) > ${t.cpuRatio}`,
      for: "15m",
      labels: warn,
      annotations: { summary: `{{ $labels.site }}/{{ $labels.instance }} is busier than ${t.cpuRatio * 100}% of its CPU` },
    },
  ];
  const maxAge = 86400 + t.backupMarginHours * 3600;
  const backups: AlertRule[] = a.backups.flatMap((b) => {
    const s = sel({ site: b.site, instance: b.instance });
    return [
      {
        alert: "BackupStale",
        expr: `time() - restic_backup_last_success_timestamp_seconds{${s}} > ${maxAge}`,
        labels: { ...crit, site: b.site, instance: b.instance },
        annotations: { summary: `no successful restic backup of ${b.site}/${b.instance} for more than 24 h + ${t.backupMarginHours} h` },
      },
      {
        alert: "BackupNeverReported",
        expr: `absent(restic_backup_last_success_timestamp_seconds{${s}})`,
        for: dur(maxAge),
        labels: { ...crit, site: b.site, instance: b.instance },
        annotations: { summary: `the restic agent of ${b.site}/${b.instance} has reported no successful backup for 24 h + ${t.backupMarginHours} h` },
      },
    ];
  });
  return { generic, backups };
}

/** The rules file (`/etc/prometheus/rules/homelab.yml`). */
export function renderRules(a: RulesArgs): string {
  const r = alertRules(a);
  const clean = (x: AlertRule) => ({ alert: x.alert, expr: x.expr, ...(x.for ? { for: x.for } : {}), labels: x.labels, annotations: x.annotations });
  return (
    "# Managed by homelab (components/monitoring/render/rules.ts).\n" +
    stringify(
      {
        groups: [
          { name: "homelab", interval: `${a.intervalSeconds}s`, rules: r.generic.map(clean) },
          ...(r.backups.length ? [{ name: "homelab-backups", interval: `${a.intervalSeconds}s`, rules: r.backups.map(clean) }] : []),
        ],
      },
      { lineWidth: 0 },
    )
  );
}
