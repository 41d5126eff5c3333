import { Site } from "../components/inventory/load";

/** The sector7 site: bare-metal k3s nodes; its inventory is exported for the Kubernetes layer. */
export function sector7(site: Site) {
  const lan = site.networks[0];
  return {
    site: site.name,
    phase: site.phase,
    nodes: site.hosts.map((h) => ({ name: h.name, address: h.address, gpu: h.gpu })),
    loadBalancerPools: lan.loadBalancerPools,
    dnsNames: site.services.filter((s) => s.dnsName).map((s) => ({ service: s.name, name: s.dnsName })),
  };
}
