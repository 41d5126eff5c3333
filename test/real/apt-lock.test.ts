/**
 * The shell library's apt-get wrapper (components/shell/lib.sh): two toolkit scripts on one guest that
 * run apt-get at the same moment queue on one flock instead of the second failing on dpkg's lock. Real
 * bash and util-linux's flock; apt-get is a stub that records when it starts and ends and notices a
 * second instance running beside it (what dpkg's lock would refuse).
 */
import * as fs from "fs";
import * as path from "path";
import { spawn } from "child_process";
import { PROJECT_ROOT } from "../../components/site/stackFiles";
import { hasCommand, tempDir } from "./helpers";

const dir = tempDir("homelab-apt-lock-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const LIB = path.join(PROJECT_ROOT, "components/shell/lib.sh");
const stubs = path.join(dir, "stubs");
const busy = path.join(dir, "busy");
const events = path.join(dir, "events");

// The stub: "overlap" when another apt-get is inside, else holds the marker for 1.5 s.
const STUB = `#!/usr/bin/env bash
if ! mkdir "$BUSY" 2>/dev/null; then echo overlap >>"$EVENTS"; exit 100; fi
echo "start $*" >>"$EVENTS"; sleep 1.5; echo "end $*" >>"$EVENTS"; rmdir "$BUSY"
`;

function runTwo(call: string): Promise<number[]> {
  fs.writeFileSync(events, "");
  const one = (n: number) =>
    new Promise<number>((resolve) => {
      const p = spawn("bash", ["-c", `set -euo pipefail; source "$LIB"; ${call} install pkg${n}`], {
        env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, LIB, BUSY: busy, EVENTS: events, HOMELAB_APT_LOCK: path.join(dir, "apt.lock") },
        stdio: "ignore",
      });
      const t = setTimeout(() => p.kill("SIGKILL"), 30_000); // bounded
      p.on("exit", (code) => { clearTimeout(t); resolve(code ?? -1); });
    });
  return Promise.all([one(1), one(2)]);
}

beforeAll(() => {
  fs.mkdirSync(stubs, { recursive: true });
  fs.writeFileSync(path.join(stubs, "apt-get"), STUB, { mode: 0o755 });
});

describe("apt-get through the toolkit's lock", () => {
  test("flock is there (util-linux, essential in Debian)", () => {
    expect(hasCommand("flock")).toBe(true);
  });

  test("two scripts' apt-get calls run one after the other, both succeed", async () => {
    expect(await runTwo("apt-get")).toEqual([0, 0]);
    const lines = fs.readFileSync(events, "utf8").trim().split("\n");
    expect(lines).not.toContain("overlap");
    expect(lines.map((l) => l.split(" ")[0])).toEqual(["start", "end", "start", "end"]);
  });

  test("without the wrapper the same two calls collide (the test can fail)", async () => {
    const codes = await runTwo("command apt-get");
    expect(fs.readFileSync(events, "utf8")).toContain("overlap");
    expect(codes).toContain(100);
  });
});
