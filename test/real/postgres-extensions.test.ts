/**
 * The primary's `extensions` setting on a real PostgreSQL 15 (Debian's postgresql-15), built only from
 * the generated setup script: every declared database gets the extension, its owner uses it over TCP
 * with scram, and a second run changes nothing (decision 180).
 *
 * pgvector itself is not in Debian 12 (the install takes it from PGDG, which this machine cannot reach),
 * so the mechanism is proven with `cube`, a contrib extension of postgresql-15 that has the same shape
 * as pgvector's use here: a fixed-dimension vector column and a nearest-neighbour `ORDER BY … <-> …
 * LIMIT` query (PostgreSQL 15 docs, cube: `<->` Euclidean distance, KNN-capable with a GiST index;
 * pgvector README: `ORDER BY embedding <-> '[3,1,2]' LIMIT 5`).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { PgDatabase, renderPostgresPrimarySetup } from "../../components/data/render/postgres";
import { PG_BIN, run, runOk, runScript, tempDir } from "./helpers";

const PORT = 55442;
const base = tempDir("homelab-pgext-");
const sock = path.join(base, "sock");
const dir = path.join(base, "primary");
const AS_PG = "runuser -u postgres --";
const pgCtl = (action: string) => `${AS_PG} ${PG_BIN}/pg_ctl -D ${dir} -l ${base}/pg.log -w -t 60 ${action}`;
const secrets: Record<string, string> = { PG_REPLICATION_PASSWORD: `repl-${crypto.randomBytes(8).toString("hex")}` };
const databases: PgDatabase[] = ["flowise", "n8n"].map((name) => {
  secrets[`PG_PASSWORD_${name.toUpperCase()}`] = `pw-${name}-${crypto.randomBytes(8).toString("hex")}`;
  return { name, clients: ["127.0.0.1"] };
});
const script = renderPostgresPrimarySetup({
  dataDir: dir,
  mainConfPath: path.join(dir, "postgresql.conf"),
  confPath: path.join(dir, "conf.d", "50-homelab.conf"),
  hbaPath: path.join(dir, "pg_hba.conf"),
  socketDir: sock,
  startCmd: pgCtl("start"),
  restartCmd: pgCtl("restart"),
  readyTimeoutSec: 60,
  conf: { serviceAddress: "127.0.0.1", listenAddresses: ["127.0.0.1"], port: PORT, unixSocketDirectory: sock, sharedBuffers: "32MB", effectiveCacheSize: "128MB", maxConnections: 20, maxSlotWalKeepSize: "1GB" },
  databases,
  extensions: ["cube", "pg_trgm"],
  createClusterCmd: `install -d -o postgres -g postgres -m 0700 ${dir} && ${AS_PG} ${PG_BIN}/initdb -D ${dir} --auth-local=peer --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null`,
  pgbackrest: false,
});

const psqlAs = (user: string, db: string, sql: string) =>
  run(`${PG_BIN}/psql`, ["-X", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(PORT), "-U", user, "-d", db, "-c", sql], {
    env: { ...process.env, PGPASSWORD: secrets[`PG_PASSWORD_${user.toUpperCase()}`] },
  });
const superPsql = (db: string, sql: string) => runOk("runuser", ["-u", "postgres", "--", `${PG_BIN}/psql`, "-X", "-At", "-h", sock, "-p", String(PORT), "-d", db, "-c", sql]).stdout.trim();

beforeAll(() => {
  fs.mkdirSync(sock, { recursive: true });
  runOk("chown", ["postgres:postgres", sock, base]);
});
afterAll(() => {
  if (fs.existsSync(path.join(dir, "postmaster.pid"))) run("bash", ["-c", `${pgCtl("stop")} -m immediate`]);
  fs.rmSync(base, { recursive: true, force: true });
});

describe("PostgreSQL primary extensions (real PostgreSQL 15)", () => {
  test("the setup creates each extension in every declared database, and nowhere else", () => {
    const r = runScript(path.join(base, "setup.sh"), script, secrets);
    if (r.status !== 0) console.log(r.stdout, r.stderr);
    expect(r.status).toBe(0);
    for (const db of ["flowise", "n8n"]) expect(superPsql(db, "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1")).toBe("cube\npg_trgm");
    expect(superPsql("postgres", "SELECT count(*) FROM pg_extension WHERE extname IN ('cube','pg_trgm')")).toBe("0");
  });

  test("the database's owner stores vectors and runs a nearest-neighbour query with an index", () => {
    const sql = [
      "CREATE TABLE items (id int PRIMARY KEY, embedding cube)",
      "INSERT INTO items VALUES (1, cube(ARRAY[1,2,3])), (2, cube(ARRAY[4,5,6])), (3, cube(ARRAY[9,9,9]))",
      "CREATE INDEX items_knn ON items USING gist (embedding)",
      "SELECT string_agg(id::text, ',') FROM (SELECT id FROM items ORDER BY embedding <-> cube(ARRAY[3,1,2]) LIMIT 2) s",
    ].join("; ");
    const r = psqlAs("flowise", "flowise", sql);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim().split("\n").pop()).toBe("1,2");
    // another app's owner cannot reach this database
    expect(psqlAs("n8n", "flowise", "SELECT 1").status).not.toBe(0);
  });

  test("a second run changes nothing", () => {
    const pid = fs.readFileSync(path.join(dir, "postmaster.pid"), "utf8").split("\n")[0];
    const r = runScript(path.join(base, "setup.sh"), script, secrets);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, "postmaster.pid"), "utf8").split("\n")[0]).toBe(pid);
    expect(superPsql("flowise", "SELECT count(*) FROM items")).toBe("3");
  });
});
