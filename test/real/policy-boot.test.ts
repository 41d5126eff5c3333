/**
 * Boots the pack the way the Pulumi CLI does (the nodejs policy host runs
 * `node @pulumi/pulumi/cmd/run-policy-pack <engine-address> <pack-dir>` with the
 * pack directory as cwd; the program registers ts-node, requires the pack and
 * `new PolicyPack` starts the analyzer gRPC server on 127.0.0.1:<random> and
 * prints the port on stdout). The test reads the port, asks the server for its
 * analyzer info over gRPC (pack name and policy names), then kills the child.
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { allPolicies } from "../../policy/all";

jest.setTimeout(90_000);

const root = path.resolve(__dirname, "../..");

describe("policy pack boot", () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  it("starts from policy/ on its own, prints its port and serves GetAnalyzerInfo", async () => {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [root] });
    child = spawn(process.execPath, [runner, "127.0.0.1:1", "."], { cwd: path.join(root, "policy"), stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d) => (stderr += d));
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`no port within 80s; stderr: ${stderr}`)), 80_000);
      child!.stdout!.on("data", (d) => {
        out += d;
        const m = /^(\d+)\s*$/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child!.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`pack exited with ${code}: ${stderr}`));
      });
    });
    expect(port).toBeGreaterThan(0);

    /* eslint-disable @typescript-eslint/no-require-imports */
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [root] }))] }));
    const { AnalyzerClient } = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
    const { Empty } = require("google-protobuf/google/protobuf/empty_pb");
    /* eslint-enable @typescript-eslint/no-require-imports */
    const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      const info = await new Promise<any>((resolve, reject) => client.getAnalyzerInfo(new Empty(), (err: Error | null, res: any) => (err ? reject(err) : resolve(res))));
      expect(info.getName()).toBe("homelab");
      expect(info.getVersion()).toBe("0.1.0");
      expect(info.getPoliciesList().map((p: any) => p.getName())).toEqual(allPolicies.map((p) => p.name));
      expect(info.getPoliciesList().every((p: any) => p.getConfigschema()?.getRequiredList().includes("site"))).toBe(true);
    } finally {
      client.close();
    }
  });
});
