/** Escaping for text and attribute values in the report's HTML and SVG. */
const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** `text` safe inside an element or a double- or single-quoted attribute. */
export function esc(text: string | number | undefined): string {
  return String(text ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
