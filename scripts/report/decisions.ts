/**
 * The project's decisions (docs/decisions.md) and which of them apply to a site. A decision applies
 * when the site's stack file cites it (`decision N`), when it sits under a heading named after the
 * site, or when its text names the site or one of the site's seed references (`BO-3`) as a word.
 */
import type { Site } from "../../components/inventory/load";

/** One numbered decision. */
export interface Decision {
  number: number;
  /** The heading it sits under, e.g. `Inventory and sizing`. */
  section: string;
  /** The bold lead sentence (without the asterisks). */
  title: string;
  /** The whole entry as written (Markdown, one paragraph). */
  text: string;
}

/** Numbered entries of decisions.md: `N. **Title** rest`, continued by indented lines. */
export function parseDecisions(markdown: string): Decision[] {
  const out: Decision[] = [];
  let section = "";
  let current: Decision | undefined;
  for (const line of markdown.split("\n")) {
    const heading = /^##\s+(.*)$/.exec(line);
    const entry = /^(\d+)\.\s+(.*)$/.exec(line);
    if (heading) {
      section = heading[1].trim();
      current = undefined;
    } else if (entry) {
      const text = entry[2].trim();
      const title = /^\*\*(.+?)\*\*/.exec(text)?.[1] ?? text.split(/(?<=\.)\s/)[0];
      current = { number: Number(entry[1]), section, title, text };
      out.push(current);
    } else if (current && /^\s+\S/.test(line)) {
      current.text += ` ${line.trim()}`;
    } else if (line.trim() === "") {
      current = undefined;
    }
  }
  return out;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Decision numbers a stack file's text cites: `decision 19`, `decisions 53 and 67`, `decisions 7, 8`. */
export function citedDecisions(stackFileText: string): number[] {
  const out = new Set<number>();
  for (const m of stackFileText.matchAll(/decisions?\s+((?:\d+(?:\s*(?:,|and|&)\s*)?)+)/gi)) {
    for (const n of m[1].match(/\d+/g) ?? []) out.add(Number(n));
  }
  return [...out].sort((a, b) => a - b);
}

/** Why each decision applies to `site` (number → reasons), in number order. */
export function decisionsFor(site: Site, decisions: readonly Decision[], stackFileText: string): Array<{ decision: Decision; why: string[] }> {
  const cited = new Set(citedDecisions(stackFileText));
  const refs = [...site.services, ...site.deferred].map((s) => s.ref).filter((r): r is string => !!r);
  const word = (w: string) => new RegExp(`(^|[^\\w-])${escapeRe(w)}(?![\\w-])`);
  const nameRe = word(site.name);
  const refRes = refs.map((r) => [r, word(r)] as const);
  const out: Array<{ decision: Decision; why: string[] }> = [];
  for (const d of decisions) {
    const why: string[] = [];
    if (cited.has(d.number)) why.push("cited in the stack file");
    if (nameRe.test(d.section)) why.push(`under "${d.section}"`);
    else if (nameRe.test(d.text)) why.push(`names ${site.name}`);
    const named = refRes.filter(([, re]) => re.test(d.text)).map(([r]) => r);
    if (named.length > 0) why.push(`names ${named.join(", ")}`);
    if (why.length > 0) out.push({ decision: d, why });
  }
  return out;
}
