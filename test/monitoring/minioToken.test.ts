/**
 * MinIO's metrics token is generated, not pasted (decision 231): a `prometheus` MinIO user with
 * admin:Prometheus only, its secret random, and the bearer token computed from it as
 * `mc admin prometheus generate` does (minio/mc cmd/admin-prometheus-generate.go; verified by the
 * server side minio/minio RELEASE.2025-10-15T17-29-55Z cmd/jwt.go metricsRequestAuthenticate and
 * cmd/metrics.go AuthMiddleware). test/real/minio-token.test.ts verifies the token with PyJWT.
 */
import { createHmac } from "crypto";
import { minioPrometheusToken, PROMETHEUS_POLICY, PROMETHEUS_TOKEN_EXPIRY, PROMETHEUS_USER } from "../../components/data/render/minio";
import { renderMinioSetup } from "../../components/data/minio";
import { renderSite } from "../helpers/render";

const part = (t: string, i: number) => JSON.parse(Buffer.from(t.split(".")[i], "base64url").toString());

describe("the token", () => {
  const token = minioPrometheusToken("prometheus", "s3cr3t-s3cr3t");

  it("is an HS512 JWT with sub = the user, iss = prometheus and a fixed expiry", () => {
    expect(token.split(".")).toHaveLength(3);
    expect(part(token, 0)).toEqual({ alg: "HS512", typ: "JWT" });
    expect(part(token, 1)).toEqual({ exp: PROMETHEUS_TOKEN_EXPIRY, iss: "prometheus", sub: "prometheus" });
    expect(new Date(PROMETHEUS_TOKEN_EXPIRY * 1000).toISOString()).toBe("2100-01-01T00:00:00.000Z");
    // Unpadded base64url, as MinIO decodes it (internal/jwt/parser.go base64.RawURLEncoding).
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it("is signed with the user's secret key: another secret gives another signature", () => {
    const [h, p, sig] = token.split(".");
    expect(Buffer.from(sig, "base64url")).toEqual(createHmac("sha512", "s3cr3t-s3cr3t").update(`${h}.${p}`).digest());
    expect(minioPrometheusToken("prometheus", "other-secret").split(".")[2]).not.toBe(sig);
    expect(minioPrometheusToken("prometheus", "s3cr3t-s3cr3t")).toBe(token); // the same on every `up`
  });
});

describe("the MinIO setup", () => {
  const script = renderMinioSetup({ address: "192.0.2.21", volume: "/minio/data" });

  it("creates the prometheus user from the secret on stdin and gives it admin:Prometheus only", () => {
    expect(PROMETHEUS_POLICY.Statement).toEqual([{ Effect: "Allow", Action: ["admin:Prometheus"] }]);
    expect(script).toMatch(/^require_env .*MINIO_PROMETHEUS_SECRET/m);
    expect(script).toContain(`mc admin user add homelab ${PROMETHEUS_USER} "$MINIO_PROMETHEUS_SECRET"`);
    expect(script).toContain(`mc admin policy attach homelab prometheus-metrics --user ${PROMETHEUS_USER}`);
    expect(script).toContain('"admin:Prometheus"');
  });
});

describe("rendered stacks", () => {
  it.each(["bo", "ryzen9"])("%s: the Prometheus guest gets the token on stdin and the MinIO guest the user's secret", async (site) => {
    const r = await renderSite(site);
    const names = (stdin: unknown) => String(stdin).split("\n").filter(Boolean).map((l) => l.split("=")[0]);
    const prom = r.resources.find((x) => x.type === "command:remote:Command" && /-prometheus-setup$/.test(x.name))!;
    expect(names(prom.props.stdin)).toContain("MINIO_PROMETHEUS_TOKEN");
    const minio = r.resources.find((x) => x.type === "command:remote:Command" && x.name === `${site}-minio-setup`)!;
    expect(names(minio.props.stdin)).toContain("MINIO_PROMETHEUS_SECRET");
    expect(String(minio.props.create)).not.toMatch(/eyJ/); // no token in the readable script
  });
});
