/**
 * ensure_data_disk (components/shell/data-disk.sh) run for real with bash, util-linux's blkid and
 * wipefs and e2fsprogs' mkfs.ext4 on disk images (regular files) in a temp dir; mount and
 * mountpoint are stubs (no loop devices here). Proves: an empty disk is formatted once and mounted
 * by UUID; a second run does not reformat (same UUID, a file written into the filesystem with
 * debugfs survives) and leaves fstab unchanged; a disk with another filesystem (swap) or a
 * partition table is refused and left as it was.
 */
import * as fs from "fs";
import * as path from "path";
import { dataDisk, shellScript } from "../../components/shell";
import { run, runOk, tempDir } from "./helpers";

const dir = tempDir("homelab-data-disk-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const stubs = path.join(dir, "stubs");
const fstab = path.join(dir, "fstab");
const mnt = path.join(dir, "mnt");

function ensure(image: string) {
  const script = shellScript({ title: "data disk test", source: "test/real/data-disk.test.ts", body: [dataDisk(), `ensure_data_disk ${image} ${mnt} ${fstab}`] });
  fs.writeFileSync(path.join(dir, "run.sh"), script, { mode: 0o700 });
  return run("bash", [path.join(dir, "run.sh")], { env: { ...process.env, PATH: `${stubs}:${process.env.PATH}:/usr/sbin:/sbin`, CALLS: path.join(dir, "calls") } });
}
const image = (name: string) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, Buffer.alloc(16 * 1024 * 1024));
  return f;
};
const uuid = (f: string) => runOk("/usr/sbin/blkid", ["-p", "-o", "value", "-s", "UUID", f]).stdout.trim();

describe("a VM data disk: formatted once, never reformatted", () => {
  beforeAll(() => {
    fs.mkdirSync(stubs, { recursive: true });
    fs.writeFileSync(path.join(stubs, "mount"), '#!/usr/bin/env bash\necho "mount $*" >>"$CALLS"\n', { mode: 0o755 });
    fs.writeFileSync(path.join(stubs, "mountpoint"), "#!/usr/bin/env bash\nexit 1\n", { mode: 0o755 });
    fs.writeFileSync(fstab, "UUID=root-fs / ext4 defaults 0 1\n");
  });

  it("formats an empty disk as ext4 and mounts it by UUID", () => {
    const disk = image("empty.img");
    const r = ensure(disk);
    expect(r.stderr).toContain("formatting the empty data disk");
    expect(r.status).toBe(0);
    const id = uuid(disk);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(fs.readFileSync(fstab, "utf8")).toBe(`UUID=root-fs / ext4 defaults 0 1\nUUID=${id} ${mnt} ext4 defaults,nofail 0 2\n`);
    expect(fs.readFileSync(path.join(dir, "calls"), "utf8")).toContain(`mount ${mnt}`);
  });

  it("a second run keeps the filesystem and its data, and fstab as it is", () => {
    const disk = path.join(dir, "empty.img");
    const before = uuid(disk);
    fs.writeFileSync(path.join(dir, "note"), "keep me\n");
    runOk("/usr/sbin/debugfs", ["-w", "-R", `write ${path.join(dir, "note")} note`, disk]);
    const tab = fs.readFileSync(fstab, "utf8");
    const r = ensure(disk);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain("formatting");
    expect(uuid(disk)).toBe(before);
    expect(runOk("/usr/sbin/debugfs", ["-R", "cat note", disk]).stdout).toContain("keep me");
    expect(fs.readFileSync(fstab, "utf8")).toBe(tab);
  });

  it("refuses a disk with another filesystem (swap) and leaves it untouched", () => {
    const disk = image("swap.img");
    runOk("/usr/sbin/mkswap", [disk]);
    const r = ensure(disk);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("holds a swap filesystem, not ext4; not touching it");
    expect(runOk("/usr/sbin/blkid", ["-p", "-o", "value", "-s", "TYPE", disk]).stdout.trim()).toBe("swap");
  });

  it("refuses a disk with a partition table", () => {
    const disk = image("parted.img");
    // A DOS partition table: one Linux partition (type 0x83) from sector 2048, and the 0x55AA signature.
    const mbr = Buffer.alloc(512);
    mbr[446 + 4] = 0x83;
    mbr.writeUInt32LE(2048, 446 + 8);
    mbr.writeUInt32LE(16384, 446 + 12);
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    const fd = fs.openSync(disk, "r+");
    fs.writeSync(fd, mbr, 0, 512, 0);
    fs.closeSync(fd);
    const r = ensure(disk);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("carries a partition table or another signature; not formatting it");
    expect(runOk("/usr/sbin/blkid", ["-p", "-o", "value", "-s", "PTTYPE", disk]).stdout.trim()).toBe("dos");
  });
});
