import * as pulumi from "@pulumi/pulumi";
import * as proxmox from "@muhlba91/pulumi-proxmoxve";

/** Arguments of {@link OsImage}. */
export interface OsImageArgs {
  /** Proxmox node the file is downloaded onto. */
  nodeName: string;
  /** Datastore that holds templates and images. Default `local`. */
  datastoreId?: string;
  /** `vztmpl` for LXC templates, `import` (PVE ≥ 8.4) or `iso` for VM disk images. */
  contentType: "vztmpl" | "iso" | "import";
  /** Pinned download URL of one release (never a `latest` alias). */
  url: string;
  /** Expected digest; the download fails on mismatch. */
  checksum: string;
  /** `sha256` or `sha512`. */
  checksumAlgorithm: "sha256" | "sha512";
  /** File name in the datastore. */
  fileName: string;
}

/**
 * An OS template or cloud image on one node, downloaded by Proxmox itself
 * from a pinned URL and verified against its checksum. `overwrite: false`
 * keeps an upstream re-publish from silently replacing the file (and with it
 * every guest built from it).
 */
export class OsImage extends pulumi.ComponentResource {
  /** Volume ID, e.g. `local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst`. */
  public readonly fileId: pulumi.Output<string>;

  constructor(name: string, args: OsImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("homelab:proxmox:OsImage", name, {}, opts);
    const file = new proxmox.download.File(
      name,
      {
        nodeName: args.nodeName,
        datastoreId: args.datastoreId ?? "local",
        contentType: args.contentType,
        url: args.url,
        checksum: args.checksum,
        checksumAlgorithm: args.checksumAlgorithm,
        fileName: args.fileName,
        overwrite: false,
        overwriteUnmanaged: false,
        uploadTimeout: 1800,
      },
      { parent: this },
    );
    this.fileId = file.id;
    this.registerOutputs({ fileId: this.fileId });
  }
}
