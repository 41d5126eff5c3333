/**
 * `npm run bench:test -- [N] [jest args...]`
 *
 * Runs the unit suite (`jest`, the default config: test/ without test/real) N times in a row
 * (default 3) and reports, per run, its wall time and whether it was green, then a summary.
 * Exit 0 only when every run was green. It measures; nothing here asserts on time.
 *
 * Each run gets its own empty directory as TMPDIR, which is removed afterwards,
 * so a test that leaks temp files cannot make a later run differ. The repository's status is
 * compared before and after every run: a run that leaves a file behind in the repository counts
 * as not green.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

interface RunReport {
  run: number;
  seconds: number;
  green: boolean;
  tests?: string;
  note?: string;
}

/** Files git sees as changed or untracked (ignored files excluded): a test that writes into the repository shows here. */
function repoStatus(): string {
  const r = spawnSync("git", ["status", "--porcelain", "--untracked-files=all"], { cwd: ROOT, encoding: "utf8" });
  return r.status === 0 ? r.stdout : "";
}

function parseArgs(argv: string[]): { runs: number; jestArgs: string[] } {
  const [first, ...rest] = argv;
  if (first !== undefined && /^\d+$/.test(first)) {
    const runs = Number(first);
    if (runs < 1) throw new Error(`homelab: bench:test ${first}: the number of runs must be at least 1`);
    return { runs, jestArgs: rest };
  }
  if (first !== undefined && !first.startsWith("-")) throw new Error(`homelab: bench:test ${first}: the number of runs must be a positive integer`);
  return { runs: 3, jestArgs: argv };
}

function main(): number {
  const { runs, jestArgs } = parseArgs(process.argv.slice(2));
  const jest = require.resolve("jest/bin/jest", { paths: [ROOT] });
  const reports: RunReport[] = [];
  for (let run = 1; run <= runs; run++) {
    const before = repoStatus();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-bench-"));
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [jest, "--ci", "--silent", ...jestArgs], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, TMPDIR: tmp, FORCE_COLOR: "0" },
      maxBuffer: 64 * 1024 * 1024,
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    fs.rmSync(tmp, { recursive: true, force: true });
    const after = repoStatus();
    const output = `${r.stdout}\n${r.stderr}`;
    const tests = /^Tests:\s+(.+)$/m.exec(output)?.[1]?.trim();
    const leaked = after !== before;
    const green = r.status === 0 && !leaked;
    const note = leaked ? `the run changed the repository:\n${after}` : r.status !== 0 ? (r.error?.message ?? output.split("\n").filter((l) => /●|FAIL/.test(l)).slice(0, 10).join("\n")) : undefined;
    reports.push({ run, seconds, green, tests, note });
    process.stdout.write(`run ${run}/${runs}: ${seconds.toFixed(1)} s  ${green ? "green" : "RED"}${tests ? `  (${tests})` : ""}\n`);
    if (note) process.stdout.write(`${note.replace(/^/gm, "  ")}\n`);
  }
  const times = reports.map((r) => r.seconds);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const greens = reports.filter((r) => r.green).length;
  process.stdout.write(`${greens}/${runs} green; wall time min ${Math.min(...times).toFixed(1)} s, mean ${mean.toFixed(1)} s, max ${Math.max(...times).toFixed(1)} s\n`);
  return greens === runs ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${message.startsWith("homelab:") ? message : (err as Error).stack ?? message}\n`);
  process.exitCode = 2;
}
