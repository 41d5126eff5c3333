/**
 * Commands whose stdout is a secret (NetBird's setup keys, the k3s kubeconfig) never log it and never
 * hand it to the next run's environment. @pulumi/command 1.2.1 (sdk/nodejs/types/enums/remote):
 * `logging` "stdoutAndStderr" is the default; `addPreviousOutputInEnv` defaults to true.
 */
import { renderSite } from "../helpers/render";

describe.each([
  ["bo", "bo-netbird-api-setup"],
  ["orion", "orion-k3s-kubeconfig"],
  ["sector7", "sector7-k3s-kubeconfig"],
])("%s", (site, name) => {
  it(`${name} keeps its stdout out of logs and environment`, async () => {
    const r = await renderSite(site);
    const cmd = r.resources.find((x) => x.name === name);
    expect(cmd?.inputs).toMatchObject({ logging: "stderr", addPreviousOutputInEnv: false });
  });
});
