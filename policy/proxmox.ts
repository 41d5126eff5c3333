/**
 * Proxmox API permissions the stack depends on: the containers that only the user `root@pam`
 * itself may create must go through a provider that logs in as root@pam with its password.
 *
 * Upstream: pve-container 6.1.10 src/PVE/LXC.pm `check_ct_modify_config_perm` returns early only
 * for `$authuser eq 'root@pam'`; for anyone else `dev<N>` raises "configuring device passthrough is
 * only allowed for root@pam" and a feature change other than `nesting` raises "changing feature
 * flags (except nesting) is only allowed for root@pam". An API token's user is `root@pam!<name>`,
 * so a token never passes (bpg/terraform-provider-proxmox docs/index.md, "Not all Proxmox API
 * operations are supported via API Token … The workaround is to use password authentication").
 */
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { configSchemaFor, HomelabPolicy } from "./config";
import { CONTAINER_TYPE } from "./lib/guests";

/** What in a ContainerLegacy's inputs needs root@pam itself (empty: an API token suffices). */
export function rootPamNeeds(props: Record<string, any>): string[] {
  const out: string[] = [];
  for (const d of (props.devicePassthroughs ?? []) as Array<{ path?: string }>) out.push(`device passthrough ${d?.path ?? "?"}`);
  for (const f of ["keyctl", "fuse", "mknod"]) if (props.features?.[f] === true) out.push(`feature ${f}`);
  if (props.unprivileged === false && props.features && Object.values(props.features).some((v) => v === true || (Array.isArray(v) && v.length > 0))) out.push("features on a privileged container");
  return out;
}

export const rootPamGuests: HomelabPolicy = {
  name: "homelab-root-pam-guests",
  description:
    "An LXC container with device passthrough or features other than nesting is created through an explicit provider that logs in as root@pam with a password (no API token): Proxmox refuses those options to every other user and to every token.",
  enforcementLevel: "mandatory",
  sections: [],
  configSchema: configSchemaFor([]),
  validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
    if (args.type !== CONTAINER_TYPE) return;
    const needs = rootPamNeeds(args.props);
    if (needs.length === 0) return;
    const p = args.provider?.props ?? {};
    const name = `lxc ${args.props.initialization?.hostname ?? args.name} (vmid ${args.props.vmId})`;
    if (!args.provider) report(`${name} needs root@pam (${needs.join(", ")}) but uses the stack's default provider; create it through the root@pam password provider (homelab:proxmoxRootPassword)`);
    else if (p.username !== "root@pam" || p.apiToken) report(`${name} needs root@pam (${needs.join(", ")}) but its provider ${args.provider.name} logs in ${p.apiToken ? "with an API token" : `as ${p.username ?? "nobody"}`}; Proxmox allows those options to the user root@pam with its password only`);
  },
};

export const proxmoxPolicies: HomelabPolicy[] = [rootPamGuests];
