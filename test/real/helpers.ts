/** Helpers for tests that run generated artifacts with real tools. */
import { spawnSync, SpawnSyncOptions } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const PG_BIN = "/usr/lib/postgresql/15/bin";

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run a command, return status/stdout/stderr (never throws). */
export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): RunResult {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 120_000, ...opts });
  return { status: r.status ?? -1, stdout: String(r.stdout ?? ""), stderr: String(r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

/** Run and throw with full output on a non-zero exit. */
export function runOk(cmd: string, args: string[], opts: SpawnSyncOptions = {}): RunResult {
  const r = run(cmd, args, opts);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
}

/** A temp dir under os.tmpdir() that the postgres user can traverse. */
export function tempDir(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(d, 0o755);
  return d;
}

/** Write a script to a file and run it with bash. */
export function runScript(file: string, text: string, env: NodeJS.ProcessEnv = {}): RunResult {
  fs.writeFileSync(file, text, { mode: 0o700 });
  return run("bash", [file], { env: { ...process.env, ...env } });
}

/** Poll until fn returns true or timeout. */
export async function waitFor(fn: () => boolean, timeoutMs = 30_000, stepMs = 200): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (fn()) return;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error("waitFor: timed out");
}

export function hasCommand(name: string): boolean {
  return run("bash", ["-c", `command -v ${name}`]).status === 0;
}
