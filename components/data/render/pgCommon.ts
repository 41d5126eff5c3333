/**
 * Shared pieces of the PostgreSQL 15 renderers (pgConf.ts, pgSql.ts, pgSetup.ts): quoting for
 * postgresql.conf and SQL, identifier checks, and the database/replica argument shapes.
 */
import * as ipaddr from "ipaddr.js";
import { assertEnvName } from "../../shell";

/** Quote a value as a postgresql.conf string literal. */
export function pgConfQuote(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;
}

/** Quote an SQL identifier (always quoted, deterministic). */
export function sqlIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** Quote an SQL string literal. */
export function sqlLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

const IDENT_RE = /^[a-z_][a-z0-9_]{0,62}$/;
/** Throw unless `s` is a lowercase SQL identifier PostgreSQL accepts unquoted. */
export function assertIdent(kind: string, s: string): void {
  if (!IDENT_RE.test(s)) throw new Error(`${kind} ${JSON.stringify(s)} must match ${IDENT_RE}`);
}
/** Throw unless `s` is an environment variable name. */
export function assertEnv(s: string): void {
  assertEnvName(s);
}

/** Normalise an address or CIDR into CIDR form (single host → /32 or /128). */
export function toCidr(addr: string): string {
  if (addr.includes("/")) {
    const [ip, bits] = ipaddr.parseCIDR(addr);
    return `${ip.toString()}/${bits}`;
  }
  const ip = ipaddr.parse(addr);
  return `${ip.toString()}/${ip.kind() === "ipv4" ? 32 : 128}`;
}

// ---------------------------------------------------------------------------------------------
// shared argument shapes
// ---------------------------------------------------------------------------------------------

/** One application database with an owning login role. */
export interface PgDatabase {
  /** Database name (lowercase identifier). */
  name: string;
  /** Owner login role. Default: same as `name`. */
  owner?: string;
  /** Client addresses (IP or CIDR) allowed to connect to this database as its owner. Default: none. */
  clients?: string[];
  /** Env var the setup script exports the owner's password in (psql reads it with \getenv). Default: `PG_PASSWORD_<OWNER>` upper-cased. */
  passwordEnv?: string;
  /** File the setup script reads the owner's password from when `passwordEnv` is not already set. Default: `/etc/homelab/postgres/<owner>.password`. */
  passwordFile?: string;
}

/** One streaming replica of the primary. */
export interface PgReplica {
  /** Short name: the replica's site. */
  name: string;
  /** The replica's own address; pg_hba allows replication from this /32 only. */
  address: string;
  /** Physical replication slot name. Default: `replica_<name>`. */
  slot?: string;
}

/** Owner role of a database. */
export function dbOwner(d: PgDatabase): string {
  return d.owner ?? d.name;
}
/** Env var carrying the owner's password. */
export function dbPasswordEnv(d: PgDatabase): string {
  return d.passwordEnv ?? `PG_PASSWORD_${dbOwner(d).toUpperCase()}`;
}
/** File read when that env var is unset. */
export function dbPasswordFile(d: PgDatabase): string {
  return d.passwordFile ?? `/etc/homelab/postgres/${dbOwner(d)}.password`;
}
/** Slot name used for a replica. */
export function replicaSlot(r: PgReplica): string {
  return r.slot ?? `replica_${r.name}`;
}

