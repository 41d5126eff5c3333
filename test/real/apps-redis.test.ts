/**
 * The rendered Redis install (components/apps/redis.ts + scripts/redis-install.sh) run for real against
 * Debian 12's redis-server 7.0 on loopback: the script's paths (/etc/redis, /var/lib/redis), the bind
 * address and the port are rebased into a throwaway directory and a free port; `systemctl` is a stub that
 * starts/restarts redis-server with the rendered redis.conf (as Debian's unit does, without systemd) and
 * `install` drops its owner flags; the password arrives in the environment as on the guest. It proves:
 * redis-server accepts every rendered key; AUTH with the secret works and an unauthenticated client is
 * refused; the secret is only in the included root:redis 0640 file; a second run restarts nothing; a new
 * password restarts the server and the AOF keeps the data across it. Every rendered key is also a
 * directive of the redis.conf Debian ships for 7.0 (redis/redis 7.0 redis.conf).
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { loadInventory, ResolvedService } from "../../components/inventory/load";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { appPlanOf } from "../../components/apps/registry";
import { run, runOk, tempDir } from "./helpers";

const doc = YAML.parse(fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.ryzen9.yaml"), "utf8")).config;
const site = loadInventory("ryzen9", doc["homelab:inventory"], Number(doc["homelab:phase"]));
const plan = appPlanOf(site.services.find((s) => s.name === "redis") as ResolvedService, site)!;
const dir = tempDir("homelab-apps-redis-");
const stubs = path.join(dir, "stubs");
const calls = path.join(dir, "calls.log");
const pidFile = path.join(dir, "redis.pid");
const port = 20000 + (process.pid % 20000);

const STUBS: Record<string, string> = {
  systemctl: [
    'echo "systemctl $*" >>"$CALLS"',
    'alive() { [ -f "$PIDF" ] && kill -0 "$(cat "$PIDF")" 2>/dev/null; }',
    'start() { redis-server "$TEST_CONF" --daemonize yes --pidfile "$PIDF"; }',
    'stop() { if alive; then p="$(cat "$PIDF")"; kill "$p"; while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; fi; }',
    'case "$1" in enable) ;; start) alive || start ;; restart) stop; start ;; *) exit 2 ;; esac',
  ].join("\n"),
  install: 'args=(); while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done; exec /usr/bin/install "${args[@]}"',
};

const script = plan.script
  .replace(/bind 10\.0\.20\.12 127\.0\.0\.1/g, "bind 127.0.0.1")
  .replace(/\/etc\/redis\//g, `${dir}/etc/`)
  .replace(/\/var\/lib\/redis/g, `${dir}/data`)
  .replace(/6379/g, String(port));

function install(password: string) {
  fs.writeFileSync(calls, "");
  fs.writeFileSync(path.join(dir, "install.sh"), script, { mode: 0o700 });
  const r = run("bash", [path.join(dir, "install.sh")], {
    env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, PIDF: pidFile, TEST_CONF: `${dir}/etc/redis.conf`, REDIS_PASSWORD: password },
  });
  return { status: r.status, log: r.stderr, calls: fs.readFileSync(calls, "utf8") };
}

const cli = (auth: string | undefined, ...args: string[]) => {
  const env = { ...process.env };
  delete env.REDISCLI_AUTH;
  if (auth) env.REDISCLI_AUTH = auth;
  return run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { env });
};

beforeAll(() => {
  fs.mkdirSync(stubs, { recursive: true });
  for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
});
afterAll(() => {
  // Redis 7 stays up when its final save on SIGTERM fails (e.g. its dir is gone): SIGKILL it (no save),
  // wait until it is gone, and only then remove its directory.
  if (fs.existsSync(pidFile)) {
    const pid = fs.readFileSync(pidFile, "utf8").trim();
    run("kill", ["-KILL", pid]);
    run("bash", ["-c", `for _ in $(seq 50); do kill -0 ${pid} 2>/dev/null || exit 0; sleep 0.1; done; exit 1`]);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("Redis install script on Debian's redis-server 7.0", () => {
  const first = "Aa1" + "x".repeat(29);
  const second = "Bb2" + "y".repeat(29);

  it("every rendered key is a directive of Debian's 7.0 redis.conf", () => {
    const shipped = fs.readFileSync("/etc/redis/redis.conf", "utf8");
    const keys = plan.config[0].text.split("\n").filter((l) => l && !l.startsWith("#")).map((l) => l.split(" ")[0]);
    expect(keys.length).toBeGreaterThan(10);
    for (const k of keys) expect([k, new RegExp(`^#? ?${k} `, "m").test(shipped)]).toEqual([k, true]);
  });

  it("installs, starts with the rendered config, and AUTH is required", () => {
    const r = install(first);
    expect([r.status, r.log]).toEqual([0, expect.stringContaining("redis refuses unauthenticated clients")]);
    expect(r.calls).toContain("systemctl restart redis-server.service");
    expect(cli(first, "PING").stdout.trim()).toBe("PONG");
    expect(cli(undefined, "PING").stdout).toMatch(/NOAUTH/);
    expect(cli("wrong" + first, "PING").stdout + cli("wrong" + first, "PING").stderr).toMatch(/WRONGPASS|invalid username-password/);
  });

  it("runs with the rendered settings (AOF, volatile-lru, 768 MiB, 16 databases)", () => {
    const get = (k: string) => cli(first, "CONFIG", "GET", k).stdout.trim().split("\n")[1];
    expect([get("appendonly"), get("appendfsync"), get("maxmemory-policy"), get("maxmemory"), get("databases"), get("protected-mode")]).toEqual([
      "yes",
      "everysec",
      "volatile-lru",
      String(768 * 1024 * 1024),
      "16",
      "yes",
    ]);
  });

  it("keeps the password out of redis.conf, in a 0640 file included last", () => {
    expect(fs.readFileSync(`${dir}/etc/redis.conf`, "utf8")).not.toContain(first);
    expect(fs.readFileSync(`${dir}/etc/homelab-auth.conf`, "utf8")).toBe(`requirepass ${first}\n`);
    expect(fs.statSync(`${dir}/etc/homelab-auth.conf`).mode & 0o777).toBe(0o640);
    expect(script).not.toContain(first);
  });

  it("a second run changes nothing and restarts nothing", () => {
    runOk("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "-n", "1", "SET", "homelab-test", "kept"], { env: { ...process.env, REDISCLI_AUTH: first } });
    const r = install(first);
    expect(r.status).toBe(0);
    expect(r.calls).not.toContain("restart");
    expect(r.log).not.toContain("updated");
  });

  it("a new password restarts the server; the old one is refused and the AOF kept DB 1's key", () => {
    const r = install(second);
    expect(r.status).toBe(0);
    expect(r.calls).toContain("systemctl restart redis-server.service");
    expect(cli(first, "PING").stdout + cli(first, "PING").stderr).not.toContain("PONG");
    expect(cli(second, "-n", "1", "GET", "homelab-test").stdout.trim()).toBe("kept");
    expect(fs.existsSync(`${dir}/data/appendonlydir`)).toBe(true);
  });

  it("refuses a password it could not write unquoted", () => {
    const r = install("bad pass");
    expect(r.status).not.toBe(0);
    expect(r.log).toContain("REDIS_PASSWORD must be letters and digits");
  });
});
