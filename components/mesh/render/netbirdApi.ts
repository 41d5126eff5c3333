/**
 * The NetBird management API bootstrap: groups, setup keys, site-to-site routes and policies from
 * the mesh plan, through the helpers in components/mesh/scripts/netbird-api.sh. The PAT arrives in
 * NB_PAT (the Command's stdin) or a root-only file; setup keys go to files (0600) and to stdout.
 */
import { assertSingleLine, readScript, shellScript, shq } from "../../shell";
import { MeshPlan, allGroups, validatePlan } from "./meshPolicy";
import { NETBIRD_VERSION } from "./netbirdConfig";

const API_SH = readScript(__dirname, "../scripts/netbird-api.sh");

export interface NetbirdApiSetupArgs {
  /** Management API base URL, e.g. https://netbird.bo.home.arpa:443 */
  managementUrl: string;
  /**
   * Optional file holding a Personal Access Token. The token is read from the
   * environment variable NB_PAT first (how the Pulumi Command passes it).
   */
  patFile?: string;
  /** Directory where newly created setup keys are written as <name>.key (0600). */
  setupKeyDir: string;
  plan: MeshPlan;
}

/**
 * Idempotent API bootstrap: groups, setup keys, per-site networks (resources +
 * routing peer group), and policies. GET first, POST only when missing (PUT to
 * converge resources, routers and policies).
 */
export function netbirdApiSetupScript(args: NetbirdApiSetupArgs): string {
  const errors = validatePlan(args.plan);
  if (errors.length) throw new Error(`invalid mesh plan: ${errors.join("; ")}`);
  const url = assertSingleLine("managementUrl", args.managementUrl).replace(/\/+$/, "");
  if (!/^https:\/\//.test(url)) throw new Error("managementUrl must be https");
  const plan = args.plan;
  const q = (xs: string[]) => xs.map(shq).join(" ");
  const lines = [
    `MGMT_URL=${shq(url)}`,
    `PAT_FILE=${shq(assertSingleLine("patFile", args.patFile ?? ""))}`,
    `KEY_DIR=${shq(assertSingleLine("setupKeyDir", args.setupKeyDir))}`,
    'PAT="${NB_PAT:-}"',
    'if [ -z "$PAT" ] && [ -n "$PAT_FILE" ] && [ -f "$PAT_FILE" ]; then PAT="$(tr -d "[:space:]" <"$PAT_FILE")"; fi',
    '[ -n "$PAT" ] || { echo "error: no PAT (NB_PAT unset and no PAT file)" >&2; exit 1; }',
    'install -d -m 0700 "$KEY_DIR"',
    "declare -A GROUP_IDS=()",
    "",
    API_SH.trimEnd(),
    "",
    "# groups",
    ...allGroups(plan).map((g) => `ensure_group ${shq(g)}`),
    "",
    "# setup keys",
    ...plan.setupKeys.map(
      (k) => `ensure_setup_key ${shq(k.name)} ${k.type} ${k.expiresIn} ${k.usageLimit} ${k.ephemeral} ${q(k.autoGroups)}`,
    ),
    "",
    "# site-to-site routes (one per LAN, masquerade off so guests see real sources)",
  ];
  for (const r of plan.routes) {
    lines.push(`ensure_route ${shq(r.networkId)} ${shq(r.network)} ${shq(r.peerGroup)} ${r.metric} ${r.masquerade} ${shq(`Site ${r.site} LAN`)} ${q(r.distributionGroups)}`);
  }
  lines.push("", "# policies");
  for (const p of plan.policies) {
    lines.push(
      `ensure_policy ${shq(p.name)} ${shq(p.description)} ${p.protocol} ${shq(JSON.stringify(p.ports.map(String)))} ${p.bidirectional} "$(ids_json ${q(p.sources)})" "$(ids_json ${q(p.destinations)})"`,
    );
  }
  lines.push(
    "",
    "# stdout carries only this JSON object {<setup key name>: <key>} (logs go to stderr);",
    "# the Pulumi Command marks stdout secret.",
    "out='{}'",
    ...plan.setupKeys.map((k) => `out="$(jq -c --arg n ${shq(k.name)} --rawfile k "$KEY_DIR/${k.name}.key" '. + {($n): ($k | rtrimstr("\\n"))}' <<<"$out")"`),
    'printf \'%s\\n\' "$out"',
  );
  return shellScript({
    title: `NetBird ${NETBIRD_VERSION} API bootstrap (groups, setup keys, site-to-site routes, policies)`,
    source: "components/mesh/render/netbirdApi.ts",
    body: lines,
  });
}

