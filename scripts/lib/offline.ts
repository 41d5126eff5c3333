/**
 * Evaluates a real stack program in-process under Pulumi's mock runtime: no
 * CLI, no engine, no network, no credentials. Every resource registration is
 * recorded as the engine would receive it — type, name, parent, options and
 * serialized inputs — so that `plan`, the policy pack and the tests all look
 * at the same thing.
 *
 * The mocks are strict: a resource type or function call without a mock
 * throws, so nothing passes by accident.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { InventoryError, loadInventory, Site } from "../../components/inventory/load";
import { listSites, PROJECT_ROOT, readStackConfig } from "../../components/site/stackFiles";

export { listSites, PROJECT_ROOT, readStackConfig };

/* eslint-disable @typescript-eslint/no-require-imports */
const settings = require("@pulumi/pulumi/runtime/settings");
const state = require("@pulumi/pulumi/runtime/state");
const stackRuntime = require("@pulumi/pulumi/runtime/stack");

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** One resource as registered. */
export interface RenderedResource {
  urn: string;
  type: string;
  name: string;
  /** Parent URN ("" for the stack itself). */
  parent: string;
  custom: boolean;
  protect: boolean;
  deleteBeforeReplace: boolean;
  /** Inputs as the provider would receive them; secrets replaced by "[secret]". */
  inputs: Record<string, unknown>;
  /** Inputs with secrets unwrapped (for in-process policy checks only; never printed). */
  props: Record<string, unknown>;
  /** URNs this resource depends on. */
  dependencies: string[];
  /** URN of its explicit provider ("" for the default provider). */
  provider: string;
}

/** The result of rendering one stack. */
export interface RenderResult {
  site: Site;
  resources: RenderedResource[];
  /** Stack outputs with secrets masked. */
  outputs: Record<string, unknown>;
  /** Stack config as given to the program (plain values). */
  config: Record<string, string>;
  /** Messages the program logged (pulumi.log.*), in order. */
  logs: string[];
}

/** Options of {@link renderStack}. */
export interface RenderOptions {
  /** Override `homelab:phase`. */
  phase?: number;
  /** Replace the inventory (for tests of broken inventories). */
  inventory?: unknown;
  /** Extra or replaced config values (`ns:key` → string). */
  config?: Record<string, string>;
  /** Directory holding `Pulumi.<site>.yaml`. Default: the project root. */
  root?: string;
  /** Run this program instead of the site's stack program (tests). */
  program?: (site: Site) => Record<string, unknown>;
}

/** Replace secrets/unknowns in a serialized property tree. */
export function mask(value: unknown, unwrap = false): unknown {
  if (value === UNKNOWN) return "[unknown]";
  if (Array.isArray(value)) return value.map((v) => mask(v, unwrap));
  if (value && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) return unwrap ? mask(obj.value, unwrap) : "[secret]";
    if (obj[SIG_KEY] === RESOURCE_SIG) return obj.urn;
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, mask(v, unwrap)]));
  }
  return value;
}

function fakeSecret(seed: string, length: number): string {
  return `mock-${crypto.createHash("sha256").update(seed).digest("hex")}`.slice(0, Math.max(8, length));
}

