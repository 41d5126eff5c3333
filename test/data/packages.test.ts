import { ENSURE_CURL, ensureCommand } from "../../components/remote/packages";
import { installPinnedBinary } from "../../components/data/downloads";
import { k3sServerScript } from "../../components/k8s/render/k3s";
import { renderMinioSetup } from "../../components/data/minio";

describe("tool guards in generated scripts", () => {
  it("installs a package only when its command is missing", () => {
    expect(ensureCommand("jq", ["jq"])).toBe("command -v jq >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends jq >/dev/null; }");
    expect(() => ensureCommand("jq; rm -rf /", ["jq"])).toThrow(/invalid/);
  });

  it("every script that downloads or probes over HTTPS makes sure curl is there first", () => {
    const scripts = {
      pinned: installPinnedBinary("/usr/local/bin/mc", { url: "https://example.invalid/mc", sha256: "b".repeat(64) }, "x").join("\n"),
      k3s: k3sServerScript({ serverAddress: "192.168.2.159" }),
      minio: renderMinioSetup({ address: "192.168.9.21", volume: "/minio/data" }),
    };
    for (const [name, text] of Object.entries(scripts)) {
      const guard = text.indexOf(ENSURE_CURL);
      expect({ name, guard: guard >= 0 }).toEqual({ name, guard: true });
      expect(text.indexOf("curl -", guard + ENSURE_CURL.length)).toBeGreaterThan(guard);
      expect(text.slice(0, guard)).not.toMatch(/\bcurl -/);
    }
  });
});
