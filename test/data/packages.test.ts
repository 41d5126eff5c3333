import { ENSURE_CURL, ensureCommand } from "../../components/remote/packages";
import { installPinnedBinary } from "../../components/data/downloads";
import { k3sServerScript } from "../../components/k8s/render/k3s";
import { renderMinioSetup } from "../../components/data/minio";
import { readScript, shellScript, SHELL_LIB } from "../../components/shell";
import { listSites, PROJECT_ROOT } from "../../components/site/stackFiles";
import { renderSite } from "../helpers/render";

/** `curl -…` as a command or as the command argument of another (`wait_until WHAT curl -…`). */
const CURL = /(^|[\s;|&({`!])curl\s+-/;

/** ENSURE_CURL, or the shell library's `ensure_packages` (apt-get installs what dpkg lacks) with curl among its arguments. */
const isGuard = (line: string) => line.includes(ENSURE_CURL) || /(^|[\s;|&({])ensure_packages(\s+[\w.+-]+)*\s+curl(\s|;|$)/.test(line);

/**
 * The lines of a bash script that run curl before anything made sure it is installed. A function
 * definition runs nothing, so its body is checked where the function is called: a call counts as a curl
 * when the body (or a function it calls) reaches curl before a guard of its own, and as a guard when the
 * body holds one. Heredoc bodies are data. Control flow is not followed: a guard counts for every line
 * after it.
 */
function unguardedCurls(script: string): string[] {
  const top: string[] = [];
  const bodies = new Map<string, string[]>();
  const lines = script.split("\n");
  let fn: { name: string; close: string } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const code = lines[i].replace(/(^|\s)#.*$/, "");
    const def = fn ? undefined : /^(\s*)([A-Za-z_][A-Za-z0-9_]*)\s*\(\)\s*\{(.*)$/.exec(code);
    if (def) {
      bodies.set(def[2], [def[3].replace(/\}\s*$/, "")]);
      if (!/\}\s*$/.test(def[3])) fn = { name: def[2], close: `${def[1]}}` };
    } else if (fn && lines[i] === fn.close) fn = undefined;
    else (fn ? bodies.get(fn.name)! : top).push(code);
    const here = /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1/.exec(code.replace(/<<</g, ""));
    if (here) {
      const end = lines.findIndex((l, k) => k > i && l.replace(/^\t+/, "") === here[2]);
      i = end >= 0 ? end : lines.length;
    }
  }
  const calls = (line: string, name: string) => new RegExp(`(^|[\\s;|&({!\`]|\\$\\()${name}(\\s|;|\\)|$)`).test(line);
  const memo = new Map<string, { needsCurl: boolean; guards: boolean }>();
  const walk = (body: string[], stack: string[]): { unguarded: string[]; guards: boolean } => {
    let guarded = false;
    const unguarded: string[] = [];
    for (const line of body) {
      const called = [...bodies.keys()].filter((name) => !stack.includes(name) && calls(line, name)).map((name) => summary(name, stack));
      if (!guarded && (CURL.test(line) || called.some((c) => c.needsCurl))) unguarded.push(line.trim());
      if (isGuard(line) || called.some((c) => c.guards)) guarded = true;
    }
    return { unguarded, guards: guarded };
  };
  const summary = (name: string, stack: string[]) => {
    let s = memo.get(name);
    if (!s) {
      const w = walk(bodies.get(name)!, [...stack, name]);
      memo.set(name, (s = { needsCurl: w.unguarded.length > 0, guards: w.guards }));
    }
    return s;
  };
  return walk(top, []).unguarded;
}

/** The scripts that download a release and check its sha256 (fetch_verified), composed as their renderers do (Grafana now comes from its apt repository, decision 380). */
const FETCHING = ["components/apps/scripts/gitea-install.sh", "components/apps/scripts/n8n-install.sh", "components/apps/scripts/ollama-install.sh", "components/apps/scripts/traefik-install.sh", "components/apps/scripts/adguard-install.sh"];
/** The bash script inside a remote Command's `create` (the wrapper's `cat >"$script" <<'TAG'` heredoc), if any. */
function wrappedScript(text: string): string | undefined {
  const lines = text.split("\n");
  const i = lines.findIndex((l) => /^cat >"\$script" <<'([A-Z_0-9]+)'$/.test(l));
  if (i < 0) return undefined;
  const tag = /<<'([A-Z_0-9]+)'$/.exec(lines[i])![1];
  return lines.slice(i + 1, lines.indexOf(tag, i + 1)).join("\n") + "\n";
}

/** Commands allowed to run curl unguarded: none (the NetBird API bootstrap has its own guard since decision 366). */
const KNOWN_UNGUARDED: Record<string, string[]> = {};

const composed = (file: string) => shellScript({ title: file, source: "test/data/packages.test.ts", body: readScript(PROJECT_ROOT, file) });

describe("tool guards in generated scripts", () => {
  it("installs a package only when its command is missing", () => {
    expect(ensureCommand("jq", ["jq"])).toBe("command -v jq >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends jq >/dev/null; }");
    expect(() => ensureCommand("jq; rm -rf /", ["jq"])).toThrow(/invalid/);
  });

  it("every script that downloads or probes over HTTPS makes sure curl is there first", () => {
    const scripts = {
      pinned: installPinnedBinary("/usr/local/bin/mc", { url: "https://example.invalid/mc", sha256: "b".repeat(64) }, "x").join("\n"),
      k3s: k3sServerScript({ serverAddress: "192.168.2.159" }),
      minio: renderMinioSetup({ address: "192.168.9.21", volume: "/minio/data" }),
    };
    for (const [name, text] of Object.entries(scripts)) {
      const guard = text.indexOf(ENSURE_CURL);
      expect({ name, guard: guard >= 0 }).toEqual({ name, guard: true });
      expect(text.indexOf("curl -", guard + ENSURE_CURL.length)).toBeGreaterThan(guard);
      expect({ name, unguarded: unguardedCurls(text) }).toEqual({ name, unguarded: [] });
    }
  });

  it("the shell library's fetch_verified guards its own curl, so the library is safe ahead of any script body", () => {
    const body = /^fetch_verified\(\) \{\n([\s\S]*?)\n\}$/m.exec(SHELL_LIB)?.[1];
    expect(body).toBeDefined();
    const lines = body!.split("\n");
    expect(lines.findIndex((l) => isGuard(l))).toBeGreaterThanOrEqual(0);
    expect(lines.findIndex((l) => isGuard(l))).toBeLessThan(lines.findIndex((l) => CURL.test(l)));
    expect(unguardedCurls(SHELL_LIB)).toEqual([]);
  });

  it("the release downloads go through fetch_verified, with no curl ahead of a guard", () => {
    for (const file of FETCHING) {
      const text = readScript(PROJECT_ROOT, file);
      expect({ file, calls: /^\s*fetch_verified "\$[A-Z0-9_]+" "\$[A-Z0-9_]+" "[^"]+"$/m.test(text), ownCheck: /sha256sum -c/.test(text) }).toEqual({ file, calls: true, ownCheck: false });
      expect({ file, unguarded: unguardedCurls(composed(file)) }).toEqual({ file, unguarded: [] });
    }
  });

  it("every remote script of every committed stack makes sure curl is there before it runs curl", async () => {
    const found: string[] = [];
    let scripts = 0;
    for (const site of listSites()) {
      for (const res of (await renderSite(site)).resources.filter((x) => x.type === "command:remote:Command")) {
        for (const key of ["create", "update", "delete"]) {
          const text = res.inputs[key];
          if (typeof text !== "string") continue;
          scripts++;
          const known = KNOWN_UNGUARDED[`${res.name.slice(site.length + 1)}.${key}`] ?? [];
          for (const line of unguardedCurls(wrappedScript(text) ?? text)) if (!known.includes(line)) found.push(`${res.name}.${key}: ${line}`);
        }
      }
    }
    expect(found).toEqual([]);
    expect(scripts).toBeGreaterThan(100);
  });

  it("the check fails on a curl that runs before a guard, and tells a definition from a call", () => {
    const guard = ENSURE_CURL;
    // a plain curl ahead of the guard
    expect(unguardedCurls(["curl -fsSL -o /tmp/x https://example.invalid/x", guard].join("\n"))).toEqual(["curl -fsSL -o /tmp/x https://example.invalid/x"]);
    // a function without a guard of its own: its definition is harmless, a call before the guard is not
    const get = ["get() {", "  curl -fsS https://example.invalid/", "}"];
    expect(unguardedCurls([...get, guard, "get"].join("\n"))).toEqual([]);
    expect(unguardedCurls([...get, "get", guard].join("\n"))).toEqual(["get"]);
    // reached through another function, or as a one-liner
    expect(unguardedCurls([...get, "outer() { get; }", "x=$(outer)", guard].join("\n"))).toEqual(["x=$(outer)"]);
    // a function that guards itself may be called anywhere, and counts as a guard afterwards
    const fetch = ["fetch() {", `  ${guard}`, "  curl -fsSL -o /tmp/x https://example.invalid/x", "}"];
    expect(unguardedCurls([...fetch, "fetch", "curl -fsS https://example.invalid/health"].join("\n"))).toEqual([]);
    // the guard after the curl inside the function does not help
    expect(unguardedCurls(["late() {", "  curl -fsS https://example.invalid/", `  ${guard}`, "}", "late"].join("\n"))).toEqual(["late"]);
    // the definition removed from the library before the revert (a3b7d85): a call in a script body ahead of its guard fails
    const unguardedLib = ["fetch_verified() {", '  curl -fsSL --retry 3 -o "$3" "$1"', '  echo "$2  $3" | sha256sum -c --quiet -', "}"];
    expect(unguardedCurls([...unguardedLib, 'fetch_verified "$U" "$S" /tmp/f', "ensure_packages curl ca-certificates"].join("\n"))).toEqual(['fetch_verified "$U" "$S" /tmp/f']);
    // text in a heredoc is data, and a comment is not a command
    expect(unguardedCurls(["cat <<'EOF' >/tmp/readme", "curl -fsS https://example.invalid/", "EOF", "# curl -fsS https://example.invalid/", guard].join("\n"))).toEqual([]);
  });
});
