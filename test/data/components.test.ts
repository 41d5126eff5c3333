import { renderStack, RenderResult } from "../../scripts/lib/offline";
import { renderWithDependencies } from "../../scripts/lib/crossSite";
import { backupAgentPlan, backupWaitsForApp, pgBackRestRepoPlan, postgresPrimaryPlan, postgresSizing } from "../../components/data/plan";
import { siteConfigFromInventory } from "../../policy/config";
import { wrapScript } from "../../components/remote/script";
import { activeApp, organisationOf, primaryDatabases, replicasOf } from "../../components/inventory/org";
import { renderSite } from "../helpers/render";

let bo: RenderResult;
let bh: RenderResult;
let ep: RenderResult;
beforeAll(async () => {
  bo = await renderSite("bo");
  bh = await renderSite("bh");
  ep = await renderSite("ep");
});
/** Commands of the data tier (their URN's type chain passes through a homelab:data:* component). */
const cmds = (r: RenderResult) => r.resources.filter((x) => x.type === "command:remote:Command" && x.urn.includes("homelab:data:"));
const byName = (r: RenderResult, n: string) => r.resources.find((x) => x.name === n)!;

describe("plan (pure)", () => {
  test("agents only for guests whose app this program installs (their data exists), none for exempt ones", () => {
    // Before issue 10 every guest with backup paths got one: gitea, grafana, n8n, paperless, prometheus,
    // uptime-kuma, wazuh on bo and konstanze/odoo on ep backed up empty paths and odoo's dump failed.
    const names = backupAgentPlan(bo.site).map((p) => p.service);
    // Gitea, n8n, Paperless, Uptime Kuma and Wazuh have their modules (decisions 142, 143, 164, 116, 233): their agents come with them.
    // Prometheus and Grafana are installed by components/monitoring (decision 391).
    expect(names).toEqual(["authentik", "gitea", "grafana", "n8n", "netbird", "paperless", "postgres", "prometheus", "uptime-kuma", "wazuh"]);
    const pg = backupAgentPlan(bo.site).find((p) => p.service === "postgres")!;
    expect(pg).toMatchObject({ repoUser: "bo-postgres", dumpDir: "/var/backups/postgresql", at: "01:00", timeZone: "America/Chicago" });
    // Odoo, Open WebUI, Home Assistant and Paperless have their modules (components/apps, decisions 131, 162-164).
    expect(backupAgentPlan(ep.site).map((p) => p.service)).toEqual(["konstanze", "odoo"]);
    expect(backupAgentPlan(bh.site).map((p) => p.service)).toEqual(["home-assistant", "odoo", "open-webui"]);
    for (const s of ep.site.services.filter((x) => x.backup && "paths" in x.backup)) expect(backupWaitsForApp(s)).toBe(false);
    // an app's pre-backup commands reach its agent (Paperless's document_exporter, decision 164)
    expect(backupAgentPlan(bo.site).find((p) => p.service === "paperless")!.preBackup).toEqual(["podman exec paperless document_exporter /usr/src/paperless/export --delete --no-progress-bar"]);
  });
  test("the policy config states why the waiting guests have no agent (exempt with a reason)", () => {
    const cfg = siteConfigFromInventory(ep.site, [bo.site, bh.site, ep.site]);
    expect(cfg.backups.find((b) => b.name === "konstanze")).toMatchObject({ method: "restic", paths: ["/var/lib/open-webui"] });
    expect(cfg.backups.find((b) => b.name === "odoo")).toMatchObject({ method: "restic", paths: ["/var/lib/odoo"] });
    const boCfg = siteConfigFromInventory(bo.site, [bo.site, bh.site, ep.site]);
    expect(boCfg.backups.find((b) => b.name === "postgres")).toMatchObject({ method: "restic" });
    expect(boCfg.backups.find((b) => b.name === "wazuh")).toMatchObject({ method: "restic" }); // Wazuh has its module (decision 233)
  });
  test("sizing of the primary: slot WAL cap a tenth of the data mount, memory quarters", () => {
    const primary = activeApp(bo.site, "postgres-primary")!;
    expect(postgresSizing(primary)).toEqual({ sharedBuffers: "4GB", effectiveCacheSize: "12GB", maxSlotWalKeepSize: "48GB" });
    expect(byName(bo, "bo-postgres-setup").inputs.create).toContain("max_slot_wal_keep_size = '48GB'");
    expect(pgBackRestRepoPlan(bo.site, primary)).toEqual({ type: "s3" });
  });
  test("primary plan: databases and clients derived from the organisation, replicas from its postgres-replica apps", () => {
    const org = organisationOf(bo.site, [bh.site, ep.site]);
    const primary = activeApp(bo.site, "postgres-primary")!;
    const replicas = replicasOf(org).map((r) => ({ name: r.name, address: r.address }));
    expect(replicas).toEqual([{ name: "bh", address: "192.168.50.22" }, { name: "ep", address: "192.168.30.22" }]);
    const p = postgresPrimaryPlan(primary, primaryDatabases(org, primary), replicas);
    expect(p.databases.map((d) => d.name)).toEqual(["authentik", "iron_honeycomb", "odoo_bo", "gitea", "n8n", "paperless"]);
    expect(p.databases.find((d) => d.name === "gitea")!.clients).toEqual(["192.168.9.40/32"]);
    expect(p.databasesWithoutClients).toEqual(["iron_honeycomb", "odoo_bo"]);
    expect(p.unmatchedSources).toEqual(["192.168.9.31/32"]);
  });
  test("wrapper keeps secrets out of the text", () => {
    const w = wrapScript("echo hi\n", ["A_B"]);
    expect(w).toContain("base64 -d");
    expect(() => wrapScript("x", ["bad name"])).toThrow();
  });
});

