/**
 * LiteLLM (components/apps/litellm.ts, decision 183): the rendered install script for orion run for real
 * with bash and the shell library, podman/systemctl/curl/apt stubbed and the paths rebased into a temp
 * dir (the OCI runner itself is proven in apps-oci.test.ts). It proves what this module adds: config.yaml
 * is written as rendered (YAML that Python's yaml, as LiteLLM uses, reads back to the same tree); the
 * master key gets LiteLLM's `sk-` prefix and, with the database URL composed from the owner password and
 * Redis's password, reaches only the root-only env file; a second run changes nothing; without a digest
 * the install stops naming the setting. LiteLLM itself cannot run here (its image needs a registry this
 * machine cannot reach).
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadStackSite } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { run, runOk, tempDir } from "./helpers";

const dir = tempDir("homelab-apps-litellm-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const stubs = path.join(dir, "stubs");
const calls = path.join(dir, "calls.log");
const SECRETS = { LITELLM_MASTER_KEY: "masterABC123", DB_PASSWORD: "dbpwXYZ789", REDIS_PASSWORD: "redisQRS456" };
const DIGEST = `sha256:${"c3".repeat(32)}`;

const STUBS: Record<string, string> = {
  "apt-get": 'echo "apt-get $*" >>"$CALLS"',
  dpkg: "exit 0",
  systemctl: 'echo "systemctl $*" >>"$CALLS"',
  curl: "printf '\"I'\"'\"'m alive!\"'",
  podman: 'echo "podman $*" >>"$CALLS"; case "$1 $2" in "pull --quiet") touch "$DIR/pulled" ;; "image exists") [ -e "$DIR/pulled" ] ;; *) exit 2 ;; esac',
  install: 'args=(); while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done; exec /usr/bin/install "${args[@]}"',
};

function script(digest: string | undefined): string {
  const site = loadStackSite("orion");
  const s = site.services.find((x) => x.name === "litellm")! as any;
  const svc = { ...s, app: { ...s.app, image: { tag: "main-stable", ...(digest ? { digest } : {}) } } };
  // as the apps tier sees orion once a module installs Redis (LXC 1005)
  const context = { postgres: { host: "192.168.100.114", port: 5432 }, installed: new Set(["ollama", "litellm", "flowise", "redis"]) };
  return appPlanOf(svc, site, context)!
    .script.replace(/\/etc\/litellm\b/g, `${dir}/etc-litellm`)
    .replace(/^OCI_UNIT_PATH=.*$/m, `OCI_UNIT_PATH=${dir}/litellm.service`)
    .replace(/^OCI_ENV_PATH=.*$/m, `OCI_ENV_PATH=${dir}/oci/litellm.env`)
    .replace(/^OCI_SECRET_ENV_PATH=.*$/m, `OCI_SECRET_ENV_PATH=${dir}/oci/litellm.secret.env`);
}

function runInstall(text: string) {
  fs.writeFileSync(calls, "");
  fs.writeFileSync(path.join(dir, "install.sh"), text, { mode: 0o700 });
  const r = run("bash", [path.join(dir, "install.sh")], { env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, DIR: dir, ...SECRETS } });
  return { status: r.status, log: r.stdout + r.stderr, calls: fs.readFileSync(calls, "utf8") };
}

beforeAll(() => {
  fs.mkdirSync(stubs, { recursive: true });
  fs.mkdirSync(path.join(dir, "oci"));
  for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
});

describe("LiteLLM install script", () => {
  it("first run: config written, secrets composed into the root-only env file only, container started", () => {
    const r = runInstall(script(DIGEST));
    if (r.status !== 0) console.log(r.log);
    expect(r.status).toBe(0);
    const cfg = fs.readFileSync(path.join(dir, "etc-litellm/config.yaml"), "utf8");
    const viaPython = runOk("python3", ["-c", "import sys, yaml, json; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", path.join(dir, "etc-litellm/config.yaml")]).stdout;
    expect(JSON.parse(viaPython)).toEqual(YAML.parse(cfg));
    expect(JSON.parse(viaPython).router_settings).toEqual({ redis_host: "192.168.100.115", redis_port: 6379, redis_password: "os.environ/REDIS_PASSWORD" });
    const secretEnv = fs.readFileSync(path.join(dir, "oci/litellm.secret.env"), "utf8");
    expect(secretEnv.trimEnd().split("\n").sort()).toEqual([
      "DATABASE_URL=postgresql://litellm:dbpwXYZ789@192.168.100.114:5432/litellm",
      "LITELLM_MASTER_KEY=sk-masterABC123",
      "REDIS_PASSWORD=redisQRS456",
    ]);
    expect((fs.statSync(path.join(dir, "oci/litellm.secret.env")).mode & 0o777).toString(8)).toBe("600");
    for (const v of Object.values(SECRETS)) {
      expect(r.log).not.toContain(v);
      expect(fs.readFileSync(path.join(dir, "litellm.service"), "utf8")).not.toContain(v);
    }
    expect(r.calls).toContain(`podman pull --quiet ghcr.io/berriai/litellm-database@${DIGEST}`);
    expect(r.calls).toContain("systemctl restart litellm.service");
  });

  it("second run: nothing pulled, written or restarted", () => {
    const r = runInstall(script(DIGEST));
    expect(r.status).toBe(0);
    expect(r.calls).not.toMatch(/pull|restart|daemon-reload/);
  });

  it("without a digest the run stops naming the setting", () => {
    const r = runInstall(script(undefined));
    expect(r.status).not.toBe(0);
    expect(r.log).toContain('set app.image.digest of service "litellm" to the sha256 digest of ghcr.io/berriai/litellm-database:main-stable');
  });
});
