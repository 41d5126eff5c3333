/**
 * MinIO on bo: upstream binaries (pre-installed, not in Debian), HTTPS (pgBackRest's S3 driver only
 * speaks HTTPS), buckets backups/archives (versioned), media, pg-wal, and a least-privilege
 * `pgbackrest` user limited to the pg-wal bucket. Root and pgBackRest credentials are random and secret.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { DEFAULT_MINIO_BUCKETS, MinioBucket, minioBucketLines, minioPrometheusToken, PROMETHEUS_POLICY, PROMETHEUS_USER, renderMinioEnv, renderMinioUnit } from "./render/minio";
import { GuestConnection, remoteScript } from "../remote/script";
import { putEnv, putText, shellScript, shq } from "../shell";
import { serviceTls, TlsPair } from "./tlsCert";
import { Downloads, installPinnedBinary } from "./downloads";
import { ENSURE_CURL } from "../remote/packages";

/** Pure: the MinIO setup script (no secrets; reads MINIO_ROOT_USER/PASSWORD, MINIO_TLS_CERT/KEY, PGBACKREST_S3_KEY/_SECRET, MINIO_PROMETHEUS_SECRET). */
export function renderMinioSetup(a: { address: string; port?: number; consolePort?: number; volume: string; buckets?: MinioBucket[]; pgBackRestBucket?: string; downloads?: Pick<Downloads, "minio" | "mc"> }): string {
  const port = a.port ?? 9000;
  const url = `https://${a.address}:${port}`;
  const bucket = a.pgBackRestBucket ?? "pg-wal";
  const policy = JSON.stringify(
    {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucket"], Resource: [`arn:aws:s3:::${bucket}`] },
        { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: [`arn:aws:s3:::${bucket}/*`] },
      ],
    },
    null,
    2,
  );
  const body = [
    "require_env MINIO_ROOT_USER MINIO_ROOT_PASSWORD MINIO_TLS_CERT MINIO_TLS_KEY PGBACKREST_S3_KEY PGBACKREST_S3_KEY_SECRET MINIO_PROMETHEUS_SECRET",
    ...installPinnedBinary("/usr/local/bin/minio", a.downloads?.minio, "install the pinned upstream MinIO server binary"),
    ...installPinnedBinary("/usr/local/bin/mc", a.downloads?.mc, "install the pinned upstream MinIO client (Debian mc is Midnight Commander)"),
    "id -u minio-user >/dev/null 2>&1 || useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin minio-user",
    `install -d -o minio-user -g minio-user -m 0750 ${shq(a.volume)} /etc/minio/certs`,
    ...putText("/etc/default/minio", "0644", "root:root", renderMinioEnv({ volumes: a.volume, address: `${a.address}:${port}`, consoleAddress: `${a.address}:${a.consolePort ?? 9001}`, certsDir: "/etc/minio/certs" })),
    "put_env_file /etc/minio/credentials.env MINIO_ROOT_USER MINIO_ROOT_PASSWORD",
    putEnv("/etc/minio/certs/public.crt", "0644", "minio-user:minio-user", "MINIO_TLS_CERT"),
    putEnv("/etc/minio/certs/private.key", "0600", "minio-user:minio-user", "MINIO_TLS_KEY"),
    ...putText("/etc/systemd/system/minio.service", "0644", "root:root", renderMinioUnit({ envFile: "/etc/default/minio", credentialsEnvFile: "/etc/minio/credentials.env" })),
    "systemctl daemon-reload",
    "converge_units minio.service",
    "# mc trusts the server certificate through its CA directory",
    "install -d -m 0700 /root/.mc/certs/CAs",
    "install -m 0644 /etc/minio/certs/public.crt /root/.mc/certs/CAs/homelab-minio.crt",
    ENSURE_CURL,
    `for _ in $(seq 1 60); do curl -fsS --cacert /etc/minio/certs/public.crt ${shq(`${url}/minio/health/live`)} >/dev/null 2>&1 && break; sleep 2; done`,
    "",
    "# buckets (idempotent)",
    ...minioBucketLines({ buckets: a.buckets ?? DEFAULT_MINIO_BUCKETS, url }),
    "",
    `# least-privilege pgBackRest user (${bucket} only)`,
    "policy_file=\"$(mktemp)\"",
    `cat >"$policy_file" <<'HOMELAB_POLICY'`,
    policy,
    "HOMELAB_POLICY",
    "/usr/local/bin/mc admin user add homelab \"$PGBACKREST_S3_KEY\" \"$PGBACKREST_S3_KEY_SECRET\" >/dev/null",
    "/usr/local/bin/mc admin policy create homelab pgbackrest-wal \"$policy_file\" >/dev/null",
    "/usr/local/bin/mc admin policy attach homelab pgbackrest-wal --user \"$PGBACKREST_S3_KEY\" >/dev/null 2>&1 || /usr/local/bin/mc admin user info homelab \"$PGBACKREST_S3_KEY\" | grep -q pgbackrest-wal",
    'rm -f "$policy_file"',
    "",
    `# the ${PROMETHEUS_USER} user: admin:Prometheus only; Prometheus's bearer token is signed with its secret (decision 231)`,
    "policy_file=\"$(mktemp)\"",
    `cat >"$policy_file" <<'HOMELAB_POLICY'`,
    JSON.stringify(PROMETHEUS_POLICY, null, 2),
    "HOMELAB_POLICY",
    `/usr/local/bin/mc admin user add homelab ${PROMETHEUS_USER} "$MINIO_PROMETHEUS_SECRET" >/dev/null`,
    "/usr/local/bin/mc admin policy create homelab prometheus-metrics \"$policy_file\" >/dev/null",
    `/usr/local/bin/mc admin policy attach homelab prometheus-metrics --user ${PROMETHEUS_USER} >/dev/null 2>&1 || /usr/local/bin/mc admin user info homelab ${PROMETHEUS_USER} | grep -q prometheus-metrics`,
    'rm -f "$policy_file"',
    'log "minio converged"',
  ];
  return shellScript({ title: "MinIO server, TLS, buckets and the pgbackrest user", source: "components/data/minio.ts", body });
}

