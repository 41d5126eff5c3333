/**
 * Weekly `restic check` of each backed-up guest's repository, reported through the node_exporter
 * textfile collector (ResticCheckFailed / ResticCheckStale). It reuses the restic agent's
 * EnvironmentFile (components/data/render/restic.ts renderResticEnv: RESTIC_REPOSITORY,
 * RESTIC_PASSWORD_FILE, HOMELAB_REST_PASSWORD_FILE, RESTIC_CACERT), so it holds no secret.
 */
import { lines, putText, readScript, shellScript } from "../../shell";
import { TEXTFILE_DIR } from "./exporters";

const SCRIPT = "/usr/local/sbin/homelab-restic-check";

/** The check script (scripts/restic-check.sh with its environment). */
export function renderResticCheckScript(a: { restic?: string; textfileDir?: string; readDataSubset?: string } = {}): string {
  return shellScript({
    title: "restic check with textfile metrics",
    source: "components/monitoring/render/resticCheck.ts",
    logTag: "restic-check",
    env: { RESTIC: a.restic ?? "/usr/bin/restic", TEXTFILE_DIR: a.textfileDir ?? TEXTFILE_DIR, READ_DATA_SUBSET: a.readDataSubset ?? "1%" },
    body: readScript(__dirname, "../scripts/restic-check.sh"),
  });
}

export function renderResticCheckService(): string {
  return lines(
    "# Managed by homelab (components/monitoring/render/resticCheck.ts).",
    "[Unit]",
    "Description=restic repository check (homelab)",
    "After=network-online.target homelab-restic-backup.service",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=oneshot",
    "EnvironmentFile=/etc/restic/restic.env",
    `ExecStart=/bin/bash ${SCRIPT}`,
    "Nice=10",
    "IOSchedulingClass=idle",
  );
}

/** Weekly, Sunday at `time` in the guest's zone (after the nightly backup). */
export function renderResticCheckTimer(a: { time: string; timeZone: string }): string {
  if (!/^\d{2}:\d{2}$/.test(a.time)) throw new Error(`restic check time must be HH:MM, got ${JSON.stringify(a.time)}`);
  if (!/^[A-Za-z0-9_+\-/]+$/.test(a.timeZone)) throw new Error(`time zone ${JSON.stringify(a.timeZone)} is not a zone name`);
  return lines(
    "# Managed by homelab (components/monitoring/render/resticCheck.ts).",
    "[Unit]",
    "Description=weekly restic repository check",
    "",
    "[Timer]",
    `OnCalendar=Sun *-*-* ${a.time}:00 ${a.timeZone}`,
    "Persistent=true",
    "RandomizedDelaySec=15m",
    "",
    "[Install]",
    "WantedBy=timers.target",
  );
}

/** Installs the check next to an existing restic agent (which must have written /etc/restic/restic.env). */
export function renderResticCheckSetup(a: { time: string; timeZone: string }): string {
  return shellScript({
    title: "restic check timer",
    source: "components/monitoring/render/resticCheck.ts",
    logTag: "restic-check",
    body: [
      '[ -f /etc/restic/restic.env ] || log "no /etc/restic/restic.env yet: the check runs once the restic agent (components/data/resticPipeline.ts) is set up"',
      ...putText(SCRIPT, "0700", "root:root", renderResticCheckScript()),
      ...putText("/etc/systemd/system/homelab-restic-check.service", "0644", "root:root", renderResticCheckService()),
      ...putText("/etc/systemd/system/homelab-restic-check.timer", "0644", "root:root", renderResticCheckTimer(a)),
      "systemctl daemon-reload",
      "systemctl enable --now homelab-restic-check.timer >/dev/null",
      'log "restic check timer converged"',
    ],
  });
}
