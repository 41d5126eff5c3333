/**
 * Real restic test (restic 0.14.0 from Debian 12). rest-server is not packaged in Debian 12
 * (restic-rest-server exists only from Debian 13), so the generated agent runs against a local
 * filesystem repository; the rest: URL credential splicing is checked with a stub restic binary.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { renderResticAgentScript, renderResticEnv, resticRestRepository } from "../../components/data/render/restic";
import { run, runOk, tempDir } from "./helpers";

const base = tempDir("homelab-restic-");
const repo = path.join(base, "repo");
const src = path.join(base, "src");
const dumps = path.join(base, "dumps");
const textfile = path.join(base, "textfile");
const pwFile = path.join(base, "repo.password");
const repoPassword = `repo-${crypto.randomBytes(16).toString("hex")}`;

function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const l of text.split("\n")) {
    const m = l.match(/^([A-Z_][A-Z0-9_]*)=(.*)$/);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

const fakePgDump = path.join(base, "fake-pg_dump");
const script = renderResticAgentScript({
  hostTag: "bh",
  paths: [src],
  excludes: ["*.tmp"],
  resticBin: "/usr/bin/restic",
  pgDump: { databases: ["authentik", "gitea"], dumpDir: dumps, pgDumpCmd: fakePgDump, pgDumpallCmd: null },
  textfileDir: textfile,
});
const envText = renderResticEnv({ repository: repo, passwordFile: pwFile, restPasswordFile: null, cacheDir: path.join(base, "cache") });
const env = { ...process.env, ...parseEnvFile(envText) };

function agent() {
  fs.writeFileSync(path.join(base, "agent.sh"), script, { mode: 0o700 });
  return run("bash", [path.join(base, "agent.sh")], { env });
}
function restic(args: string[]) {
  return runOk("restic", args, { env });
}

beforeAll(() => {
  fs.writeFileSync(pwFile, repoPassword, { mode: 0o600 });
  fs.writeFileSync(fakePgDump, '#!/bin/bash\necho "fake dump: $*"\n', { mode: 0o755 });
  fs.mkdirSync(path.join(src, "nested", "deep"), { recursive: true });
  fs.writeFileSync(path.join(src, "a.txt"), "hello\n");
  fs.writeFileSync(path.join(src, "nested", "blob.bin"), crypto.randomBytes(300_000));
  fs.writeFileSync(path.join(src, "nested", "deep", "c.txt"), "deep\n");
  fs.writeFileSync(path.join(src, "ignored.tmp"), "excluded\n");
});
afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

describe("generated restic agent against a real restic repository", () => {
  test("no secret in script or env file", () => {
    expect(script).not.toContain(repoPassword);
    expect(envText).not.toContain(repoPassword);
  });

  test("first run: dumps, init, backup, forget; metrics written", () => {
    const r = agent();
    if (r.status !== 0) console.log(r.stdout, r.stderr);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("initialising repository");
    expect(fs.readFileSync(path.join(dumps, "authentik.dump"), "utf8")).toBe("fake dump: --format=custom --dbname=authentik\n");
    const snaps = JSON.parse(restic(["snapshots", "--json"]).stdout);
    expect(snaps).toHaveLength(1);
    expect(snaps[0].hostname).toBe("bh");
    expect(snaps[0].tags).toEqual(expect.arrayContaining(["homelab", "bh"]));
    const prom = fs.readFileSync(path.join(textfile, "restic_backup.prom"), "utf8");
    expect(prom).toMatch(/^restic_backup_success\{host="bh"\} 1$/m);
    expect(prom).toMatch(/^restic_backup_exit_code\{host="bh"\} 0$/m);
    expect(prom).toMatch(/^restic_snapshots_total\{host="bh"\} 1$/m);
    expect(prom).toMatch(/^homelab_backup_dump_success\{host="bh",database="authentik"\} 1$/m);
    expect(prom).toMatch(/^homelab_backup_dump_last_success_timestamp_seconds\{host="bh",database="gitea"\} \d+$/m);
  });

  test("second run after changes: init skipped, retention keeps one daily snapshot, restore is byte-identical", () => {
    fs.writeFileSync(path.join(src, "a.txt"), "hello again\n");
    fs.writeFileSync(path.join(src, "nested", "new.bin"), crypto.randomBytes(50_000));
    fs.rmSync(path.join(src, "nested", "deep", "c.txt"));
    const r = agent();
    if (r.status !== 0) console.log(r.stdout, r.stderr);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("repository exists");
    expect(r.stderr).not.toContain("initialising repository");
    // --keep-daily 30: two snapshots on the same day -> only the newest is kept, the other is forgotten + pruned
    expect(r.stdout).toMatch(/keep 1 snapshots/);
    expect(r.stdout).toMatch(/remove 1 snapshots/);
    const snaps = JSON.parse(restic(["snapshots", "--json"]).stdout);
    console.log(`restic snapshots after second run: ${snaps.map((s: { short_id: string; hostname: string; tags: string[] }) => `${s.short_id} host=${s.hostname} tags=${s.tags}`).join("; ")}`);
    expect(snaps).toHaveLength(1);
    const target = path.join(base, "restore");
    restic(["restore", "latest", "--host", "bh", "--target", target]);
    const diff = run("diff", ["-r", "--exclude=*.tmp", src, path.join(target, src)]);
    expect(diff.stdout + diff.stderr).toBe("");
    expect(diff.status).toBe(0);
    expect(fs.existsSync(path.join(target, src, "ignored.tmp"))).toBe(false);
    expect(Buffer.compare(fs.readFileSync(path.join(src, "nested", "blob.bin")), fs.readFileSync(path.join(target, src, "nested", "blob.bin")))).toBe(0);
    expect(fs.readFileSync(path.join(target, dumps, "gitea.dump"), "utf8")).toContain("--dbname=gitea");
    restic(["check"]);
  });

  test("a failing dump (e.g. a database that does not exist yet) shows in the metrics and fails the run", () => {
    const before = fs.readFileSync(path.join(textfile, "restic_backup.prom"), "utf8");
    const lastGitea = before.match(/^homelab_backup_dump_last_success_timestamp_seconds\{host="bh",database="gitea"\} (\d+)$/m)![1];
    const previousDump = fs.readFileSync(path.join(dumps, "gitea.dump"), "utf8");
    // pg_dump's own failure for a missing database: exit 1 after "database ... does not exist"
    fs.writeFileSync(fakePgDump, '#!/bin/bash\ncase "$*" in *--dbname=gitea*) echo \'pg_dump: error: connection to server failed: FATAL:  database "gitea" does not exist\' >&2; exit 1 ;; esac\necho "fake dump: $*"\n', { mode: 0o755 });
    try {
      const r = agent();
      expect(r.status).toBe(4);
      expect(r.stderr).toContain("pg_dump gitea FAILED");
      const prom = fs.readFileSync(path.join(textfile, "restic_backup.prom"), "utf8");
      expect(prom).toMatch(/^homelab_backup_dump_success\{host="bh",database="gitea"\} 0$/m);
      expect(prom).toMatch(/^homelab_backup_dump_success\{host="bh",database="authentik"\} 1$/m);
      // the last good dump's time survives the failed run; the run itself is a failure
      expect(prom).toMatch(new RegExp(`^homelab_backup_dump_last_success_timestamp_seconds\\{host="bh",database="gitea"\\} ${lastGitea}$`, "m"));
      expect(prom).toMatch(/^restic_backup_success\{host="bh"\} 0$/m);
      expect(prom).toMatch(/^restic_backup_exit_code\{host="bh"\} 0$/m);
      expect(fs.existsSync(path.join(dumps, "gitea.dump.tmp"))).toBe(false);
      expect(fs.readFileSync(path.join(dumps, "gitea.dump"), "utf8")).toBe(previousDump);
    } finally {
      fs.writeFileSync(fakePgDump, '#!/bin/bash\necho "fake dump: $*"\n', { mode: 0o755 });
    }
  });

  test("an app's pre-backup commands run first, in order; a failing one is in the metrics and fails the run (exit 5) after the backup", () => {
    const stubDir = tempDir("homelab-restic-pre-");
    try {
      const order = path.join(stubDir, "order");
      const stub = path.join(stubDir, "restic");
      fs.writeFileSync(stub, `#!/bin/bash\necho "restic $1" >>${order}\nif [ "$1" = snapshots ]; then echo '[]'; fi\nexit 0\n`, { mode: 0o755 });
      const prom = path.join(stubDir, "prom");
      const agent = (pre: string[]) => {
        fs.writeFileSync(order, "");
        fs.writeFileSync(path.join(stubDir, "agent.sh"), renderResticAgentScript({ hostTag: "bo-paperless", paths: [src], resticBin: stub, textfileDir: prom, preBackup: pre }));
        return run("bash", [path.join(stubDir, "agent.sh")], { env: { ...process.env, RESTIC_REPOSITORY: "/nonexistent", RESTIC_PASSWORD_FILE: pwFile } });
      };
      const ok = agent([`echo "export one" >>${order}`, `echo "export two" >>${order}`]);
      expect(ok.status).toBe(0);
      expect(fs.readFileSync(order, "utf8").trim().split("\n").slice(0, 3)).toEqual(["export one", "export two", "restic cat"]);
      expect(fs.readFileSync(path.join(prom, "restic_backup.prom"), "utf8")).toMatch(/^homelab_backup_pre_success\{host="bo-paperless"\} 1$/m);
      const bad = agent(["false", `echo "export two" >>${order}`]);
      expect(bad.status).toBe(5);
      expect(fs.readFileSync(order, "utf8")).toContain("restic backup");
      const metrics = fs.readFileSync(path.join(prom, "restic_backup.prom"), "utf8");
      expect(metrics).toMatch(/^homelab_backup_pre_success\{host="bo-paperless"\} 0$/m);
      expect(metrics).toMatch(/^restic_backup_success\{host="bo-paperless"\} 0$/m);
      expect(() => renderResticAgentScript({ hostTag: "x", paths: [src], preBackup: ["a\nb"] })).toThrow(/newline/);
    } finally {
      fs.rmSync(stubDir, { recursive: true, force: true });
    }
  });

  test("rest: URL gets the rest-server password spliced in, URL-encoded, at run time only", () => {
    const stubDir = tempDir("homelab-restic-stub-");
    try {
      const seen = path.join(stubDir, "seen");
      const stub = path.join(stubDir, "restic");
      fs.writeFileSync(stub, `#!/bin/bash\necho "$RESTIC_REPOSITORY" >>${seen}\nif [ "$1" = snapshots ]; then echo '[]'; fi\nexit 0\n`, { mode: 0o755 });
      const restPw = "p@ss:w/rd %x";
      fs.writeFileSync(path.join(stubDir, "rest.pw"), restPw);
      const s = renderResticAgentScript({ hostTag: "ep", paths: [src], resticBin: stub, textfileDir: null });
      const e = renderResticEnv({ repository: resticRestRepository({ user: "ep", host: "192.0.2.22" }), passwordFile: pwFile, restPasswordFile: path.join(stubDir, "rest.pw") });
      expect(e).toContain("RESTIC_REPOSITORY=rest:https://ep@192.0.2.22:8000/ep/");
      expect(s + e).not.toContain(restPw);
      fs.writeFileSync(path.join(stubDir, "agent.sh"), s);
      const r = run("bash", [path.join(stubDir, "agent.sh")], { env: { ...process.env, ...parseEnvFile(e) } });
      expect(r.status).toBe(0);
      const urls = [...new Set(fs.readFileSync(seen, "utf8").trim().split("\n"))];
      expect(urls).toEqual(["rest:https://ep:p%40ss%3Aw%2Frd%20%25x@192.0.2.22:8000/ep/"]);
    } finally {
      fs.rmSync(stubDir, { recursive: true, force: true });
    }
  });
});
