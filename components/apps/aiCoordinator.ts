/**
 * The AI coordinator (orion VM 300; decision 321). Seed 001 names only "LangGraph for workflow
 * orchestration" and port 8000; no upstream coordinator program exists. What this module installs is
 * therefore a runtime for the operator's own code: a venv of Debian 12's Python 3.11 with LangGraph,
 * its PostgreSQL checkpointer and uvicorn at pinned versions, the operator's repository at one full
 * commit (like the Easy Pawn Odoo addons), and a systemd unit serving `entrypoint` with uvicorn on the
 * service address. It hands the code its peers through the environment: LiteLLM (OpenAI-compatible,
 * with its master key), the site's Ollama when its firewall admits the coordinator, the database the
 * service owns on the organisation's primary, and a state directory on the VM's data disk (backed up).
 * Without a repository the install stops in one line naming the setting.
 *
 * Upstream facts:
 * - encode/uvicorn 0.35.0 uvicorn/main.py: `uvicorn APP` with `--host`, `--port`, `--app-dir` (added to
 *   the import path); requires-python >= 3.9 (pyproject.toml).
 * - langchain-ai/langgraph tags `1.2.11` (libs/langgraph/pyproject.toml: langgraph 1.2.11,
 *   requires-python >= 3.10) and `checkpointpostgres==3.1.2` (libs/checkpoint-postgres: the package
 *   langgraph-checkpoint-postgres 3.1.2, requires-python >= 3.10).
 * The environment handed to the code is this program's contract with the operator (decision 321):
 * COORDINATOR_STATE_DIR, COORDINATOR_SITE, OPENAI_BASE_URL + OPENAI_API_KEY (LiteLLM, the names the
 * OpenAI client libraries conventionally read), OLLAMA_BASE_URL, DATABASE_URL.
 */
import type { AppOf } from "../inventory/apps";
import type { ResolvedService, Site } from "../inventory/load";
import { allowedBy } from "../inventory/org";
import { readScript, shellScript, dataDisk } from "../shell";
import { LITELLM_PORT } from "./litellm";
import type { AppModule, AppPlan, AppPlanContext, AppSource } from "./module";
import { vmDataDisks } from "./netbox";
import { OLLAMA_PORT } from "./ollama";

export const COORDINATOR_PORT = 8000;
export const COORDINATOR_DIR = "/opt/ai-coordinator";
/** The coordinator's state directory (COORDINATOR_STATE_DIR), the VM's data disk. */
export const COORDINATOR_STATE = "/var/lib/ai-coordinator";
export const COORDINATOR_ENV = "/etc/ai-coordinator/coordinator.env";
export const COORDINATOR_SECRET_ENV = "/etc/ai-coordinator/secret.env";
export const COORDINATOR_UNIT = "/etc/systemd/system/ai-coordinator.service";
const INSTALL_SH = readScript(__dirname, "scripts/ai-coordinator-install.sh");

type CoordinatorService = ResolvedService & { app: AppOf<"ai-coordinator"> };

/** The peers the coordinator is handed (derived from the site, never written). */
export function coordinatorPeers(s: CoordinatorService, site: Site, context: AppPlanContext) {
  const litellm = site.services.find((x) => x.app?.kind === "litellm" && !!x.ipv4 && context.installed?.has(x.name));
  const ollama = site.services.find((x) => x.app?.kind === "ollama" && !!x.ipv4);
  const ollamaPort = ollama?.firewall.find((f) => f.port === OLLAMA_PORT && f.protocol === "tcp");
  return {
    litellm: litellm ? { service: litellm.name, url: `http://${litellm.ipv4}:${LITELLM_PORT}` } : undefined,
    ollama: ollama && ollamaPort && allowedBy(ollamaPort.sources, s.ipv4!) ? { url: `http://${ollama.ipv4}:${OLLAMA_PORT}` } : undefined,
  };
}

/** The Python packages of the venv, `name==version`; the Postgres checkpointer only with a database to use. */
export function coordinatorPackages(s: CoordinatorService, withDatabase: boolean): string[] {
  const p = s.app.packages;
  return [`langgraph==${p.langgraph}`, ...(withDatabase ? [`langgraph-checkpoint-postgres==${p.checkpointPostgres}`] : []), `uvicorn==${p.uvicorn}`];
}

/** The non-secret environment file (KEY=VALUE lines, systemd EnvironmentFile). */
export function renderCoordinatorEnv(s: CoordinatorService, site: Site, context: AppPlanContext): string {
  const peers = coordinatorPeers(s, site, context);
  const vars: Array<[string, string]> = [
    ["COORDINATOR_STATE_DIR", COORDINATOR_STATE],
    ["COORDINATOR_SITE", site.name],
    ...(peers.litellm ? ([["OPENAI_BASE_URL", peers.litellm.url]] as Array<[string, string]>) : []),
    ...(peers.ollama ? ([["OLLAMA_BASE_URL", peers.ollama.url]] as Array<[string, string]>) : []),
  ];
  return ["# Managed by homelab (components/apps/aiCoordinator.ts).", ...vars.map(([k, v]) => `${k}=${v}`), ""].join("\n");
}

