/**
 * Real test of an operator-run REST backup target (decisions 373-375): Debian 12's restic 0.14.0
 * runs the generated agent against a real restic REST server over HTTPS with a private CA, htpasswd
 * auth and private repositories. rest-server is not in Debian 12, so the server is rclone 1.60.1's
 * `rclone serve restic` (Debian 12 package rclone), which implements the same REST protocol with
 * the same --htpasswd / --private-repos / --cert / --key options (rclone cmd/serve/restic). The
 * repository string and env file are the ones the agent setup renders (resticExternalRestRepository,
 * renderResticEnv with a CA file): this also proves the agent passes RESTIC_CACERT as --cacert, which
 * restic 0.14 does not read from the environment.
 */
import { ChildProcess, execFile, spawn } from "child_process";
import * as http from "http";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import { renderResticAgentScript, renderResticEnv, resticExternalRestRepository, resticS3Repository } from "../../components/data/render/restic";
import { run, runOk, tempDir } from "./helpers";

const base = tempDir("homelab-restic-target-");
const src = path.join(base, "src");
const store = path.join(base, "store");
const pki = path.join(base, "pki");
const user = "hx310-db";
const restPassword = `rest-${crypto.randomBytes(12).toString("hex")}`;
const repoPassword = `repo-${crypto.randomBytes(16).toString("hex")}`;
let server: ChildProcess | undefined;
let port = 0;

function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const l of text.split("\n")) {
    const m = l.match(/^([A-Z_][A-Z0-9_]*)=(.*)$/);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on("error", reject);
  });
}

async function waitForPort(p: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = net.connect(p, "127.0.0.1", () => { c.end(); resolve(true); });
      c.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`rclone serve restic did not listen on ${p}`);
}

function agentFor(service: string, passwordFile: string) {
  const repository = resticExternalRestRepository({ url: `https://127.0.0.1:${port}/`, user, repo: `${user}-${service}` });
  const envText = renderResticEnv({ repository, passwordFile: path.join(base, "repo.password"), restPasswordFile: passwordFile, cacheDir: path.join(base, "cache"), caCert: path.join(pki, "ca.crt") });
  const script = renderResticAgentScript({ hostTag: `${user}-${service}`, paths: [src], textfileDir: path.join(base, `textfile-${service}`) });
  const file = path.join(base, `agent-${service}.sh`);
  fs.writeFileSync(file, script, { mode: 0o700 });
  const env = { ...process.env, ...parseEnvFile(envText) };
  return { repository, envText, script, env, run: () => run("bash", [file], { env }) };
}

beforeAll(async () => {
  fs.mkdirSync(src, { recursive: true });
  fs.mkdirSync(store, { recursive: true });
  fs.mkdirSync(pki, { recursive: true });
  fs.writeFileSync(path.join(src, "db.sqlite3"), crypto.randomBytes(200_000));
  fs.writeFileSync(path.join(src, "config.json"), '{"a":1}\n');
  fs.writeFileSync(path.join(base, "repo.password"), repoPassword, { mode: 0o600 });
  fs.writeFileSync(path.join(base, "rest.password"), restPassword, { mode: 0o600 });
  fs.writeFileSync(path.join(base, "wrong.password"), "not-the-password", { mode: 0o600 });
  // a private CA and a server certificate for 127.0.0.1
  runOk("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=homelab test CA", "-keyout", path.join(pki, "ca.key"), "-out", path.join(pki, "ca.crt")]);
  runOk("openssl", ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", path.join(pki, "server.key"), "-out", path.join(pki, "server.csr")]);
  fs.writeFileSync(path.join(pki, "ext"), "subjectAltName=IP:127.0.0.1\n");
  runOk("openssl", ["x509", "-req", "-in", path.join(pki, "server.csr"), "-CA", path.join(pki, "ca.crt"), "-CAkey", path.join(pki, "ca.key"), "-CAcreateserial", "-days", "2", "-extfile", path.join(pki, "ext"), "-out", path.join(pki, "server.crt")]);
  runOk("htpasswd", ["-B", "-b", "-c", path.join(base, "htpasswd"), user, restPassword]);
  port = await freePort();
  server = spawn("rclone", ["serve", "restic", store, "--addr", `127.0.0.1:${port}`, "--htpasswd", path.join(base, "htpasswd"), "--private-repos", "--cert", path.join(pki, "server.crt"), "--key", path.join(pki, "server.key"), "--config", path.join(base, "rclone.conf")], { stdio: "ignore" });
  await waitForPort(port);
}, 60_000);

afterAll(() => {
  server?.kill("SIGTERM");
  fs.rmSync(base, { recursive: true, force: true });
});

