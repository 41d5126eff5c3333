/**
 * Exporters on every guest and Proxmox node, from Debian 12's packages (docs/decisions.md,
 * Monitoring: the distribution's signed archive and security updates, no binary to pin and
 * verify per host): prometheus-node-exporter 1.5 with its textfile collector (the restic agent
 * writes restic_backup.prom there, the restic check restic_check.prom), and
 * prometheus-postgres-exporter 0.11 beside the PostgreSQL primary and each replica.
 *
 * Both packages' units read `/etc/default/<package>` (`ExecStart=/usr/bin/<package> $ARGS`,
 * `EnvironmentFile=`, `User=prometheus`; checked against the installed Debian packages in
 * test/real/monitoring.test.ts).
 */
import { lines, putText, shellScript } from "../../shell";
import { NODE_EXPORTER_PORT, POSTGRES_EXPORTER_PORT } from "../../inventory/monitoring";

/** The textfile-collector directory (the Debian package's default, and the restic agent's). */
export const TEXTFILE_DIR = "/var/lib/prometheus/node-exporter";

/** /etc/default/prometheus-node-exporter. */
export function renderNodeExporterDefaults(a: { listen?: string } = {}): string {
  return lines(
    "# Managed by homelab (components/monitoring/render/exporters.ts).",
    `ARGS="--web.listen-address=${a.listen ?? `:${NODE_EXPORTER_PORT}`} --collector.textfile.directory=${TEXTFILE_DIR}"`,
  );
}

/** Install and converge node_exporter (guest or Proxmox node). */
export function renderNodeExporterSetup(): string {
  return shellScript({
    title: "node_exporter (Debian prometheus-node-exporter)",
    source: "components/monitoring/render/exporters.ts",
    logTag: "node-exporter",
    body: [
      "dpkg -s prometheus-node-exporter >/dev/null 2>&1 || mark_changed",
      "ensure_packages prometheus-node-exporter",
      `install -d -o prometheus -g prometheus -m 0755 ${TEXTFILE_DIR}`,
      ...putText("/etc/default/prometheus-node-exporter", "0644", "root:root", renderNodeExporterDefaults()),
      "converge_units prometheus-node-exporter.service",
      'log "node_exporter converged"',
    ],
  });
}

/**
 * /etc/default/prometheus-postgres-exporter: the local cluster over its unix socket. The exporter
 * runs as the `postgres` OS user (a drop-in), because the data tier's pg_hba admits only
 * `local all postgres peer` locally (components/data/render/pgConf.ts).
 */
export function renderPostgresExporterDefaults(a: { socketDir?: string; port?: number; listen?: string } = {}): string {
  return lines(
    "# Managed by homelab (components/monitoring/render/exporters.ts). No password: peer authentication over the unix socket.",
    `DATA_SOURCE_NAME='user=postgres host=${a.socketDir ?? "/var/run/postgresql"} port=${a.port ?? 5432} dbname=postgres sslmode=disable'`,
    `ARGS="--web.listen-address=${a.listen ?? `:${POSTGRES_EXPORTER_PORT}`}"`,
  );
}

/** The unit drop-in that runs the exporter as `postgres`. */
export const POSTGRES_EXPORTER_DROPIN = lines("# Managed by homelab (components/monitoring/render/exporters.ts).", "[Service]", "User=postgres");

/** Install and converge postgres_exporter beside a PostgreSQL primary or replica. */
export function renderPostgresExporterSetup(): string {
  return shellScript({
    title: "postgres_exporter (Debian prometheus-postgres-exporter)",
    source: "components/monitoring/render/exporters.ts",
    logTag: "postgres-exporter",
    body: [
      "dpkg -s prometheus-postgres-exporter >/dev/null 2>&1 || mark_changed",
      "ensure_packages prometheus-postgres-exporter",
      ...putText("/etc/default/prometheus-postgres-exporter", "0644", "root:root", renderPostgresExporterDefaults()),
      "install -d -m 0755 /etc/systemd/system/prometheus-postgres-exporter.service.d",
      ...putText("/etc/systemd/system/prometheus-postgres-exporter.service.d/homelab.conf", "0644", "root:root", POSTGRES_EXPORTER_DROPIN),
      "systemctl daemon-reload",
      "converge_units prometheus-postgres-exporter.service",
      'log "postgres_exporter converged"',
    ],
  });
}
