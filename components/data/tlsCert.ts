/**
 * TLS for the data tier's HTTPS endpoints (MinIO S3 for pgBackRest, rest-server for restic).
 * A caller-supplied cert/key wins; otherwise a self-signed ECDSA P-256 certificate for the
 * service's IP address is generated with @pulumi/tls, and its PEM is handed to every client
 * as the CA file to trust (pgBackRest repo1-storage-ca-file, RESTIC_CACERT).
 */
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** A certificate and its private key (PEM). */
export interface TlsPair {
  /** Certificate PEM (public). */
  certPem: pulumi.Input<string>;
  /** Private key PEM (secret). */
  keyPem: pulumi.Input<string>;
}

/** Resolved TLS material. */
export interface ServiceTls {
  certPem: pulumi.Output<string>;
  keyPem: pulumi.Output<string>;
  /** PEM clients trust: the self-signed cert itself, or `caPem` of a supplied pair. */
  caPem: pulumi.Output<string>;
  /** True when generated here. */
  selfSigned: boolean;
}

/** Use `given` or create a self-signed certificate valid for `address` (10 years; replaced only when inputs change). */
export function serviceTls(name: string, address: string, given: (TlsPair & { caPem?: pulumi.Input<string> }) | undefined, parent: pulumi.Resource): ServiceTls {
  if (given) {
    const certPem = pulumi.output(given.certPem);
    return { certPem, keyPem: pulumi.secret(given.keyPem), caPem: given.caPem ? pulumi.output(given.caPem) : certPem, selfSigned: false };
  }
  const key = new tls.PrivateKey(`${name}-tls-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent });
  const cert = new tls.SelfSignedCert(
    `${name}-tls-cert`,
    {
      privateKeyPem: key.privateKeyPem,
      subject: { commonName: address, organization: "homelab" },
      ipAddresses: [address],
      validityPeriodHours: 24 * 365 * 10,
      // CA:TRUE so OpenSSL (pgBackRest) and Go (restic) both accept it as its own trust anchor.
      isCaCertificate: true,
      allowedUses: ["digital_signature", "key_encipherment", "server_auth", "cert_signing"],
    },
    { parent },
  );
  return { certPem: cert.certPem, keyPem: pulumi.secret(key.privateKeyPem), caPem: cert.certPem, selfSigned: true };
}
