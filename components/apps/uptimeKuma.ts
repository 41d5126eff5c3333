/**
 * Uptime Kuma (bo BO-7): the human status page beside the Prometheus probes (decision 116: every probe
 * and alert is blackbox_exporter + Alertmanager; Uptime Kuma's monitors are the household's, made in its
 * UI). The upstream image by digest under the OCI runner (components/apps/oci.ts), its data directory on
 * the data mount, a consistent copy of its SQLite database in each backup (components/apps/singleContainer.ts).
 *
 * Upstream facts (louislam/uptime-kuma, tag 1.23.16):
 * - docker/dockerfile: `EXPOSE 3001`, `VOLUME ["/app/data"]`; the entrypoint (extra/entrypoint.sh) runs
 *   the server as PUID:PGID (default 0:0) after `chown -hR` of /app/data.
 * - server/config.js: the port is `--port`, UPTIME_KUMA_PORT, PORT or 3001.
 * - server/database.js: the database is `<data dir>/kuma.db` (SQLite).
 * - server/server.js: `GET /` redirects to /dashboard, and `app.get("*")` answers the single-page app's
 *   index.html, whose `<title>` is "Uptime Kuma" (index.html) — the health check.
 */
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import type { AppModule } from "./module";
import type { OciContainer } from "./oci";
import { singleContainer, SingleContainerApp, singleContainerPlan } from "./singleContainer";

/**
 * The image pin used unless the inventory sets `app.image`: louislam/uptime-kuma 1.23.16, the digest five
 * independent public files pin for that tag (Renovate-style `tag@sha256` in compose and NixOS configs).
 */
export const UPTIME_KUMA_IMAGE = { repository: "docker.io/louislam/uptime-kuma", tag: "1.23.16", digest: "sha256:431fee3be822b04861cf0e35daf4beef6b7cb37391c5f26c3ad6e12ce280fe18" };
export const UPTIME_KUMA_PORT = 3001;

type KumaService = ResolvedService & { app: AppOf<"uptime-kuma"> };

/**
 * Monitors, notifications and status pages are made in its UI (decision 116): nothing rendered. Its own
 * login (no OIDC in 1.23); /metrics needs an API key made in its UI, so its port is probed.
 */
const UPTIME_KUMA: SingleContainerApp<"uptime-kuma"> = {
  kind: "uptime-kuma",
  label: "Uptime Kuma",
  source: "components/apps/uptimeKuma.ts",
  image: UPTIME_KUMA_IMAGE,
  port: UPTIME_KUMA_PORT,
  stateInContainer: "/app/data",
  database: "kuma.db",
  health: { path: "/dashboard", expect: "<title>Uptime Kuma</title>" },
};

export function kumaContainer(s: KumaService, site: Site): OciContainer {
  return singleContainer(UPTIME_KUMA, s, site);
}

export const uptimeKumaModule: AppModule<"uptime-kuma"> = {
  kind: "uptime-kuma",
  installNote: "the upstream image by digest under podman (OCI runner): Uptime Kuma ships as a container; Debian does not package it",
  plan: (s, site) => singleContainerPlan(UPTIME_KUMA, s, site),
};
