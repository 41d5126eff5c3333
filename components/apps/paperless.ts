/**
 * Paperless-ngx (bo BO-11): the upstream image by digest under the OCI runner
 * (components/apps/oci.ts), its database on the organisation's PostgreSQL primary (`AppPlan.database`),
 * its Celery/Channels broker a Debian redis-server on the guest itself, data/media/consume/export on the
 * data mount, OCR languages from the inventory, login through authentik with django-allauth's
 * OpenID Connect provider (`AppPlan.oidc`), and `document_exporter` run before each backup.
 *
 * Upstream facts (paperless-ngx/paperless-ngx v2.20.15):
 * - src/paperless/settings.py: `PAPERLESS_DBHOST` (set: PostgreSQL), `PAPERLESS_DBPORT`,
 *   `PAPERLESS_DBNAME`, `PAPERLESS_DBUSER`, `PAPERLESS_DBPASS`; `PAPERLESS_REDIS` (broker URL);
 *   `PAPERLESS_SECRET_KEY`; `PAPERLESS_URL`; `PAPERLESS_OCR_LANGUAGE` (default "eng");
 *   `PAPERLESS_TIME_ZONE`; `PAPERLESS_APPS` (extra INSTALLED_APPS, comma list) and
 *   `PAPERLESS_SOCIALACCOUNT_PROVIDERS` (JSON, django-allauth's SOCIALACCOUNT_PROVIDERS);
 *   `PAPERLESS_SOCIAL_AUTO_SIGNUP`; `PAPERLESS_DATA_DIR`/`MEDIA_ROOT`/`CONSUMPTION_DIR` default to
 *   /usr/src/paperless/{data,media,consume} in the image.
 * - Dockerfile: `EXPOSE 8000`; volumes /usr/src/paperless/{data,media,consume,export}.
 * - docker/rootfs/.../init-tesseract-langs: `PAPERLESS_OCR_LANGUAGES` (space separated) installs
 *   `tesseract-ocr-<lang>` packages the image lacks (it ships eng, deu, fra, ita, spa).
 * - docker/install_management_commands.sh: `document_exporter` is a command in the image's PATH
 *   (run as the paperless user).
 * - src/documents/templates/account/login.html: the login page title "Paperless-ngx sign in" (health).
 * - the allauth callback is `/accounts/oidc/<provider_id>/login/callback/` (the authentik blueprint's
 *   `paperlessRedirectUri`, components/mesh/render/authentikBlueprint.ts).
 */
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { paperlessRedirectUri } from "../mesh/render/authentikBlueprint";
import { readScript } from "../shell";
import type { AppModule, AppPlan } from "./module";
import { OciContainer, ociAppScript, ociPlanBase } from "./oci";

/**
 * The image pin used unless the inventory sets `app.image`: `ghcr.io/paperless-ngx/paperless-ngx:2.20.15`
 * with the digest Renovate pinned (`renovate: datasource=docker depName=ghcr.io/paperless-ngx/paperless-ngx`)
 * in public repositories (decision 164).
 */
export const PAPERLESS_IMAGE = { repository: "ghcr.io/paperless-ngx/paperless-ngx", tag: "2.20.15", digest: "sha256:6c86cad803970ea782683a8e80e7403444c5bf3cf70de63b4d3c8e87500db92f" };
export const PAPERLESS_PORT = 8000;
/** Languages the image ships (Dockerfile `tesseract-ocr-*`); others are installed at container start. */
export const PAPERLESS_IMAGE_LANGUAGES = ["eng", "deu", "fra", "ita", "spa"];
/** The allauth provider id (the blueprint's default). */
export const PAPERLESS_PROVIDER_ID = "authentik";
const SRC = "/usr/src/paperless";
const DIRS = ["data", "media", "consume", "export"] as const;
const BEFORE_SH = readScript(__dirname, "scripts/paperless-before.sh");

type PaperlessService = ResolvedService & { app: AppOf<"paperless"> };

/** The data mount holding data, media, consume and export. */
function root(s: PaperlessService): string {
  const m = s.dataMounts.find((d) => d.path === "/opt/paperless");
  if (!m) throw new Error(`homelab: service "${s.name}": Paperless-ngx keeps data, media, consume and export on a data mount at /opt/paperless`);
  return m.path;
}