describe("bo plan", () => {
  test("primary setup, MinIO, restic server and agents exist and depend on their guests", () => {
    const names = cmds(bo).map((c) => c.name);
    for (const n of ["bo-postgres-install", "bo-postgres-setup", "bo-minio-setup", "bo-restic-setup", "bo-authentik-backup-setup", "bo-postgres-backup-register"]) expect(names).toContain(n);
    expect(names).toContain("bo-wazuh-backup-setup"); // Wazuh's agent comes with its module (decision 233)
    const container = (svc: string) => bo.resources.find((r) => r.type === "proxmoxve:index/containerLegacy:ContainerLegacy" && r.name === `bo-${svc}`)!.urn;
    expect(byName(bo, "bo-postgres-setup").dependencies).toContain(container("postgres"));
    expect(byName(bo, "bo-postgres-setup").dependencies).toContain(byName(bo, "bo-minio-setup").urn);
    expect(byName(bo, "bo-minio-setup").dependencies).toContain(container("minio"));
    expect(byName(bo, "bo-netbird-backup-setup").dependencies).toContain(container("netbird"));
    for (const c of cmds(bo)) expect(c.dependencies.length).toBeGreaterThan(0);
    const agent = bo.resources.find((r) => r.type === "homelab:data:ResticAgent" && r.name === "bo-postgres-backup");
    expect(agent).toBeDefined();
  });
  test("setup text is readable; secrets only in stdin as [secret]", () => {
    const setup = byName(bo, "bo-postgres-setup").inputs;
    expect(setup.create).toContain("CREATE DATABASE");
    expect(setup.create).toContain("host    gitea  gitea  192.168.9.40/32  scram-sha-256");
    expect(setup.create).toContain("host    replication  replicator  192.168.50.22/32  scram-sha-256");
    expect(setup.create).toContain("repo1-storage-ca-file=/etc/pgbackrest/minio-ca.pem");
    expect(setup.stdin).toBe("[secret]");
    expect(byName(bo, "bo-postgres-backup-setup").inputs.create).toContain("--format=custom");
    expect(byName(bo, "bo-postgres-backup-setup").inputs.create).toContain("OnCalendar=*-*-* 01:00:00 America/Chicago");
    expect(byName(bo, "bo-minio-setup").inputs.create).toContain('"$MC" version enable "$ALIAS/archives"');
    for (const c of [...cmds(bo), ...cmds(bh), ...cmds(ep)]) {
      expect(c.inputs.stdin).toBe("[secret]");
      expect(typeof c.inputs.create).toBe("string");
      expect(c.inputs.create).not.toMatch(/mock-|PRIVATE KEY/);
    }
  });
  test("@pulumi/command 1.x inputs: no previous output pushed through sshd's environment, logs kept", () => {
    // pulumi/pulumi-command v1.2.1 remote/commandOutputs.go: addPreviousOutputInEnv defaults to true and
    // Setenv's PULUMI_COMMAND_STDOUT/STDERR, which Debian's sshd refuses (warning on every update).
    for (const c of [...cmds(bo), ...cmds(bh), ...cmds(ep)]) {
      expect(c.inputs.addPreviousOutputInEnv).toBe(false);
      expect(c.inputs.logging).toBe("stdoutAndStderr");
    }
  });
  test("no mock secret value appears anywhere in resource inputs", () => {
    for (const r of [bo, bh, ep]) expect(JSON.stringify(r.resources.map((x) => x.inputs))).not.toMatch(/mock-[0-9a-f]{4}|mock-private-key/);
  });
  // KNOWN GAP in scripts/lib/offline.ts (not a data-tier file): serializeOutputs drops secretness, so
  // pulumi.secret() stack outputs print in clear in plan. Flips to passing once offline.ts keeps secrets.
  test("stack outputs mask secrets", () => {
    expect(JSON.stringify(bo.outputs)).not.toMatch(/mock-[0-9a-f]{4}/);
    expect(JSON.stringify(bo.outputs.postgresReplicationPassword)).toBe('"[secret]"');
  });
  test("repository keys and MinIO root credentials are protected", () => {
    expect(byName(bo, "bo-postgres-backup-repo-password").protect).toBe(true);
    expect(byName(bo, "bo-minio-root-password").protect).toBe(true);
    expect(byName(bo, "bo-postgres").protect).toBe(true);
  });
});

