/**
 * Home Assistant (bh BH-5, decision 13): the upstream Home Assistant Container image by digest under
 * the OCI runner (components/apps/oci.ts) in its LXC (nesting for podman), its configuration
 * directory on the data mount, the frontend's manifest as health check and the directory with a
 * consistent copy of its recorder database in each backup (components/apps/singleContainer.ts).
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
import type { AppModule } from "./module";
import type { OciContainer } from "./oci";
import { singleContainer, SingleContainerApp, singleContainerPlan } from "./singleContainer";

/**
 * The image pin used unless the inventory sets `app.image`: ghcr.io/home-assistant/home-assistant
 * 2026.9.1, the digest found identically in three independent public repositories (decision 163).
 */
export const HOME_ASSISTANT_IMAGE = { repository: "ghcr.io/home-assistant/home-assistant", tag: "2026.9.1", digest: "sha256:612d76760b544cb40b7ba01387fdac964c59a6a550a50a4d30b4773c822d2918" };
export const HOME_ASSISTANT_PORT = 8123;

type HaService = ResolvedService & { app: AppOf<"home-assistant"> };

/**
 * configuration.yaml is the household's (written by onboarding and the UI), not rendered here; Home
 * Assistant's own login (its core has no OIDC login), no metrics without a token.
 */
const HOME_ASSISTANT: SingleContainerApp<"home-assistant"> = {
  kind: "home-assistant",
  label: "Home Assistant",
  source: "components/apps/homeAssistant.ts",
  image: HOME_ASSISTANT_IMAGE,
  port: HOME_ASSISTANT_PORT,
  stateInContainer: "/config",
  database: "home-assistant_v2.db",
  health: { path: "/manifest.json", expect: "Home automation platform" },
  // The first start installs the frontend and writes the default configuration: give it time.
  healthTimeout: 600,
  env: (site) => ({ TZ: site.inventory.timezone }),
};

export function haContainer(s: HaService, site: Site): OciContainer {
  return singleContainer(HOME_ASSISTANT, s, site);
}

export const homeAssistantModule: AppModule<"home-assistant"> = {
  kind: "home-assistant",
  installNote: "the Home Assistant Container image by digest under podman (OCI runner), decision 13: upstream's supported container install",
  plan: (s, site) => singleContainerPlan(HOME_ASSISTANT, s, site),
};
