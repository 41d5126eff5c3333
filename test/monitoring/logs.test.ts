/**
 * Loki + Grafana Alloy (issue 14, seed 002; decision 232): configurations rendered from the
 * inventory, checked against what the pinned upstream versions read (grafana/loki v3.7.6 config
 * structs, grafana/alloy v1.18.1 component reference; cited in components/monitoring/render/*.ts),
 * and the resources of a site with a log store. test/real/grafana-apt.test.ts runs the apt setup.
 */
import { parse } from "yaml";
import { renderLokiConfig, renderLokiDropIn, LOKI_SCHEMA_FROM } from "../../components/monitoring/render/loki";
import { renderAlloyConfig } from "../../components/monitoring/render/alloy";
import { GRAFANA_APT, renderLokiSetup } from "../../components/monitoring/logs";
import { renderGrafanaDatasource } from "../../components/monitoring/render/grafana";
import { logProblems, shipsLogs } from "../../components/inventory/monitoring";
import { loadInventory } from "../../components/inventory/load";
import { committedInventory, committedPhase, serviceIndex } from "../helpers/inventory";
import { renderSite } from "../helpers/render";

const s3 = { endpoint: "198.51.100.13:9000", bucket: "loki", accessKey: "loki", caFile: "/etc/loki/ca.pem" };

describe("Loki's configuration", () => {
  const cfg = parse(renderLokiConfig({ address: "198.51.100.21", dataDir: "/var/lib/loki", retentionDays: 30, localDays: 7, s3 }));

  it("has only the top-level sections Loki 3.7.6 reads (pkg/loki/loki.go Config, common)", () => {
    const known = ["auth_enabled", "server", "common", "schema_config", "storage_config", "compactor", "limits_config", "analytics"];
    expect(Object.keys(cfg).every((k) => known.includes(k))).toBe(true);
  });

  it("puts chunks in the object store with path-style addressing, the secret as an environment reference", () => {
    expect(cfg.common.storage).toEqual({
      s3: { endpoint: "198.51.100.13:9000", bucketnames: "loki", region: "us-east-1", access_key_id: "loki", secret_access_key: "${LOKI_S3_SECRET_KEY}", insecure: false, s3forcepathstyle: true, http_config: { ca_file: "/etc/loki/ca.pem" } },
    });
    expect(cfg.schema_config.configs).toEqual([{ from: LOKI_SCHEMA_FROM, store: "tsdb", object_store: "s3", schema: "v13", index: { prefix: "index_", period: "24h" } }]);
    expect(cfg.compactor).toEqual({ working_directory: "/var/lib/loki/compactor", retention_enabled: true, delete_request_store: "s3" });
  });

  it("keeps logs retentionDays and the index cache localDays (hours, Go durations)", () => {
    expect(cfg.limits_config.retention_period).toBe("720h");
    expect(cfg.storage_config.tsdb_shipper).toEqual({ active_index_directory: "/var/lib/loki/tsdb-index", cache_location: "/var/lib/loki/tsdb-cache", cache_ttl: "168h" });
    expect(cfg.server).toMatchObject({ http_listen_address: "198.51.100.21", http_listen_port: 3100 });
  });

  it("without an object store keeps chunks on the data mount", () => {
    const fs = parse(renderLokiConfig({ address: "198.51.100.21", dataDir: "/srv/loki/", retentionDays: 14, localDays: 3 }));
    expect(fs.common.storage).toEqual({ filesystem: { chunks_directory: "/srv/loki/chunks", rules_directory: "/srv/loki/rules" } });
    expect(fs.compactor.delete_request_store).toBe("filesystem");
    expect(fs.schema_config.configs[0].object_store).toBe("filesystem");
  });

  it("the unit's drop-in expands the environment and reads the secret from a root-only file", () => {
    expect(renderLokiDropIn({ envFile: "/etc/loki/s3.env" })).toContain("ExecStart=/usr/bin/loki -config.file /etc/loki/config.yml -config.expand-env=true");
    const script = renderLokiSetup({ address: "198.51.100.21", dataDir: "/var/lib/loki", retentionDays: 30, localDays: 7, s3, version: "3.7.6" });
    expect(script).toContain(`VENDOR_APT_KEY_FPR=${GRAFANA_APT.keyFingerprint}`);
    expect(script).toContain("vendor_apt_install loki \"$LOKI_VERSION\"");
    expect(script).toMatch(/^LOKI_VERSION=3\.7\.6$/m);
    expect(script).toContain("put_env_file /etc/loki/s3.env LOKI_S3_SECRET_KEY");
  });
});

/** A structural parse of the Alloy syntax subset the renderer writes: blocks `name "label" {`, `name {`, attributes `key = value`. */
function alloyBlocks(text: string): Array<{ path: string; attrs: string[] }> {
  const out: Array<{ path: string; attrs: string[] }> = [];
  const stack: Array<{ path: string; attrs: string[] }> = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("//")) continue;
    let m: RegExpExecArray | null;
    if ((m = /^([a-z_][a-z0-9_.]*)(?: "([^"]+)")? \{$/.exec(line))) {
      const b = { path: stack.length ? `${stack[stack.length - 1].path} > ${m[1]}` : m[1], attrs: [] as string[] };
      stack.push(b);
      out.push(b);
    } else if (line === "}") {
      if (!stack.pop()) throw new Error("unbalanced }");
    } else if ((m = /^([a-z_]+)\s*=\s*(.+)$/.exec(line))) {
      if (!stack.length) throw new Error(`attribute outside a block: ${line}`);
      stack[stack.length - 1].attrs.push(m[1]);
    } else throw new Error(`not understood: ${line}`);
  }
  if (stack.length) throw new Error("unclosed block");
  return out;
}

