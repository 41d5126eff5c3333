/**
 * The packages behind the primary's extensions (decision 180). Contrib modules (pg_trgm, cube, …) ship
 * in Debian's postgresql-15 and need no package; pgvector (`vector`) is not in Debian 12 and comes
 * from the PostgreSQL project's apt repository (PGDG) at one pinned version, its signing key checked
 * against the pinned fingerprint.
 *
 * Upstream facts:
 * - pgvector/pgvector README: the extension is created with `CREATE EXTENSION vector` in each database
 *   that uses it. Debian's packaging (source package pgvector, in Debian from trixie/sid, not in bookworm) names
 *   the binary `postgresql-<major>-pgvector`; PGDG builds it for every major and Debian release.
 * - docker-library/postgres 15/bookworm/Dockerfile: the PGDG repository key is
 *   B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8 (ACCC4CF8.asc), the source line
 *   `deb [signed-by=…] http://apt.postgresql.org/pub/repos/apt/ bookworm-pgdg main` (http: apt checks the
 *   repository signature, not the transport).
 * - apt.postgresql.org's index lists only the newest build of each package; every earlier build stays in
 *   PGDG's archive repository `https://apt-archive.postgresql.org/pub/repos/apt <dist>-pgdg-archive main`
 *   (its README: historical packages since April 2013), signed by the same key (public Dockerfiles pin
 *   `bookworm-pgdg-archive main` with signed-by the ACCC4CF8 keyring). Both sources are listed, so a pinned
 *   version stays installable after PGDG publishes a newer one (decision 334).
 */
import { readScript, shellScript } from "../../shell";

export const PGDG_KEY_FPR = "B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8";
export const PGDG_KEY_URL = "https://www.postgresql.org/media/keys/ACCC4CF8.asc";
export const PGDG_KEYRING = "/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc";
export const PGDG_LIST = "/etc/apt/sources.list.d/pgdg.list";
/** The Debian package of an extension that PostgreSQL 15 does not ship (Debian 12 packages none of them). */
export const PGDG_EXTENSION_PACKAGES: Readonly<Record<string, string>> = { vector: "postgresql-15-pgvector" };

const INSTALL_SH = readScript(__dirname, "../scripts/pg-extensions-install.sh");

/** The apt source line of PGDG for Debian 12 (bookworm). */
export function pgdgSourceLine(): string {
  return `deb [signed-by=${PGDG_KEYRING}] http://apt.postgresql.org/pub/repos/apt/ bookworm-pgdg main`;
}

/** The apt source line of PGDG's archive (every earlier build) for Debian 12, signed by the same key. */
export function pgdgArchiveSourceLine(): string {
  return `deb [signed-by=${PGDG_KEYRING}] https://apt-archive.postgresql.org/pub/repos/apt bookworm-pgdg-archive main`;
}

/**
 * The script installing the packages of `extensions`, or undefined when all are contrib. `versions`
 * holds the pinned apt version per extension; a missing pin makes the script stop with `hint`.
 */
export function renderPgExtensionsInstall(extensions: readonly string[], versions: Readonly<Record<string, string | undefined>>, hint: string): string | undefined {
  const needed = extensions.filter((e) => e in PGDG_EXTENSION_PACKAGES);
  if (!needed.length) return undefined;
  const missing = needed.filter((e) => !versions[e]);
  return shellScript({
    title: "PostgreSQL extension packages (PGDG)",
    source: "components/data/render/pgExtensions.ts",
    logTag: "homelab-pg-ext",
    env: {
      PGDG_PACKAGES: missing.length ? [] : needed.map((e) => `${PGDG_EXTENSION_PACKAGES[e]}=${versions[e]}`),
      PGDG_HINT: missing.length ? hint : "",
      PGDG_KEY_URL,
      PGDG_KEY_FPR,
      PGDG_KEYRING,
      PGDG_LIST,
      PGDG_LIST_TEXT: `${pgdgSourceLine()}\n${pgdgArchiveSourceLine()}`,
    },
    body: INSTALL_SH,
  });
}
