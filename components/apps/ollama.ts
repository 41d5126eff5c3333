/**
 * Ollama (bh BH-1, ep EP-3): the upstream release archive of one pinned version (sha256), a
 * systemd unit listening on the service address only (its port is open to the front ends alone,
 * decision 11), models pulled by tag and held to their pinned manifest digests.
 *
 * Upstream facts (ollama/ollama):
 * - envconfig/config.go: `OLLAMA_HOST` is the listen address (default 127.0.0.1:11434) and the
 *   client's server URL; `OLLAMA_MODELS` the models directory (default ~/.ollama/models).
 * - scripts/install.sh: the Linux archive unpacks under /usr (bin/ollama, lib/ollama); the service
 *   user `ollama` has its home in /usr/share/ollama (our data mount); the unit runs `ollama serve`.
 * - server/routes.go: `GET /` answers "Ollama is running".
 * - the models store: manifests under `<models>/manifests/registry.ollama.ai/library/<name>/<tag>`,
 *   and a model's digest (`ollama list` ID, /api/tags `digest`) is the sha256 of that manifest file.
 */
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { readScript, shellScript } from "../shell";
import type { AppModule, AppPlan, AppSource } from "./module";

export const OLLAMA_PORT = 11434;
const HOME = "/usr/share/ollama";
const MODELS_DIR = `${HOME}/.ollama/models`;
const INSTALL_SH = readScript(__dirname, "scripts/ollama-install.sh");

type OllamaService = ResolvedService & { app: AppOf<"ollama"> };

/** The systemd unit (listen address from the inventory; models on the data mount). */
export function renderOllamaUnit(s: OllamaService): string {
  return [
    "[Unit]",
    "Description=Ollama (managed by homelab, components/apps/ollama.ts)",
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "ExecStart=/usr/bin/ollama serve",
    "User=ollama",
    "Group=ollama",
    "Restart=always",
    "RestartSec=3",
    `Environment=OLLAMA_HOST=${s.ipv4}:${OLLAMA_PORT}`,
    `Environment=OLLAMA_MODELS=${MODELS_DIR}`,
    `Environment=HOME=${HOME}`,
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

function source(s: OllamaService): AppSource {
  const r = s.app.release;
  if (!r) return { type: "unpinned", package: "ollama", hint: `set app.release of service "${s.name}" to the ollama-linux-amd64 archive of one release, its version and sha256` };
  return { type: "release", version: r.version, url: r.url, sha256: r.sha256 };
}

function plan(s: OllamaService, site: Site): AppPlan {
  if (!s.dataMounts.some((m) => m.path === HOME)) throw new Error(`homelab: service "${s.name}": Ollama keeps its models on a data mount at ${HOME}`);
  const src = source(s);
  const health = { url: `http://${s.ipv4}:${OLLAMA_PORT}/`, expect: "Ollama is running" };
  const script = shellScript({
    title: `Ollama ${s.name} (${site.name})`,
    source: "components/apps/ollama.ts",
    logTag: `ollama-${s.name}`,
    env: {
      OLLAMA_URL: src.type === "release" ? src.url : "",
      OLLAMA_SHA256: src.type === "release" ? src.sha256 : "",
      OLLAMA_VERSION: src.type === "release" ? src.version : "",
      OLLAMA_HINT: src.type === "unpinned" ? src.hint : "",
      OLLAMA_PREFIX: "/usr",
      OLLAMA_HOME: HOME,
      OLLAMA_MODELS_DIR: MODELS_DIR,
      UNIT_PATH: "/etc/systemd/system/ollama.service",
      UNIT_TEXT: renderOllamaUnit(s),
      HEALTH_URL: health.url,
      HEALTH_EXPECT: health.expect,
      HEALTH_TIMEOUT: 120,
      MANIFEST_ROOT: `${MODELS_DIR}/manifests/registry.ollama.ai/library`,
      MODELS: s.app.models.map((m) => m.name),
      MODEL_DIGESTS: s.app.models.map((m) => m.digest ?? ""),
    },
    body: INSTALL_SH,
  });
  return {
    kind: "ollama",
    service: s.name,
    address: s.ipv4!,
    version: [src.type === "release" ? src.version : "unpinned", ...s.app.models.map((m) => `${m.name}@${m.digest ? m.digest.slice(0, 12) : "unpinned"}`)].join(" "),
    source: src,
    config: [{ path: "/etc/systemd/system/ollama.service", text: renderOllamaUnit(s) }],
    dataPaths: [MODELS_DIR],
    ports: [{ port: OLLAMA_PORT, protocol: "tcp", description: "Ollama API" }],
    health,
    // Models are re-pulled from the registry (pinned by digest); nothing here needs a backup.
    backup: { paths: [], localDatabases: [], preBackup: [] },
    // Ollama serves no Prometheus metrics; its port is probed where Prometheus may reach it.
    metrics: [],
    secrets: [],
    script,
  };
}

export const ollamaModule: AppModule<"ollama"> = {
  kind: "ollama",
  installNote: "upstream release archive of one version checked by sha256 (Debian does not package Ollama; the archive is what upstream's install.sh unpacks)",
  plan,
};
