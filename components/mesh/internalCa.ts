import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { ServiceSanArgs, serviceSans } from "./render/certs";

/** Arguments of {@link InternalCa}. */
export interface InternalCaArgs {
  /** Organisation named in the subject (inventory `organisation`). */
  organisation: string;
  /** Root validity in hours. Default 87600 (10 years). */
  validityHours?: number;
  /** Re-issue the root this many hours before expiry. Default 8760 (1 year). */
  earlyRenewalHours?: number;
}

/** Options of {@link InternalCa.issueServerCert}. */
export interface ServerCertArgs extends ServiceSanArgs {
  /** Leaf validity in hours. Default 17520 (2 years). */
  validityHours?: number;
  /** Re-issue this many hours before expiry. Default 720 (30 days). */
  earlyRenewalHours?: number;
}

/** A server certificate issued by the internal CA. */
export interface IssuedCert {
  privateKey: tls.PrivateKey;
  certRequest: tls.CertRequest;
  cert: tls.LocallySignedCert;
  /** Leaf certificate PEM followed by the root (what servers present). */
  chainPem: pulumi.Output<string>;
  /** Leaf private key PEM (secret). */
  keyPem: pulumi.Output<string>;
  /** The SANs the certificate carries. */
  sans: ReturnType<typeof serviceSans>;
}

/**
 * The organisation's root CA (ECDSA P-256, self-signed, cert_signing +
 * crl_signing) held in Pulumi state as a secret. bo owns it; other sites trust
 * its certificate through bo's stack outputs.
 */
export class InternalCa extends pulumi.ComponentResource {
  /** Root CA certificate (PEM, public). */
  public readonly certPem: pulumi.Output<string>;
  /** Root CA private key (secret). */
  private readonly keyPem: pulumi.Output<string>;
  private readonly organisation: string;

  constructor(name: string, args: InternalCaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:mesh:InternalCa", name, {}, opts);
    this.organisation = args.organisation;
    // Protected: replacing the root key would break every client's trust at once.
    const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { parent: this, additionalSecretOutputs: ["privateKeyPem"], protect: true });
    this.keyPem = pulumi.secret(key.privateKeyPem);
    const cert = new tls.SelfSignedCert(
      `${name}-cert`,
      {
        privateKeyPem: this.keyPem,
        subject: { commonName: `${args.organisation} homelab root CA`, organization: args.organisation },
        isCaCertificate: true,
        validityPeriodHours: args.validityHours ?? 87600,
        earlyRenewalHours: args.earlyRenewalHours ?? 8760,
        allowedUses: ["cert_signing", "crl_signing"],
      },
      { parent: this },
    );
    this.certPem = cert.certPem;
    this.registerOutputs({ certPem: this.certPem });
  }

  /** Issue a server certificate (ECDSA P-256 key, SANs from render/certs.ts). */
  issueServerCert(name: string, args: ServerCertArgs, opts?: pulumi.CustomResourceOptions): IssuedCert {
    const sans = serviceSans(args);
    const o = { parent: this, ...opts };
    const privateKey = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, { ...o, additionalSecretOutputs: ["privateKeyPem"] });
    const keyPem = pulumi.secret(privateKey.privateKeyPem);
    const certRequest = new tls.CertRequest(
      `${name}-csr`,
      {
        privateKeyPem: keyPem,
        subject: { commonName: sans.commonName, organization: this.organisation },
        dnsNames: sans.dnsNames,
        ipAddresses: sans.ipAddresses,
      },
      o,
    );
    const cert = new tls.LocallySignedCert(
      `${name}-cert`,
      {
        certRequestPem: certRequest.certRequestPem,
        caPrivateKeyPem: this.keyPem,
        caCertPem: this.certPem,
        validityPeriodHours: args.validityHours ?? 17520,
        earlyRenewalHours: args.earlyRenewalHours ?? 720,
        allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
      },
      o,
    );
    const chainPem = pulumi.all([cert.certPem, this.certPem]).apply(([leaf, root]) => `${leaf.trimEnd()}\n${root.trimEnd()}\n`);
    return { privateKey, certRequest, cert, chainPem, keyPem, sans };
  }
}
