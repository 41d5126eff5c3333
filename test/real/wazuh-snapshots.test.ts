/**
 * The weekly snapshot setup (components/apps/scripts/wazuh-snapshots.sh with bo's rendered repository
 * and policy; decision 303) run for real with bash and jq. The indexer is a bash `api` function (the
 * install's curl helper) answering from files the way OpenSearch does: GET _snapshot/<repo> returns
 * {<repo>: {type, settings}}, GET _plugins/_sm/policies/<id> returns {_id, _seq_no, _primary_term,
 * sm_policy: {name, …, creation, deletion, snapshot_config, schedule, enabled, …}} (index-management
 * 2.19.0.0 SMPolicy.toXContent adds name, schema_version, schedule, enabled and times). Proves: a fresh
 * indexer gets the repository and the policy (POST); an unchanged one gets no call that writes; a policy
 * that differs is updated with if_seq_no/if_primary_term.
 */
import * as fs from "fs";
import * as path from "path";
import { loadInventory, ResolvedService } from "../../components/inventory/load";
import { appPlanOf } from "../../components/apps/registry";
import { readScript, shellScript } from "../../components/shell";
import { committedInventory, committedPhase } from "../helpers/inventory";
import { run, tempDir } from "./helpers";

const dir = tempDir("homelab-wazuh-snap-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const calls = path.join(dir, "calls.log");
const site = loadInventory("bo", committedInventory("bo"), committedPhase("bo"));
const plan = appPlanOf(site.services.find((s) => s.name === "wazuh") as ResolvedService, site)!;
const cfg = (p: string) => plan.config.find((c) => c.path === p)!.text;

// api [-X METHOD] URL [--data-binary @-]: GETs answer from $STORE/<path>, writes are logged with their body.
const API = String.raw`api() {
  local method=GET url="" a
  while [ $# -gt 0 ]; do
    a="$1"; shift
    case "$a" in -X) method="$1"; shift ;; --data-binary) shift ;; *) url="$a" ;; esac
  done
  if [ "$method" = GET ]; then
    local f
    f="$STORE/$(printf '%s' "$url" | sed 's|^https://[^/]*/||' | tr '/' '_')"
    [ -f "$f" ] || return 22
    cat "$f"
  else
    printf '%s %s %s\n' "$method" "$url" "$(cat)" >>"$CALLS"
  fi
}`;

function runIt(store: Record<string, unknown>) {
  const s = path.join(dir, "store");
  fs.rmSync(s, { recursive: true, force: true });
  fs.mkdirSync(s);
  for (const [k, v] of Object.entries(store)) fs.writeFileSync(path.join(s, k), JSON.stringify(v));
  fs.writeFileSync(calls, "");
  const env = plan.script.split("\n").filter((l) => /^(SNAPSHOT_REPO|SNAPSHOT_REPO_JSON|SM_POLICY_ID|SM_POLICY)=/.test(l));
  const text = shellScript({ title: "wazuh snapshots test", source: "test/real/wazuh-snapshots.test.ts", body: [...env, API, readScript(path.join(__dirname, "../../components/apps"), "scripts/wazuh-snapshots.sh"), 'wazuh_snapshots "https://192.0.2.26:9200"'] });
  fs.writeFileSync(path.join(dir, "run.sh"), text, { mode: 0o700 });
  const r = run("bash", [path.join(dir, "run.sh")], { env: { ...process.env, STORE: s, CALLS: calls } });
  return { ...r, writes: fs.readFileSync(calls, "utf8").split("\n").filter(Boolean) };
}

const repo = JSON.parse(cfg("snapshot-repository:homelab-weekly"));
const policy = JSON.parse(cfg("sm:homelab-weekly"));
const stored = (p: unknown) => ({ _id: "homelab-weekly-sm-policy", _version: 1, _seq_no: 7, _primary_term: 2, sm_policy: { name: "homelab-weekly", schema_version: 21, ...(p as object), schedule: { interval: { start_time: 1, period: 1, unit: "Minutes" } }, enabled: true, last_updated_time: 1, enabled_time: 1 } });

describe("weekly snapshots", () => {
  it("a fresh indexer gets the fs repository and the policy", () => {
    const r = runIt({});
    expect(r.status).toBe(0);
    expect(r.writes).toHaveLength(2);
    expect(r.writes[0]).toBe(`PUT https://192.0.2.26:9200/_snapshot/homelab-weekly ${JSON.stringify(repo)}`);
    expect(r.writes[1].startsWith("POST https://192.0.2.26:9200/_plugins/_sm/policies/homelab-weekly {")).toBe(true);
    expect(JSON.parse(r.writes[1].replace(/^\S+ \S+ /, ""))).toEqual(policy);
  });

  it("an indexer that has both unchanged gets no write", () => {
    const r = runIt({ "_snapshot_homelab-weekly": { "homelab-weekly": repo }, "_plugins__sm_policies_homelab-weekly": stored(policy) });
    expect(r.status).toBe(0);
    expect(r.writes).toEqual([]);
  });

  it("a policy that differs is updated with its sequence number and primary term", () => {
    const old = { ...policy, deletion: { ...policy.deletion, condition: { max_count: 2, min_count: 1 } } };
    const r = runIt({ "_snapshot_homelab-weekly": { "homelab-weekly": repo }, "_plugins__sm_policies_homelab-weekly": stored(old) });
    expect(r.status).toBe(0);
    expect(r.writes).toHaveLength(1);
    expect(r.writes[0].startsWith("PUT https://192.0.2.26:9200/_plugins/_sm/policies/homelab-weekly?if_seq_no=7&if_primary_term=2 {")).toBe(true);
  });
});
