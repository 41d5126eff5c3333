/**
 * The reverse proxy (components/apps/reverseProxy.ts, decision 184) with Debian's caddy 2.6.2: orion's
 * rendered Caddyfile at phase 3, its addresses moved into 198.51.100.0/24 (last octet kept), is accepted by
 * `caddy validate`, then run for real in a network namespace this test creates: a stand-in Flowise
 * (python3 http.server on 198.51.100.113:3000) is served over HTTPS as flowise.orion.internal with a
 * certificate of a throwaway CA (openssl, ECDSA P-256, as InternalCa issues), plain HTTP redirects to
 * HTTPS, /healthz answers on the proxy's address, and /metrics on 9180 is Prometheus text. Probes are
 * bounded (curl --max-time); the namespace and its processes are removed afterwards.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { loadStackSite } from "../../components/site/stackFiles";
import { renderCaddyfile, siteProxy, webRoutes } from "../../components/apps/reverseProxy";
import { run, runOk, tempDir, waitFor } from "./helpers";

const dir = tempDir("homelab-caddy-");
const NS = `hl-caddy-${process.pid}`;
const procs: ChildProcess[] = [];
const remap = (t: string) => t.replace(/192\.168\.100\.(\d+)/g, "198.51.100.$1").replace(/\/etc\/caddy\/tls/g, dir);
const site = loadStackSite("orion", undefined, 3);
const routes = webRoutes(site);
const caddyfile = remap(renderCaddyfile(siteProxy(site)!, routes));
const inNs = (...cmd: string[]) => ["ip", "netns", "exec", NS, ...cmd];
const curl = (...args: string[]) => run(inNs("curl", "-sS", "--max-time", "5", ...args)[0], inNs("curl", "-sS", "--max-time", "5", ...args).slice(1));

beforeAll(() => {
  // a CA and a server certificate for every route, as the apps tier issues them from InternalCa
  const sans = ["DNS:reverse-proxy.orion.internal", ...routes.map((r) => `DNS:${r.fqdn}`), "IP:198.51.100.117"].join(",");
  const ossl = (...a: string[]) => runOk("openssl", a, { cwd: dir });
  ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test root CA");
  ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "key.pem", "-out", "leaf.csr", "-subj", "/CN=reverse-proxy.orion.internal");
  fs.writeFileSync(path.join(dir, "ext.cnf"), `subjectAltName=${sans}\nextendedKeyUsage=serverAuth\n`);
  ossl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "leaf.pem", "-days", "2", "-extfile", "ext.cnf");
  fs.writeFileSync(path.join(dir, "cert.pem"), fs.readFileSync(path.join(dir, "leaf.pem"), "utf8") + fs.readFileSync(path.join(dir, "ca.pem"), "utf8"));
  fs.writeFileSync(path.join(dir, "Caddyfile"), caddyfile);
  fs.mkdirSync(path.join(dir, "www"));
  fs.writeFileSync(path.join(dir, "www/index.html"), "flowise-backend\n");
});

afterAll(() => {
  for (const p of procs) p.kill("SIGKILL");
  const pids = run("ip", ["netns", "pids", NS]).stdout.split(/\s+/).filter((p) => /^\d+$/.test(p));
  for (const pid of pids) run("kill", ["-9", pid]);
  run("ip", ["netns", "del", NS]);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("Caddy with orion's rendered Caddyfile", () => {
  it("routes every web app of orion that admits the proxy, and nothing else", () => {
    expect(routes.map((r) => `${r.fqdn} ${r.upstream}`)).toEqual([
      "flowise.orion.internal 192.168.100.113:3000",
      "litellm.orion.internal 192.168.100.112:4000",
      "n8n.orion.internal 192.168.100.119:5678",
      "netbox.orion.internal 192.168.100.50:8000",
      "open-webui.orion.internal 192.168.100.111:3000",
    ]);
  });

  it("caddy validate accepts it", () => {
    const r = run("caddy", ["validate", "--config", path.join(dir, "Caddyfile"), "--adapter", "caddyfile"], { env: { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir } });
    if (r.status !== 0) console.log(r.stdout, r.stderr);
    expect(r.status).toBe(0);
  });

  it("serves the app over HTTPS with the internal CA's certificate, redirects HTTP, answers health and metrics", async () => {
    runOk("ip", ["netns", "add", NS]);
    runOk("ip", ["-n", NS, "link", "set", "lo", "up"]);
    for (const a of ["198.51.100.117/32", "198.51.100.113/32"]) runOk("ip", ["-n", NS, "addr", "add", a, "dev", "lo"]);
    const env = { ...process.env, HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir };
    procs.push(spawn("ip", inNs("python3", "-m", "http.server", "3000", "--bind", "198.51.100.113", "--directory", path.join(dir, "www")).slice(1), { stdio: "ignore" }));
    const caddy = spawn("ip", inNs("caddy", "run", "--config", path.join(dir, "Caddyfile"), "--adapter", "caddyfile").slice(1), { env, stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    caddy.stderr!.on("data", (d) => (log += d));
    procs.push(caddy);
    try {
      await waitFor(() => curl("http://198.51.100.113:3000/").stdout === "flowise-backend\n", 30_000, 300);
      await waitFor(() => curl("http://198.51.100.117/healthz").stdout === "ok", 30_000, 300);
    } catch (e) {
      console.log(log);
      throw e;
    }
    const https = curl("--cacert", path.join(dir, "ca.pem"), "--resolve", "flowise.orion.internal:443:198.51.100.117", "https://flowise.orion.internal/");
    expect(https.stderr).toBe("");
    expect(https.stdout).toBe("flowise-backend\n");
    // without the CA the certificate is refused
    expect(curl("--resolve", "flowise.orion.internal:443:198.51.100.117", "https://flowise.orion.internal/").stderr).toMatch(/certificate/i);
    const redirect = curl("-o", "/dev/null", "-w", "%{http_code} %{redirect_url}", "--resolve", "flowise.orion.internal:80:198.51.100.117", "http://flowise.orion.internal/");
    expect(redirect.stdout).toBe("308 https://flowise.orion.internal/");
    expect(curl("http://198.51.100.117:9180/metrics").stdout).toMatch(/^caddy_\w+/m);
    // an app that is not up yet gives a gateway error, not another app
    expect(curl("-o", "/dev/null", "-w", "%{http_code}", "--cacert", path.join(dir, "ca.pem"), "--resolve", "n8n.orion.internal:443:198.51.100.117", "https://n8n.orion.internal/").stdout).toBe("502");
  });
});
