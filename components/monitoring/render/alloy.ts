/**
 * Grafana Alloy on every LXC and VM of a site with a log store (decision 232): the systemd journal
 * to Loki, labelled with the site, the guest and the unit. node_exporter stays the metrics agent
 * (decision 113). Components and arguments checked against grafana/alloy v1.18.1
 * docs/sources/reference/components/loki/: loki.source.journal (`forward_to`, `relabel_rules`,
 * `labels`, `max_age`; internal labels `__journal_<field>`, e.g. `__journal__systemd_unit`),
 * loki.relabel (`forward_to`, `rule` blocks with `source_labels`/`target_label`; exports `rules`),
 * loki.write (`endpoint` block, `url` required). The package (packaging/deb/alloy.service) runs
 * `alloy run $CUSTOM_ARGS --storage.path=/var/lib/alloy/data $CONFIG_FILE` as user `alloy`, whom its
 * postinst adds to `systemd-journal` and `adm`; CONFIG_FILE is /etc/alloy/config.alloy
 * (packaging/environment-file, /etc/default/alloy).
 */

/** Alloy's config path (the package's CONFIG_FILE). */
export const ALLOY_CONFIG = "/etc/alloy/config.alloy";

/** An Alloy string literal (double-quoted, escaped as in Go). */
function str(v: string): string {
  return JSON.stringify(v);
}

/** /etc/alloy/config.alloy for one guest. */
export function renderAlloyConfig(a: { lokiUrl: string; site: string; instance: string }): string {
  return [
    "// Managed by homelab (components/monitoring/render/alloy.ts).",
    'loki.relabel "journal" {',
    "  forward_to = []",
    "  rule {",
    '    source_labels = ["__journal__systemd_unit"]',
    '    target_label  = "unit"',
    "  }",
    "  rule {",
    '    source_labels = ["__journal_priority_keyword"]',
    '    target_label  = "level"',
    "  }",
    "}",
    "",
    'loki.source.journal "journal" {',
    '  max_age       = "12h"',
    "  relabel_rules = loki.relabel.journal.rules",
    `  labels        = { job = "journal", site = ${str(a.site)}, instance = ${str(a.instance)} }`,
    "  forward_to    = [loki.write.site.receiver]",
    "}",
    "",
    'loki.write "site" {',
    "  endpoint {",
    `    url = ${str(a.lokiUrl)}`,
    "  }",
    "}",
    "",
  ].join("\n");
}
