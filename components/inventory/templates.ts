/**
 * Pinned OS images every site can use without repeating them. A site may
 * override a key or add its own under `templates`.
 *
 * - `debian12`: Proxmox's Debian 12 LXC template 12.7-1 (sha512 as published in
 *   Proxmox's appliance index, cross-checked against two independent configs).
 * - `debian12-cloud`: Debian 12 "genericcloud" image, build 20250210-2019
 *   (sha512 from Debian's SHA512SUMS for that build, cross-checked twice).
 *   Content type `import` needs Proxmox VE 8.4 or later.
 */
import { Template } from "./schema";

export const DEFAULT_TEMPLATES: Readonly<Record<string, Template>> = {
  debian12: {
    url: "http://download.proxmox.com/images/system/debian-12-standard_12.7-1_amd64.tar.zst",
    checksum: "39f6d06e082d6a418438483da4f76092ebd0370a91bad30b82ab6d0f442234d63fe27a15569895e34d6d1e5ca50319f62637f7fb96b98dbde4f6103cf05bff6d",
    checksumAlgorithm: "sha512",
    fileName: "debian-12-standard_12.7-1_amd64.tar.zst",
    contentType: "vztmpl",
    datastore: "local",
  },
  "debian12-cloud": {
    url: "https://cloud.debian.org/images/cloud/bookworm/20250210-2019/debian-12-genericcloud-amd64-20250210-2019.qcow2",
    checksum: "a58d86525d75fd8e139a2302531ce5d2ab75ef0273cfe78f9d53aada4b23efd45f8433b4806fa4570cfe981c8fae26f5e5e855cbd66ba2198862f28125fd2d45",
    checksumAlgorithm: "sha512",
    fileName: "debian-12-genericcloud-amd64-20250210-2019.qcow2",
    contentType: "import",
    datastore: "local",
  },
};
