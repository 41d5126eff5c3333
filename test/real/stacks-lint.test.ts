/**
 * shellcheck on every script every committed stack renders, and on every committed `.sh` file.
 *
 * Stacks: each `Pulumi.<site>.yaml` (listSites(), so a new stack file is covered without editing
 * this test) is rendered in-process (renderWithDependencies) and every `command:remote:Command`
 * create/update/delete text is checked as POSIX sh (it runs in the SSH user's login shell); the
 * script it wraps (the `cat >"$script" <<'TAG'` body, components/remote/script.ts) is checked as bash.
 * Identical texts are checked once.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { listSites, PROJECT_ROOT } from "../../components/site/stackFiles";
import { renderWithDependencies } from "../../scripts/lib/crossSite";

/** The body of the wrapper's `cat >"$script" <<'TAG'` heredoc (the bash script it runs), if any. */
function wrappedScript(text: string): string | undefined {
  const lines = text.split("\n");
  const i = lines.findIndex((l) => /^cat >"\$script" <<'([A-Z_0-9]+)'$/.test(l));
  if (i < 0) return undefined;
  const tag = /<<'([A-Z_0-9]+)'$/.exec(lines[i])![1];
  const j = lines.indexOf(tag, i + 1);
  return lines.slice(i + 1, j).join("\n") + "\n";
}

function shellcheck(file: string, shell: "sh" | "bash"): string {
  const r = spawnSync("shellcheck", [`--shell=${shell}`, "--severity=style", "--format=gcc", file], { encoding: "utf8" });
  return r.status === 0 ? "" : `${r.stdout}${r.stderr}`.trim() || `shellcheck exit ${r.status}`;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "homelab-stacks-lint-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Committed `.sh` files under components/ and .ci/. */
function committedShellFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === "node_modules" || e.name.startsWith(".git")) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".sh")) out.push(p);
    }
  };
  walk(path.join(root, "components"));
  return [...out, path.join(root, ".ci", "run")].sort();
}

describe("committed shell files pass shellcheck", () => {
  for (const f of committedShellFiles(PROJECT_ROOT)) {
    test(path.relative(PROJECT_ROOT, f), () => {
      expect(shellcheck(f, "bash")).toBe("");
      expect(spawnSync("bash", ["-n", f]).status).toBe(0);
    });
  }
});

describe("every script of every committed stack passes shellcheck", () => {
  const sites = listSites();
  test("there are stacks to check", () => expect(sites.length).toBeGreaterThan(0));
  const seen = new Set<string>();
  for (const site of sites) {
    test(`${site}: all Command texts (wrapper as sh, script as bash)`, async () => {
      const r = await renderWithDependencies(site);
      const findings: string[] = [];
      let checked = 0;
      const check = (name: string, text: string, shell: "sh" | "bash") => {
        if (seen.has(shell + "\0" + text)) return;
        seen.add(shell + "\0" + text);
        checked++;
        const f = path.join(dir, `${name.replace(/[^A-Za-z0-9.-]/g, "_")}.${shell}`);
        fs.writeFileSync(f, text);
        const out = shellcheck(f, shell);
        if (out) findings.push(`${name} (${shell}):\n${out}`);
        if (spawnSync(shell, ["-n", f]).status !== 0) findings.push(`${name} (${shell}): syntax error`);
      };
      for (const res of r.resources.filter((x) => x.type === "command:remote:Command")) {
        for (const key of ["create", "update", "delete"]) {
          const text = res.inputs[key];
          if (typeof text !== "string") continue;
          check(`${res.name}.${key}`, text, "sh");
          const inner = wrappedScript(text);
          if (inner !== undefined) check(`${res.name}.${key}.script`, inner, "bash");
        }
      }
      expect(findings).toEqual([]);
      // every site has at least one Command, or its texts were all identical to an earlier site's
      expect(checked + seen.size).toBeGreaterThan(0);
    });
  }
});
