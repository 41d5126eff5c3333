/**
 * The primary's extensions (decision 180): the init SQL creates them in every database, and pgvector's
 * package comes from PGDG at its pinned version with the repository key checked by fingerprint.
 * Upstream: docker-library/postgres 15/bookworm/Dockerfile (key B97B0AFCAA1A47F044F244A07FCC7D46ACCC4CF8,
 * `http://apt.postgresql.org/pub/repos/apt/ bookworm-pgdg main`); pgvector README (`CREATE EXTENSION vector`).
 */
import { renderPgInitSql } from "../../components/data/render/postgres";
import { PGDG_KEY_FPR, pgdgArchiveSourceLine, pgdgSourceLine, renderPgExtensionsInstall } from "../../components/data/render/pgExtensions";
import { pgBackRestRepoPlan } from "../../components/data/plan";
import { loadStackSite } from "../../components/site/stackFiles";

describe("PostgreSQL extensions", () => {
  it("the init SQL connects to each database and creates each extension there, idempotently", () => {
    const sql = renderPgInitSql({ databases: [{ name: "flowise" }, { name: "n8n" }], extensions: ["vector", "uuid-ossp"] });
    const tail = sql.slice(sql.indexOf("-- extensions"));
    expect(tail.split("\n").slice(1, -1)).toEqual([
      '\\connect "flowise"',
      'CREATE EXTENSION IF NOT EXISTS "vector";',
      'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";',
      '\\connect "n8n"',
      'CREATE EXTENSION IF NOT EXISTS "vector";',
      'CREATE EXTENSION IF NOT EXISTS "uuid-ossp";',
    ]);
    expect(renderPgInitSql({ databases: [{ name: "flowise" }] })).not.toContain("EXTENSION");
  });

  it("contrib extensions need no package; pgvector installs its pinned PGDG version or stops naming the setting", () => {
    expect(renderPgExtensionsInstall(["cube", "pg_trgm"], {}, "x")).toBeUndefined();
    const pinned = renderPgExtensionsInstall(["vector"], { vector: "0.8.0-1.pgdg120+1" }, "set it")!;
    expect(pinned).toContain("PGDG_PACKAGES=(postgresql-15-pgvector=0.8.0-1.pgdg120+1)");
    expect(pinned).toContain("PGDG_HINT=''");
    expect(pinned).toContain(`PGDG_KEY_FPR=${PGDG_KEY_FPR}`);
    expect(pinned).toContain(`PGDG_LIST_TEXT='${pgdgSourceLine()}\n${pgdgArchiveSourceLine()}'`);
    const unpinned = renderPgExtensionsInstall(["vector"], {}, "set app.pgvectorVersion of service \"pgvector\"")!;
    expect(unpinned).toContain("PGDG_PACKAGES=()");
    expect(unpinned).toMatch(/PGDG_HINT='set app\.pgvectorVersion of service "pgvector"'/);
  });

  // Decision 334: PGDG's bookworm build of pgvector 0.8.6 for PostgreSQL 15 is
  // postgresql-15-pgvector_0.8.6-1.pgdg12+1_amd64.deb in apt.postgresql.org's pool (Pigsty's PGDG package
  // listing for d12.x86_64, pgsty); independent Dockerfiles and notes pin the same bookworm build
  // `0.8.6-1.pgdg12+1` of postgresql-16/17/18-pgvector (PGDG builds one source version for every major).
  // PGDG versions for Debian 12 end in `.pgdg12+N` (earlier builds `.pgdg120+N`, trixie `.pgdg13+N`).
  // apt.postgresql.org's index lists only the newest build; earlier ones stay in PGDG's archive repository,
  // signed by the same key (its README; public Dockerfiles list `bookworm-pgdg-archive main` with the
  // ACCC4CF8 keyring). Both sources make a pinned version installable after PGDG moves on.
  it("the apt sources: PGDG and its archive for bookworm, both signed by the pinned key only", () => {
    expect(pgdgSourceLine()).toBe("deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] http://apt.postgresql.org/pub/repos/apt/ bookworm-pgdg main");
    expect(pgdgArchiveSourceLine()).toBe("deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc] https://apt-archive.postgresql.org/pub/repos/apt bookworm-pgdg-archive main");
  });

  it("orion pins pgvector to PGDG's bookworm build of 0.8.6 and installs exactly that package version", () => {
    const site = loadStackSite("orion");
    const pg = site.services.find((s) => s.name === "pgvector")! as any;
    expect(pg.app.pgvectorVersion).toBe("0.8.6-1.pgdg12+1");
    expect(pg.app.pgvectorVersion).toMatch(/^\d+\.\d+\.\d+-\d+\.pgdg12\+\d+$/);
    const script = renderPgExtensionsInstall(pg.app.extensions, { vector: pg.app.pgvectorVersion }, "unused")!;
    expect(script).toContain("PGDG_PACKAGES=(postgresql-15-pgvector=0.8.6-1.pgdg12+1)");
    expect(script).toContain("PGDG_HINT=''");
  });

  it("orion's primary keeps its pgBackRest repository on its data mount although the site declares MinIO (decision 181)", () => {
    const site = loadStackSite("orion");
    const pg = site.services.find((s) => s.name === "pgvector")!;
    expect(pgBackRestRepoPlan(site, pg)).toEqual({ type: "posix", path: "/var/lib/postgresql/pgbackrest" });
  });
});
