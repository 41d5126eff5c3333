/** Diff mode: rows and flows compared by identity, the other revision's stack files read from git. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { ReportModel } from "../../scripts/report/model";
import { diffReports, stackFilesAt } from "../../scripts/report/diff";
import { reportHtml } from "../../scripts/report/html";
import { committedReport } from "../helpers/reportModel";

let model: ReportModel;
beforeAll(async () => {
  ({ model } = await committedReport());
}, 120000);

const clone = (m: ReportModel): ReportModel => JSON.parse(JSON.stringify(m));

describe("diffReports", () => {
  it("the same report has no difference", () => {
    const d = diffReports(model, clone(model), "HEAD", "0".repeat(40));
    expect([d.rows.size, d.removed.length, d.flowsAdded.length, d.flowsRemoved.length, d.hosts.size, d.sites.length]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("marks changed fields with what they were, new rows, gone rows and flows", () => {
    const then = clone(model);
    const site = then.sites.find((s) => s.name === "bo")!;
    const pg = site.rows.find((r) => r.service === "postgres")!;
    pg.cores = pg.cores! + 2;
    pg.addresses = ["192.0.2.9"];
    const gone = site.rows.splice(site.rows.findIndex((r) => r.service === "gitea"), 1)[0];
    site.rows.push({ ...gone, key: "bo/old-thing", service: "old-thing" });
    const apiary = then.organisations.find((o) => o.name === "apiary")!;
    const dropped = apiary.flows.shift()!;
    site.hosts[0].cores += 3;
    const d = diffReports(model, then, "main~1", "a".repeat(40));
    expect(d.rows.get("bo/postgres")).toEqual({ status: "changed", was: { cores: String(pg.cores), addresses: "192.0.2.9" } });
    expect(d.rows.get("bo/gitea")).toEqual({ status: "added", was: {} });
    expect(d.removed.map((r) => r.key)).toEqual(["bo/old-thing"]);
    expect(d.flowsAdded.map((f) => f.id)).toEqual([dropped.id]);
    expect(d.hosts.has(`bo/${site.hosts[0].host}`)).toBe(true);
    const page = reportHtml(model, { generated: "now", source: "test" }, d);
    expect(page).toMatch(/<tr class="row changed" data-key="bo\/postgres"[^>]*>.*?<td data-col="addresses" class="changed-cell">.*?<div class="was">was: 192\.0\.2\.9<\/div>/);
    expect(page).toMatch(/<tr class="row added" data-key="bo\/gitea"/);
    expect(page).toMatch(/<tr class="row removed" data-key="bo\/old-thing"/);
    expect(page).toContain("Compared with main~1");
  });

  it("a site that does not render at the other revision is named, and its rows are not marked", () => {
    const then = clone(model);
    then.sites = then.sites.filter((s) => s.name !== "ep");
    const d = diffReports(model, then, "v1", "b".repeat(40), [{ site: "ep", error: 'homelab: site "ep": inventory.x = 1: bad' }]);
    expect(d.sites).toEqual([{ site: "ep", note: 'does not render at v1: homelab: site "ep": inventory.x = 1: bad' }]);
    expect([...d.rows.keys()].filter((k) => k.startsWith("ep/"))).toEqual([]);
  });
});

describe("stackFilesAt", () => {
  const git = (repo: string, ...args: string[]) => execFileSync("git", ["-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], { encoding: "utf8" });

  it("writes the stack files of a revision into a temp directory, and names a bad revision in one line", () => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), "report-git-"));
    let dir = "";
    try {
      git(repo, "init", "-q");
      fs.writeFileSync(path.join(repo, "Pulumi.a.yaml"), "config: {}\n# first\n");
      fs.writeFileSync(path.join(repo, "Pulumi.yaml"), "name: x\n");
      fs.writeFileSync(path.join(repo, "notes.txt"), "x\n");
      git(repo, "add", "-A");
      git(repo, "commit", "-qm", "one");
      const first = git(repo, "rev-parse", "HEAD").trim();
      fs.writeFileSync(path.join(repo, "Pulumi.a.yaml"), "config: {}\n# second\n");
      fs.writeFileSync(path.join(repo, "Pulumi.b.yaml"), "config: {}\n");
      git(repo, "add", "-A");
      git(repo, "commit", "-qm", "two");
      const got = stackFilesAt(repo, "HEAD~1");
      dir = got.dir;
      expect(got.commit).toBe(first);
      expect(fs.readdirSync(dir)).toEqual(["Pulumi.a.yaml"]);
      expect(fs.readFileSync(path.join(dir, "Pulumi.a.yaml"), "utf8")).toBe("config: {}\n# first\n");
      expect(() => stackFilesAt(repo, "no-such-rev")).toThrow(`homelab: --diff no-such-rev: not a commit of ${repo}`);
    } finally {
      fs.rmSync(repo, { recursive: true, force: true });
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
