/**
 * The OCI apps that are one container with one state directory holding a SQLite database (Home
 * Assistant, Uptime Kuma): the container, its install, ports, health check and backup (the directory with
 * a consistent copy of the database beside it) from what differs between them. Their own login, no OIDC
 * client, no rendered configuration (the household's, made in the app's UI), no secrets.
 */
import type { ResolvedService, Site } from "../inventory/load";
import type { AppPlan } from "./module";
import { OciContainer, ociAppScript, ociPlanBase, ociStateDir, sqliteBackupCopy } from "./oci";

/** What differs between the single-container apps. */
export interface SingleContainerApp<K extends AppPlan["kind"]> {
  /** The app kind; also the container's (and its systemd unit's) name. */
  kind: K;
  /** The app's name in the script title, the port description and messages, e.g. "Home Assistant". */
  label: string;
  /** The module file, named in the script header. */
  source: string;
  /** The image pin (repository, tag, digest) used unless the inventory sets `app.image`. */
  image: { repository: string; tag: string; digest: string };
  /** The HTTP port the app listens on in the container, published on the service address as the same port. */
  port: number;
  /** Where the state directory (the service's first data mount) is mounted in the container. */
  stateInContainer: string;
  /** The SQLite database's file name in the state directory, copied with `sqlite3 .backup` before each backup. */
  database: string;
  /** The health check: a path on the port and a text its answer contains. */
  health: { path: string; expect: string };
  /** Seconds the install waits for the health check. Default: {@link ociAppScript}'s (300). */
  healthTimeout?: number;
  /** The container's non-secret environment, from the site. Default none. */
  env?: (site: Site) => Record<string, string>;
}

/** A service of one of these apps: the inventory may pin another image. */
export type SingleContainerService = ResolvedService & { app: { image?: { tag: string; digest?: string } } };

/** The app's container: the pinned image, the state directory mounted, the port published on the service address. */
export function singleContainer<K extends AppPlan["kind"]>(app: SingleContainerApp<K>, s: SingleContainerService, site: Site): OciContainer {
  const img = s.app.image ?? { tag: app.image.tag, digest: app.image.digest };
  return {
    name: app.kind,
    image: app.image.repository,
    tag: img.tag,
    digest: img.digest,
    pinHint: `set app.image { tag, digest } of service "${s.name}"`,
    ...(app.env ? { env: app.env(site) } : {}),
    volumes: [{ host: ociStateDir(s, app.label), container: app.stateInContainer }],
    publish: [{ address: s.ipv4!, hostPort: app.port, containerPort: app.port, protocol: "tcp" }],
  };
}

/** The app's plan (the AppPlan contract, components/apps/module.ts). */
export function singleContainerPlan<K extends AppPlan["kind"]>(app: SingleContainerApp<K>, s: SingleContainerService, site: Site): AppPlan {
  const c = singleContainer(app, s, site);
  const dir = ociStateDir(s, app.label);
  const health = { url: `http://${s.ipv4}:${app.port}${app.health.path}`, expect: app.health.expect };
  const script = ociAppScript({
    title: `${app.label} ${s.name} (${site.name})`,
    source: app.source,
    logTag: `${app.kind}-${s.name}`,
    container: c,
    health,
    ...(app.healthTimeout !== undefined ? { healthTimeout: app.healthTimeout } : {}),
    before: "ensure_packages sqlite3",
  });
  return {
    ...ociPlanBase(app.kind, s, c, { port: app.port, description: app.label }, [dir], health),
    backup: { paths: [dir], localDatabases: [], preBackup: [sqliteBackupCopy(`${dir}/${app.database}`)] },
    metrics: [],
    secrets: [],
    script,
  };
}
