/**
 * The NetBird management API helpers (components/mesh/scripts/netbird-api.sh) run for real with
 * bash and jq against a stateful stand-in for the management API (a `curl` stub keeping each
 * collection in a JSON file: GET lists, POST appends with a new id, PUT replaces by id). It proves
 * the helpers converge: groups and setup keys are created once; a route (by network_id) or policy
 * (by name) is POSTed when missing and PUT over the same object afterwards — never duplicated; a
 * setup key whose clear-text file is gone is revoked and re-issued.
 */
import * as fs from "fs";
import * as path from "path";
import { readScript, SHELL_LIB } from "../../components/shell";
import { run, tempDir } from "./helpers";

const API_SH = readScript(path.join(__dirname, "../../components/mesh/render"), "../scripts/netbird-api.sh");
const dir = tempDir("homelab-netbird-api-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const store = path.join(dir, "store");
const keys = path.join(dir, "keys");
const calls = path.join(dir, "calls.log");

const CURL_STUB = `#!/usr/bin/env bash
set -euo pipefail
method=GET body="" url=""
while [ $# -gt 0 ]; do
  case "$1" in
    -X) method="$2"; shift 2 ;;
    --data-binary) body="$2"; shift 2 ;;
    -H) shift 2 ;;
    -*) shift ;;
    *) url="$1"; shift ;;
  esac
done
path="\${url#*/api/}" coll="\${path%%/*}" id=""
[ "$path" = "$coll" ] || id="\${path#*/}"
echo "$method /$path" >>"$CALLS"
f="$STORE/$coll.json"
[ -f "$f" ] || echo '[]' >"$f"
case "$method" in
  GET) cat "$f" ;;
  POST)
    obj="$(jq -c --arg id "$coll-$(jq length "$f")" '. + {id: $id} + (if has("type") then {key: ("KEY-" + $id), valid: true, revoked: false} else {} end)' <<<"$body")"
    jq -c --argjson o "$obj" '. + [$o]' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
    echo "$obj" ;;
  PUT)
    jq -c --arg id "$id" --argjson b "$body" 'map(if .id == $id then (. + $b) else . end)' "$f" >"$f.tmp" && mv "$f.tmp" "$f"
    jq -c --arg id "$id" '.[] | select(.id == $id)' "$f" ;;
esac
`;

/** One run of the helpers as the bootstrap composes them; `steps` are the calls after the library. */
function runHelpers(steps: string[]) {
  fs.writeFileSync(calls, "");
  const file = path.join(dir, "run.sh");
  const text = ["#!/usr/bin/env bash", "set -euo pipefail", SHELL_LIB, "declare -A GROUP_IDS=()", `MGMT_URL=https://netbird.test`, `KEY_DIR=${keys}`, API_SH, "use_auth Token NB_PAT", ...steps, ""].join("\n");
  fs.writeFileSync(file, text, { mode: 0o700 });
  const r = run("bash", [file], { env: { ...process.env, PATH: `${dir}/bin:${process.env.PATH}`, CALLS: calls, STORE: store, NB_PAT: "pat-value" } });
  const coll = (c: string) => (fs.existsSync(path.join(store, `${c}.json`)) ? JSON.parse(fs.readFileSync(path.join(store, `${c}.json`), "utf8")) : []);
  return { status: r.status, log: r.stdout + r.stderr, calls: fs.readFileSync(calls, "utf8").trim().split("\n").filter(Boolean), coll };
}

const STEPS = (metric: number, ports: string) => [
  "ensure_group site-bo",
  "ensure_group site-ep",
  "ensure_group routers-ep",
  "ensure_setup_key ep-router reusable 0 0 false routers-ep",
  `ensure_route ep-lan 198.51.100.0/24 routers-ep ${metric} true "ep LAN" site-bo site-ep`,
  `ensure_policy bo-to-ep "bo to ep" tcp '${ports}' false "$(ids_json site-bo)" "$(ids_json site-ep)"`,
];

beforeAll(() => {
  fs.mkdirSync(path.join(dir, "bin"), { recursive: true });
  fs.mkdirSync(store);
  fs.mkdirSync(keys);
  fs.writeFileSync(path.join(dir, "bin/curl"), CURL_STUB, { mode: 0o755 });
});

describe("NetBird API helpers against a stateful stand-in", () => {
  it("first run creates the groups, the setup key, the route and the policy", () => {
    const r = runHelpers(STEPS(9999, '["5432"]'));
    expect(r.log).toContain("created route ep-lan");
    expect(r.log).toContain("created policy bo-to-ep");
    expect(r.status).toBe(0);
    expect(r.coll("groups").map((g: { name: string }) => g.name)).toEqual(["site-bo", "site-ep", "routers-ep"]);
    expect(fs.readFileSync(path.join(keys, "ep-router.key"), "utf8").trim()).toBe("KEY-setup-keys-0");
    expect(r.coll("routes")).toEqual([expect.objectContaining({ network_id: "ep-lan", network: "198.51.100.0/24", metric: 9999, masquerade: true, peer_groups: ["groups-2"], groups: ["groups-0", "groups-1"] })]);
    expect(r.coll("policies")[0].rules[0]).toEqual(expect.objectContaining({ protocol: "tcp", ports: ["5432"], sources: ["groups-0"], destinations: ["groups-1"] }));
  });
  it("second run creates nothing and converges the route and policy in place", () => {
    const r = runHelpers(STEPS(100, "[]"));
    expect(r.status).toBe(0);
    expect(r.calls.filter((c) => c.startsWith("POST"))).toEqual([]);
    expect(r.calls).toEqual(expect.arrayContaining(["PUT /routes/routes-0", "PUT /policies/policies-0"]));
    expect(r.coll("routes")).toHaveLength(1);
    expect(r.coll("routes")[0].metric).toBe(100);
    expect(r.coll("policies")).toHaveLength(1);
    expect(r.coll("policies")[0].rules[0].ports).toBeUndefined();
  });
  it("a setup key whose file is gone is revoked and issued again", () => {
    fs.rmSync(path.join(keys, "ep-router.key"));
    const r = runHelpers(STEPS(100, "[]"));
    expect(r.status).toBe(0);
    expect(r.log).toContain("revoked setup key ep-router (key file missing)");
    expect(r.coll("setup-keys").map((k: { revoked: boolean }) => k.revoked)).toEqual([true, false]);
    expect(fs.readFileSync(path.join(keys, "ep-router.key"), "utf8").trim()).toBe("KEY-setup-keys-1");
  });
  it("an unknown group stops the run", () => {
    const r = runHelpers(["ensure_group site-bo", 'ensure_route x 198.51.100.0/24 nowhere 1 false "x" site-bo']);
    expect(r.status).not.toBe(0);
    expect(r.log).toContain("error: unknown group nowhere");
  });
});
