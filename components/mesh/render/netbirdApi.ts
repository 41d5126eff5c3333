/**
 * The NetBird management API bootstrap: groups, setup keys, site-to-site routes and policies from
 * the mesh plan, through the helpers in components/mesh/scripts/netbird-api.sh. The PAT is the
 * operator's NB_PAT (the Command's stdin), else the one stored in a root-only file, else created by the
 * script itself (service user + PAT through the management API, signed in with the IdP service
 * account's authentik token); setup keys go to files (0600) and to stdout.
 */
import { assertSingleLine, envBlock, readScript, shellScript, shq } from "../../shell";
import { MeshPlan, allGroups, validatePlan } from "./meshPolicy";
import { ENSURE_CURL, ensureCommand } from "../../remote/packages";
import { NETBIRD_VERSION } from "./netbirdConfig";

const API_SH = readScript(__dirname, "../scripts/netbird-api.sh");

export interface NetbirdApiSetupArgs {
  /** Management API base URL, e.g. https://netbird.bo.home.arpa:443 */
  managementUrl: string;
  /**
   * Root-only file holding the program's PAT. NB_PAT (the operator's `homelab:netbirdPat`, on the
   * Command's stdin) takes precedence; without either, the script creates the service user and its
   * PAT itself through the management API, signed in with the IdP service account (see `idp`).
   */
  patFile: string;
  /** The IdP service account NetBird's IdP manager uses; its app password arrives in NB_IDP_SA_PASSWORD. */
  idp: { tokenEndpoint: string; clientId: string; username: string };
  /** NetBird service user that owns the PAT. Default "homelab". */
  serviceUser?: string;
  /** PAT lifetime in days (1..365, NetBird's PersonalAccessTokenRequest). Default 365; renewed when refused. */
  patDays?: number;
  /** Directory where newly created setup keys are written as <name>.key (0600). */
  setupKeyDir: string;
  plan: MeshPlan;
}

/** Secret env vars the API setup reads (the Command's stdin): the optional PAT override and the IdP account's app password. */
export const NETBIRD_API_ENV = { pat: "NB_PAT", idpPassword: "NB_IDP_SA_PASSWORD" } as const;

/**
 * Idempotent API bootstrap: the program's service user + PAT (created without a human when none is
 * given), then groups, setup keys, per-site routes and policies. GET first, POST only when missing
 * (PUT to converge routes and policies).
 */
export function netbirdApiSetupScript(args: NetbirdApiSetupArgs): string {
  const errors = validatePlan(args.plan);
  if (errors.length) throw new Error(`invalid mesh plan: ${errors.join("; ")}`);
  const url = assertSingleLine("managementUrl", args.managementUrl).replace(/\/+$/, "");
  if (!/^https:\/\//.test(url)) throw new Error("managementUrl must be https");
  if (!/^https:\/\//.test(args.idp.tokenEndpoint)) throw new Error("idp.tokenEndpoint must be https");
  const days = args.patDays ?? 365;
  if (!Number.isInteger(days) || days < 1 || days > 365) throw new Error("patDays must be an integer from 1 to 365");
  const plan = args.plan;
  const q = (xs: string[]) => xs.map(shq).join(" ");
  const lines = [
    ...envBlock({
      MGMT_URL: url,
      PAT_FILE: assertSingleLine("patFile", args.patFile),
      KEY_DIR: assertSingleLine("setupKeyDir", args.setupKeyDir),
      IDP_TOKEN_URL: assertSingleLine("idp.tokenEndpoint", args.idp.tokenEndpoint),
      IDP_CLIENT_ID: assertSingleLine("idp.clientId", args.idp.clientId),
      IDP_USERNAME: assertSingleLine("idp.username", args.idp.username),
      SERVICE_USER: assertSingleLine("serviceUser", args.serviceUser ?? "homelab"),
      PAT_DAYS: days,
    }),
    'install -d -m 0700 "$KEY_DIR" "$(dirname "$PAT_FILE")"',
    // Its own guard: curl and jq come with the coordinator's install, but this Command must not depend on that.
    ENSURE_CURL,
    ensureCommand("jq", ["jq"]),
    "declare -A GROUP_IDS=()",
    "",
    API_SH.trimEnd(),
    "",
    "ensure_pat",
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

