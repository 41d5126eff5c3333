/**
 * Every version, Helm chart and container image used by the k8s render builders.
 *
 * Each entry says where it was verified (see docs/research/k8s.md for detail).
 * "upstream-git" = read in the project's own repository snapshot (tag + file);
 * "third-party" = the tag was seen referenced by other public deployments but was NOT
 * checked against the registry from here (no registry access) — verify with
 * `crane ls` / `docker manifest inspect` before the first deploy.
 */

export interface ChartPin {
  /** Helm repository URL. */
  readonly repo: string;
  /** Chart name inside the repository. */
  readonly chart: string;
  /** Exact chart version (never a range). */
  readonly version: string;
  /** Namespace the release goes into. */
  readonly namespace: string;
}

/**
 * k3s release. Verified: k3s-io/docs docs/release-notes/v1.34.X.md lists v1.34.2+k3s1
 * (Kubernetes v1.34.2, containerd v2.1.5-k3s1, released Nov 20 2025). Installed through the
 * get.k3s.io installer with INSTALL_K3S_VERSION; the installer checks the binary against the
 * release's sha256sum file.
 */
export const K3S_VERSION = "v1.34.2+k3s1";

/** Upstream installer script (the version it installs is pinned by INSTALL_K3S_VERSION). */
export const K3S_INSTALL_URL = "https://get.k3s.io";

/**
 * NVIDIA container toolkit on GPU nodes (k3s registers the `nvidia` runtime only when
 * nvidia-container-runtime is on PATH at start: k3s pkg/agent/containerd/nvidia.go).
 * Repository layout, keyring path and the four packages pinned to one version follow NVIDIA's
 * install guide (docs.nvidia.com/datacenter/cloud-native/container-toolkit, "Installing with Apt":
 * `deb [signed-by=…] https://nvidia.github.io/libnvidia-container/stable/deb/$(ARCH) /`).
 * Key fingerprint: the primary key of https://nvidia.github.io/libnvidia-container/gpgkey
 * (apt reports it as NO_PUBKEY DDCAE044F796ECB0 when missing). Version 1.18.1-1 is the
 * release the guide's "export NVIDIA_CONTAINER_TOOLKIT_VERSION=" step shows in the copies read
 * here (docs/research/k8s.md); check `apt-cache policy nvidia-container-toolkit` before bumping.
 */
export const NVIDIA_CONTAINER_TOOLKIT = {
  version: "1.18.1-1",
  keyUrl: "https://nvidia.github.io/libnvidia-container/gpgkey",
  keyFingerprint: "C95B321B61E88C1809C4F759DDCAE044F796ECB0",
  repoBase: "https://nvidia.github.io/libnvidia-container/stable/deb",
  keyring: "/usr/share/keyrings/nvidia-container-toolkit-keyring.gpg",
  list: "/etc/apt/sources.list.d/nvidia-container-toolkit.list",
} as const;

/**
 * The official redis image's `redis` user (docker-library/redis, alpine variants 6.2 through
 * 7.4: `addgroup -S -g 1000 redis; adduser -S -G redis -u 999 redis`). Its docker-entrypoint.sh
 * steps down from root with gosu, which needs CAP_SETUID/CAP_SETGID: a container that drops all
 * capabilities must start as this user instead.
 */
export const REDIS_ALPINE_USER = { uid: 999, gid: 1000 } as const;

