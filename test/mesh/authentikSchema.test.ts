/**
 * The rendered blueprint checked against authentik's own API schema: the OpenAPI document shipped in
 * the npm package `@goauthentik/api` at the pinned version (2026.5.6, node_modules/@goauthentik/api/
 * schema.yml). Blueprint `attrs` go through the same serializers as the API's `*Request` bodies, so
 * every attribute must be a property of that schema and every enum value one it lists.
 */
import * as fs from "fs";
import * as path from "path";
import YAML from "yaml";
import { AUTHENTIK_VERSION, authentikBlueprint, authentikInstallScript } from "../../components/mesh/render/authentik";
import { authentikArgs, blueprintArgs } from "./fixtures.test";

const pkgDir = path.dirname(require.resolve("@goauthentik/api/package.json"));
const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8"));
const openapi = YAML.parse(fs.readFileSync(path.join(pkgDir, "schema.yml"), "utf8"));
const schemas: Record<string, any> = openapi.components.schemas;

const TAGGED = Symbol("tagged");
const customTags: YAML.Tags = ["!Find", "!KeyOf", "!Env"].map((tag) => ({
  tag,
  ...(tag === "!Find" ? { collection: "seq" as const } : {}),
  resolve: (v: any) => ({ [TAGGED]: tag, value: typeof v?.toJSON === "function" ? v.toJSON() : v }),
})) as any;

const MODEL_SCHEMA: Record<string, string> = {
  "authentik_providers_oauth2.oauth2provider": "OAuth2ProviderRequest",
  "authentik_core.application": "ApplicationRequest",
  "authentik_core.user": "UserRequest",
  "authentik_core.token": "TokenRequest",
  "authentik_brands.brand": "BrandRequest",
  "authentik_providers_proxy.proxyprovider": "ProxyProviderRequest",
  "authentik_outposts.outpost": "OutpostRequest",
};

/**
 * Entries that update an object authentik creates itself, found by its `managed` identifier: the
 * importer then validates partially (authentik/blueprints/v1/importer.py `_validate_single`: an existing
 * instance gets `partial=True`), so the request schema's required fields need not be stated.
 */
const PARTIAL_MANAGED = ["goauthentik.io/outposts/embedded"];

/** Enum values of a property schema ($ref or allOf[$ref]), if it is an enum. */
function enumOf(prop: any): string[] | undefined {
  const ref = prop.$ref ?? prop.allOf?.[0]?.$ref;
  if (!ref) return prop.enum;
  return schemas[ref.replace("#/components/schemas/", "")].enum;
}

/**
 * Fields a serializer adds only in the blueprint context, so the API schema cannot list them:
 * TokenSerializer adds `key` when SERIALIZER_CONTEXT_BLUEPRINT is set (authentik/core/api/tokens.py).
 */
const BLUEPRINT_ONLY: Record<string, string[]> = { TokenRequest: ["key"] };

/** Problems of `attrs` against the request schema `name` (tagged values are resolved by authentik, not checked). */
function check(name: string, attrs: Record<string, any>, where: string, partial = false): string[] {
  const schema = { ...schemas[name], properties: { ...schemas[name].properties, ...Object.fromEntries((BLUEPRINT_ONLY[name] ?? []).map((k) => [k, {}])) } };
  const problems: string[] = [];
  if (!partial) for (const req of schema.required ?? []) if (!(req in attrs)) problems.push(`${where}: missing required ${req}`);
  for (const [k, v] of Object.entries(attrs)) {
    const prop = schema.properties[k];
    if (!prop) {
      problems.push(`${where}: ${k} is not a property of ${name}`);
      continue;
    }
    if (v && typeof v === "object" && TAGGED in v) continue;
    if (prop.readOnly) problems.push(`${where}: ${k} is read-only`);
    const en = enumOf(prop);
    if (en && !en.includes(v as string)) problems.push(`${where}: ${k} = ${JSON.stringify(v)} not in ${en.join("|")}`);
    if (prop.type === "array" && Array.isArray(v)) {
      const items = prop.items;
      const itemEnum = enumOf(items);
      const itemRef = items.$ref?.replace("#/components/schemas/", "");
      v.forEach((x: any, i: number) => {
        if (x && typeof x === "object" && TAGGED in x) return;
        if (itemEnum && !itemEnum.includes(x)) problems.push(`${where}: ${k}[${i}] = ${JSON.stringify(x)} not in ${itemEnum.join("|")}`);
        else if (itemRef && schemas[itemRef].properties) problems.push(...check(itemRef, x, `${where}.${k}[${i}]`));
      });
    }
  }
  return problems;
}

