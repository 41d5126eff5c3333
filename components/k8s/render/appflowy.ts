/**
 * AppFlowy Cloud on Kubernetes, derived from upstream docker-compose.yml / deploy.env /
 * nginx/nginx.conf (AppFlowy-IO/AppFlowy-Cloud HEAD 4fb9c929). Pure: every secret value is a
 * reference to a key of ONE Secret (`secretName`) whose stringData the lead builds from Pulumi
 * Outputs; database URLs (which must embed the password) come from `appflowyUrls()`.
 * One file per artifact: appflowyConfig.ts (keys, names, ports, URLs, shared context),
 * appflowyStores.ts, appflowyServers.ts, appflowyIngress.ts.
 */
import { K8sObject } from "./common";
import { AppflowyArgs, appflowyContext } from "./appflowyConfig";
import { appflowyStores } from "./appflowyStores";
import { appflowyServers } from "./appflowyServers";
import { appflowyIngresses } from "./appflowyIngress";

export {
  APPFLOWY_PORTS,
  APPFLOWY_SECRET_KEYS,
  APPFLOWY_SERVICES,
  appflowyUrls,
  type AppflowyArgs,
  type AppflowyImages,
  type AppflowyUrlArgs,
} from "./appflowyConfig";
export { appflowyIngresses } from "./appflowyIngress";
export { REDIS_SECURITY_CONTEXT } from "./appflowyStores";

export function appflowyManifests(args: AppflowyArgs): K8sObject[] {
  const c = appflowyContext(args);
  return [...appflowyStores(c), ...appflowyServers(c), ...appflowyIngresses({ namespace: c.ns, host: c.host, clusterIssuer: args.clusterIssuer })];
}
