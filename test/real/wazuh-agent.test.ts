/**
 * The Wazuh agent setup (components/apps/scripts/wazuh-agent.sh, rendered for bo's PostgreSQL guest)
 * run for real with bash, sed and the shell library; apt-get, apt-mark, dpkg(-query), systemctl and
 * install's owner flags are stubs, /var/ossec is rebased into a temp dir and the vendor key check is
 * taken as done (test/real/grafana-apt.test.ts runs it). Proves: the package is installed at the
 * manager's version with the deployment variables in its environment, authd.pass holds the enrolment
 * password, the server address is pointed at the manager, and a second run changes nothing.
 */
import * as fs from "fs";
import * as path from "path";
import { renderWazuhAgentSetup } from "../../components/apps/wazuhAgents";
import { run, tempDir } from "./helpers";

const dir = tempDir("homelab-wazuh-agent-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const stubs = path.join(dir, "stubs");
const calls = path.join(dir, "calls.log");
const state = path.join(dir, "installed");
const etc = path.join(dir, "ossec/etc");

const STUBS: Record<string, string> = {
  "apt-get": 'echo "apt-get $* MANAGER=${WAZUH_MANAGER:-} PASSWORD=${WAZUH_REGISTRATION_PASSWORD:-}" >>"$CALLS"; for a in "$@"; do case "$a" in wazuh-agent=*) echo "${a#wazuh-agent=}" >"$STATE" ;; esac; done',
  "apt-mark": 'echo "apt-mark $*" >>"$CALLS"',
  dpkg: "exit 0",
  "dpkg-query": '[ -s "$STATE" ] && tr -d "\\n" <"$STATE"',
  systemctl: 'echo "systemctl $*" >>"$CALLS"',
  install: 'args=(); while [ $# -gt 0 ]; do case "$1" in -o|-g) shift 2 ;; *) args+=("$1"); shift ;; esac; done; exec /usr/bin/install "${args[@]}"',
  gpg: "exit 0",
};

function runSetup() {
  fs.writeFileSync(calls, "");
  const text = renderWazuhAgentSetup({ version: "4.14.7", manager: "198.51.100.26", guest: "postgres" })
    .replace(/\/var\/ossec\/etc/g, etc)
    // The key check: the keyring is taken as installed with the pinned fingerprint.
    .replace(/^vendor_key_fpr\(\) \{.*$/m, 'vendor_key_fpr() { echo "$VENDOR_APT_KEY_FPR"; }')
    .replace(/^VENDOR_APT_KEYRING=.*$/m, `VENDOR_APT_KEYRING=${dir}/wazuh.asc`)
    .replace(/^VENDOR_APT_LIST=.*$/m, `VENDOR_APT_LIST=${dir}/wazuh.list`);
  fs.writeFileSync(path.join(dir, "setup.sh"), text, { mode: 0o700 });
  const r = run("bash", [path.join(dir, "setup.sh")], { env: { ...process.env, PATH: `${stubs}:${process.env.PATH}`, CALLS: calls, STATE: state, WAZUH_ENROLMENT_PASSWORD: "enrol-secret-123" } });
  return { status: r.status, log: r.stderr, calls: fs.readFileSync(calls, "utf8") };
}

describe("Wazuh agent setup, idempotent", () => {
  beforeAll(() => {
    fs.mkdirSync(stubs, { recursive: true });
    for (const [name, body] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubs, name), `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
    fs.mkdirSync(etc, { recursive: true });
    fs.writeFileSync(path.join(dir, "wazuh.asc"), "key\n");
    // The package's agent configuration (what its postinst leaves without WAZUH_MANAGER applied).
    fs.writeFileSync(path.join(etc, "ossec.conf"), "<ossec_config>\n  <client>\n    <server>\n      <address>MANAGER_IP</address>\n      <port>1514</port>\n    </server>\n  </client>\n</ossec_config>\n");
  });

  it("installs the manager's version with the deployment variables, keeps authd.pass and the address", () => {
    const r = runSetup();
    expect(r.status).toBe(0);
    expect(r.calls).toMatch(/apt-get install .*wazuh-agent=4\.14\.7-1 MANAGER=198\.51\.100\.26 PASSWORD=enrol-secret-123/);
    expect(r.calls).toContain("apt-mark hold wazuh-agent");
    expect(fs.readFileSync(path.join(etc, "authd.pass"), "utf8")).toBe("enrol-secret-123\n");
    expect(fs.readFileSync(path.join(etc, "ossec.conf"), "utf8")).toContain("<address>198.51.100.26</address>");
    expect(r.calls).toContain("systemctl restart wazuh-agent.service");
  });

  it("a second run installs nothing and restarts nothing", () => {
    const r = runSetup();
    expect(r.status).toBe(0);
    expect(r.calls).not.toMatch(/apt-get|apt-mark|restart/);
    expect(r.calls).toContain("systemctl start wazuh-agent.service");
  });
});
