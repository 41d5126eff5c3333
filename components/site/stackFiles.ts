/**
 * The project's stack files (`Pulumi.<site>.yaml`): the one source of truth for every site. The
 * offline plan reads the selected site from here; the mesh and the policy config also read the
 * organisation's other sites, so that a subnet or an address is never written twice.
 *
 * The directory holding the stack files is the project root unless `HOMELAB_STACK_DIR` names
 * another one (`plan --root DIR` sets it): tests put their stack files in a temp directory and
 * never write into the repository.
 */
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { InventoryError, loadInventory, Site } from "../inventory/load";

/** The project root (where Pulumi.yaml lives). */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** Environment variable naming the directory of the stack files (default: the project root). */
export const STACK_DIR_ENV = "HOMELAB_STACK_DIR";

/** The directory holding `Pulumi.<site>.yaml`: `$HOMELAB_STACK_DIR` if set, else the project root. */
export function stackDir(): string {
  const dir = process.env[STACK_DIR_ENV];
  return dir ? path.resolve(dir) : PROJECT_ROOT;
}

/** A stack file that is not valid YAML (or not a mapping): one line with file, line and column. */
export class StackFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
    readonly problem: string,
  ) {
    super(`homelab: ${file}${line !== undefined ? `:${line}:${column ?? 1}` : ""}: ${problem}`);
    this.name = "StackFileError";
  }
}

/** Sites with a stack file. */
export function listSites(root = stackDir()): string[] {
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root)
    .map((f) => /^Pulumi\.([a-z0-9-]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();
}

/** A stack file as messages name it: relative to the working directory when inside it, else absolute. */
function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/** Parse a stack file's text; a syntax error becomes a one-line StackFileError with line and column. */
export function parseStackFile(text: string, file: string): Record<string, unknown> {
  const doc = YAML.parseDocument(text, { prettyErrors: false });
  const error = doc.errors[0];
  if (error) {
    const at = lineColumn(text, error.pos[0]);
    const problem = error.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new StackFileError(file, at.line, at.column, `invalid YAML: ${problem}`);
  }
  const value = doc.toJS() ?? {};
  if (typeof value !== "object" || Array.isArray(value)) throw new StackFileError(file, 1, 1, "a stack file is a mapping with a `config:` key");
  const config = (value as Record<string, unknown>).config;
  if (config !== undefined && config !== null && (typeof config !== "object" || Array.isArray(config))) {
    const node = doc.get("config", true) as { range?: [number, number, number] } | undefined;
    const at = node?.range ? lineColumn(text, node.range[0]) : undefined;
    throw new StackFileError(file, at?.line, at?.column, "`config:` must be a mapping of `namespace:key: value`");
  }
  return value as Record<string, unknown>;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

/** A stack file's config as the Pulumi CLI passes it to the program (structured values as JSON text; encrypted values left out). */
export function readStackConfig(site: string, root = stackDir()): Record<string, string> {
  const file = path.join(root, `Pulumi.${site}.yaml`);
  if (!fs.existsSync(file)) throw new Error(`homelab: no stack file ${displayPath(file)} (sites: ${listSites(root).join(", ")})`);
  const text = fs.readFileSync(file, "utf8");
  const cached = parsedConfigs.get(file);
  if (cached?.text === text) return { ...cached.config };
  const config = configOf(parseStackFile(text, displayPath(file)));
  parsedConfigs.set(file, { text, config });
  return { ...config };
}

/**
 * The configs of the stack files read so far, by file, with the text they were parsed from: a render
 * reads every sibling's stack file, so one process would otherwise parse each file many times. A file
 * whose text changed is parsed again; the values are strings, and callers get their own copy of the record.
 */
const parsedConfigs = new Map<string, { text: string; config: Readonly<Record<string, string>> }>();

function configOf(doc: Record<string, unknown>): Record<string, string> {
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries((doc.config ?? {}) as Record<string, unknown>)) {
    if (value && typeof value === "object" && "secure" in (value as object)) continue; // encrypted: needs the CLI
    // The inventory is always read as JSON; encoding it here keeps a scalar (a mistake the loader reports) a scalar.
    config[key] = typeof value === "string" && key !== INVENTORY_KEY ? value : JSON.stringify(value);
  }
  return config;
}

const INVENTORY_KEY = "homelab:inventory";

/**
 * Parse a phase as typed on a command line (`--phase N`): an integer 0-9. A bad value is echoed
 * exactly as typed, in one line.
 */
export function parsePhaseArgument(text: string | undefined, flag = "--phase"): number {
  const typed = text === undefined ? `${flag} (no value)` : flag.endsWith("=") ? `${flag}${text}` : `${flag} ${text}`;
  if (text === undefined || !/^\d$/.test(text)) throw new Error(`homelab: ${typed}: the phase must be an integer from 0 to 9`);
  return Number(text);
}

/** Load one stack file's site at its committed phase (InventoryError or StackFileError when it does not load). */
export function loadStackSite(name: string, root = stackDir(), phase?: number): Site {
  const config = readStackConfig(name, root);
  const text = config[INVENTORY_KEY];
  const phaseText = config["homelab:phase"];
  if (phaseText !== undefined && !/^\d+$/.test(phaseText.trim())) throw new InventoryError(name, "homelab:phase", phaseText, "must be an integer from 0 to 9");
  return loadInventory(name, text === undefined ? undefined : JSON.parse(text), phase ?? (phaseText === undefined ? 0 : Number(phaseText)));
}

/**
 * The other sites that matter to `site`: same organisation or same Proxmox cluster, loaded at
 * their committed phase. A stack file that does not load is reported as its own error,
 * `homelab: site "<site>": sibling site "<sibling>" does not load: <the sibling's one line>` — whether or not it is
 * of this organisation can only be told once it loads.
 */
export function siblingSites(site: Site, root = stackDir()): Site[] {
  const out: Site[] = [];
  for (const name of listSites(root)) {
    if (name === site.name) continue;
    if (clearlyUnrelated(site, name, root)) continue;
    let sibling: Site;
    try {
      sibling = loadStackSite(name, root);
    } catch (e) {
      if (e instanceof InventoryError || e instanceof StackFileError) throw new SiblingError(site.name, name, e.message);
      throw e;
    }
    if (sibling.inventory.organisation !== site.inventory.organisation && sibling.cluster !== site.cluster) continue;
    out.push(sibling);
  }
  return out;
}

/** Whether a stack file names another organisation and another cluster (then its state is not this site's business). */
function clearlyUnrelated(site: Site, name: string, root: string): boolean {
  let raw: unknown;
  try {
    raw = JSON.parse(readStackConfig(name, root)[INVENTORY_KEY] ?? "null");
  } catch {
    return false; // does not parse: loading it reports why
  }
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return false;
  const { organisation, cluster } = raw as { organisation?: unknown; cluster?: unknown };
  return typeof organisation === "string" && organisation !== site.inventory.organisation && (typeof cluster === "string" ? cluster : name) !== site.cluster;
}

/**
 * A sibling stack that does not load, reported from the site that needed it. An InventoryError, so
 * every place that turns a bad inventory into one line (the stack program, plan) does so for it too.
 */
export class SiblingError extends InventoryError {
  constructor(site: string, readonly sibling: string, readonly reason: string) {
    super(site, "sibling", sibling, reason);
    this.message = `homelab: site "${site}": sibling site "${sibling}" does not load: ${reason.replace(/^homelab: /, "")}`;
    this.name = "SiblingError";
  }
}
