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
};

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
function check(name: string, attrs: Record<string, any>, where: string): string[] {
  const schema = { ...schemas[name], properties: { ...schemas[name].properties, ...Object.fromEntries((BLUEPRINT_ONLY[name] ?? []).map((k) => [k, {}])) } };
  const problems: string[] = [];
  for (const req of schema.required ?? []) if (!(req in attrs)) problems.push(`${where}: missing required ${req}`);
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
      if (name) problems.push(...check(name, { ...e.identifiers, ...e.attrs }, `${e.model} ${JSON.stringify(e.identifiers)}`));
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
