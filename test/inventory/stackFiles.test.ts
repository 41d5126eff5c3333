/**
 * Stack files as the loader reads them: YAML syntax errors, the stack directory, siblings that do
 * not load, the phase argument. Every file written here is in a temp directory that is removed.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadInventory } from "../../components/inventory/load";
import { phaseFromConfig } from "../../components/site/config";
import { listSites, loadStackSite, parsePhaseArgument, parseStackFile, PROJECT_ROOT, siblingSites, STACK_DIR_ENV, stackDir, StackFileError } from "../../components/site/stackFiles";

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "stackfiles-"));
  for (const f of fs.readdirSync(PROJECT_ROOT).filter((f) => /^Pulumi\.[a-z0-9-]+\.yaml$/.test(f))) fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(dir, f));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const edit = (site: string, fn: (text: string) => string) => {
  const f = path.join(dir, `Pulumi.${site}.yaml`);
  fs.writeFileSync(f, fn(fs.readFileSync(f, "utf8")));
};
const errorOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected an error");
};

describe("stack files", () => {
  it("a YAML syntax error names the file, line and column in one line", () => {
    expect(errorOf(() => parseStackFile("config:\n  homelab:phase: 2\n  homelab:inventory: [1\n  x: 2\n", "Pulumi.x.yaml"))).toBe(
      "homelab: Pulumi.x.yaml:4:3: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    );
    expect(errorOf(() => parseStackFile("config:\n  a: 1\n  a: 2\n", "Pulumi.x.yaml"))).toBe("homelab: Pulumi.x.yaml:3:3: invalid YAML: Map keys must be unique");
    expect(errorOf(() => parseStackFile("config:\n\tfoo: 1\n", "Pulumi.x.yaml"))).toMatch(/^homelab: Pulumi\.x\.yaml:2:1: invalid YAML: [^\n]+$/);
  });

  it("a stack file that is not a mapping, or whose config is not one", () => {
    expect(errorOf(() => parseStackFile("- a\n- b\n", "Pulumi.x.yaml"))).toBe("homelab: Pulumi.x.yaml:1:1: a stack file is a mapping with a `config:` key");
    expect(errorOf(() => parseStackFile("# c\nconfig: [a]\n", "Pulumi.x.yaml"))).toBe("homelab: Pulumi.x.yaml:2:9: `config:` must be a mapping of `namespace:key: value`");
  });

  it("HOMELAB_STACK_DIR moves every reader to another directory", () => {
    const saved = process.env[STACK_DIR_ENV];
    try {
      fs.copyFileSync(path.join(dir, "Pulumi.ep.yaml"), path.join(dir, "Pulumi.eptest.yaml"));
      process.env[STACK_DIR_ENV] = dir;
      expect(stackDir()).toBe(dir);
      expect(listSites()).toContain("eptest");
      expect(loadStackSite("eptest").name).toBe("eptest");
    } finally {
      if (saved === undefined) delete process.env[STACK_DIR_ENV];
      else process.env[STACK_DIR_ENV] = saved;
    }
    expect(listSites()).not.toContain("eptest");
  });

  it("a scalar inventory reaches the loader as the scalar it is", () => {
    edit("bo", (t) => t.replace(/ {2}homelab:inventory:[\s\S]*$/, "  homelab:inventory: 42\n"));
    expect(errorOf(() => loadStackSite("bo", dir))).toBe('homelab: site "bo": homelab:inventory = 42: must be a mapping of inventory keys (organisation, hosts, networks, services, ...), not a number');
  });

  it("a phase that is not an integer is echoed", () => {
    edit("bo", (t) => t.replace(/homelab:phase: \d+/, "homelab:phase: two"));
    expect(errorOf(() => loadStackSite("bo", dir))).toBe('homelab: site "bo": homelab:phase = "two": must be an integer from 0 to 9');
    expect(errorOf(() => phaseFromConfig("bo", "1.5"))).toBe('homelab: site "bo": homelab:phase = "1.5": must be an integer from 0 to 9');
  });
});

describe("sibling sites", () => {
  const bh = () => loadStackSite("bh", dir);

  it("loads the organisation's other sites", () => {
    expect(siblingSites(bh(), dir).map((s) => s.name)).toEqual(["bo", "ep"]);
  });

  it("a sibling whose inventory fails is reported as its own one-line error", () => {
    edit("bo", (t) => t.replace("timezone: America/Chicago", "timezone: Mars/Olympus"));
    expect(errorOf(() => siblingSites(bh(), dir))).toBe('homelab: site "bh": sibling site "bo" does not load: site "bo": inventory.timezone = "Mars/Olympus": not an IANA time zone (e.g. America/Chicago, Europe/Berlin, UTC)');
  });

  it("a sibling with a YAML syntax error is reported with its file, line and column", () => {
    edit("ep", (t) => t.replace("config:\n", "config:\n  homelab:phase: [\n"));
    expect(errorOf(() => siblingSites(bh(), dir))).toMatch(/^homelab: site "bh": sibling site "ep" does not load: \/.*\/Pulumi\.ep\.yaml:\d+:\d+: invalid YAML: [^\n]+$/);
  });

  it("a broken stack of another organisation and cluster does not block this site", () => {
    edit("sector7", (t) => t.replace("timezone: America/New_York", "timezone: Mars/Olympus"));
    expect(siblingSites(bh(), dir).map((s) => s.name)).toEqual(["bo", "ep"]);
    expect(errorOf(() => loadStackSite("sector7", dir))).toMatch(/timezone = "Mars\/Olympus"/);
  });

  it("the committed sites load each other", () => {
    for (const name of listSites()) expect(() => siblingSites(loadInventory(name, loadStackSite(name).inventory, 0))).not.toThrow();
  });
});

describe("the --phase argument", () => {
  it.each([
    ["abc", "--phase", "homelab: --phase abc: the phase must be an integer from 0 to 9"],
    ["1.5", "--phase", "homelab: --phase 1.5: the phase must be an integer from 0 to 9"],
    ["-1", "--phase", "homelab: --phase -1: the phase must be an integer from 0 to 9"],
    ["10", "--phase", "homelab: --phase 10: the phase must be an integer from 0 to 9"],
    [" 2", "--phase", "homelab: --phase  2: the phase must be an integer from 0 to 9"],
    ["", "--phase=", "homelab: --phase=: the phase must be an integer from 0 to 9"],
    [undefined, "--phase", "homelab: --phase (no value): the phase must be an integer from 0 to 9"],
  ])("%j is refused as typed", (value, flag, message) => {
    expect(errorOf(() => parsePhaseArgument(value, flag))).toBe(message);
  });

  it("0-9 are phases", () => {
    expect([..."0123456789"].map((d) => parsePhaseArgument(d))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

it("StackFileError is one line", () => {
  expect(new StackFileError("f.yaml", 2, 3, "x").message).toBe("homelab: f.yaml:2:3: x");
});
