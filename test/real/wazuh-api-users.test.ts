/**
 * The Wazuh API users' passwords (components/apps/scripts/wazuh-api-users.sh; decision 301) run for real
 * with bash, jq and the shell library against a `curl` stub that plays the manager's API as wazuh/wazuh
 * v4.14.7 defines it: POST /security/user/authenticate?raw=true with basic auth returns a raw token
 * (api/api/spec/spec.yaml), GET /security/users lists `data.affected_items[]{id, username}`,
 * PUT /security/users/<id> takes {"password"} only from a reserved user (id <= 99, MAX_ID_RESERVED in
 * framework/wazuh/rbac/orm.py), refuses a password outside `_user_password` / 8-64 characters
 * (framework/wazuh/security.py update_user) and revokes the user's tokens; the package's users are
 * wazuh/wazuh and wazuh-wui/wazuh-wui (framework/wazuh/rbac/default/users.yaml). The stub logs every
 * argv, so the test sees that no password or token is ever passed as an argument.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { loadInventory, ResolvedService } from "../../components/inventory/load";
import { appPlanOf } from "../../components/apps/registry";
import { readScript, shellScript } from "../../components/shell";
import { committedInventory, committedPhase } from "../helpers/inventory";
import { run, tempDir } from "./helpers";

const dir = tempDir("homelab-wazuh-api-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const stubs = path.join(dir, "stubs");
const calls = path.join(dir, "calls.log");
const state = path.join(dir, "api.json");
const API = "wazuh-Api.pass-1234567890abcdefXYZ";
const WUI = "wui_Pass-0987654321ABCDEFxyz";

const CURL = String.raw`#!/usr/bin/env python3
import json, os, re, sys
args = sys.argv[1:]
with open(os.environ["CALLS"], "a") as f: f.write("curl " + " ".join(args) + "\n")
st = json.load(open(os.environ["STATE"]))
method, url, conf, body, wfmt, out = "GET", "", "", None, None, None
i = 0
while i < len(args):
    a = args[i]
    if a == "-X": method = args[i + 1]; i += 2; continue
    if a == "-K": conf = open(args[i + 1]).read(); i += 2; continue
    if a in ("-H", "--max-time"): i += 2; continue
    if a == "--data-binary": body = sys.stdin.read() if args[i + 1] == "@-" else args[i + 1]; i += 2; continue
    if a == "-w": wfmt = args[i + 1]; i += 2; continue
    if a == "-o": out = args[i + 1]; i += 2; continue
    if a.startswith("-"): i += 1; continue
    url = a; i += 1
def reply(code, text=""):
    json.dump(st, open(os.environ["STATE"], "w"))
    if wfmt: sys.stdout.write(str(code)); sys.exit(0)
    if code >= 400: sys.exit(22)
    if out != "/dev/null": sys.stdout.write(text)
    sys.exit(0)
path = re.sub(r"^https://127\.0\.0\.1:55000", "", url)
cred = re.search(r'^user = "([^:]*):(.*)"$', conf, re.M)
bearer = re.search(r'^header = "Authorization: Bearer (.*)"$', conf, re.M)
who = st["tokens"].get(bearer.group(1)) if bearer else None
if path == "/": reply(401)
if method == "POST" and path == "/security/user/authenticate?raw=true":
    u = st["users"].get(cred.group(1)) if cred else None
    if not u or u["password"] != cred.group(2): reply(401)
    tok = "tok%d" % len(st["tokens"]); st["tokens"][tok] = cred.group(1); reply(200, tok)
if who is None: reply(401)
if method == "GET" and path.startswith("/security/users"):
    reply(200, json.dumps({"data": {"affected_items": [{"id": u["id"], "username": n} for n, u in st["users"].items()]}, "error": 0}))
m = re.match(r"^/security/users/(\d+)$", path)
if method == "PUT" and m:
    pw = json.loads(body)["password"]
    if len(pw) < 8 or len(pw) > 64 or not re.match(r"^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[^A-Za-z0-9]).{8,}$", pw): reply(400)
    if st["users"][who]["id"] > 99: reply(403)
    name = [n for n, u in st["users"].items() if u["id"] == int(m.group(1))][0]
    st["users"][name]["password"] = pw
    st["tokens"] = {t: n for t, n in st["tokens"].items() if n != name}
    with open(os.environ["CALLS"], "a") as f: f.write("body " + body + "\n")
    reply(200, "{}")
reply(404)
`;

function runIt(env: Record<string, string> = {}) {
  fs.writeFileSync(calls, "");
  const text = shellScript({
    title: "wazuh api users test",
    source: "test/real/wazuh-api-users.test.ts",
    body: [readScript(path.join(__dirname, "../../components/apps"), "scripts/wazuh-api-users.sh"), "wazuh_api_passwords"],
  });
  fs.writeFileSync(path.join(dir, "run.sh"), text, { mode: 0o700 });
  const r = run("bash", [path.join(dir, "run.sh")], {
    env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, STATE: state, WAZUH_API_PASSWORD: API, WAZUH_WUI_PASSWORD: WUI, WAIT_INTERVAL: "0", ...env },
  });
  return { ...r, calls: fs.readFileSync(calls, "utf8"), users: JSON.parse(fs.readFileSync(state, "utf8")).users };
}

describe("Wazuh API users", () => {
  beforeAll(() => {
    fs.mkdirSync(stubs, { recursive: true });
    fs.writeFileSync(path.join(stubs, "curl"), CURL, { mode: 0o755 });
    fs.writeFileSync(state, JSON.stringify({ users: { wazuh: { id: 1, password: "wazuh" }, "wazuh-wui": { id: 2, password: "wazuh-wui" } }, tokens: {} }));
  });

  it("replaces the package's passwords with the generated ones", () => {
    const r = runIt();
    expect(r.stderr).not.toMatch(/die|refuses|neither/);
    expect(r.status).toBe(0);
    expect(r.users.wazuh.password).toBe(API);
    expect(r.users["wazuh-wui"].password).toBe(WUI);
    expect(r.calls.match(/^curl .*-X PUT .*\/security\/users\/\d+$/gm)).toHaveLength(2);
    // The new passwords travelled in the request bodies, read from stdin.
    expect(r.calls).toContain(`body {"password":"${API}"}`);
  });

  it("puts no password and no token on any argv", () => {
    const argv = fs.readFileSync(calls, "utf8").split("\n").filter((l) => l.startsWith("curl "));
    for (const l of argv) for (const secret of [API, WUI, "wazuh-wui:", "wazuh:wazuh", "Bearer"]) expect(l).not.toContain(secret);
  });

  it("a second run logs in with the generated passwords and changes nothing", () => {
    const r = runIt();
    expect(r.status).toBe(0);
    expect(r.calls).not.toMatch(/-X PUT/);
    expect(r.stderr).not.toContain("password set");
  });

  it("a `wazuh` password that is neither stops the run with a hint", () => {
    const r = runIt({ WAZUH_API_PASSWORD: "Another-Pass-123" });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("accepts neither the generated nor the package's password for user wazuh");
  });

  it("the stub enforces upstream's password rule: a letters-and-digits password is refused", () => {
    const r = runIt({ WAZUH_API_PASSWORD: API, WAZUH_WUI_PASSWORD: "lettersAndDigits123" });
    expect(r.status).not.toBe(0);
    expect(r.users["wazuh-wui"].password).toBe(WUI);
  });

  it("the dashboard's API entry, as bo's install writes it, carries the wui password (bash's substitution; & is literal)", () => {
    const site = loadInventory("bo", committedInventory("bo"), committedPhase("bo"));
    const script = appPlanOf(site.services.find((x) => x.name === "wazuh") as ResolvedService, site)!.script;
    const start = script.indexOf("DASHBOARD_API_YML=");
    const block = script.slice(start, script.indexOf("\n", script.indexOf("'\n", start + 20)));
    const token = script.split("\n").find((l) => l.startsWith("WUI_PASSWORD_TOKEN="))!;
    const line = script.split("\n").find((l) => l.includes("data/wazuh/config/wazuh.yml 0600"))!;
    const text = [block, token, line.replace(/^put \S+ \S+ \S+ /, "cat ")].join("\n");
    const out = path.join(dir, "wazuh-yml.sh");
    fs.writeFileSync(out, text + "\n", { mode: 0o700 });
    // The generated passwords use letters, digits and -_. (decision 301); & would be bash 5.2's "matched text" if the replacement were unquoted.
    for (const pw of [WUI, "a&b-Z9._"]) {
      const r = run("bash", [out], { env: { ...process.env, WAZUH_WUI_PASSWORD: pw } });
      expect(r.status).toBe(0);
      expect(parse(r.stdout).hosts[0].default.password).toBe(pw);
    }
  });
});