export function paperlessContainer(s: PaperlessService, site: Site): OciContainer {
  const img = s.app.image ?? { tag: PAPERLESS_IMAGE.tag, digest: PAPERLESS_IMAGE.digest };
  const extra = s.app.ocrLanguages.filter((l) => !PAPERLESS_IMAGE_LANGUAGES.includes(l));
  const env: Record<string, string> = {
    PAPERLESS_URL: `http://${s.ipv4}:${PAPERLESS_PORT}`,
    PAPERLESS_TIME_ZONE: site.inventory.timezone,
    PAPERLESS_OCR_LANGUAGE: s.app.ocrLanguages.join("+"),
    ...(extra.length ? { PAPERLESS_OCR_LANGUAGES: extra.join(" ") } : {}),
    ...(s.app.sso ? { PAPERLESS_APPS: "allauth.socialaccount.providers.openid_connect", PAPERLESS_SOCIAL_AUTO_SIGNUP: "true", REQUESTS_CA_BUNDLE: "/etc/ssl/certs/homelab-ca-bundle.pem" } : {}),
  };
  const secretEnv = ["PAPERLESS_SECRET_KEY", "PAPERLESS_DBHOST", "PAPERLESS_DBPORT", "PAPERLESS_DBNAME", "PAPERLESS_DBUSER", "PAPERLESS_DBPASS", "PAPERLESS_REDIS", ...(s.app.sso ? ["PAPERLESS_SOCIALACCOUNT_PROVIDERS"] : [])];
  return {
    name: "paperless",
    image: PAPERLESS_IMAGE.repository,
    tag: img.tag,
    digest: img.digest,
    pinHint: `set app.image { tag, digest } of service "${s.name}"`,
    env,
    secretEnv,
    // The image starts as root and drops to its `paperless` user (uid 1000, USERMAP_UID) after fixing ownership.
    volumes: [
      ...DIRS.map((d) => ({ host: `${root(s)}/${d}`, container: `${SRC}/${d}`, owner: "1000:1000" })),
      ...(s.app.sso ? [{ host: "/etc/homelab/oci/paperless-ca.pem", container: "/etc/ssl/certs/homelab-ca-bundle.pem", readOnly: true }] : []),
    ],
    publish: [{ address: s.ipv4!, hostPort: PAPERLESS_PORT, containerPort: PAPERLESS_PORT, protocol: "tcp" }],
    stopTimeout: 30,
  };
}

function plan(s: PaperlessService, site: Site): AppPlan {
  if (!s.app.database) throw new Error(`homelab: service "${s.name}": Paperless-ngx keeps its data in a database on the organisation's PostgreSQL primary: set app.database`);
  const c = paperlessContainer(s, site);
  const dir = root(s);
  const base = `http://${s.ipv4}:${PAPERLESS_PORT}`;
  const health = { url: `${base}/accounts/login/`, expect: "Paperless-ngx sign in" };
  const script = ociAppScript({
    title: `Paperless-ngx ${s.name} (${site.name})`,
    source: "components/apps/paperless.ts",
    logTag: `paperless-${s.name}`,
    container: c,
    health,
    healthTimeout: 600,
    env: {
      REDIS_BIND: s.ipv4!,
      REDIS_CONF: "/etc/redis/redis-paperless.conf",
      REDIS_DROPIN: "/etc/systemd/system/redis-server.service.d/homelab-paperless.conf",
      OIDC: !!s.app.sso,
      OIDC_CLIENT_ID: "paperless",
      OIDC_PROVIDER_ID: PAPERLESS_PROVIDER_ID,
      CA_BUNDLE: "/etc/homelab/oci/paperless-ca.pem",
    },
    before: BEFORE_SH,
  });
  return {
    ...ociPlanBase("paperless", s, c, { port: PAPERLESS_PORT, description: "Paperless-ngx" }, DIRS.map((d) => `${dir}/${d}`), health),
    // The exporter writes a complete, importable copy (documents, manifest, database content) into export/ first.
    backup: {
      paths: [`${dir}/data`, `${dir}/media`, `${dir}/export`],
      localDatabases: [],
      preBackup: [`podman exec paperless document_exporter ${SRC}/export --delete --no-progress-bar`],
    },
    ...(s.app.sso ? { oidc: { clientId: "paperless", name: "Paperless-ngx", redirectUris: [paperlessRedirectUri(base, PAPERLESS_PROVIDER_ID)], launchUrl: base } } : {}),
    database: s.app.database,
    metrics: [],
    secrets: [
      { env: "PAPERLESS_SECRET_KEY", length: 50 },
      { env: "PAPERLESS_REDIS_PASSWORD", length: 32 },
    ],
    script,
  };
}

export const paperlessModule: AppModule<"paperless"> = {
  kind: "paperless",
  installNote: "the upstream image by digest under podman (OCI runner): upstream's supported install; its OCR stack (OCRmyPDF, Tesseract, Ghostscript versions) is pinned with the image",
  plan,
};