/** Deterministic, strict mocks for every resource type the program uses. */
export class StrictMocks implements pulumi.runtime.Mocks {
  constructor(private readonly stackOutputs: Record<string, Record<string, unknown>> = {}) {}

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const { type, name, inputs } = args;
    if (!args.custom) return { id: undefined, state: inputs };
    switch (type) {
      case "random:index/randomPassword:RandomPassword":
      case "random:index/randomString:RandomString": {
        const result = fakeSecret(`${type}/${name}`, Number(inputs.length ?? 32));
        return { id: name, state: { ...inputs, result, bcryptHash: `$2a$10$${fakeSecret(name, 53).slice(0, 53)}` } };
      }
      case "random:index/randomBytes:RandomBytes":
        return { id: name, state: { ...inputs, base64: Buffer.from(fakeSecret(name, Number(inputs.length ?? 32))).toString("base64"), hex: fakeSecret(name, 64) } };
      case "proxmoxve:download/file:File":
        return { id: `${inputs.datastoreId}:${inputs.contentType}/${inputs.fileName}`, state: { ...inputs, size: 1 } };
      case "proxmoxve:index/containerLegacy:ContainerLegacy":
        return { id: `${inputs.nodeName}/lxc/${inputs.vmId}`, state: inputs };
      case "proxmoxve:index/vmLegacy:VmLegacy":
        return { id: `${inputs.nodeName}/qemu/${inputs.vmId}`, state: inputs };
      case "proxmoxve:firewall/rulesLegacy:RulesLegacy":
      case "proxmoxve:firewall/optionsLegacy:OptionsLegacy":
        return { id: `${inputs.nodeName}/${inputs.containerId ?? inputs.vmId}/firewall`, state: inputs };
      case "proxmoxve:firewall/ipsetLegacy:IpsetLegacy":
        return { id: `${inputs.nodeName}/${inputs.containerId ?? inputs.vmId}/${inputs.name}`, state: inputs };
      case "pulumi:pulumi:StackReference": {
        const ref = String(inputs.name);
        const outputs = this.stackOutputs[ref];
        if (!outputs) throw new Error(`no mock outputs for stack reference "${ref}"`);
        // Outputs that were secret upstream arrive masked; keep them secret downstream too.
        const secretOutputNames = Object.keys(outputs).filter((k) => JSON.stringify(outputs[k]).includes('"[secret]"'));
        return { id: ref, state: { ...inputs, outputs, secretOutputNames } };
      }
      default:
        if (type.startsWith("pulumi:providers:")) return { id: `${name}-provider-id`, state: inputs };
        if (type.startsWith("command:") || type.startsWith("tls:") || type.startsWith("kubernetes:")) {
          return { id: `${name}-id`, state: { ...inputs, ...commandOutputs(type, name) } };
        }
        throw new Error(`no mock for resource type ${type} (${name}); add one to StrictMocks`);
    }
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    throw new Error(`no mock for function ${args.token}; the program must not call providers during plan`);
  }
}

function commandOutputs(type: string, name: string): Record<string, unknown> {
  if (type === "command:remote:Command" || type === "command:local:Command") return { stdout: "", stderr: "" };
  if (type === "tls:index/privateKey:PrivateKey") return { privateKeyPem: `mock-private-key-${name}`, privateKeyOpenssh: `mock-openssh-private-key-${name}`, publicKeyPem: `mock-public-key-${name}`, publicKeyOpenssh: `ssh-ed25519 mock-${name}` };
  if (type === "tls:index/selfSignedCert:SelfSignedCert" || type === "tls:index/locallySignedCert:LocallySignedCert") return { certPem: `mock-cert-${name}` };
  if (type === "tls:index/certRequest:CertRequest") return { certRequestPem: `mock-csr-${name}` };
  return {};
}

let busy = false;

/**
 * Render the stack of `site` from its `Pulumi.<site>.yaml`. Throws
 * InventoryError (one line) on a bad inventory, before any resource exists.
 */
export async function renderStack(siteName: string, opts: RenderOptions = {}, mocks?: StrictMocks): Promise<RenderResult> {
  if (busy) throw new Error("renderStack is not re-entrant: await the previous render first");
  busy = true;
  try {
    return await renderOnce(siteName, opts, mocks ?? new StrictMocks());
  } finally {
    busy = false;
  }
}