describe("Alloy's configuration", () => {
  const text = renderAlloyConfig({ lokiUrl: "http://198.51.100.21:3100/loki/api/v1/push", site: "ryzen9", instance: "postgres" });
  // Arguments of each block (grafana/alloy v1.18.1 docs/sources/reference/components/loki/*.md).
  const DOCUMENTED: Record<string, string[]> = {
    "loki.source.journal": ["forward_to", "format_as_json", "labels", "matches", "max_age", "path", "relabel_rules"],
    "loki.relabel": ["forward_to", "max_cache_size"],
    "loki.relabel > rule": ["action", "modulus", "regex", "replacement", "separator", "source_labels", "target_label"],
    "loki.write": ["external_labels", "max_streams"],
    "loki.write > endpoint": ["url", "batch_size", "batch_wait", "bearer_token", "bearer_token_file", "headers", "name", "remote_timeout", "tenant_id"],
  };

  it("parses into documented components with documented arguments only", () => {
    const blocks = alloyBlocks(text);
    expect(blocks.map((b) => b.path)).toEqual(["loki.relabel", "loki.relabel > rule", "loki.relabel > rule", "loki.source.journal", "loki.write", "loki.write > endpoint"]);
    for (const b of blocks) for (const a of b.attrs) expect([b.path, DOCUMENTED[b.path]?.includes(a) ? a : `undocumented ${a}`]).toEqual([b.path, a]);
  });

  it("references exist: the relabel rules and the write receiver", () => {
    expect(text).toContain("relabel_rules = loki.relabel.journal.rules");
    expect(text).toContain('loki.relabel "journal"');
    expect(text).toContain("forward_to    = [loki.write.site.receiver]");
    expect(text).toContain('loki.write "site"');
    expect(text).toContain('labels        = { job = "journal", site = "ryzen9", instance = "postgres" }');
  });
});

describe("sites with a log store", () => {
  it("ryzen9: Loki on LXC 10 with chunks in MinIO, an Alloy agent on every Debian guest, none on the appliances", async () => {
    const r = await renderSite("ryzen9");
    const names = r.resources.map((x) => x.name);
    expect(names).toContain("ryzen9-loki-loki-setup");
    expect(names).toContain("ryzen9-minio-loki-user");
    const stdin = (n: string) => String(r.resources.find((x) => x.name === n)!.props.stdin).split("\n").map((l) => l.split("=")[0]);
    expect(stdin("ryzen9-loki-loki-setup")).toEqual(expect.arrayContaining(["LOKI_S3_SECRET_KEY", "LOKI_CA_PEM"]));
    const agents = names.filter((n) => n.endsWith("-monitoring-alloy")).map((n) => n.replace(/^ryzen9-|-monitoring-alloy$/g, ""));
    const guests = r.site.services.filter((s) => (s.kind === "lxc" || s.kind === "vm") && s.ipv4);
    expect(agents.sort()).toEqual(guests.filter(shipsLogs).map((s) => s.name).sort());
    expect(agents).not.toContain("home-assistant");
    expect(agents).not.toContain("nas");
    expect(agents).toContain("loki");
    const setup = String(r.resources.find((x) => x.name === "ryzen9-loki-loki-setup")!.props.create);
    expect(setup).toContain("endpoint: 10.0.20.13:9000");
    expect(logProblems(r.site)).toEqual([]);
  });

  it("bo has no log store and so no agents", async () => {
    const r = await renderSite("bo");
    expect(r.resources.some((x) => x.name.endsWith("-alloy") || x.type === "homelab:monitoring:LokiServer")).toBe(false);
  });

  it("a guest whose network Loki's port does not admit is reported", () => {
    const inv = committedInventory("ryzen9");
    const i = serviceIndex(inv, "loki");
    inv.services[i].ports = inv.services[i].ports.map((p: any) => (p.port === 3100 ? { ...p, from: ["infra"] } : p));
    const site = loadInventory("ryzen9", inv, committedPhase("ryzen9"));
    const problems = logProblems(site);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(/^ryzen9\/postgres: 10\.0\.20\.10 cannot push logs to loki/)]));
    expect(problems.some((p) => p.startsWith("ryzen9/monitoring:"))).toBe(false);
  });

  it("Grafana gets a Loki datasource (plugin id loki) beside Prometheus when the organisation runs Loki", () => {
    const ds = parse(renderGrafanaDatasource({ prometheusUrl: "http://198.51.100.20:9090", lokiUrl: "http://198.51.100.21:3100" })).datasources;
    expect(ds.map((d: any) => [d.uid, d.type, d.url, d.isDefault])).toEqual([
      ["prometheus", "prometheus", "http://198.51.100.20:9090", true],
      ["loki", "loki", "http://198.51.100.21:3100", false],
    ]);
    expect(parse(renderGrafanaDatasource({ prometheusUrl: "http://198.51.100.20:9090" })).datasources).toHaveLength(1);
  });
});
