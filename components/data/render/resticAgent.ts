/**
 * The restic backup agent script (components/data/scripts/restic-backup.sh), parameterised by an
 * environment block: dumps -> idempotent init -> backup -> forget --prune -> textfile metrics.
 * Secrets never appear in it: the repository and rest-server passwords are files named in the
 * agent's EnvironmentFile (render/restic.ts).
 */
import { readScript, shellScript } from "../../shell";

const NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;
/** Throw unless `s` is a host tag / user / database name (`[a-z0-9][a-z0-9_-]*`). */
export function assertName(kind: string, s: string): void {
  if (!NAME_RE.test(s)) throw new Error(`${kind} ${JSON.stringify(s)} must match ${NAME_RE}`);
}

const AGENT_SH = readScript(__dirname, "../scripts/restic-backup.sh");

export interface ResticRetention {
  /** --keep-daily. Default: 30. */
  daily?: number;
  /** --keep-weekly. Default: 12. */
  weekly?: number;
  /** --keep-monthly. Default: 12. */
  monthly?: number;
}

export interface ResticAgentArgs {
  /** Host tag: used as `--host` and `--tag` on backup and to scope `forget`. Required (`<site>-<service>`). */
  hostTag: string;
  /** Paths to back up. The dump dir is added automatically when dumps are configured. */
  paths: string[];
  /** --exclude patterns. Default: []. */
  excludes?: string[];
  /** restic binary. Default: `/usr/bin/restic` (Debian 12: restic 0.14.0). */
  resticBin?: string;
  /** PostgreSQL dumps taken before the backup. Default: none. */
  pgDump?: {
    /** Databases dumped with `pg_dump --format=custom`. */
    databases: string[];
    /** Directory for the dumps (included in the backup). Default: `/var/backups/postgres`. */
    dumpDir?: string;
    /** Command prefix for pg_dump (receives `--format=custom --dbname=<db>`). Default: `runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_dump`. */
    pgDumpCmd?: string;
    /** Command prefix for `pg_dumpall --globals-only` (roles); `null` skips it. Default: `runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_dumpall`. */
    pgDumpallCmd?: string | null;
  };
  /**
   * Commands run before the dumps and the backup, in order (an app's own export or consistent copy:
   * components/apps `AppPlan.backup.preBackup`). A failing one is logged, shown in the metrics
   * (`homelab_backup_pre_success 0`) and fails the run after the backup (exit 5). Default: none.
   */
  preBackup?: string[];
  /** Retention for `restic forget --prune`. Default: 30 daily / 12 weekly / 12 monthly. */
  retention?: ResticRetention;
  /** node_exporter textfile-collector dir for metrics; `null` disables. Default: `/var/lib/prometheus/node-exporter`. */
  textfileDir?: string | null;
}

/** Render the nightly agent: dumps → idempotent init → backup → forget --prune → metrics. */
export function renderResticAgentScript(a: ResticAgentArgs): string {
  assertName("host tag", a.hostTag);
  if (a.paths.length === 0 && !a.pgDump) throw new Error("nothing to back up");
  const r = { daily: 30, weekly: 12, monthly: 12, ...a.retention };
  const dumpDir = a.pgDump ? (a.pgDump.dumpDir ?? "/var/backups/postgres") : undefined;
  const paths = [...new Set([...a.paths, ...(dumpDir ? [dumpDir] : [])])];
  const textfileDir = a.textfileDir === undefined ? "/var/lib/prometheus/node-exporter" : a.textfileDir;
  for (const d of a.pgDump?.databases ?? []) assertName("database", d);
  const dumpall = a.pgDump?.pgDumpallCmd === undefined ? "runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_dumpall" : a.pgDump.pgDumpallCmd;
  const hooks = a.pgDump
    ? [
        "# database dump commands (the script appends its own arguments)",
        `pg_dump_cmd() { ${a.pgDump.pgDumpCmd ?? "runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_dump"} "$@"; }`,
        ...(dumpall !== null ? [`pg_dumpall_cmd() { ${dumpall} "$@"; }`] : []),
        "",
      ]
    : [];
  const pre = (a.preBackup ?? []).map((c, i) => {
    if (/[\n\r]/.test(c)) throw new Error(`pre-backup command ${i + 1} of ${a.hostTag} holds a newline`);
    return `pre_backup_${i + 1}() { ${c}; }`;
  });
  return shellScript({
    title: `restic backup agent for host tag ${a.hostTag}`,
    source: "components/data/render/resticAgent.ts",
    logTag: "restic-agent",
    env: {
      RESTIC: a.resticBin ?? "/usr/bin/restic",
      HOST_TAG: a.hostTag,
      BACKUP_PATHS: paths,
      EXCLUDES: a.excludes ?? [],
      TEXTFILE_DIR: textfileDir ?? "",
      KEEP_DAILY: r.daily,
      KEEP_WEEKLY: r.weekly,
      KEEP_MONTHLY: r.monthly,
      DUMP_DIR: dumpDir ?? "",
      DUMP_DATABASES: a.pgDump?.databases ?? [],
      DUMP_GLOBALS: !!a.pgDump && dumpall !== null,
      PRE_BACKUP_COUNT: pre.length,
    },
    body: [...hooks, ...(pre.length ? ["# pre-backup commands of the guest's app (AppPlan.backup.preBackup)", ...pre, ""] : []), AGENT_SH],
  });
}
