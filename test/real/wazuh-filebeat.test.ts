/**
 * Filebeat on the Wazuh all-in-one (components/apps/scripts/wazuh-filebeat.sh with the filebeat.yml
 * heredoc that bo's install renders; decision 300) run for real with bash, sha256sum, sed, openssl (the
 * VM's CA from wazuh-certs.sh) and the shell library. Stubs: apt-get/apt-mark/dpkg(-query)/gpg (the
 * vendor key check is test/real/grafana-apt.test.ts's), install's owner flags, `curl` (serves files
 * from a temp "upstream" tree and logs each URL), `filebeat` and `wazuh-keystore` (log their argv and
 * what they read on stdin). Paths under /etc, /usr/share, /var are rebased into a temp dir. The
 * upstream files are made here with their sha256 computed here: the real pins (wazuhIndexing.ts) are
 * the blobs of wazuh/wazuh v4.14.7, which cannot be fetched from this machine.
 * Proves: the package at its pin; every file fetched from the tag, held to its sha256 and installed
 * 0644 in 0755 directories; a download that differs stops the run and installs nothing; filebeat.yml
 * keeps ${username}/${password} literal; the passwords reach both keystores on stdin, never argv; the
 * manager's indexer host is pointed at the VM; a second run fetches and writes nothing.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { appPlanOf } from "../../components/apps/registry";
import { WAZUH_APT } from "../../components/apps/wazuh";
import { loadInventory, ResolvedService } from "../../components/inventory/load";
import { readScript, shellScript, vendorApt } from "../../components/shell";
import { committedInventory, committedPhase } from "../helpers/inventory";
import { run, tempDir } from "./helpers";

const dir = tempDir("homelab-wazuh-filebeat-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const root = path.join(dir, "root");
const upstream = path.join(dir, "upstream");
const stubs = path.join(dir, "stubs");
const calls = path.join(dir, "calls.log");
const BASE = "https://raw.githubusercontent.com/wazuh/wazuh/v4.14.7";
const ADDRESS = "198.51.100.26";
const PASSWORD = "admin-Secret-42";
const MODULE = ["module.yml", "_meta/config.yml", "alerts/manifest.yml", "alerts/config/alerts.yml", "alerts/ingest/pipeline.json"];

const STUBS: Record<string, string> = {
  "apt-get": 'echo "apt-get $*" >>"$CALLS"; for a in "$@"; do case "$a" in filebeat=*) echo "${a#filebeat=}" >"$ROOT/installed" ;; esac; done',
  "apt-mark": 'echo "apt-mark $*" >>"$CALLS"',
  dpkg: "exit 0",
  "dpkg-query": '[ -s "$ROOT/installed" ] && tr -d "\\n" <"$ROOT/installed"',
  gpg: "exit 0",
  install: 'args=(); while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done; exec /usr/bin/install "${args[@]}"',
  // curl -fsSL --retry 3 -o FILE URL: the URL's path under the upstream tree, or a 404.
  curl: 'out=""; url=""; while [ $# -gt 0 ]; do case "$1" in -o) out="$2"; shift 2 ;; --retry) shift 2 ;; -*) shift ;; *) url="$1"; shift ;; esac; done; echo "curl $url" >>"$CALLS"; f="$UPSTREAM/${url#"$BASE"/}"; [ -f "$f" ] || exit 22; cp "$f" "$out"',
  filebeat: 'echo "filebeat $* stdin=$([ "$1 $2" = "keystore add" ] && cat)" >>"$CALLS"; [ "$1 $2" = "keystore create" ] && : >"$ROOT/var/lib/filebeat/filebeat.keystore"; exit 0',
};

function script(): string {
  const site = loadInventory("bo", committedInventory("bo"), committedPhase("bo"));
  const plan = appPlanOf(site.services.find((s) => s.name === "wazuh") as ResolvedService, site)!;
  const ymlFn = /^wazuh_filebeat_yml\(\) \{\n[\s\S]*?\n\}$/m.exec(plan.script)![0];
  const apt = vendorApt(WAZUH_APT);
  const sums = MODULE.map((f) => `${f}=${sha256(path.join(upstream, "extensions/filebeat/7.x/wazuh-module", f))}`);
  const text = shellScript({
    title: "wazuh filebeat test",
    source: "test/real/wazuh-filebeat.test.ts",
    env: {
      ...apt.env,
      FILEBEAT_VERSION: "7.10.2-2",
      WAZUH_RAW_BASE: BASE,
      WAZUH_TEMPLATE_SHA256: sha256(path.join(upstream, "extensions/elasticsearch/7.x/wazuh-template.json")),
      WAZUH_MODULE_FILES: sums,
      CERTS: path.join(root, "etc/wazuh-certs"),
      ADDRESS,
    },
    body: [apt.body, ...["wazuh-certs", "wazuh-filebeat"].map((f) => readScript(path.join(__dirname, "../../components/apps"), `scripts/${f}.sh`)), ymlFn, 'wazuh_certs "$CERTS" "$ADDRESS"', "wazuh_filebeat"],
  });
  return text
    .replace(/(["' <(>=])\/(etc\/filebeat|usr\/share\/filebeat|var\/lib\/filebeat|var\/ossec)/g, `$1${root}/$2`)
    .replace(/^vendor_key_fpr\(\) \{.*$/m, 'vendor_key_fpr() { echo "$VENDOR_APT_KEY_FPR"; }')
    .replace(/^VENDOR_APT_KEYRING=.*$/m, `VENDOR_APT_KEYRING=${dir}/wazuh.asc`)
    .replace(/^VENDOR_APT_LIST=.*$/m, `VENDOR_APT_LIST=${dir}/wazuh.list`);
}

const sha256 = (f: string) => crypto.createHash("sha256").update(fs.readFileSync(f)).digest("hex");
const mode = (f: string) => (fs.statSync(f).mode & 0o777).toString(8);

function runIt() {
  fs.writeFileSync(calls, "");
  fs.writeFileSync(path.join(dir, "run.sh"), script(), { mode: 0o700 });
  const r = run("bash", [path.join(dir, "run.sh")], {
    env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, ROOT: root, UPSTREAM: upstream, BASE, WAZUH_ADMIN_PASSWORD: PASSWORD },
  });
  return { ...r, calls: fs.readFileSync(calls, "utf8") };
}

describe("Filebeat setup, pinned and idempotent", () => {
  beforeAll(() => {
    fs.mkdirSync(stubs, { recursive: true });
    for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    for (const f of ["extensions/elasticsearch/7.x/wazuh-template.json", ...MODULE.map((m) => `extensions/filebeat/7.x/wazuh-module/${m}`)]) {
      fs.mkdirSync(path.dirname(path.join(upstream, f)), { recursive: true });
      fs.writeFileSync(path.join(upstream, f), `${f} ${crypto.randomBytes(16).toString("hex")}\n`);
    }
    fs.writeFileSync(path.join(dir, "wazuh.asc"), "key\n");
    fs.mkdirSync(path.join(root, "var/lib/filebeat"), { recursive: true });
    fs.mkdirSync(path.join(root, "var/ossec/etc"), { recursive: true });
    fs.mkdirSync(path.join(root, "var/ossec/bin"), { recursive: true });
    fs.writeFileSync(path.join(root, "var/ossec/bin/wazuh-keystore"), '#!/usr/bin/env bash\necho "wazuh-keystore $* stdin=$(cat)" >>"$CALLS"\n', { mode: 0o755 });
    // The manager package's <indexer> block (wodle-indexer.manager.template, v4.14.7).
    fs.writeFileSync(path.join(root, "var/ossec/etc/ossec.conf"), "<ossec_config>\n  <indexer>\n    <hosts>\n      <host>https://0.0.0.0:9200</host>\n    </hosts>\n  </indexer>\n</ossec_config>\n");
  });

  it("installs the package, the pinned files (0644 in 0755 directories), certificates and filebeat.yml", () => {
    const r = runIt();
    expect(r.stderr).not.toMatch(/die|could not/);
    expect(r.status).toBe(0);
    expect(r.calls).toMatch(/apt-get install .*filebeat=7\.10\.2-2/);
    expect(r.calls).toContain(`curl ${BASE}/extensions/elasticsearch/7.x/wazuh-template.json`);
    for (const m of MODULE) {
      const dest = path.join(root, "usr/share/filebeat/module/wazuh", m);
      expect(sha256(dest)).toBe(sha256(path.join(upstream, "extensions/filebeat/7.x/wazuh-module", m)));
      expect(mode(dest)).toBe("644");
      expect(mode(path.dirname(dest))).toBe("755");
    }
    const yml = fs.readFileSync(path.join(root, "etc/filebeat/filebeat.yml"), "utf8");
    expect(yml).toContain("username: ${username}");
    expect(yml).toContain("password: ${password}");
    expect(mode(path.join(root, "etc/filebeat/filebeat.yml"))).toBe("600");
    for (const f of ["root-ca.pem", "filebeat.pem", "filebeat-key.pem"]) expect(mode(path.join(root, "etc/filebeat/certs", f))).toBe("400");
    expect(fs.readFileSync(path.join(root, "var/ossec/etc/ossec.conf"), "utf8")).toContain(`<host>https://${ADDRESS}:9200</host>`);
  });

  it("the password reaches Filebeat's and the manager's keystores on stdin, never on argv", () => {
    const lines = fs.readFileSync(calls, "utf8").split("\n");
    expect(lines).toContain("filebeat keystore create --force stdin=");
    expect(lines).toContain("filebeat keystore add username --stdin --force stdin=admin");
    expect(lines).toContain(`filebeat keystore add password --stdin --force stdin=${PASSWORD}`);
    expect(lines).toContain("wazuh-keystore -f indexer -k username stdin=admin");
    expect(lines).toContain(`wazuh-keystore -f indexer -k password stdin=${PASSWORD}`);
    // Only the stdin= part may hold it.
    for (const l of lines) expect(l.replace(/stdin=.*$/, "")).not.toContain(PASSWORD);
  });

  it("a second run fetches, installs and writes nothing", () => {
    const r = runIt();
    expect(r.status).toBe(0);
    expect(r.calls).not.toMatch(/curl|apt-get|keystore/);
    expect(r.stderr).not.toMatch(/installed|updated|written/);
  });

  it("a download that is not the pinned file stops the run and is not installed", () => {
    const m = path.join(root, "usr/share/filebeat/module/wazuh/alerts/ingest/pipeline.json");
    fs.rmSync(m);
    // The script holds the pins of the untampered tree; the "upstream" file then changes.
    fs.writeFileSync(path.join(dir, "run.sh"), script(), { mode: 0o700 });
    fs.writeFileSync(path.join(upstream, "extensions/filebeat/7.x/wazuh-module/alerts/ingest/pipeline.json"), "tampered\n");
    const r = run("bash", [path.join(dir, "run.sh")], { env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, ROOT: root, UPSTREAM: upstream, BASE, WAZUH_ADMIN_PASSWORD: PASSWORD } });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(`${BASE}/extensions/filebeat/7.x/wazuh-module/alerts/ingest/pipeline.json does not have the pinned sha256`);
    expect(fs.existsSync(m)).toBe(false);
  });
});
