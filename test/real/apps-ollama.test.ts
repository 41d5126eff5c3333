/**
 * The rendered Ollama install script (components/apps/ollama.ts + scripts/ollama-install.sh) run
 * for real with bash, tar, sha256sum and the shell library against a throwaway directory: the
 * install prefix, unit and models paths are rebased into it; the release archive is a real .tgz
 * (holding a stand-in bin/ollama whose `pull` writes a manifest) checked against its real sha256;
 * curl (download and health), systemctl, dpkg, id and install's -o/-g are stubs. It proves: the
 * archive is verified and unpacked once; a second run changes nothing and restarts nothing; models
 * are pulled once; a model whose manifest is not its pinned digest stops the run.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory, ResolvedService } from "../../components/inventory/load";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { runOk, tempDir, run } from "./helpers";

const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.ep.yaml"), "utf8")).config;
const dir = tempDir("homelab-apps-ollama-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const stubs = path.join(dir, "stubs");
const calls = path.join(dir, "calls.log");
const archive = path.join(dir, "ollama-linux-amd64.tgz");
const manifests = path.join(dir, "models/manifests/registry.ollama.ai/library");

const STUBS: Record<string, string> = {
  "apt-get": 'echo "apt-get $*" >>"$CALLS"',
  dpkg: "exit 0",
  id: "exit 0",
  systemctl: 'echo "systemctl $*" >>"$CALLS"',
  // curl -o FILE URL downloads the test archive; any other call is the health check
  curl: 'while [ $# -gt 0 ]; do if [ "$1" = -o ]; then echo "download" >>"$CALLS"; cp "$FAKE_ARCHIVE" "$2"; exit 0; fi; shift; done; printf "Ollama is running"',
  install: 'args=(); while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done; exec /usr/bin/install "${args[@]}"',
};

/** The stand-in binary: `ollama pull name:tag` writes a manifest (what the real pull leaves behind). */
const FAKE_OLLAMA = [
  "#!/usr/bin/env bash",
  '[ "$1" = pull ] || exit 2',
  'echo "pull $2 via $OLLAMA_HOST" >>"$CALLS"',
  'm="$FAKE_MANIFESTS/${2%%:*}/${2#*:}"',
  'mkdir -p "$(dirname "$m")"',
  'printf \'{"schemaVersion":2,"model":"%s"}\' "$2" >"$m"',
  "",
].join("\n");

/** The seed's models without digests (the committed inventory pins them, decision 335; the stand-in's manifests are not those). */
const UNPINNED = [{ name: "mistral:7b" }, { name: "orca-mini:3b" }];

function script(app: Record<string, unknown>): string {
  const inv = JSON.parse(JSON.stringify(doc["homelab:inventory"]));
  const s = inv.services.find((x: any) => x.name === "ollama");
  s.app = { ...s.app, ...app };
  const site = loadInventory("ep", inv, Number(doc["homelab:phase"]));
  const p = appPlanOf(site.services.find((x) => x.name === "ollama") as ResolvedService, site)!;
  return p.script
    .replace(/^OLLAMA_PREFIX=.*$/m, `OLLAMA_PREFIX=${dir}/usr`)
    .replace(/^OLLAMA_HOME=.*$/m, `OLLAMA_HOME=${dir}/home`)
    .replace(/^OLLAMA_MODELS_DIR=.*$/m, `OLLAMA_MODELS_DIR=${dir}/models`)
    .replace(/^UNIT_PATH=.*$/m, `UNIT_PATH=${dir}/ollama.service`)
    .replace(/^MANIFEST_ROOT=.*$/m, `MANIFEST_ROOT=${manifests}`);
}

function runInstall(text: string) {
  fs.writeFileSync(calls, "");
  fs.writeFileSync(path.join(dir, "install.sh"), text, { mode: 0o700 });
  const r = run("bash", [path.join(dir, "install.sh")], {
    env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, FAKE_ARCHIVE: archive, FAKE_MANIFESTS: manifests },
  });
  return { status: r.status, log: r.stderr, calls: fs.readFileSync(calls, "utf8") };
}

const sha256 = (f: string) => crypto.createHash("sha256").update(fs.readFileSync(f)).digest("hex");

describe("Ollama install script, idempotent", () => {
  let release: { version: string; url: string; sha256: string };
  beforeAll(() => {
    fs.mkdirSync(stubs, { recursive: true });
    for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    const src = path.join(dir, "src");
    fs.mkdirSync(path.join(src, "bin"), { recursive: true });
    fs.mkdirSync(path.join(src, "lib/ollama"), { recursive: true });
    fs.writeFileSync(path.join(src, "bin/ollama"), FAKE_OLLAMA, { mode: 0o755 });
    runOk("tar", ["-czf", archive, "-C", src, "bin", "lib"]);
    fs.mkdirSync(path.join(dir, "usr/lib"), { recursive: true });
    release = { version: "0.5.7", url: "https://github.com/ollama/ollama/releases/download/v0.5.7/ollama-linux-amd64.tgz", sha256: sha256(archive) };
  });

  it("first run: archive verified and unpacked, unit written, service restarted, models pulled", () => {
    const r = runInstall(script({ release, models: UNPINNED }));
    expect(r.status).toBe(0);
    expect(r.calls).toContain("download");
    expect(fs.existsSync(path.join(dir, "usr/bin/ollama"))).toBe(true);
    expect(fs.readFileSync(path.join(dir, "ollama.service"), "utf8")).toContain("Environment=OLLAMA_HOST=192.168.30.20:11434");
    expect(r.calls).toContain("systemctl restart ollama.service");
    expect(r.calls).toContain("pull mistral:7b via http://192.168.30.20:11434");
    expect(r.calls).toContain("pull orca-mini:3b via http://192.168.30.20:11434");
    expect(r.log).toMatch(/model mistral:7b is at manifest sha256 [0-9a-f]{64} \(not pinned/);
  });
  it("second run: nothing downloaded, pulled or restarted", () => {
    const r = runInstall(script({ release, models: UNPINNED }));
    expect(r.status).toBe(0);
    expect(r.calls).not.toMatch(/download|pull|restart|daemon-reload/);
    expect(r.calls).toContain("systemctl start ollama.service");
  });
  it("a pinned digest that matches passes; one that does not stops the run", () => {
    const digest = sha256(path.join(manifests, "mistral/7b"));
    expect(runInstall(script({ release, models: [{ name: "mistral:7b", digest }, { name: "orca-mini:3b" }] })).status).toBe(0);
    const bad = runInstall(script({ release, models: [{ name: "mistral:7b", digest: "0".repeat(64) }, { name: "orca-mini:3b" }] }));
    expect(bad.status).not.toBe(0);
    expect(bad.log).toContain(`model mistral:7b: manifest sha256 ${digest}, pinned ${"0".repeat(64)}`);
  });
  it("the committed ep's digests hold: the stand-in's manifest is not the published mistral:7b, so the run stops", () => {
    const r = runInstall(script({ release }));
    expect(r.status).not.toBe(0);
    expect(r.log).toContain("model mistral:7b: manifest sha256 ");
    expect(r.log).toContain("pinned 6577803aa9a036369e481d648a2baebb381ebc6e897f2bb9a766a2aa7bfbc1cf");
  });
  it("a tampered archive fails its checksum", () => {
    fs.rmSync(path.join(dir, "usr/lib/ollama.sha256"));
    const r = runInstall(script({ release: { ...release, sha256: "d".repeat(64) }, models: UNPINNED }));
    expect(r.status).not.toBe(0);
    expect(r.log).toMatch(/FAILED|did NOT match/);
  });
});