/** The systemd unit: uvicorn serving the entrypoint from the checkout, as the ai-coordinator user. */
export function renderCoordinatorUnit(s: CoordinatorService): string {
  return [
    "[Unit]",
    "Description=AI coordinator (LangGraph; managed by homelab, components/apps/aiCoordinator.ts)",
    "After=network-online.target",
    "Wants=network-online.target",
    `RequiresMountsFor=${COORDINATOR_STATE}`,
    "",
    "[Service]",
    "Type=simple",
    "User=ai-coordinator",
    "Group=ai-coordinator",
    `WorkingDirectory=${COORDINATOR_STATE}`,
    `EnvironmentFile=${COORDINATOR_ENV}`,
    `EnvironmentFile=${COORDINATOR_SECRET_ENV}`,
    `ExecStart=${COORDINATOR_DIR}/venv/bin/uvicorn --host ${s.ipv4} --port ${COORDINATOR_PORT} --app-dir ${COORDINATOR_DIR}/src ${s.app.entrypoint}`,
    "Restart=on-failure",
    "RestartSec=10",
    "NoNewPrivileges=true",
    "PrivateTmp=true",
    "ProtectSystem=full",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}

function source(s: CoordinatorService): AppSource {
  if (!s.app.repository || !s.app.revision) {
    return { type: "unpinned", package: "ai-coordinator", hint: `set app.repository and app.revision of service "${s.name}" to the coordinator code's clone URL and full commit (decision 321)` };
  }
  return { type: "git", repository: s.app.repository, commit: s.app.revision, version: s.app.revision.slice(0, 12) };
}

function plan(s: CoordinatorService, site: Site, context: AppPlanContext = {}): AppPlan {
  const src = source(s);
  const peers = coordinatorPeers(s, site, context);
  const disks = vmDataDisks(s, [COORDINATOR_STATE]);
  const envText = renderCoordinatorEnv(s, site, context);
  const unit = renderCoordinatorUnit(s);
  const health = { url: `http://${s.ipv4}:${COORDINATOR_PORT}${s.app.healthPath}` };
  // Its database arrives with the organisation's primary (orion: the pgvector LXC at phase 2, the VM at phase
  // 1): until then the coordinator runs without it, as without a LiteLLM not yet installed (decision 321).
  const db = s.app.database && context.postgres ? { name: s.app.database, host: context.postgres.host, port: context.postgres.port } : undefined;
  const script = shellScript({
    title: `AI coordinator ${s.name} (${site.name})`,
    source: "components/apps/aiCoordinator.ts",
    logTag: `ai-coordinator-${s.name}`,
    env: {
      REPO: src.type === "git" ? src.repository : "",
      REV: src.type === "git" ? src.commit : "",
      HINT: src.type === "unpinned" ? src.hint : "",
      APP_DIR: COORDINATOR_DIR,
      STATE_DISK: disks[COORDINATOR_STATE],
      STATE_DIR: COORDINATOR_STATE,
      PACKAGES: coordinatorPackages(s, !!db),
      REQUIREMENTS: s.app.requirements ?? "",
      ENV_PATH: COORDINATOR_ENV,
      ENV_TEXT: envText,
      SECRET_ENV_PATH: COORDINATOR_SECRET_ENV,
      LITELLM: !!peers.litellm,
      DATABASE: db ? `${db.host}:${db.port}/${db.name}` : "",
      UNIT_PATH: COORDINATOR_UNIT,
      UNIT_TEXT: unit,
      HEALTH_URL: health.url,
      HEALTH_TIMEOUT: 300,
    },
    body: [dataDisk(), INSTALL_SH],
  });
  const p = s.app.packages;
  return {
    kind: "ai-coordinator",
    service: s.name,
    address: s.ipv4!,
    version: `${src.type === "git" ? src.version : "unpinned"} (langgraph ${p.langgraph}, uvicorn ${p.uvicorn})`,
    source: src,
    config: [
      { path: COORDINATOR_ENV, text: envText },
      { path: COORDINATOR_UNIT, text: unit },
    ],
    dataPaths: [COORDINATOR_STATE],
    ports: [{ port: COORDINATOR_PORT, protocol: "tcp", description: "coordinator API (uvicorn)" }],
    health,
    backup: { paths: [COORDINATOR_STATE], localDatabases: [], preBackup: [] },
    ...(db ? { database: db.name } : {}),
    ...(peers.litellm ? { peerSecrets: [{ service: peers.litellm.service, env: "LITELLM_MASTER_KEY" }] } : {}),
    // The operator's code serves no metrics we know of; the port is probed (org.ts probeTargets).
    metrics: [],
    secrets: [],
    script,
  };
}

export const aiCoordinatorModule: AppModule<"ai-coordinator"> = {
  kind: "ai-coordinator",
  installNote: "no upstream program: the operator's LangGraph code at one git commit, in a venv with LangGraph and uvicorn pinned by version (PyPI publishes no hashes readable here), served by a systemd unit",
  plan,
};
