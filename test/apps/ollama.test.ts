/**
 * Ollama (bh BH-1, ep EP-3; orion's LXC 1000): typed settings, the systemd unit against what the
 * pinned upstream reads (ollama/ollama v0.13.5 envconfig/config.go: OLLAMA_HOST, default
 * 127.0.0.1:11434, and OLLAMA_MODELS), models held to manifest digests, and its API open to its front
 * ends only (decision 11).
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory, ResolvedService, Site } from "../../components/inventory/load";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { appContractProblems } from "../../components/apps/contract";
import { OLLAMA_PORT } from "../../components/apps/ollama";

const doc = (site: string) => YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, `Pulumi.${site}.yaml`), "utf8")).config;
const raw = (site: string) => doc(site)["homelab:inventory"];
const load = (site: string, inv = raw(site)): Site => loadInventory(site, inv, Number(doc(site)["homelab:phase"]));
const svc = (site: Site, name: string) => site.services.find((s) => s.name === name)! as ResolvedService;
const withApp = (site: string, app: Record<string, unknown>) => {
  const inv = raw(site);
  const s = inv.services.find((x: any) => x.name === "ollama");
  s.app = { ...s.app, ...app };
  return load(site, inv);
};
const REL = { version: "0.5.7", url: "https://github.com/ollama/ollama/releases/download/v0.5.7/ollama-linux-amd64.tgz", sha256: "b".repeat(64) };
const DIGEST = "c".repeat(64);

describe("Ollama settings", () => {
  it.each([
    ["a model without its tag", { models: [{ name: "mistral" }] }, /with its tag/],
    ["a short digest", { models: [{ name: "mistral:7b", digest: "abc" }] }, /sha256 of the model's manifest/],
    ["a release that is not the linux archive", { release: { ...REL, url: "https://ollama.com/install.sh" } }, /ollama-linux-amd64/],
  ])("refuses %s", (_what, app, message) => {
    expect(() => withApp("ep", app)).toThrow(message);
  });
});

describe("the Ollama plan", () => {
  const ep = withApp("ep", { release: REL, models: [{ name: "mistral:7b", digest: DIGEST }, { name: "orca-mini:3b" }] });
  const p = appPlanOf(svc(ep, "ollama"), ep)!;
  it("listens on the service address only, models on the data mount (envconfig: OLLAMA_HOST, OLLAMA_MODELS)", () => {
    const unit = p.config[0].text;
    expect(unit).toContain("Environment=OLLAMA_HOST=192.168.30.20:11434\n");
    expect(unit).toContain("Environment=OLLAMA_MODELS=/usr/share/ollama/.ollama/models\n");
    expect(unit).toContain("ExecStart=/usr/bin/ollama serve\n");
  });
  it("shows the release and each model's pin", () => {
    expect(p.version).toBe(`0.5.7 mistral:7b@${DIGEST.slice(0, 12)} orca-mini:3b@unpinned`);
    expect(p.script).toContain(`MODEL_DIGESTS=(${DIGEST} '')`);
    expect(p.script).toContain("MODELS=(mistral:7b orca-mini:3b)");
  });
  it("health: server/routes.go GET / answers \"Ollama is running\"", () => {
    expect(p.health).toEqual({ url: "http://192.168.30.20:11434/", expect: "Ollama is running" });
  });
  /**
   * Decision 335: each model's manifest sha256 (the `digest` of Ollama's /api/tags, the `ollama list` ID
   * is its first 12 hex digits) as independent public files give it for that tag — /api/tags outputs,
   * client fixtures and experiment locks: llama2:7b (= llama2:latest) 78e26419…, mistral:7b 6577803a… (the
   * Q4_K_M build the tag points to in the 2025–2026 files; earlier builds 61e88e88…, f974a743…), orca-mini:3b (= orca-mini:latest) 2dbd9f43…, llama3:8b
   * (= llama3:latest) 365c0bd3…, codellama:7b (= codellama:latest) 8fdf8f75…. neural-chat:7b: its full
   * digest appears in one file only (for :latest), so it stays unpinned and the install logs it.
   */
  const PINNED_MODELS: Record<string, string | undefined> = {
    "llama2:7b": "78e26419b4469263f75331927a00a0284ef6544c1975b826b15abdaef17bb962",
    "mistral:7b": "6577803aa9a036369e481d648a2baebb381ebc6e897f2bb9a766a2aa7bfbc1cf",
    "orca-mini:3b": "2dbd9f439647093cf773c325b0b3081a11f1b1426d61dee8b946f8f6555a1755",
    "llama3:8b": "365c0bd3c000a25d28ddbf732fe1c6add414de7275464c4e4d1c3b5fcb5d8ad1",
    "codellama:7b": "8fdf8f752f6e80de33e82f381aba784c025982752cd1ae9377add66449d2225f",
    "neural-chat:7b": undefined,
  };
  it.each(["bh", "ep", "orion"])("%s holds each seed model to its published manifest digest", (name) => {
    const site = load(name);
    const models = (svc(site, "ollama").app as any).models as Array<{ name: string; digest?: string }>;
    expect(models.length).toBeGreaterThan(1);
    for (const m of models) expect([m.name, m.digest]).toEqual([m.name, PINNED_MODELS[m.name]]);
    const plan = appPlanOf(svc(site, "ollama"), site)!;
    expect(plan.script).toContain(`MODEL_DIGESTS=(${models.map((m) => m.digest ?? "''").join(" ")})`);
  });
  it("the committed ep and bh pull the seed's models (bh: llama2, mistral, orca-mini; ep: mistral, orca-mini)", () => {
    expect(appPlanOf(svc(load("bh"), "ollama"), load("bh"))!.script).toContain("MODELS=(llama2:7b mistral:7b orca-mini:3b)");
    expect(appPlanOf(svc(load("ep"), "ollama"), load("ep"))!.script).toContain("MODELS=(mistral:7b orca-mini:3b)");
  });
});