describe("restic agent against an operator-run REST server (HTTPS, private CA, htpasswd, private repos)", () => {
  test("the rendered repository string and env file hold no password", () => {
    const a = agentFor("vaultwarden", path.join(base, "rest.password"));
    expect(a.repository).toBe(`rest:https://${user}@127.0.0.1:${port}/${user}/${user}-vaultwarden/`);
    for (const text of [a.envText, a.script]) {
      expect(text).not.toContain(restPassword);
      expect(text).not.toContain(repoPassword);
    }
  });

  test("first run initialises the repository under the user's space and backs up; a restore is byte-identical", () => {
    const a = agentFor("vaultwarden", path.join(base, "rest.password"));
    const r = a.run();
    if (r.status !== 0) console.log(r.stdout, r.stderr);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("initialising repository");
    // the repository sits under the user's directory on the server
    expect(fs.existsSync(path.join(store, user, `${user}-vaultwarden`, "config"))).toBe(true);
    const second = a.run();
    expect(second.status).toBe(0);
    expect(second.stderr).toContain("repository exists");
    const prom = fs.readFileSync(path.join(base, "textfile-vaultwarden", "restic_backup.prom"), "utf8");
    expect(prom).toMatch(new RegExp(`^restic_backup_success\\{host="${user}-vaultwarden"\\} 1$`, "m"));
    // restore through the same spliced URL (restic itself, with the CA passed explicitly)
    const url = a.repository.replace(`${user}@`, `${user}:${restPassword}@`);
    const target = path.join(base, "restore");
    runOk("restic", ["--cacert", path.join(pki, "ca.crt"), "-r", url, "--password-file", path.join(base, "repo.password"), "--cache-dir", path.join(base, "cache"), "restore", "latest", "--target", target]);
    expect(Buffer.compare(fs.readFileSync(path.join(src, "db.sqlite3")), fs.readFileSync(path.join(target, src, "db.sqlite3")))).toBe(0);
  });

  test("a wrong rest-server password fails the run and the metrics show it", () => {
    const a = agentFor("gitea", path.join(base, "wrong.password"));
    const r = a.run();
    expect(r.status).not.toBe(0);
    const prom = fs.readFileSync(path.join(base, "textfile-gitea", "restic_backup.prom"), "utf8");
    expect(prom).toMatch(new RegExp(`^restic_backup_success\\{host="${user}-gitea"\\} 0$`, "m"));
    expect(fs.existsSync(path.join(store, user, `${user}-gitea`, "config"))).toBe(false);
  });

  test("without the CA the server's certificate is refused (the CA really is passed to restic 0.14)", () => {
    const a = agentFor("wikijs", path.join(base, "rest.password"));
    const env = { ...a.env };
    delete env.RESTIC_CACERT;
    const file = path.join(base, "agent-wikijs.sh");
    const r = run("bash", [file], { env });
    expect(r.status).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/certificate/i);
  });
});

/**
 * The S3 target's repository string and env (decision 372) with the real restic 0.14.0: MinIO is not
 * in Debian, so a recording HTTP endpoint stands in for it and answers 403 AccessDenied. What is
 * checked is what restic sends: path-style requests under `/<bucket>/<site>-<service>/` (restic v0.14.0
 * internal/backend/s3/config.go ParseConfig: `s3:http(s)://host:port/bucket/prefix`), signed with
 * the access key from AWS_ACCESS_KEY_ID (cmd/restic/global.go open: AWS_ACCESS_KEY_ID /
 * AWS_SECRET_ACCESS_KEY), the secret read from the file the agent exports it from.
 */
describe("restic agent with the S3 target's repository string and env (real restic, recording endpoint)", () => {
  test("path-style requests under the agent's prefix, signed with the restic user's access key", async () => {
    const seen: Array<{ method: string; url: string; auth: string }> = [];
    const srv = http.createServer((req, res) => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", auth: String(req.headers.authorization ?? "") });
      res.writeHead(403, { "Content-Type": "application/xml" });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied.</Message></Error>');
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    const p = (srv.address() as net.AddressInfo).port;
    try {
      const secretFile = path.join(base, "s3.secret");
      fs.writeFileSync(secretFile, `s3-${crypto.randomBytes(12).toString("hex")}`, { mode: 0o600 });
      const repository = resticS3Repository({ endpoint: `http://127.0.0.1:${p}`, bucket: "restic", prefix: "ryzen9-postgres" });
      expect(repository).toBe(`s3:http://127.0.0.1:${p}/restic/ryzen9-postgres`);
      const envText = renderResticEnv({ repository, passwordFile: path.join(base, "repo.password"), restPasswordFile: null, cacheDir: path.join(base, "cache-s3"), s3: { accessKeyId: "restic", secretFile } });
      expect(envText).not.toContain(fs.readFileSync(secretFile, "utf8"));
      const script = renderResticAgentScript({ hostTag: "ryzen9-postgres", paths: [src], textfileDir: path.join(base, "textfile-s3") });
      const file = path.join(base, "agent-s3.sh");
      fs.writeFileSync(file, script, { mode: 0o700 });
      const env = { ...process.env, ...parseEnvFile(envText) };
      delete env.AWS_SECRET_ACCESS_KEY;
      const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile("bash", [file], { env, timeout: 120_000 }, (err, _out, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }));
      });
      expect(r.code).not.toBe(0);
      expect(r.stderr).not.toContain("AWS_SECRET_ACCESS_KEY) is empty");
      expect(seen.length).toBeGreaterThan(0);
      const objectRequests = seen.filter((s) => s.url.startsWith("/restic/ryzen9-postgres/"));
      expect(objectRequests.length).toBeGreaterThan(0);
      expect(seen.every((s) => s.url.startsWith("/restic/"))).toBe(true);
      for (const s of seen) expect(s.auth).toMatch(/^AWS4-HMAC-SHA256 Credential=restic\//);
      const prom = fs.readFileSync(path.join(base, "textfile-s3", "restic_backup.prom"), "utf8");
      expect(prom).toMatch(/^restic_backup_success\{host="ryzen9-postgres"\} 0$/m);
    } finally {
      srv.close();
    }
  }, 150_000);
});