/**
 * Pure: a least-privilege S3 user limited to one bucket (created when missing), e.g. Loki's chunks
 * (decision 232). Reads MINIO_ROOT_USER/PASSWORD and the user's secret BUCKET_USER_SECRET from stdin.
 */
export function renderBucketUserSetup(a: { url: string; user: string; bucket: string }): string {
  if (!/^[a-z][a-z0-9-]{2,19}$/.test(a.user)) throw new Error(`bad MinIO user ${a.user}`);
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:GetBucketLocation", "s3:ListBucket"], Resource: [`arn:aws:s3:::${a.bucket}`] },
      { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], Resource: [`arn:aws:s3:::${a.bucket}/*`] },
    ],
  });
  const name = `${a.bucket}-rw`;
  const body = [
    "require_env MINIO_ROOT_USER MINIO_ROOT_PASSWORD BUCKET_USER_SECRET",
    ...minioBucketLines({ buckets: [{ name: a.bucket }], url: a.url }),
    "policy_file=\"$(mktemp)\"",
    `cat >"$policy_file" <<'HOMELAB_POLICY'`,
    policy,
    "HOMELAB_POLICY",
    `/usr/local/bin/mc admin user add homelab ${a.user} "$BUCKET_USER_SECRET" >/dev/null`,
    `/usr/local/bin/mc admin policy create homelab ${name} "$policy_file" >/dev/null`,
    `/usr/local/bin/mc admin policy attach homelab ${name} --user ${a.user} >/dev/null 2>&1 || /usr/local/bin/mc admin user info homelab ${a.user} | grep -q ${name}`,
    'rm -f "$policy_file"',
    `log "user ${a.user} on bucket ${a.bucket}"`,
  ];
  return shellScript({ title: `MinIO user ${a.user} (bucket ${a.bucket} only)`, source: "components/data/minio.ts", body });
}

/** Arguments of {@link Minio}. */
export interface MinioArgs {
  /** The MinIO guest (every Command depends on it). */
  guest: pulumi.Resource;
  /** SSH connection to the guest. */
  connection: GuestConnection;
  /** Service address (e.g. 192.0.2.21). */
  address: string;
  /** Data volume (the inventory's data mount). */
  volume: string;
  /** S3 port. Default 9000. */
  port?: number;
  /** Buckets. Default backups, archives (versioned), media, pg-wal. */
  buckets?: MinioBucket[];
  /** TLS cert/key (and optional CA PEM). Default: a self-signed certificate for `address` (see tlsCert.ts). */
  tls?: TlsPair & { caPem?: pulumi.Input<string> };
  /** Pinned MinIO server/client downloads. Default: none (the binaries must already be installed). */
  downloads?: Pick<Downloads, "minio" | "mc">;
}