/**
 * The committed pin (decision 161): cashapp/hermit-packages ollama.hcl (commit 6ada2aea, 2025-12-19)
 * takes its sums from upstream's release file (`sha256-source = .../v${version}/sha256sum.txt`) and lists
 * v0.13.5/ollama-linux-amd64.tgz with 41fb93ff…f3f8e2. At v0.13.5 upstream's scripts/install.sh still
 * ships the Linux build as that .tgz and unpacks it with `tar -xzf` (what ollama-install.sh does).
 */
describe("the committed Ollama release", () => {
  it.each(["bh", "ep", "orion"])("%s pins 0.13.5 by the sha256 upstream publishes", (name) => {
    const site = load(name);
    const p = appPlanOf(svc(site, "ollama"), site)!;
    expect(p.source).toEqual({
      type: "release",
      version: "0.13.5",
      url: "https://github.com/ollama/ollama/releases/download/v0.13.5/ollama-linux-amd64.tgz",
      sha256: "41fb93ff8be35e4d2d22bafd1c42b487efb15b766076d976766bd1ee4db3f8e2",
    });
    expect(p.version.split(" ")[0]).toBe("0.13.5");
  });
});

describe("reachable only from its front ends (decision 11)", () => {
  it.each([
    ["bh", ["open-webui", "odoo"]],
    ["ep", ["konstanze", "odoo"]],
    ["orion", ["open-webui", "litellm", "flowise", "ai-coordinator"]], // the coordinator's models (decision 321)
  ])("%s: tcp/11434 admits exactly the front ends' addresses", (name, frontEnds) => {
    const site = load(name);
    const rule = svc(site, "ollama").firewall.find((f) => f.port === OLLAMA_PORT)!;
    const want = frontEnds.map((n) => svc(site, n).ipv4!).sort();
    expect(rule.sources.map((s) => s.replace(/\/32$/, "")).sort()).toEqual(want);
    // nothing else is open on the guest but node_exporter for bo's Prometheus (where the site has it)
    for (const f of svc(site, "ollama").firewall) expect([OLLAMA_PORT, 9100]).toContain(f.port);
    expect(appContractProblems(svc(site, "ollama"), appPlanOf(svc(site, "ollama"), site)!)).toEqual([]);
  });
  it("a metrics endpoint on an undeclared port is refused by the contract", () => {
    const site = load("ep");
    const p = appPlanOf(svc(site, "ollama"), site)!;
    expect(appContractProblems(svc(site, "ollama"), { ...p, metrics: [{ job: "ollama", port: 9400, scheme: "http", path: "/metrics" }] })).toEqual([
      'homelab: service "ollama" (app ollama): metrics port 9400/tcp (ollama) is not among the service\'s ports',
    ]);
  });
});
