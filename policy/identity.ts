/**
 * Identity of guests: VMIDs unique per Proxmox cluster (this stack's guests
 * and the VMIDs other stacks of the same cluster declare) and inside the
 * site's range; hostnames unique in the site. Map lookups only.
 */
import { guestsOf, stackRule, who } from "./lib/common";

export const vmidUnique = stackRule({
  name: "homelab-vmid",
  description: "Every guest has a VMID inside the site's range, unique in its Proxmox cluster.",
  enforcementLevel: "mandatory",
  sections: ["cluster", "vmidRange", "clusterVmids"],
  validate: (resources, config, report) => {
    const { min, max } = config.vmidRange;
    const owners = new Map<number, string>();
    for (const c of config.clusterVmids) owners.set(c.vmid, `${c.name} of stack ${c.site}`);
    for (const g of guestsOf(resources)) {
      if (typeof g.vmid !== "number" || !Number.isInteger(g.vmid)) {
        report(`${who(g)} has no fixed VMID`, g.urn);
        continue;
      }
      if (g.vmid < min || g.vmid > max) report(`${who(g)}: VMID ${g.vmid} is outside the allowed range ${min}-${max}`, g.urn);
      const prior = owners.get(g.vmid);
      if (prior) report(`${who(g)}: VMID ${g.vmid} is already used by ${prior} in cluster ${config.cluster}`, g.urn);
      else owners.set(g.vmid, who(g));
    }
  },
});

export const hostnameUnique = stackRule({
  name: "homelab-hostname-unique",
  description: "Every guest has a hostname, unique in the site.",
  enforcementLevel: "mandatory",
  sections: [],
  validate: (resources, _config, report) => {
    const owners = new Map<string, string>();
    for (const g of guestsOf(resources)) {
      if (!g.hostname) {
        report(`${who(g)} has no hostname`, g.urn);
        continue;
      }
      const key = g.hostname.toLowerCase();
      const prior = owners.get(key);
      if (prior) report(`${who(g)}: hostname "${g.hostname}" is already used by ${prior}`, g.urn);
      else owners.set(key, who(g));
    }
  },
});

export const identityPolicies = [vmidUnique, hostnameUnique];
