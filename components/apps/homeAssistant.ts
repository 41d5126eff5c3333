/**
 * Home Assistant (bh BH-5, decision 13): the upstream Home Assistant Container image by digest under
 * the OCI runner (components/apps/oci.ts) in its LXC (nesting for podman), its configuration
 * directory on the data mount, the frontend's manifest as health check and the directory with a
 * consistent copy of its recorder database in each backup.
 *
 * Upstream facts (home-assistant/core and its container image):
 * - the image runs Home Assistant with `--config /config` and serves HTTP on 8123 (the `http`
 *   integration's default `server_port`); Home Assistant writes a default configuration.yaml into an
 *   empty config directory on first start (onboarding then happens in the browser).
 * - homeassistant/components/frontend/__init__.py: `MANIFEST_JSON` ("Home automation platform that
 *   puts local control and privacy first.") is served at `/manifest.json` without authentication.
 * - the recorder's default database is `<config>/home-assistant_v2.db` (SQLite).
 */
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import type { AppModule, AppPlan } from "./module";
import { ociAppScript, OciContainer, ociSource, ociStateDir, ociVersion, sqliteBackupCopy } from "./oci";

/**
 * The image pin used unless the inventory sets `app.image`: ghcr.io/home-assistant/home-assistant
 * 2026.9.1, the digest found identically in three independent public repositories (decision 163).
 */
export const HOME_ASSISTANT_IMAGE = { repository: "ghcr.io/home-assistant/home-assistant", tag: "2026.9.1", digest: "sha256:612d76760b544cb40b7ba01387fdac964c59a6a550a50a4d30b4773c822d2918" };
export const HOME_ASSISTANT_PORT = 8123;
const CONFIG_IN_CONTAINER = "/config";

type HaService = ResolvedService & { app: AppOf<"home-assistant"> };

const configDir = (s: HaService) => ociStateDir(s, "Home Assistant");

export function haContainer(s: HaService, site: Site): OciContainer {
  const img = s.app.image ?? { tag: HOME_ASSISTANT_IMAGE.tag, digest: HOME_ASSISTANT_IMAGE.digest };
  return {
    name: "home-assistant",
    image: HOME_ASSISTANT_IMAGE.repository,
    tag: img.tag,
    digest: img.digest,
    pinHint: `set app.image { tag, digest } of service "${s.name}"`,
    env: { TZ: site.inventory.timezone },
    volumes: [{ host: configDir(s), container: CONFIG_IN_CONTAINER }],
    publish: [{ address: s.ipv4!, hostPort: HOME_ASSISTANT_PORT, containerPort: HOME_ASSISTANT_PORT, protocol: "tcp" }],
  };
}

function plan(s: HaService, site: Site): AppPlan {
  const c = haContainer(s, site);
  const dir = configDir(s);
  const health = { url: `http://${s.ipv4}:${HOME_ASSISTANT_PORT}/manifest.json`, expect: "Home automation platform" };
  const script = ociAppScript({
    title: `Home Assistant ${s.name} (${site.name})`,
    source: "components/apps/homeAssistant.ts",
    logTag: `home-assistant-${s.name}`,
    container: c,
    health,
    // The first start installs the frontend and writes the default configuration: give it time.
    healthTimeout: 600,
    before: "ensure_packages sqlite3",
  });
  return {
    kind: "home-assistant",
    service: s.name,
    address: s.ipv4!,
    version: ociVersion(c),
    source: ociSource(c),
    // configuration.yaml is the household's (written by onboarding and the UI), not rendered here.
    config: [],
    dataPaths: [dir],
    ports: [{ port: HOME_ASSISTANT_PORT, protocol: "tcp", description: "Home Assistant" }],
    health,
    backup: {
      paths: [dir],
      localDatabases: [],
      // A consistent copy of the recorder's SQLite database beside it (when it exists yet).
      preBackup: [sqliteBackupCopy(`${dir}/home-assistant_v2.db`)],
    },
    // Home Assistant's own login (no OIDC client: its core has no OIDC login); no metrics without a token.
    metrics: [],
    secrets: [],
    script,
  };
}

export const homeAssistantModule: AppModule<"home-assistant"> = {
  kind: "home-assistant",
  installNote: "the Home Assistant Container image by digest under podman (OCI runner), decision 13: upstream's supported container install",
  plan,
};
