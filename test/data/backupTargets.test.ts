/**
 * The agents of sites without the organisation's rest-server (issue 14, decisions 370-379): ryzen9's
 * back up to its MinIO through restic's S3 backend, hx310-db's to the NAS's rest-server. What the
 * plan renders: repository strings, env files, secrets on stdin only, the MinIO user's bucket policy.
 */
import { RenderResult } from "../../scripts/lib/offline";
import { renderResticAgentSetup } from "../../components/data/resticPipeline";
import { backupAgentPlan } from "../../components/data/plan";
import { renderSite } from "../helpers/render";

const byName = (r: RenderResult, n: string) => {
  const x = r.resources.find((y) => y.name === n);
  if (!x) throw new Error(`no resource ${n}`);
  return x;
};
const stdinNames = (stdin: unknown) => String(stdin).split("\n").filter(Boolean).map((l) => l.split("=")[0]);
const agents = (r: RenderResult) => r.resources.filter((x) => x.type === "homelab:data:ResticAgent").map((x) => x.name).sort();

describe("ryzen9: restic agents back up to the site's MinIO (S3)", () => {
  let r9: RenderResult;
  beforeAll(async () => {
    r9 = await renderSite("ryzen9");
  });
  test("one agent per backed-up guest whose app is installed, no rest-server registration", () => {
    expect(agents(r9)).toEqual(backupAgentPlan(r9.site).map((p) => `ryzen9-${p.service}-backup`).sort());
    expect(agents(r9).length).toBeGreaterThanOrEqual(8);
    expect(r9.resources.some((x) => x.name.endsWith("-backup-register"))).toBe(false);
  });
  test("repository s3:https://<minio>:9000/restic/<site>-<service>, access key in the env file, secret key on stdin and in a root-only file", () => {
    const setup = byName(r9, "ryzen9-postgres-backup-setup");
    const create = String(setup.inputs.create);
    expect(create).toContain("RESTIC_REPOSITORY=s3:https://10.0.20.13:9000/restic/ryzen9-postgres");
    expect(create).toContain("AWS_ACCESS_KEY_ID=restic");
    expect(create).toContain("HOMELAB_S3_SECRET_FILE=/etc/restic/s3.secret");
    expect(create).toContain("RESTIC_CACERT=/etc/restic/s3-ca.pem");
    expect(create).not.toMatch(/^HOMELAB_REST_PASSWORD_FILE=/m);
    expect(create).not.toMatch(/^AWS_SECRET_ACCESS_KEY=/m); // the env file names only the file
    expect(stdinNames(setup.props.stdin).sort()).toEqual(["RESTIC_CA_PEM", "RESTIC_REPO_PASSWORD", "S3_SECRET_KEY"]);
    // after the MinIO user exists
    expect(setup.dependencies).toContain(byName(r9, "ryzen9-minio-restic-user").urn);
  });
  test("the restic MinIO user may touch the restic bucket alone", () => {
    const create = String(byName(r9, "ryzen9-minio-restic-user").inputs.create);
    expect(create).toContain('"$MC" mb --ignore-existing "$ALIAS/restic"');
    expect(create).toContain('"Resource":["arn:aws:s3:::restic"]');
    expect(create).toContain('"Resource":["arn:aws:s3:::restic/*"]');
    expect(create).not.toMatch(/arn:aws:s3:::(backups|pg-wal|media|archives)/);
    expect(create).toContain("mc admin user add homelab restic ");
  });
});

describe("hx310-db: restic agents back up to the NAS's rest-server (operator-run)", () => {
  test("without homelab:backupRestPassword every agent's setup stops with a one-line hint", async () => {
    const hx = await renderSite("hx310-db");
    expect(agents(hx)).toEqual(["hx310-db-gitea-backup", "hx310-db-postgres-backup", "hx310-db-vaultwarden-backup", "hx310-db-wikijs-backup"]);
    const create = String(byName(hx, "hx310-db-vaultwarden-backup-setup").inputs.create);
    expect(create).toContain('echo "restic agent hx310-db-vaultwarden: set the stack secret homelab:backupRestPassword');
  });
  test("with the password (and an optional CA) the agent uses <url><user>/<site>-<service>/, password on stdin", async () => {
    const hx = await renderSite("hx310-db", { config: { "homelab:backupRestPassword": "pw-not-in-text-4711", "homelab:backupRestCaPem": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" } });
    const setup = byName(hx, "hx310-db-gitea-backup-setup");
    const create = String(setup.inputs.create);
    expect(create).toContain("RESTIC_REPOSITORY=rest:https://hx310-db@192.168.130.10:8000/hx310-db/hx310-db-gitea/");
    expect(create).toContain("HOMELAB_REST_PASSWORD_FILE=/etc/restic/rest-server.password");
    expect(create).toContain("RESTIC_CACERT=/etc/restic/rest-server-ca.pem");
    expect(create).not.toContain("pw-not-in-text-4711");
    expect(stdinNames(setup.props.stdin).sort()).toEqual(["RESTIC_CA_PEM", "RESTIC_REPO_PASSWORD", "REST_USER_PASSWORD"]);
  });
});

describe("renderResticAgentSetup per target (pure)", () => {
  const plan = { service: "wikijs", kind: "lxc" as const, address: "192.0.2.5", vmid: 105, repoUser: "s-wikijs", hostTag: "s-wikijs", paths: ["/var/lib/wikijs"], databases: [], preBackup: [], at: "02:00", timeZone: "UTC" };
  test("external rest-server without a CA: no RESTIC_CACERT, the CA is not required", () => {
    const s = renderResticAgentSetup(plan, { kind: "external-rest", url: "http://192.0.2.9:8000", user: "s", ca: false });
    expect(s).toContain("require_env RESTIC_REPO_PASSWORD REST_USER_PASSWORD\n");
    expect(s).toContain("RESTIC_REPOSITORY=rest:http://s@192.0.2.9:8000/s/s-wikijs/");
    expect(s).not.toMatch(/^RESTIC_CACERT=/m);
  });
  test("the organisation's rest-server: unchanged repository and files", () => {
    const s = renderResticAgentSetup(plan, { kind: "rest-server", host: "192.0.2.22", port: 8000 });
    expect(s).toContain("require_env RESTIC_REPO_PASSWORD REST_USER_PASSWORD RESTIC_CA_PEM");
    expect(s).toContain("RESTIC_REPOSITORY=rest:https://s-wikijs@192.0.2.22:8000/s-wikijs/");
    expect(s).toContain("RESTIC_CACERT=/etc/restic/rest-server-ca.pem");
  });
});
