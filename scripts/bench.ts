/**
 * `npm run bench` — how the offline plan + policy pack scale with fleet size.
 *
 * Builds a synthetic fleet of Tier-2 "AIP boxes" (one Proxmox host of 4-6
 * cores / 16-20 GiB / 250 GiB per site, running Ollama 2c/8GiB/40GiB, Open
 * WebUI 1c/2GiB/10GiB and Odoo 1c/4GiB/40GiB), N sites as one inventory (one
 * host, bridge and /24 per site) rendered through the real site program (every stack runs the same
 * one) under the first stack file's name with an inventory override, then runs the whole pack on it. Prints the
 * time of each phase at 20 and 200 sites and the 200/20 ratio (10 = linear).
 */
import { performance } from "perf_hooks";
import { allPolicies, enforcementLevel } from "../policy/all";
import { packConfigFor, siteConfigFromInventory } from "../policy/config";
import { runPolicyPack } from "../policy/lib/engine";
import { listSites, renderStack } from "./lib/offline";
import { toEngineResource } from "./lib/policies";

// Any stack name: the inventory is overridden, and the synthetic organisation has no siblings.
const SITE = process.env.BENCH_SITE ?? listSites()[0];

function fleet(n: number): unknown {
  const hosts = [];
  const networks = [];
  const services = [];
  for (let i = 0; i < n; i++) {
    const host = `aip-${i}`;
    const third = `${10 + Math.floor(i / 250)}.${i % 250}`;
    hosts.push({ name: host, cores: 4 + (i % 3), memoryGiB: 16 + (i % 3) * 2, reservedMemoryGiB: 2, datastores: [{ id: "local-lvm", capacityGiB: 250 }] });
    networks.push({ name: `lan-${i}`, bridge: `vmbr${i}`, ipv4: `10.${third}.0/24`, gateway: `10.${third}.1`, dhcp: { start: `10.${third}.100`, end: `10.${third}.199` } });
    const base = { kind: "lxc", host, network: `lan-${i}`, phase: 0 };
    services.push(
      { ...base, name: `ollama-${i}`, description: "Ollama", vmid: 1000 + i * 3, ipv4: `10.${third}.20`, cores: 2, memoryMiB: 8192, diskGiB: 40, ports: [{ port: 11434, from: [`open-webui-${i}`, `odoo-${i}`] }] },
      { ...base, name: `open-webui-${i}`, description: "Open WebUI", vmid: 1001 + i * 3, ipv4: `10.${third}.21`, cores: 1, memoryMiB: 2048, diskGiB: 10, ports: [{ port: 8080, from: [`lan-${i}`] }], stateful: true, backup: { paths: ["/var/lib/open-webui"] } },
      { ...base, name: `odoo-${i}`, description: "Odoo", vmid: 1002 + i * 3, ipv4: `10.${third}.22`, cores: 1, memoryMiB: 4096, diskGiB: 40, ports: [{ port: 8069, from: [`lan-${i}`] }], stateful: true, backup: { paths: ["/var/lib/odoo"] } },
    );
  }
  return {
    organisation: "bench",
    cluster: "bench",
    description: `synthetic fleet of ${n} Tier-2 AIP boxes`,
    timezone: "America/Chicago",
    dns: { servers: ["10.10.0.1"], domain: "bench.internal" },
    vmidRange: { min: 1000, max: 999999 },
    hosts,
    networks,
    services,
  };
}

interface Timing {
  sites: number;
  resources: number;
  violations: number;
  render: number;
  config: number;
  policies: number;
}

async function measure(n: number): Promise<Timing> {
  const inventory = fleet(n);
  let t = performance.now();
  const result = await renderStack(SITE, { inventory, phase: 0 });
  const render = performance.now() - t;
  t = performance.now();
  const config = packConfigFor(siteConfigFromInventory(result.site, []), allPolicies);
  const cfgTime = performance.now() - t;
  const resources = result.resources.map(toEngineResource);
  t = performance.now();
  const run = await runPolicyPack(allPolicies, resources, config, { packLevel: enforcementLevel });
  const policies = performance.now() - t;
  if (run.violations.length > 0) process.stderr.write(`unexpected violations at ${n} sites, e.g. ${run.violations[0].policy}: ${run.violations[0].message}\n`);
  return { sites: n, resources: resources.length, violations: run.violations.length, render, config: cfgTime, policies };
}

async function main(): Promise<void> {
  await measure(5); // warm-up (module loading, JIT)
  const small = await measure(20);
  const large = await measure(200);
  const ms = (x: number) => `${x.toFixed(1)} ms`.padStart(11);
  process.stdout.write(`sites  resources  violations      render      config    policies\n`);
  for (const r of [small, large]) process.stdout.write(`${String(r.sites).padStart(5)}  ${String(r.resources).padStart(9)}  ${String(r.violations).padStart(10)} ${ms(r.render)} ${ms(r.config)} ${ms(r.policies)}\n`);
  const ratio = (k: "render" | "config" | "policies") => (large[k] / Math.max(small[k], 0.001)).toFixed(1);
  process.stdout.write(`ratio 200/20 (resources ×${(large.resources / small.resources).toFixed(1)}): render ×${ratio("render")}, config ×${ratio("config")}, policies ×${ratio("policies")} (×10 is linear, ×100 would be quadratic)\n`);
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
