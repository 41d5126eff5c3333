/**
 * LiteLLM (orion LXC 1002, decision 183): config.yaml derived from the site's Ollama models and Redis,
 * the secrets it needs, and its contract. Config keys: BerriAI/litellm docs/my-website/docs/proxy/configs.md
 * (model_list/litellm_params, router_settings redis_host/redis_port/redis_password, general_settings
 * master_key/database_url, `os.environ/`), docs/my-website/docs/providers/ollama.md (`ollama/<model>` +
 * api_base), docs/my-website/docs/proxy/health.md (`/health/liveliness`).
 */
import * as YAML from "yaml";
import type { ResolvedService } from "../../components/inventory/load";
import { loadStackSite } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { appContractProblems } from "../../components/apps/contract";

const site = loadStackSite("orion");
const svc = site.services.find((s) => s.name === "litellm")! as ResolvedService;
const PG = { host: "192.168.100.114", port: 5432 };

describe("the LiteLLM plan", () => {
  it("routes one model per model of the site's Ollama, keeps its master key generated and its keys in the primary", () => {
    const p = appPlanOf(svc, site, { postgres: PG, installed: new Set(["ollama", "litellm"]) })!;
    const cfg = YAML.parse(p.config[0].text);
    expect(cfg.model_list).toEqual(
      ["llama3:8b", "codellama:7b", "mistral:7b", "neural-chat:7b"].map((m) => ({ model_name: m.split(":")[0], litellm_params: { model: `ollama/${m}`, api_base: "http://192.168.100.110:11434" } })),
    );
    expect(cfg.general_settings).toEqual({ master_key: "os.environ/LITELLM_MASTER_KEY", database_url: "os.environ/DATABASE_URL" });
    // Redis has no module yet: no shared counters, no peer secret
    expect(cfg.router_settings).toBeUndefined();
    expect(p.peerSecrets).toBeUndefined();
    expect(p.secrets).toEqual([{ env: "LITELLM_MASTER_KEY", length: 48 }]);
    expect(p.database).toBe("litellm"); // AppInstall gives DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD (module.ts)
    expect(p.health).toEqual({ url: "http://192.168.100.112:4000/health/liveliness", expect: "I'm alive!" });
    expect(p.version).toBe("v1.92.0@sha256:64d3547e0b13");
    expect(appContractProblems(svc, p)).toEqual([]);
  });

  it("counts in the site's Redis once a module installs it, with Redis's generated password", () => {
    const p = appPlanOf(svc, site, { postgres: PG, installed: new Set(["ollama", "litellm", "redis"]) })!;
    expect(YAML.parse(p.config[0].text).router_settings).toEqual({ redis_host: "192.168.100.115", redis_port: 6379, redis_password: "os.environ/REDIS_PASSWORD" });
    expect(p.peerSecrets).toEqual([{ service: "redis", env: "REDIS_PASSWORD" }]);
    expect(p.script).toContain("OCI_SECRET_VARS=(LITELLM_MASTER_KEY DATABASE_URL REDIS_PASSWORD)");
  });

  it("a per-model rpm is rendered on every deployment", () => {
    const p = appPlanOf({ ...svc, app: { ...(svc.app as any), rpm: 60 } } as ResolvedService, site, { postgres: PG })!;
    expect(YAML.parse(p.config[0].text).model_list.map((m: any) => m.litellm_params.rpm)).toEqual([60, 60, 60, 60]);
  });

  // Decision 333: ghcr.io/berriai/litellm-database:v1.92.0 by the digest independent public files pin
  // that tag to (a compose image table and a Nix image list give `…:v1.92.0@sha256:64d3547e…`; a sidecar
  // stack's constants and two project notes give the same digest for LiteLLM 1.92.0, one naming the
  // source revision BerriAI/litellm@b3086ccd). It is the multi-platform index digest: pulls on amd64.
  it("orion pulls the v1.92.0 image by its published digest; without a digest the install stops", () => {
    const p = appPlanOf(svc, site, { postgres: PG })!;
    expect(p.source).toEqual({ type: "oci", image: "ghcr.io/berriai/litellm-database:v1.92.0", digest: "sha256:64d3547e0b131bf4638342e52c12bc46d6f1d9b8498e4b731ff31be5ab316ea9" });
    const bare = { ...svc, app: { ...(svc.app as any), image: { tag: "v1.92.0" } } } as ResolvedService;
    const u = appPlanOf(bare, site, { postgres: PG })!;
    expect(u.source.type).toBe("unpinned");
    expect(u.version).toBe("v1.92.0@unpinned");
  });

  it("Ollama admits LiteLLM on its port", () => {
    const ollama = site.services.find((s) => s.name === "ollama")!;
    expect(ollama.firewall.find((f) => f.port === 11434)!.sources).toContain("192.168.100.112/32");
  });
});
