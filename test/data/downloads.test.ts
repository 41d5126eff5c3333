import { DownloadsSchema, installPinnedBinary } from "../../components/data/downloads";
import { renderStack } from "../../scripts/lib/offline";

const SHA = "a".repeat(64);

describe("pinned upstream binaries", () => {
  it("without a pin, the script stops unless the binary is there, and says how to fix it", () => {
    expect(installPinnedBinary("/usr/local/bin/minio", undefined, "install MinIO")).toEqual(["require_bin /usr/local/bin/minio 'install MinIO, or set homelab:downloads'"]);
  });

  it("with a pin, it downloads, checks the sha256, unpacks a tarball member and stamps the version", () => {
    const lines = installPinnedBinary("/usr/local/bin/rest-server", { url: "https://example.invalid/rest-server_0.13.0_linux_amd64.tar.gz", sha256: SHA }, "x").join("\n");
    expect(lines).toContain(`echo '${SHA}  '"$dl/download" | sha256sum -c --quiet -`);
    expect(lines).toContain(`src="$(find "$dl" -type f -name rest-server | head -n 1)"`);
    expect(lines).toContain(`echo ${SHA} >/usr/local/bin/rest-server.sha256`);
    const plain = installPinnedBinary("/usr/local/bin/mc", { url: "https://example.invalid/mc.RELEASE.2025-08-13T08-35-41Z", sha256: SHA }, "x").join("\n");
    expect(plain).toContain('src="$dl/download"');
    expect(plain).not.toContain("tar -xzf");
  });

  it("refuses plain http and malformed digests", () => {
    expect(() => installPinnedBinary("/b", { url: "http://x/y", sha256: SHA }, "x")).toThrow(/https URL/);
    expect(() => installPinnedBinary("/b", { url: "https://x/y", sha256: "abc" }, "x")).toThrow(/sha256/);
    expect(DownloadsSchema.safeParse({ restserver: { url: "https://x", sha256: SHA } }).success).toBe(false);
  });

  it("plan bo with homelab:downloads installs rest-server from the pin; a bad pin fails with one line", async () => {
    const r = await renderStack("bo", { config: { "homelab:downloads": JSON.stringify({ restServer: { url: "https://example.invalid/rest-server_0.13.0_linux_amd64.tar.gz", sha256: SHA } }) } });
    const setup = r.resources.find((x) => x.name === "bo-restic-setup")!.inputs.create as string;
    expect(setup).toContain("curl -fsSL --retry 3 -o \"$dl/download\" https://example.invalid/rest-server_0.13.0_linux_amd64.tar.gz");
    expect(setup).not.toContain("require_bin /usr/local/bin/rest-server ");
    await expect(renderStack("bo", { config: { "homelab:downloads": JSON.stringify({ minio: { url: "https://x/minio", sha256: "nope" } }) } })).rejects.toThrow(
      /^homelab: site "bo": homelab:downloads\.minio\.sha256: must be the 64-hex-digit sha256 of the file$/,
    );
  });
});
