/**
 * The idempotent psql script that converges roles, databases and replication slots. Passwords are
 * read at run time with psql's `\getenv` from environment variables; no secret is in the text.
 */
import { assertEnv, assertIdent, dbOwner, dbPasswordEnv, PgDatabase, PgReplica, replicaSlot, sqlIdent, sqlLiteral } from "./pgCommon";

// ---------------------------------------------------------------------------------------------
// init SQL (idempotent; run with psql -v ON_ERROR_STOP=1)
// ---------------------------------------------------------------------------------------------

export interface PgInitSqlArgs {
  /** Databases + owners to converge. */
  databases: PgDatabase[];
  /** Replicas; one physical slot each. Default: []. */
  replicas?: PgReplica[];
  /** Replication role. Default: `replicator`. */
  replicationUser?: string;
  /** Env var holding the replication role password (read with \getenv). Default: `PG_REPLICATION_PASSWORD`. */
  replicationPasswordEnv?: string;
  /** Extensions created in every database (as the superuser, `IF NOT EXISTS`). Default: none. */
  extensions?: string[];
}

/**
 * Idempotent psql script: creates missing roles/databases/slots, (re)sets passwords from environment
 * variables via psql's `\getenv` (PostgreSQL 15+ psql), so no secret is part of the text.
 */
export function renderPgInitSql(a: PgInitSqlArgs): string {
  const repl = a.replicationUser ?? "replicator";
  const replEnv = a.replicationPasswordEnv ?? "PG_REPLICATION_PASSWORD";
  assertIdent("replication user", repl);
  assertEnv(replEnv);
  const out: string[] = [
    "-- Managed by homelab (components/data/render/postgres.ts). Idempotent: safe to re-run.",
    "\\set ON_ERROR_STOP on",
    "SET client_min_messages = warning;",
  ];
  const role = (name: string, attrs: string, env: string, v: string): void => {
    out.push(
      "",
      `-- role ${name}`,
      `SELECT format('CREATE ROLE %I', ${sqlLiteral(name)}) WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${sqlLiteral(name)}) \\gexec`,
      `\\getenv ${v} ${env}`,
      `ALTER ROLE ${sqlIdent(name)} WITH ${attrs} PASSWORD :'${v}';`,
      `\\unset ${v}`,
    );
  };
  role(repl, "LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE", replEnv, "pw_replication");
  const owners = new Set<string>();
  for (const d of a.databases) {
    assertIdent("database", d.name);
    const o = dbOwner(d);
    assertIdent("owner", o);
    assertEnv(dbPasswordEnv(d));
    if (!owners.has(o)) {
      owners.add(o);
      role(o, "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION", dbPasswordEnv(d), `pw_${o}`);
    }
    out.push(
      `SELECT format('CREATE DATABASE %I OWNER %I', ${sqlLiteral(d.name)}, ${sqlLiteral(o)}) WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = ${sqlLiteral(d.name)}) \\gexec`,
      `ALTER DATABASE ${sqlIdent(d.name)} OWNER TO ${sqlIdent(o)};`,
      `REVOKE ALL ON DATABASE ${sqlIdent(d.name)} FROM PUBLIC;`,
      `GRANT CONNECT, TEMPORARY ON DATABASE ${sqlIdent(d.name)} TO ${sqlIdent(o)};`,
    );
  }
  const slots = (a.replicas ?? []).map(replicaSlot);
  if (slots.length) out.push("", "-- physical replication slots (one per replica)");
  for (const s of [...new Set(slots)]) {
    assertIdent("slot", s);
    out.push(
      `SELECT pg_create_physical_replication_slot(${sqlLiteral(s)}) WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ${sqlLiteral(s)});`,
    );
  }
  const exts = a.extensions ?? [];
  if (exts.length && a.databases.length) out.push("", "-- extensions, in every database (psql reconnects as the same superuser)");
  for (const d of exts.length ? a.databases : []) {
    out.push(`\\connect ${sqlIdent(d.name)}`, ...exts.map((e) => `CREATE EXTENSION IF NOT EXISTS ${sqlIdent(e)};`));
  }
  return out.join("\n") + "\n";
}

