/**
 * Every policy of the pack, in report order. Importing this starts nothing:
 * only policy/index.ts constructs the PolicyPack (which starts a gRPC server).
 */
import type { HomelabPolicy } from "./config";
import { budgetPolicies } from "./budget";
import { ipplanPolicies } from "./ipplan";
import { identityPolicies } from "./identity";
import { safetyPolicies } from "./safety";
import { meshPolicies } from "./mesh";
import { proxmoxPolicies } from "./proxmox";
import { monitoringPolicies } from "./monitoring";

export const allPolicies: HomelabPolicy[] = [...budgetPolicies, ...ipplanPolicies, ...identityPolicies, ...safetyPolicies, ...meshPolicies, ...proxmoxPolicies, ...monitoringPolicies];

/** The pack's default enforcement level (each policy sets its own; config may override). */
export const enforcementLevel = "mandatory" as const;

/** The pack's name (PulumiPolicy.yaml / `new PolicyPack`). */
export const PACK_NAME = "homelab";
