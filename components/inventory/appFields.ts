/**
 * Building blocks of the app settings schemas (components/inventory/apps.ts, appCatalogue.ts): the
 * settings shared by apps (a database on the primary, an OIDC login) and the typed pins (a Debian
 * package build, an OCI image).
 */
import { z } from "zod";

export const dbName = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, "must be a PostgreSQL identifier (a-z, 0-9, _; at most 63 characters)");

/** Settings every app that keeps its data in the organisation's PostgreSQL primary may carry. */
export const databaseClient = {
  /**
   * Database on the organisation's PostgreSQL primary that this service owns (created with an
   * owner role of the same name, reachable from this service's addresses only). Default: none.
   */
  database: dbName.optional(),
};

/** Settings of apps that log in through the organisation's identity provider (OIDC). */
export const oidcClient = {
  /**
   * Whether the organisation's identity provider gets an OIDC client for this service and the app logs
   * in through it. Default true; without an identity provider in the organisation the app has none.
   */
  sso: z.boolean().default(true),
};

/**
 * A pinned upstream Debian package: the URL of one fixed build and the digest its upstream publishes,
 * `sha256`, or `sha1` where sha1 is all upstream publishes (Odoo: the official image's Dockerfile
 * pins each nightly .deb by `ODOO_SHA`, a sha1 — decision 160). Exactly one of the two.
 */
export const pinnedDeb = (pkg: string) =>
  z
    .strictObject({
      url: z.string().regex(new RegExp(`^https://\\S+/${pkg}_[^/_]+_(all|amd64)\\.deb$`), `must be the https URL of one ${pkg}_<version>_<arch>.deb`),
      /** sha256 of the file, as published by upstream. */
      sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be the 64-hex-digit sha256 of the file").optional(),
      /** sha1 of the file, as published by upstream (only where upstream publishes no sha256). */
      sha1: z.string().regex(/^[0-9a-f]{40}$/, "must be the 40-hex-digit sha1 of the file").optional(),
    })
    .refine((r) => (r.sha256 === undefined) !== (r.sha1 === undefined), { message: "must carry exactly one digest: sha256, or sha1 where upstream publishes only that" });

/**
 * An OCI image pin overriding a module's default (components/apps: each OCI module carries a default
 * tag and digest with the upstream-published source it was taken from). `digest` is the
 * `sha256:<64 hex>` of the image for that tag (manifest list or manifest), never a guess.
 */
export const ociImage = z.strictObject({
  /** The tag the digest was published under (shown by `plan`, never pulled by). */
  tag: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, "must be an image tag"),
  /** The image's digest. */
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex> (the image digest published for that tag)"),
});

/** One app kind with its settings (a strict object: unknown keys are refused). */
export const app = <K extends string, S extends z.ZodRawShape>(kind: K, shape: S) => z.strictObject({ kind: z.literal(kind), ...shape });

