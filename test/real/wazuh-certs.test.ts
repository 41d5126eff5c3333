/**
 * The Wazuh VM's own CA and certificates (components/apps/scripts/wazuh-certs.sh, as rendered into
 * bo's Wazuh install) generated for real with Debian's openssl in a temp dir. Proves: each
 * certificate chains to the CA; its subject in RFC 2253 form is exactly the DN the rendered
 * opensearch.yml lists (nodes_dn, admin_dn — OpenSearch's security plugin compares them); the
 * servers carry the VM's address as subjectAltName; keys are PKCS#8 (what the plugin reads); a
 * second run generates nothing.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { readScript, shellScript } from "../../components/shell";
import { renderOpenSearchYml } from "../../components/apps/wazuh";
import { run, runOk, tempDir } from "./helpers";

const dir = tempDir("homelab-wazuh-certs-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const certs = path.join(dir, "certs");
const ADDRESS = "198.51.100.26";

function generate() {
  const text = shellScript({ title: "wazuh certs test", source: "test/real/wazuh-certs.test.ts", body: [readScript(path.join(__dirname, "../../components/apps"), "scripts/wazuh-certs.sh"), `wazuh_certs ${certs} ${ADDRESS}`] });
  fs.writeFileSync(path.join(dir, "run.sh"), text, { mode: 0o700 });
  return run("bash", [path.join(dir, "run.sh")]);
}
const x509 = (...args: string[]) => runOk("openssl", ["x509", "-noout", ...args]).stdout.trim();

describe("the Wazuh VM's certificates", () => {
  let first: ReturnType<typeof generate>;
  beforeAll(() => {
    first = generate();
  }, 120_000);

  it("generates the CA and the indexer, admin, dashboard and filebeat pairs", () => {
    expect(first.status).toBe(0);
    for (const f of ["root-ca.pem", "root-ca-key.pem", "indexer.pem", "indexer-key.pem", "admin.pem", "admin-key.pem", "dashboard.pem", "dashboard-key.pem", "filebeat.pem", "filebeat-key.pem"]) expect(fs.existsSync(path.join(certs, f))).toBe(true);
  });

  it("each chains to the CA and its subject is the DN opensearch.yml names", () => {
    const yml = parse(renderOpenSearchYml(ADDRESS));
    const subject = (name: string) => x509("-in", path.join(certs, `${name}.pem`), "-subject", "-nameopt", "RFC2253").replace(/^subject=/, "");
    for (const name of ["indexer", "admin", "dashboard", "filebeat"]) {
      expect(runOk("openssl", ["verify", "-CAfile", path.join(certs, "root-ca.pem"), path.join(certs, `${name}.pem`)]).stdout).toContain(": OK");
    }
    expect([subject("indexer")]).toEqual(yml["plugins.security.nodes_dn"]);
    expect([subject("admin")]).toEqual(yml["plugins.security.authcz.admin_dn"]);
  });

  it("servers carry the VM's address; keys are PKCS#8", () => {
    for (const name of ["indexer", "dashboard"]) expect(x509("-in", path.join(certs, `${name}.pem`), "-ext", "subjectAltName")).toContain(`IP Address:${ADDRESS}`);
    for (const name of ["indexer", "admin", "dashboard", "filebeat"]) expect(fs.readFileSync(path.join(certs, `${name}-key.pem`), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it("a second run generates nothing", () => {
    const before = fs.readdirSync(certs).map((f) => [f, fs.readFileSync(path.join(certs, f), "utf8")]);
    const r = generate();
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain("generated");
    expect(fs.readdirSync(certs).map((f) => [f, fs.readFileSync(path.join(certs, f), "utf8")])).toEqual(before);
  });
});
