/** homelab-monitoring-coverage: the passing example, and one field of it changed per failing case. */
import { baseConfig, baseResources, messages } from "./harness";

const POLICY = "homelab-monitoring-coverage";
const without = (name: string) => baseResources().filter((r) => r.name !== `t-${name}-monitoring`);
const edited = (name: string, props: Record<string, unknown>) =>
  baseResources().map((r) => (r.name === `t-${name}-monitoring` ? { ...r, props: { ...r.props, ...props } } : r));

describe(POLICY, () => {
  it("passes the example: every guest measured, the backed-up database watched", async () => {
    expect(await messages(POLICY, baseResources())).toEqual([]);
  });
  it("refuses a guest without node_exporter", async () => {
    expect(await messages(POLICY, without("web"))).toEqual(["vm web (vmid 102) has no node_exporter: the organisation runs Prometheus, and an unmeasured guest fails unnoticed"]);
    expect(await messages(POLICY, edited("app", { exporters: [] }))).toEqual(["lxc app (vmid 100) has no node_exporter: the organisation runs Prometheus, and an unmeasured guest fails unnoticed"]);
  });
  it("asks no node_exporter of an appliance VM (tag appliance: the program never enters it), and only of that one", async () => {
    const tagged = (tag: string) => without("web").map((r) => (r.name === "web" || (r.props as any).vmId === 102 ? { ...r, props: { ...r.props, tags: [...((r.props as any).tags ?? []), tag] } } : r));
    expect(await messages(POLICY, tagged("appliance"))).toEqual([]);
    expect(await messages(POLICY, tagged("appliances"))).toEqual(["vm web (vmid 102) has no node_exporter: the organisation runs Prometheus, and an unmeasured guest fails unnoticed"]);
  });
  it("refuses a stateful, restic-backed guest without the backup-freshness alert", async () => {
    expect(await messages(POLICY, edited("db", { alerts: ["BackupNeverReported"] }))).toEqual(["lxc db (vmid 101) is stateful and backed up by restic, but no BackupStale alert watches its backups"]);
  });
  it("asks nothing of an organisation without Prometheus", async () => {
    expect(await messages(POLICY, without("web"), { ...baseConfig(), monitored: false })).toEqual([]);
  });
  it("asks no freshness alert of an exempt guest", async () => {
    const config = { ...baseConfig(), backups: [{ name: "db", method: "exempt" as const, paths: [], reason: "it is the backup store itself" }] };
    expect(await messages(POLICY, edited("db", { alerts: [] }), config)).toEqual([]);
  });
});