describe(`blueprint against @goauthentik/api ${AUTHENTIK_VERSION} (OpenAPI)`, () => {
  const doc = YAML.parse(authentikBlueprint(blueprintArgs), { customTags });
  const providers = doc.entries.filter((e: any) => e.model === "authentik_providers_oauth2.oauth2provider");
  const attrs = (n: string) => providers.find((p: any) => p.identifiers.name === n).attrs;

  it("the package is the pinned authentik version", () => {
    expect(pkg.version).toBe(AUTHENTIK_VERSION);
    expect(openapi.info.version).toBe(AUTHENTIK_VERSION);
  });

  it("every entry's attrs are properties of the model's request schema, with valid enum values", () => {
    const problems: string[] = [];
    for (const e of doc.entries) {
      const name = MODEL_SCHEMA[e.model];
      // The importer creates objects from the identifiers merged with the attrs.
      if (name) problems.push(...check(name, { ...e.identifiers, ...e.attrs }, `${e.model} ${JSON.stringify(e.identifiers)}`, PARTIAL_MANAGED.includes(e.identifiers?.managed)));
    }
    expect(problems).toEqual([]);
    expect(doc.entries.filter((e: any) => MODEL_SCHEMA[e.model]).length).toBeGreaterThanOrEqual(9);
  });

  it("every OAuth2 provider states its grant types (blueprint-created providers get none since 2026.5)", () => {
    expect(schemas.OAuth2ProviderRequest.properties.grant_types).toBeDefined();
    expect(attrs("NetBird").grant_types).toEqual(["authorization_code", "refresh_token", "client_credentials"]);
    for (const n of ["Gitea", "n8n", "Paperless-ngx"]) expect(attrs(n).grant_types).toEqual(["authorization_code", "refresh_token"]);
    for (const p of providers) expect(p.attrs.grant_types.length).toBeGreaterThan(0);
  });

  it("NetBird: sub is authentik's integer user pk, and the IdP manager's goauthentik.io/api scope is mapped", () => {
    expect(schemas.SubModeEnum.enum).toContain("user_id");
    expect(attrs("NetBird").sub_mode).toBe("user_id");
    const managed = attrs("NetBird").property_mappings.map((m: any) => m.value[1][1]);
    expect(managed).toContain("goauthentik.io/providers/oauth2/scope-authentik_api");
    expect(managed).toEqual(expect.arrayContaining(["goauthentik.io/providers/oauth2/scope-openid", "goauthentik.io/providers/oauth2/scope-offline_access"]));
    // Only NetBird gets API access on behalf of its users.
    for (const n of ["Gitea", "n8n", "Paperless-ngx"]) expect(attrs(n).property_mappings.map((m: any) => m.value[1][1])).not.toContain("goauthentik.io/providers/oauth2/scope-authentik_api");
  });

  it("the defaults it !Finds are applied first (metaapplyblueprint, required)", () => {
    const metas = doc.entries.filter((e: any) => e.model === "authentik_blueprints.metaapplyblueprint");
    expect(metas.map((m: any) => m.attrs.identifiers.name)).toEqual([
      "Default - Provider authorization flow (implicit consent)",
      "Default - Provider invalidation flow",
      "System - OAuth2 Provider - Scopes",
    ]);
    expect(metas.every((m: any) => m.attrs.required === true)).toBe(true);
    const firstProvider = doc.entries.findIndex((e: any) => e.model === "authentik_providers_oauth2.oauth2provider");
    expect(doc.entries.findIndex((e: any) => e.model === "authentik_blueprints.metaapplyblueprint")).toBeLessThan(firstProvider);
  });

  it("the install script waits for blueprint status values the API really reports", () => {
    const s = authentikInstallScript(authentikArgs, blueprintArgs);
    expect(schemas.BlueprintInstanceStatusEnum.enum).toContain("successful");
    expect(s).toContain('[ "$status" = successful ]');
    expect(openapi.paths["/managed/blueprints/"].get.parameters.some((p: any) => p.name === "path")).toBe(true);
    expect(openapi.paths["/managed/blueprints/{instance_uuid}/apply/"].post).toBeDefined();
    expect(schemas.BlueprintInstance.properties.last_applied_hash).toBeDefined();
  });
});

