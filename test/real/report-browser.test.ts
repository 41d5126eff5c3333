/**
 * The deployment report in a real browser: `npm run report` writes the page into a temp directory,
 * Debian's Chromium (headless, as root with --no-sandbox, background networking off; driven by
 * playwright-core, which never downloads a browser here: executablePath is the system one) opens it
 * from file://, and the test checks what a reader sees: every guest of every site in the matrix
 * with its address, one SVG node per guest, one SVG edge per declared cross-site flow, no request
 * leaving the file. Screenshots go to $HOMELAB_ARTIFACTS_DIR (CI keeps them) or a temp directory.
 *
 * Upstream facts (playwright-core 1.65.1 as the npm registry ships it, microsoft/playwright v1.65.1):
 * its package.json has no install scripts (installing it downloads no browser); `launch` takes
 * `executablePath` and adds `--no-sandbox` unless `chromiumSandbox` is true, and its default Chromium
 * switches include `--disable-background-networking` (lib/coreBundle.js, `chromiumSwitches`); both are
 * also passed explicitly here. Debian 12's chromium package installs /usr/bin/chromium.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chromium, Browser } from "playwright-core";
import { listSites } from "../../scripts/lib/offline";
import { renderCommitted } from "../../scripts/lib/crossSite";
import { planDocument } from "../../scripts/lib/report";
import { stackFilesAt } from "../../scripts/report/diff";
import { committedOrganisations, expectedCrossSiteFlows } from "../helpers/reportExpect";
import { hasCommand } from "./helpers";

const root = path.resolve(__dirname, "../..");
const CHROMIUM = "/usr/bin/chromium";

function report(args: string[], cwd = root) {
  return spawnSync(process.execPath, ["-r", path.join(root, "scripts/lib/register.js"), path.join(root, "scripts/report.ts"), ...args], { cwd, encoding: "utf8", timeout: 240_000 });
}

describe("the report in Chromium", () => {
  let dir: string;
  let artifacts: string;
  let browser: Browser | undefined;
  let guests: Array<{ site: string; name: string; ipv4?: string }>;

  beforeAll(async () => {
    // Debian's chromium package (.ci/run installs it); nothing here downloads a browser.
    if (!fs.existsSync(CHROMIUM) || !hasCommand("git")) throw new Error(`the report's browser test needs ${CHROMIUM} (apt-get install chromium) and git`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "report-browser-"));
    artifacts = process.env.HOMELAB_ARTIFACTS_DIR || dir;
    fs.mkdirSync(artifacts, { recursive: true });
    // What the matrix must show: every guest of every site as plan --json describes it.
    guests = [];
    for (const site of listSites()) {
      const result = await renderCommitted(site);
      const doc = planDocument(result, []);
      for (const [name, g] of Object.entries((doc.outputs.guests ?? {}) as Record<string, { ipv4?: string }>)) guests.push({ site, name, ipv4: g.ipv4 });
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
      timeout: 60_000,
      args: ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-default-apps", "--disable-domain-reliability"],
    });
  }, 280_000);

  const onExit: Array<() => void> = [];
  afterAll(async () => {
    await browser?.close();
    for (const f of onExit) f();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("npm run report writes one page; every guest is in the matrix with its address and in the SVG; cross-site edges are the declared flows", async () => {
    const out = path.join(dir, "report.html");
    const r = report(["--out", out]);
    expect(r.stderr).toMatch(/^report: 7 sites, \d+ guests: rendered in [\d.]+ s, written to /);
    expect(r.status).toBe(0);
    if (artifacts !== dir) fs.copyFileSync(out, path.join(artifacts, "report.html"));

    const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 }, offline: true });
    const requests: string[] = [];
    context.on("request", (req) => requests.push(req.url()));
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`file://${out}`, { waitUntil: "load" });

    // Every guest of every site: its matrix row carries its address.
    expect(guests.length).toBeGreaterThan(40);
    for (const g of guests) {
      const row = page.locator(`table.matrix[data-site="${g.site}"] tr[data-key="${g.site}/${g.name}"]`);
      expect([g.site, g.name, await row.count()]).toEqual([g.site, g.name, 1]);
      if (g.ipv4) expect(await row.locator('td[data-col="addresses"]').innerText()).toContain(g.ipv4);
    }

    // The SVG: one drawn node per guest (with a box the browser laid out), one edge per declared cross-site flow.
    const nodes = await page.$$eval("svg.topology g.node[data-kind=guest]", (els) =>
      els.map((e) => {
        const b = (e as unknown as { getBBox(): { width: number; height: number } }).getBBox();
        return { key: `${e.getAttribute("data-site")}/${e.getAttribute("data-service")}`, drawn: b.width > 0 && b.height > 0 };
      }),
    );
    expect(nodes.map((n) => n.key).sort()).toEqual(guests.map((g) => `${g.site}/${g.name}`).sort());
    expect(nodes.every((n) => n.drawn)).toBe(true);
    const cross = await page.$$eval("svg.topology path.edge.flow[data-cross-site=true]", (els) => els.map((e) => `${e.getAttribute("data-kind")} ${e.getAttribute("data-from")} -> ${e.getAttribute("data-to")}`));
    expect(cross.sort()).toEqual(committedOrganisations().flatMap(expectedCrossSiteFlows).sort());

    // The page's script works: unticking a flow kind hides its edges.
    const scrape = page.locator('svg.topology path.edge.flow[data-kind="scrape"]').first();
    expect(await scrape.isVisible()).toBe(true);
    await page.locator('input[data-flow-toggle="scrape"]').uncheck();
    expect(await scrape.isVisible()).toBe(false);
    await page.locator('input[data-flow-toggle="scrape"]').check();

    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith("file://") && !u.startsWith("data:"))).toEqual([]);

    await page.locator("#topology").scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(artifacts, "report.png") });
    await page.locator("svg.topology").screenshot({ path: path.join(artifacts, "report-topology.png") });
    expect(fs.statSync(path.join(artifacts, "report.png")).size).toBeGreaterThan(10_000);
    await context.close();
  });

  it("a revision that is not a commit fails at once, in one line", () => {
    const r = report(["--diff", "no-such-revision", "--out", path.join(dir, "never.html")]);
    expect([r.status, r.stderr]).toEqual([1, `homelab: --diff no-such-revision: not a commit of ${root}\n`]);
    expect(fs.existsSync(path.join(dir, "never.html"))).toBe(false);
  });

  it("--diff marks the rows that changed since a revision (stack files of the revision, current code)", async () => {
    // HEAD's stack files with one change, in a temp directory; compared with HEAD.
    const { dir: stacks } = stackFilesAt(root, "HEAD");
    onExit.push(() => fs.rmSync(stacks, { recursive: true, force: true }));
    const ep = fs.readFileSync(path.join(stacks, "Pulumi.ep.yaml"), "utf8");
    const before = /- name: konstanze[\s\S]*?cores: (\d+)/.exec(ep);
    expect(before).not.toBeNull();
    fs.writeFileSync(path.join(stacks, "Pulumi.ep.yaml"), ep.replace(/(- name: konstanze[\s\S]*?cores: )(\d+)/, (_m, p: string, n: string) => `${p}${Number(n) + 1}`));
    const out = path.join(dir, "diff.html");
    const r = report(["--root", stacks, "--diff", "HEAD", "--out", out]);
    expect(r.stderr).toMatch(/compared with HEAD: rendered in [\d.]+ s/);
    expect(r.status).toBe(0);

    const context = await browser!.newContext({ viewport: { width: 1400, height: 1000 }, offline: true });
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`file://${out}`, { waitUntil: "load" });
    const changed = await page.$$eval("tr.row[data-change]", (els) => els.map((e) => `${e.getAttribute("data-key")} ${e.getAttribute("data-change")}`));
    expect(changed).toEqual(["ep/konstanze changed"]);
    const cell = page.locator('tr[data-key="ep/konstanze"] td.changed-cell[data-col="size"]');
    expect(await cell.locator(".was").innerText()).toContain(`cores ${before![1]}`);
    await context.close();
  });
});