/** MinIO with random secret root credentials and a pgBackRest-only S3 user. */
export class Minio extends pulumi.ComponentResource {
  /** `https://<address>:<port>`. */
  public readonly endpoint: string;
  public readonly address: string;
  public readonly port: number;
  /** PEM clients trust (pgBackRest repo1-storage-ca-file). */
  public readonly caPem: pulumi.Output<string>;
  /** pgBackRest S3 access key (not secret) and secret key (secret). */
  public readonly pgBackRest: { bucket: string; accessKey: string; secretKey: pulumi.Output<string> };
  /** Root credentials (secret). */
  public readonly rootUser: pulumi.Output<string>;
  public readonly rootPassword: pulumi.Output<string>;
  /** Bearer token of the `prometheus` user for the metrics endpoints (secret; decision 231). */
  public readonly prometheusToken: pulumi.Output<string>;
  /** The setup Command (pgBackRest's stanza check depends on it). */
  public readonly setup: pulumi.Resource;
  private readonly connection: GuestConnection;
  private readonly resourceName: string;

  constructor(name: string, args: MinioArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:data:Minio", name, {}, opts);
    this.address = args.address;
    this.port = args.port ?? 9000;
    this.endpoint = `https://${args.address}:${this.port}`;
    // MinIO encrypts its IAM data with the root credentials: replacing them would lock us out, so they are protected.
    const rootUser = new random.RandomString(`${name}-root-user`, { length: 20, special: false, upper: false }, { parent: this, protect: true });
    const rootPassword = new random.RandomPassword(`${name}-root-password`, { length: 40, special: false }, { parent: this, protect: true });
    const s3Secret = new random.RandomPassword(`${name}-pgbackrest-secret`, { length: 40, special: false }, { parent: this });
    // MinIO secret keys are 8 to 40 characters (minio/minio internal/auth credentials.go secretKeyMaxLen).
    const promSecret = new random.RandomPassword(`${name}-prometheus-secret`, { length: 40, special: false }, { parent: this });
    this.prometheusToken = pulumi.secret(promSecret.result.apply((secret) => minioPrometheusToken(PROMETHEUS_USER, secret)));
    this.rootUser = pulumi.secret(rootUser.result);
    this.rootPassword = pulumi.secret(rootPassword.result);
    const tlsMat = serviceTls(name, args.address, args.tls, this);
    this.caPem = tlsMat.caPem;
    this.pgBackRest = { bucket: "pg-wal", accessKey: "pgbackrest", secretKey: pulumi.secret(s3Secret.result) };
    this.setup = remoteScript(
      `${name}-setup`,
      {
        connection: args.connection,
        script: renderMinioSetup({ address: args.address, port: this.port, volume: args.volume, buckets: args.buckets, downloads: args.downloads }),
        secrets: {
          MINIO_ROOT_USER: this.rootUser,
          MINIO_ROOT_PASSWORD: this.rootPassword,
          MINIO_TLS_CERT: tlsMat.certPem,
          MINIO_TLS_KEY: tlsMat.keyPem,
          PGBACKREST_S3_KEY: this.pgBackRest.accessKey,
          PGBACKREST_S3_KEY_SECRET: this.pgBackRest.secretKey,
          MINIO_PROMETHEUS_SECRET: pulumi.secret(promSecret.result),
        },
      },
      { parent: this, dependsOn: [args.guest] },
    );
    this.connection = args.connection;
    this.resourceName = name;
    this.registerOutputs({ endpoint: this.endpoint, caPem: this.caPem });
  }

  /** A user `user` with read/write on `bucket` alone (created when missing); its secret key is random and secret. */
  bucketUser(user: string, bucket: string): { accessKey: string; secretKey: pulumi.Output<string>; ready: pulumi.Resource } {
    const name = this.resourceName;
    const secret = new random.RandomPassword(`${name}-${user}-secret`, { length: 40, special: false }, { parent: this });
    const secretKey = pulumi.secret(secret.result);
    const ready = remoteScript(
      `${name}-${user}-user`,
      { connection: this.connection, script: renderBucketUserSetup({ url: this.endpoint, user, bucket }), secrets: { MINIO_ROOT_USER: this.rootUser, MINIO_ROOT_PASSWORD: this.rootPassword, BUCKET_USER_SECRET: secretKey } },
      { parent: this, dependsOn: [this.setup] },
    );
    return { accessKey: user, secretKey, ready };
  }
}
