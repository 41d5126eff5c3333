import { failures, validateObjects } from "./validate";

test("the validator rejects schema errors (guards against a no-op validator)", () => {
  const bad = [
    { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, spec: { replicas: "one" } },
    { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: "x" }, spec: { acme: { server: 1 } } },
    { apiVersion: "v1", kind: "Unknown", metadata: { name: "x" } },
  ];
  expect(failures(bad)).toHaveLength(3);
  const ok = [{ apiVersion: "v1", kind: "Service", metadata: { name: "x" }, spec: { ports: [{ port: 80 }] } }];
  expect(validateObjects(ok)[0].error).toBeNull();
});
