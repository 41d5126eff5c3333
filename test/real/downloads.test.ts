/** Runs the pinned-binary install lines with bash: checksum, unpack, stamp, idempotency, mismatch. */
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { installPinnedBinary } from "../../components/data/downloads";
import { shellScript } from "../../components/shell";

describe("installPinnedBinary, executed", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pinned-"));
  const bin = path.join(dir, "bin");
  const shim = path.join(dir, "shim");
  const payload = path.join(dir, "payload");
  fs.mkdirSync(bin);
  fs.mkdirSync(shim);
  fs.mkdirSync(path.join(payload, "rest-server_0.13.0_linux_amd64"), { recursive: true });
  fs.writeFileSync(path.join(payload, "rest-server_0.13.0_linux_amd64", "rest-server"), "#!/bin/sh\necho rest-server 0.13.0\n", { mode: 0o755 });
  const tarball = path.join(dir, "rest-server.tar.gz");
  execFileSync("tar", ["-czf", tarball, "-C", payload, "rest-server_0.13.0_linux_amd64"]);
  const sha = crypto.createHash("sha256").update(fs.readFileSync(tarball)).digest("hex");
  // curl shim: serve the local tarball for any URL and count downloads.
  fs.writeFileSync(path.join(shim, "curl"), `#!/bin/sh\nwhile [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2;; *) shift;; esac; done\necho x >>"${dir}/downloads"\ncp "${tarball}" "$out"\n`, { mode: 0o755 });
  const dest = path.join(bin, "rest-server");
  const script = (pinSha: string) => shellScript({ title: "test", source: "test/real/downloads.test.ts", body: [...installPinnedBinary(dest, { url: "https://example.invalid/rest-server_0.13.0_linux_amd64.tar.gz", sha256: pinSha }, "x"), 'echo "changed=$CHANGED"'] });
  const run = (text: string) => spawnSync("bash", ["-c", text], { encoding: "utf8", env: { ...process.env, PATH: `${shim}:${process.env.PATH}` } });
  const downloads = () => (fs.existsSync(path.join(dir, "downloads")) ? fs.readFileSync(path.join(dir, "downloads"), "utf8").split("\n").filter(Boolean).length : 0);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("installs the verified binary, then does nothing on a second run", () => {
    const first = run(script(sha));
    expect(first.status).toBe(0);
    expect(first.stdout).toBe("changed=1\n");
    expect(execFileSync(dest, { encoding: "utf8" })).toBe("rest-server 0.13.0\n");
    expect(fs.readFileSync(`${dest}.sha256`, "utf8").trim()).toBe(sha);
    const second = run(script(sha));
    expect(second.status).toBe(0);
    expect(second.stdout).toBe("changed=0\n");
    expect(downloads()).toBe(1);
  });

  it("refuses a download whose checksum does not match, keeping the installed binary", () => {
    const bad = run(script("0".repeat(64)));
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/FAILED|did NOT match/);
    expect(fs.readFileSync(`${dest}.sha256`, "utf8").trim()).toBe(sha);
  });

  it("passes shellcheck", () => {
    const f = path.join(dir, "script.sh");
    fs.writeFileSync(f, script(sha));
    const r = spawnSync("shellcheck", ["-s", "bash", f], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});
