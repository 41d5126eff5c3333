/** AppFlowy's routes (see appflowyConfig.ts). */
import { ingress, labelsFor, tlsSecretName } from "./common";
import { APPFLOWY_PORTS, APPFLOWY_SERVICES, PART_OF } from "./appflowyConfig";

/**
 * Routes of upstream nginx/nginx.conf as Ingresses on one host. nginx-ingress annotations
 * apply per Ingress, so each route family with different proxy settings gets its own.
 * Only the main Ingress carries the cert-manager annotation (one Certificate per secret).
 * Note: `use-regex` on the rewrite Ingresses makes ingress-nginx treat every path on this
 * host as a regex; all paths here are anchored prefixes, so routing is unchanged.
 * The MinIO console (/minio/) and pgadmin are deliberately not exposed.
 */
export function appflowyIngresses(args: { namespace: string; host: string; clusterIssuer: string }) {
  const { namespace, host } = args;
  const S = APPFLOWY_SERVICES;
  const P = APPFLOWY_PORTS;
  const tls = tlsSecretName(host);
  const L = labelsFor("appflowy", "ingress", PART_OF);
  const A = "nginx.ingress.kubernetes.io/";
  return [
    ingress({
      name: "appflowy",
      namespace,
      host,
      tlsSecret: tls,
      labels: L,
      clusterIssuer: args.clusterIssuer,
      annotations: { [`${A}proxy-body-size`]: "256m", [`${A}proxy-read-timeout`]: "600", [`${A}proxy-send-timeout`]: "600" },
      paths: [
        { path: "/api", pathType: "Prefix", service: S.cloud, port: P.cloud },
        { path: "/ai", pathType: "Prefix", service: S.cloud, port: P.cloud },
        { path: "/console", pathType: "Prefix", service: S.adminFrontend, port: P.adminFrontend },
        { path: "/", pathType: "Prefix", service: S.web, port: P.web },
      ],
    }),
    ingress({
      name: "appflowy-import",
      namespace,
      host,
      tlsSecret: tls,
      labels: L,
      annotations: {
        [`${A}proxy-body-size`]: "2g",
        [`${A}proxy-request-buffering`]: "off",
        [`${A}proxy-buffering`]: "off",
        [`${A}proxy-read-timeout`]: "600",
        [`${A}proxy-send-timeout`]: "600",
        [`${A}proxy-connect-timeout`]: "600",
      },
      paths: [{ path: "/api/import", pathType: "Prefix", service: S.cloud, port: P.cloud }],
    }),
    ingress({
      name: "appflowy-ws",
      namespace,
      host,
      tlsSecret: tls,
      labels: L,
      annotations: { [`${A}proxy-read-timeout`]: "86400", [`${A}proxy-send-timeout`]: "86400" },
      paths: [{ path: "/ws", pathType: "Prefix", service: S.cloud, port: P.cloud }],
    }),
    ingress({
      name: "appflowy-gotrue",
      namespace,
      host,
      tlsSecret: tls,
      labels: L,
      annotations: { [`${A}use-regex`]: "true", [`${A}rewrite-target`]: "/$2" },
      paths: [{ path: "/gotrue(/|$)(.*)", pathType: "ImplementationSpecific", service: S.gotrue, port: P.gotrue }],
    }),
    ingress({
      name: "appflowy-minio-api",
      namespace,
      host,
      tlsSecret: tls,
      labels: L,
      annotations: {
        [`${A}use-regex`]: "true",
        [`${A}rewrite-target`]: "/$2",
        // Presigned URLs are signed for the internal endpoint; upstream nginx sends Host minio:9000.
        [`${A}upstream-vhost`]: `${S.minio}:${P.minioApi}`,
        [`${A}proxy-body-size`]: "1000m",
        [`${A}proxy-request-buffering`]: "off",
        [`${A}proxy-connect-timeout`]: "300",
      },
      paths: [{ path: "/minio-api(/|$)(.*)", pathType: "ImplementationSpecific", service: S.minio, port: P.minioApi }],
    }),
  ];
}
