/**
 * Grafana Loki's configuration (decision 232), single binary, rendered from the inventory. Keys
 * checked against grafana/loki v3.7.6: pkg/loki/loki.go (top-level sections), pkg/loki/common/common.go
 * (`path_prefix`, `replication_factor`, `instance_addr`, `storage.s3`/`storage.filesystem`),
 * pkg/storage/chunk/client/aws/s3_storage_client.go S3Config (`endpoint`, `bucketnames`, `region`,
 * `access_key_id`, `secret_access_key`, `insecure`, `s3forcepathstyle` (untagged field, yaml's
 * lower-case name), `http_config.ca_file`), pkg/storage/config/schema_config.go PeriodConfig,
 * pkg/storage/factory.go + pkg/storage/stores/shipper/indexshipper/shipper.go (`tsdb_shipper`:
 * `active_index_directory`, `cache_location`, `cache_ttl`), pkg/compactor/config.go
 * (`working_directory`, `retention_enabled`, `delete_request_store` — required with retention,
 * Config.Validate), pkg/validation/limits.go (`retention_period`), pkg/analytics/reporter.go
 * (`reporting_enabled`), dskit server (`http_listen_address`/`_port`, `grpc_listen_address`/`_port`);
 * `common.ring.kvstore.store: inmemory` as in cmd/loki/loki-local-config.yaml. The S3 secret is
 * `${LOKI_S3_SECRET_KEY}`, expanded by `-config.expand-env=true` (pkg/util/cfg/files.go).
 */
import { stringify } from "yaml";

/** Loki's HTTP port (push, queries, /metrics, /ready). */
export const LOKI_PORT = 3100;
/** The first day of the only schema period: fixed, a later date would hide what was written before it. */
export const LOKI_SCHEMA_FROM = "2024-04-01";
/** The environment variable holding the S3 secret key (EnvironmentFile of the unit's drop-in). */
export const LOKI_S3_SECRET_ENV = "LOKI_S3_SECRET_KEY";

export interface LokiConfigArgs {
  /** Listen address (the service's IPv4). */
  address: string;
  /** The data mount (WAL, TSDB index, compactor; chunks too without an object store). */
  dataDir: string;
  retentionDays: number;
  /** Days of index kept in the local cache. */
  localDays: number;
  /** Chunks in the site's object store; undefined: on the data mount. */
  s3?: { endpoint: string; bucket: string; accessKey: string; caFile: string };
}

/** /etc/loki/config.yml (no secret: the S3 key is an environment reference). */
export function renderLokiConfig(a: LokiConfigArgs): string {
  const d = a.dataDir.replace(/\/+$/, "");
  const store = a.s3 ? "s3" : "filesystem";
  const storage = a.s3
    ? {
        s3: {
          endpoint: a.s3.endpoint,
          bucketnames: a.s3.bucket,
          // MinIO accepts any region when it has none configured (minio/minio cmd/signature-v4-utils.go isValidRegion).
          region: "us-east-1",
          access_key_id: a.s3.accessKey,
          secret_access_key: `\${${LOKI_S3_SECRET_ENV}}`,
          insecure: false,
          s3forcepathstyle: true,
          http_config: { ca_file: a.s3.caFile },
        },
      }
    : { filesystem: { chunks_directory: `${d}/chunks`, rules_directory: `${d}/rules` } };
  const doc = {
    auth_enabled: false,
    server: { http_listen_address: a.address, http_listen_port: 3100, grpc_listen_address: "127.0.0.1", grpc_listen_port: 9096, log_level: "info" },
    common: { instance_addr: "127.0.0.1", path_prefix: d, replication_factor: 1, ring: { kvstore: { store: "inmemory" } }, storage },
    schema_config: { configs: [{ from: LOKI_SCHEMA_FROM, store: "tsdb", object_store: store, schema: "v13", index: { prefix: "index_", period: "24h" } }] },
    storage_config: { tsdb_shipper: { active_index_directory: `${d}/tsdb-index`, cache_location: `${d}/tsdb-cache`, cache_ttl: `${a.localDays * 24}h` } },
    compactor: { working_directory: `${d}/compactor`, retention_enabled: true, delete_request_store: store },
    limits_config: { retention_period: `${a.retentionDays * 24}h` },
    analytics: { reporting_enabled: false },
  };
  return "# Managed by homelab (components/monitoring/render/loki.ts).\n" + stringify(doc, { lineWidth: 0 });
}

/** The systemd drop-in: the S3 secret from a root-only file, and environment expansion on. */
export function renderLokiDropIn(a: { envFile?: string }): string {
  return [
    "# Managed by homelab (components/monitoring/render/loki.ts).",
    "[Service]",
    ...(a.envFile ? [`EnvironmentFile=${a.envFile}`] : []),
    "ExecStart=",
    "ExecStart=/usr/bin/loki -config.file /etc/loki/config.yml -config.expand-env=true",
    "",
  ].join("\n");
}
