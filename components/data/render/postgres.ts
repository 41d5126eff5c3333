/**
 * Pure renderers for the PostgreSQL 15 data tier (issue 4), by artifact:
 * - pgConf.ts: postgresql.conf include, pg_hba.conf, pgbackrest.conf
 * - pgSql.ts: the idempotent roles/databases/slots psql script
 * - pgSetup.ts: the primary and replica setup scripts (components/data/scripts/postgres-*.sh)
 * - pgCommon.ts: quoting, identifier checks, the database/replica shapes
 *
 * Every export is `(args) => string`, deterministic, and never receives a secret value:
 * passwords and S3 keys are read at run time from environment variables or files whose
 * *paths/names* are arguments.
 *
 * Verified against PostgreSQL 15 (Debian 12 package), pgBackRest 2.45 (Debian 12 package).
 * See docs/research/data-tier.md.
 */
export * from "./pgCommon";
export * from "./pgConf";
export * from "./pgSql";
export * from "./pgSetup";