describe("bh/ep plans", () => {
  test("replicas get bo's endpoint from bo's own render", () => {
    for (const [r, name] of [[bh, "bh"], [ep, "ep"]] as const) {
      const setup = byName(r, `${name}-pg-replica-setup`).inputs;
      expect(setup.create).toContain("PRIMARY_HOST=192.168.9.20");
      expect(setup.create).toContain(`SLOT=replica_${name}`);
      expect(setup.stdin).toBe("[secret]");
      // @pulumi/command 1.x makes the whole connection a secret (it carries the key): plan shows "[secret]".
      expect(byName(r, `${name}-pg-replica-setup`).inputs.connection).toBe("[secret]");
      expect(byName(r, `${name}-pg-replica-setup`).props.connection).toMatchObject({ host: name === "bh" ? "192.168.50.22" : "192.168.30.22", user: "root", port: 22 });
      // the agents of bh and ep are those of the guests whose app has a module
      expect(r.resources.filter((x) => x.type === "homelab:data:ResticAgent").map((x) => x.name).sort()).toEqual(
        name === "bh" ? ["bh-home-assistant-backup", "bh-odoo-backup", "bh-open-webui-backup"] : ["ep-konstanze-backup", "ep-odoo-backup"],
      );
    }
    expect(bh.resources.some((x) => x.type === "homelab:data:ResticAgent" && x.name === "bh-pg-replica-backup")).toBe(false);
  });
  test("second render is identical", async () => {
    const again = await renderWithDependencies("bh");
    expect(JSON.stringify(again.resources.map((r) => [r.urn, r.inputs]))).toBe(JSON.stringify(bh.resources.map((r) => [r.urn, r.inputs])));
    const bo2 = await renderStack("bo");
    expect(JSON.stringify(bo2.resources.map((r) => [r.urn, r.inputs]))).toBe(JSON.stringify(bo.resources.map((r) => [r.urn, r.inputs])));
  });
});

describe("hx310-db: a primary without an object store (decision 110)", () => {
  test("renders with a posix pgBackRest repository on the primary's data mount, databases owned by its apps", async () => {
    // Before issue 10 the loader refused a postgres-primary without an object-store in its site.
    const hx = await renderSite("hx310-db");
    const setup = String(byName(hx, "hx310-db-postgres-setup").inputs.create);
    expect(setup).toContain("repo1-type=posix");
    expect(setup).toContain("repo1-path=/var/lib/postgresql/pgbackrest");
    expect(setup).not.toMatch(/^repo1-s3-endpoint=/m);
    expect(setup).toContain("max_slot_wal_keep_size = '4GB'");
    expect(setup).toContain("shared_buffers = '1GB'");
    expect(setup).toContain("OnCalendar=Sun *-*-* 00:30:00 Europe/Amsterdam");
    for (const db of ["wikijs", "gitea"]) expect(setup).toMatch(new RegExp(`host    ${db}  ${db}  192\\.168\\.100\\.1[12]/32  scram-sha-256`));
    // Vaultwarden keeps SQLite on its own data mount (decision 341): no database, no pg_hba line.
    expect(setup).not.toMatch(/^host +vaultwarden /m);
    expect(secretStdinNames(byName(hx, "hx310-db-postgres-setup").props.stdin)).not.toContain("PGBACKREST_REPO1_S3_KEY");
  });
});

function secretStdinNames(stdin: unknown): string[] {
  return String(stdin).split("\n").filter(Boolean).map((l) => l.split("=")[0]);
}
