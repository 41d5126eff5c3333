/**
 * MinIO's Prometheus token (decision 231) checked by an independent JWT implementation: Debian's
 * python3-jwt (PyJWT 2.6) decodes the token computed in TypeScript, verifying the HS512 signature
 * with the user's secret and the `iss` claim MinIO's AuthMiddleware requires
 * (minio/minio RELEASE.2025-10-15T17-29-55Z cmd/metrics.go VerifyIssuer("prometheus")), and refuses
 * it under another secret. MinIO itself is an upstream binary not available here.
 */
import { minioPrometheusToken, PROMETHEUS_TOKEN_EXPIRY } from "../../components/data/render/minio";
import { run } from "./helpers";

const PY = "/usr/bin/python3"; // Debian's interpreter, where python3-jwt is installed
const decode = `
import json, sys, jwt
token, secret = sys.argv[1], sys.argv[2]
try:
    print(json.dumps(jwt.decode(token, secret, algorithms=["HS512"], issuer="prometheus")))
except jwt.InvalidTokenError as e:
    print("invalid: " + type(e).__name__)
`;

describe("PyJWT verifies the TypeScript-made MinIO token", () => {
  const secret = "Zq8vN2kLw4xR7tY1uI9oP3aS6dF0gH5jK2lM8nB4";
  const token = minioPrometheusToken("prometheus", secret);

  it("decodes with the user's secret, HS512, issuer prometheus", () => {
    const r = run(PY, ["-c", decode, token, secret]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ exp: PROMETHEUS_TOKEN_EXPIRY, iss: "prometheus", sub: "prometheus" });
  });

  it("is refused under another secret", () => {
    const r = run(PY, ["-c", decode, token, "another-secret-another-secret"]);
    expect(r.stdout.trim()).toBe("invalid: InvalidSignatureError");
  });
});
