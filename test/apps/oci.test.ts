/**
 * The OCI runner (components/apps/oci.ts): the unit in the shape of `podman generate systemd --new`
 * (containers/podman v4.3.1 pkg/systemd/generate/containers.go; restart policy from
 * pkg/systemd/define/const.go; TimeoutStopSec = 60 + stop timeout, common.go), env files as podman
 * reads them (pkg/env/env.go ParseFile: NAME=VALUE per line, literal), the image by digest only.
 */
import { ociAppScript, OciContainer, ociReference, ociScriptEnv, ociSource, ociVersion, renderOciEnv, renderOciUnit, unitWord } from "../../components/apps/oci";

const DIGEST = `sha256:${"a1".repeat(32)}`;
const base: OciContainer = {
  name: "webui",
  image: "ghcr.io/example/webui",
  tag: "v1.2.3",
  digest: DIGEST,
  pinHint: "set app.image of service \"webui\"",
  env: { PORT: "8080", PROVIDERS: '{"a": "b c"}' },
  secretEnv: ["WEBUI_SECRET_KEY"],
  volumes: [{ host: "/srv/webui", container: "/app/data", owner: "1000:1000" }, { host: "/etc/webui/conf.d", container: "/conf", readOnly: true }],
  publish: [{ address: "198.51.100.21", hostPort: 8080, containerPort: 8080, protocol: "tcp" }],
};
const execStart = (u: string) => u.match(/^ExecStart=(.*)$/m)![1];

describe("the container unit", () => {
  const unit = renderOciUnit(base);
  it("runs the image by digest with podman generate systemd --new's flags", () => {
    expect(execStart(unit).startsWith("/usr/bin/podman run --cidfile=%t/%n.ctr-id --cgroups=no-conmon --rm --sdnotify=conmon -d --replace --name webui --pull=never --stop-timeout=10 ")).toBe(true);
    expect(execStart(unit).endsWith(` ghcr.io/example/webui@${DIGEST}`)).toBe(true);
    expect(unit).toContain("\nType=notify\nNotifyAccess=all\n");
    expect(unit).toContain("\nRestart=on-failure\n");
    expect(unit).toContain("\nTimeoutStopSec=70\n");
    expect(unit).toContain("\nExecStop=/usr/bin/podman stop --ignore -t 10 --cidfile=%t/%n.ctr-id\n");
    expect(unit).toContain("\nExecStopPost=/usr/bin/podman rm -f --ignore -t 10 --cidfile=%t/%n.ctr-id\n");
    expect(unit).toContain("\nEnvironment=PODMAN_SYSTEMD_UNIT=%n\n");
  });
  it("publishes on the service address only, mounts the data directories, reads both env files", () => {
    expect(execStart(unit)).toContain(" --publish=198.51.100.21:8080:8080/tcp ");
    expect(execStart(unit)).toContain(" --volume=/srv/webui:/app/data --volume=/etc/webui/conf.d:/conf:ro ");
    expect(execStart(unit)).toContain(" --env-file=/etc/homelab/oci/webui.env --env-file=/etc/homelab/oci/webui.secret.env ");
    expect(unit).toContain("\nRequiresMountsFor=/srv/webui /etc/webui/conf.d\n");
    expect(renderOciUnit({ ...base, publish: [{ address: "2001:db8::21", hostPort: 53, containerPort: 53, protocol: "udp" }] })).toContain("--publish=[2001:db8::21]:53:53/udp");
  });
  it("has no secret env file when the container has no secrets", () => {
    expect(renderOciUnit({ ...base, secretEnv: [] })).not.toContain(".secret.env");
  });
  it("escapes systemd specifiers and variables in the words it takes from modules", () => {
    expect(unitWord("plain/word:1")).toBe("plain/word:1");
    expect(unitWord("100%")).toBe("100%%");
    expect(unitWord("$HOME")).toBe('"$$HOME"');
    expect(unitWord('say "hi" now')).toBe('"say \\"hi\\" now"');
    expect(execStart(renderOciUnit({ ...base, args: ["--log", "a b"] }))).toMatch(/@sha256:[0-9a-f]{64} --log "a b"$/);
  });
  it("refuses a container it cannot run safely", () => {
    expect(() => renderOciUnit({ ...base, publish: [{ address: "0.0.0.0", hostPort: 80, containerPort: 80, protocol: "tcp" }] })).toThrow(/service address/);
    expect(() => renderOciUnit({ ...base, env: { A: "x\ny" } })).toThrow(/newline/);
    expect(() => renderOciUnit({ ...base, name: "Web UI" })).toThrow(/lower-case/);
    expect(() => renderOciUnit({ ...base, image: "ghcr.io/example/webui:latest" })).toThrow(/without tag or digest/);
    expect(() => renderOciUnit({ ...base, digest: "sha256:abc" })).toThrow();
    expect(() => renderOciUnit({ ...base, digest: undefined })).toThrow(/not pinned: set app.image/);
  });
});

describe("env files and pins", () => {
  it("writes NAME=VALUE lines taken literally (quotes kept)", () => {
    expect(renderOciEnv(base).split("\n").slice(1)).toEqual(["PORT=8080", 'PROVIDERS={"a": "b c"}', ""]);
  });
  it("the source is the image by digest, or unpinned with the setting to fill", () => {
    expect(ociReference(base)).toBe(`ghcr.io/example/webui@${DIGEST}`);
    expect(ociSource(base)).toEqual({ type: "oci", image: "ghcr.io/example/webui:v1.2.3", digest: DIGEST });
    expect(ociSource({ ...base, digest: undefined })).toEqual({ type: "unpinned", package: "ghcr.io/example/webui", hint: base.pinHint });
    expect(ociVersion(base)).toBe("v1.2.3@sha256:a1a1a1a1a1a1");
    expect(ociVersion({ ...base, digest: undefined })).toBe("v1.2.3@unpinned");
  });
  it("an unpinned container renders a script that stops with the hint (no unit)", () => {
    const env = ociScriptEnv({ ...base, digest: undefined });
    expect(env.OCI_DIGEST).toBe("");
    expect(env.OCI_UNIT_TEXT).toBe("");
  });
});

describe("the install script", () => {
  const script = ociAppScript({ title: "webui", source: "test", logTag: "webui", container: base, health: { url: "http://198.51.100.21:8080/health", expect: "true" }, before: "log before-step", after: "log after-step" });
  it("carries secret names only, the app's steps around the runner", () => {
    expect(script).toContain("OCI_SECRET_VARS=(WEBUI_SECRET_KEY)");
    expect(script).toContain("OCI_VOLUME_DIRS=(/srv/webui)");
    expect(script).toContain("OCI_VOLUME_OWNERS=(1000:1000)");
    expect(script.indexOf("log before-step")).toBeLessThan(script.indexOf("podman pull"));
    expect(script.indexOf("podman pull")).toBeLessThan(script.indexOf("log after-step"));
    expect(script).toContain("HEALTH_URL=http://198.51.100.21:8080/health");
  });
});