export const CHARTS = {
  /**
   * MetalLB. Verified: metallb/metallb tag v0.15.3, charts/metallb/Chart.yaml (version 0.15.3),
   * charts/metallb/values.yaml (speaker.frr.enabled, crds.enabled), controller/service.go
   * (annotation `metallb.io/loadBalancerIPs`; `metallb.universe.tf/*` kept only as deprecated).
   */
  metallb: { repo: "https://metallb.github.io/metallb", chart: "metallb", version: "0.15.3", namespace: "metallb-system" },
  /**
   * ingress-nginx. Verified: kubernetes/ingress-nginx tag helm-chart-4.15.1,
   * charts/ingress-nginx/Chart.yaml (version 4.15.1, appVersion 1.15.1) and values.yaml
   * (controller.service.annotations, controller.service.loadBalancerIP marked deprecated).
   * NOTE: README at HEAD announces the project's retirement (best-effort maintenance ended March 2026).
   */
  ingressNginx: {
    repo: "https://kubernetes.github.io/ingress-nginx",
    chart: "ingress-nginx",
    version: "4.15.1",
    namespace: "ingress-nginx",
  },
  /**
   * cert-manager. Verified: cert-manager/cert-manager tag v1.20.3,
   * deploy/charts/cert-manager/values.yaml (`crds.enabled`, `crds.keep`; `installCRDs` deprecated).
   * Chart versions on charts.jetstack.io carry the leading "v".
   */
  certManager: { repo: "https://charts.jetstack.io", chart: "cert-manager", version: "v1.20.3", namespace: "cert-manager" },
  /**
   * Longhorn. Verified: longhorn/longhorn tag v1.12.1, chart/Chart.yaml (version 1.12.1,
   * kubeVersion >=1.25), chart/values.yaml (persistence.defaultClass,
   * persistence.defaultClassReplicaCount, defaultSettings.defaultReplicaCount,
   * defaultBackupStore.backupTarget — NOT defaultSettings.backupTarget in this version),
   * chart/templates/crds.yaml (RecurringJob longhorn.io/v1beta2 fields and task enum).
   */
  longhorn: { repo: "https://charts.longhorn.io", chart: "longhorn", version: "1.12.1", namespace: "longhorn-system" },
  /**
   * NVIDIA device plugin. Verified: NVIDIA/k8s-device-plugin tag v0.19.3,
   * deployments/helm/nvidia-device-plugin/values.yaml (runtimeClassName, nodeSelector,
   * default affinity requiring NFD labels feature.node.kubernetes.io/pci-10de.present).
   */
  nvidiaDevicePlugin: {
    repo: "https://nvidia.github.io/k8s-device-plugin",
    chart: "nvidia-device-plugin",
    version: "0.19.3",
    namespace: "nvidia-device-plugin",
  },
  /**
   * kube-prometheus-stack. Verified: prometheus-community/helm-charts tag
   * kube-prometheus-stack-88.5.3, charts/kube-prometheus-stack/values.yaml
   * (grafana.admin.existingSecret/userKey/passwordKey, prometheus.prometheusSpec.storageSpec,
   * retention, kubeControllerManager/kubeScheduler/kubeProxy/kubeEtcd toggles).
   */
  kubePrometheusStack: {
    repo: "https://prometheus-community.github.io/helm-charts",
    chart: "kube-prometheus-stack",
    version: "88.5.3",
    namespace: "monitoring",
  },
} as const satisfies Record<string, ChartPin>;

/**
 * AppFlowy Cloud service images. Service list, env names, ports and routes were read in
 * AppFlowy-IO/AppFlowy-Cloud HEAD 4fb9c929 (docker-compose.yml, deploy.env, nginx/nginx.conf).
 * Image names are upstream's; the tags are third-party (seen in a public AppFlowy chart that
 * pins 0.18.9 / admin 0.18.1 / web 0.18.4) — the upstream publish workflow
 * (.github/workflows/push_latest_docker.yml) tags images with the git tag name.
 */
export const APPFLOWY_IMAGES = {
  gotrue: "appflowyinc/gotrue:0.18.9",
  cloud: "appflowyinc/appflowy_cloud:0.18.9",
  worker: "appflowyinc/appflowy_worker:0.18.9",
  search: "appflowyinc/appflowy_search:0.18.9",
  adminFrontend: "appflowyinc/admin_frontend:0.18.1",
  web: "appflowyinc/appflowy_web:0.18.4",
  /** Upstream compose uses pgvector/pgvector:pg16 (floating); pinned to a pgvector release (third-party). */
  postgres: "pgvector/pgvector:0.8.6-pg16",
  /** Upstream compose uses unpinned `redis`. */
  redis: "redis:7.4.5-alpine",
  /** Upstream compose uses unpinned `minio/minio` (third-party tag). */
  minio: "minio/minio:RELEASE.2025-09-07T16-13-09Z",
} as const;

/** Other sector7 app images (third-party tags; seed used n8nio/n8n:latest which is rejected). */
export const APP_IMAGES = {
  heimdall: "lscr.io/linuxserver/heimdall:v2.7.6-ls341",
  n8n: "n8nio/n8n:2.32.7",
  nocodb: "nocodb/nocodb:0.263.8",
  postgres: "postgres:16.10-bookworm",
} as const;

/** Let's Encrypt ACME directories (staging and production). */
export const ACME_SERVERS = {
  staging: "https://acme-staging-v02.api.letsencrypt.org/directory",
  prod: "https://acme-v02.api.letsencrypt.org/directory",
} as const;

/**
 * Throws unless `ref` carries an explicit tag or digest and that tag is not `latest`.
 * Used for every image reference the builders emit.
 */
export function requirePinnedImage(ref: string): string {
  if (!ref || /\s/.test(ref)) throw new Error(`invalid image reference ${JSON.stringify(ref)}`);
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return ref;
  const lastSlash = ref.lastIndexOf("/");
  const tail = ref.slice(lastSlash + 1);
  const colon = tail.lastIndexOf(":");
  if (colon < 0) throw new Error(`image ${ref} has no tag or digest; pin it`);
  const tag = tail.slice(colon + 1);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) throw new Error(`image ${ref} has an invalid tag`);
  if (tag.toLowerCase() === "latest") throw new Error(`image ${ref} uses :latest; pin a version`);
  return ref;
}
