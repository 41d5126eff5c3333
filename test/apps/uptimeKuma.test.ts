/**
 * Uptime Kuma (bo BO-7) against louislam/uptime-kuma at tag 1.23.16: docker/dockerfile (EXPOSE 3001,
 * VOLUME /app/data), server/database.js (`kuma.db` in the data dir), server/server.js (`app.get("*")`
 * answers index.html, whose <title> is "Uptime Kuma").
 */
import { appContractProblems } from "../../components/apps/contract";
import { appPlanOf } from "../../components/apps/registry";
import { UPTIME_KUMA_IMAGE } from "../../components/apps/uptimeKuma";
import { loadInventory, ResolvedService } from "../../components/inventory/load";
import { committedInventory, committedPhase } from "../helpers/inventory";

const bo = loadInventory("bo", committedInventory("bo"), committedPhase("bo"));
const kuma = bo.services.find((s) => s.name === "uptime-kuma") as ResolvedService;
const p = appPlanOf(kuma, bo)!;

describe("Uptime Kuma on bo", () => {
  it("runs the pinned image by digest, its port on the service address, its data on the data mount", () => {
    expect(p.source).toEqual({ type: "oci", image: `${UPTIME_KUMA_IMAGE.repository}:1.23.16`, digest: UPTIME_KUMA_IMAGE.digest });
    expect(p.version).toBe("1.23.16@sha256:431fee3be822");
    expect(p.script).toContain(`OCI_IMAGE=${UPTIME_KUMA_IMAGE.repository}`);
    expect(p.script).toContain("--publish=192.168.9.25:3001:3001/tcp");
    expect(p.script).toContain("--volume=/opt/uptime-kuma/data:/app/data");
    expect(p.health).toEqual({ url: "http://192.168.9.25:3001/dashboard", expect: "<title>Uptime Kuma</title>" });
    expect(appContractProblems(kuma, p)).toEqual([]);
  });
  it("copies kuma.db consistently before restic and backs up the data mount", () => {
    expect(p.backup.paths).toEqual(["/opt/uptime-kuma/data"]);
    expect(p.backup.preBackup).toEqual(["if [ -f /opt/uptime-kuma/data/kuma.db ]; then sqlite3 /opt/uptime-kuma/data/kuma.db \".backup '/opt/uptime-kuma/data/kuma.db.backup'\"; fi"]);
    expect(p.oidc).toBeUndefined();
  });
});