describe(`forward auth in the blueprint against @goauthentik/api ${AUTHENTIK_VERSION} (OpenAPI)`, () => {
  const forwardAuth = { externalHost: "https://authentik.homelab.internal/", cookieDomain: "homelab.internal" };
  const doc = YAML.parse(authentikBlueprint({ ...blueprintArgs, forwardAuth }), { customTags });
  const provider = doc.entries.find((e: any) => e.model === "authentik_providers_proxy.proxyprovider");
  const outpost = doc.entries.find((e: any) => e.model === "authentik_outposts.outpost");

  /**
   * ModelEnum of the same-version OpenAPI lists authentik's database models (the ones blueprints and RBAC
   * address). `authentik_blueprints.metaapplyblueprint` is a meta model (authentik/blueprints/v1/meta/
   * apply_blueprint.py, a BaseMetaModel with no table), absent there; goauthentik/authentik's
   * blueprints/schema.json lists it as an entry model (newest stored: 2025.12.0-rc1; the repository is
   * too large to fetch at the 2026.5.6 tag, docs/decisions.md 351).
   */
  it("every model the blueprint names is one authentik knows (ModelEnum, the blueprint/RBAC model list)", () => {
    const models: string[] = [...schemas.ModelEnum.enum, "authentik_blueprints.metaapplyblueprint"];
    const named = [...new Set<string>(doc.entries.map((e: any) => e.model))];
    expect(named.filter((m) => !models.includes(m))).toEqual([]);
    expect(named).toEqual(expect.arrayContaining(["authentik_providers_proxy.proxyprovider", "authentik_outposts.outpost"]));
  });

  it("the proxy provider, its application and the outpost pass their request schemas (the outpost partially)", () => {
    const problems: string[] = [];
    for (const e of doc.entries) {
      const name = MODEL_SCHEMA[e.model];
      if (name) problems.push(...check(name, { ...e.identifiers, ...e.attrs }, `${e.model} ${JSON.stringify(e.identifiers)}`, PARTIAL_MANAGED.includes(e.identifiers?.managed)));
    }
    expect(problems).toEqual([]);
    // Created, so every required field is stated (authorization_flow, external_host, invalidation_flow, name).
    for (const req of schemas.ProxyProviderRequest.required) expect(provider.attrs).toHaveProperty(req);
  });

  it("domain-level mode (ProxyMode forward_domain), cookie on the site's domain, sign-in on authentik's route", () => {
    expect(schemas.ProxyMode.enum).toEqual(expect.arrayContaining(["forward_single", "forward_domain"]));
    expect(provider.attrs).toMatchObject({ mode: "forward_domain", cookie_domain: "homelab.internal", external_host: "https://authentik.homelab.internal" });
    // The serializer refuses a `proxy`-mode provider without internal_host (authentik/providers/proxy/api.py validate); forward modes need none.
    expect(provider.attrs.internal_host).toBeUndefined();
    const managed = provider.attrs.property_mappings.map((m: any) => m[TAGGED] && m.value[1][1]);
    expect(managed).toContain("goauthentik.io/providers/proxy/scope-proxy");
  });

  it("an application holds the provider (the outpost config lists only providers with an application: ProxyOutpostConfigViewSet)", () => {
    const app = doc.entries.find((e: any) => e.model === "authentik_core.application" && e.attrs.provider?.value === provider.id);
    expect(app.attrs.slug).toBe("homelab-forward-auth");
  });

  it("the embedded outpost (managed goauthentik.io/outposts/embedded, authentik/outposts/managed.py) serves it", () => {
    expect(outpost.identifiers).toEqual({ managed: "goauthentik.io/outposts/embedded" });
    expect(schemas.OutpostRequest.properties.providers.type).toBe("array");
    expect(outpost.attrs.providers.map((p: any) => p.value)).toEqual([provider.id]);
  });

  it("the proxy scopes' blueprint is applied first, then the provider", () => {
    const metas = doc.entries.filter((e: any) => e.model === "authentik_blueprints.metaapplyblueprint").map((m: any) => m.attrs.identifiers.name);
    expect(metas).toContain("System - Proxy Provider - Scopes");
    expect(doc.entries.findIndex((e: any) => e.model === "authentik_blueprints.metaapplyblueprint" && e.attrs.identifiers.name === "System - Proxy Provider - Scopes")).toBeLessThan(doc.entries.indexOf(provider));
  });

  it("without forward auth the blueprint has no proxy provider and leaves the outpost alone", () => {
    const plain = YAML.parse(authentikBlueprint(blueprintArgs), { customTags });
    expect(plain.entries.some((e: any) => e.model === "authentik_providers_proxy.proxyprovider" || e.model === "authentik_outposts.outpost")).toBe(false);
  });
});