async function renderOnce(siteName: string, opts: RenderOptions, mocks: StrictMocks): Promise<RenderResult> {
  const config = { ...readStackConfig(siteName, opts.root), ...(opts.config ?? {}) };
  if (opts.inventory !== undefined) config["homelab:inventory"] = JSON.stringify(opts.inventory);
  if (opts.phase !== undefined) config["homelab:phase"] = String(opts.phase);

  // Validate first: a bad inventory is reported before the runtime starts.
  const site = loadInventory(siteName, config["homelab:inventory"] === undefined ? undefined : JSON.parse(config["homelab:inventory"]), Number(config["homelab:phase"] ?? 0));

  // A mock that refuses a resource or call is recorded here and fails the render at the end,
  // instead of surfacing as an unhandled rejection deep inside the SDK.
  const failures: unknown[] = [];
  const guarded: pulumi.runtime.Mocks = {
    newResource: (a) => {
      try {
        return mocks.newResource(a);
      } catch (e) {
        failures.push(e);
        return { id: `${a.name}-refused`, state: {} };
      }
    },
    call: (a) => {
      try {
        return mocks.call(a);
      } catch (e) {
        failures.push(e);
        return {};
      }
    },
  };
  await pulumi.runtime.setMocks(guarded, "homelab", siteName, false);
  const store = state.getStore();
  for (const key of Object.keys(store.config)) delete store.config[key];
  pulumi.runtime.setAllConfig(config);

  const resources: RenderedResource[] = [];
  const seen = new Set<string>();
  const duplicates: string[] = [];
  const monitor = settings.getMonitor();
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: any) => {
    const urn = monitor.newUrn(req.getParent(), req.getType(), req.getName());
    if (seen.has(urn)) duplicates.push(urn);
    seen.add(urn);
    const raw = req.getObject()?.toJavaScript() ?? {};
    resources.push({
      urn,
      type: req.getType(),
      name: req.getName(),
      parent: req.getParent(),
      custom: req.getCustom(),
      protect: !!req.getProtect(),
      deleteBeforeReplace: !!req.getDeletebeforereplace(),
      inputs: mask(raw) as Record<string, unknown>,
      props: mask(raw, true) as Record<string, unknown>,
      dependencies: req.getDependenciesList(),
      provider: String(req.getProvider?.() ?? "").split("::").slice(0, -1).join("::"),
    });
    return original(req, callback);
  };
  // The stack's outputs as the engine receives them: serialized, with secrets still marked.
  let stackOutputs: Record<string, unknown> = {};
  const originalOutputs = monitor.registerResourceOutputs.bind(monitor);
  monitor.registerResourceOutputs = (req: any, callback: any) => {
    if (req.getUrn().endsWith(`::pulumi:pulumi:Stack::homelab-${siteName}`)) stackOutputs = req.getOutputs()?.toJavaScript() ?? {};
    return originalOutputs(req, callback);
  };

  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { runStack } = require("../../stacks") as typeof import("../../stacks");
  // Without an engine, pulumi.log.* writes to the console (info to stdout); collect it instead so
  // that `plan --json` keeps stdout to one JSON document.
  const logs: string[] = [];
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, stackTraceLimit: Error.stackTraceLimit };
  // The SDK records a stack trace for every promise and resource (for the engine's source positions and
  // leak reports); nothing reads them offline, and they are about half of the render time.
  // HOMELAB_FULL_STACKS=1 keeps full traces when debugging a program error.
  if (!process.env.HOMELAB_FULL_STACKS) Error.stackTraceLimit = 1;
  const collect = (...parts: unknown[]) => logs.push(parts.map(String).join(" "));
  Object.assign(console, { log: collect, info: collect, warn: collect, error: collect });
  try {
    await stackRuntime.runInPulumiStack(() => {
      try {
        return opts.program ? opts.program(site) : runStack(siteName);
      } catch (e) {
        // A throw here would also reject promises nobody awaits; record it and fail the render below.
        failures.push(e);
        return {};
      }
    });
    await settings.waitForRPCs();
  } catch (e) {
    failures.push(e);
  } finally {
    Object.assign(console, { log: saved.log, info: saved.info, warn: saved.warn, error: saved.error });
    Error.stackTraceLimit = saved.stackTraceLimit;
  }
  if (failures.length > 0) throw failures[0] instanceof Error ? failures[0] : new Error(String(failures[0]));
  if (duplicates.length > 0) throw new Error(`homelab: duplicate resource URNs (the engine would reject them): ${duplicates.join(", ")}`);

  const outputsMasked = mask(stackOutputs) as Record<string, unknown>;
  resources.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  return { site, resources, outputs: outputsMasked, config, logs };
}

export { InventoryError };
