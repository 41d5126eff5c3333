/**
 * The CrossGuard entry point. Constructing a PolicyPack starts the gRPC
 * analyzer server and prints its port, so this module does nothing else and
 * nothing imports it (tests and the offline plan use ./all).
 */
import { PolicyPack } from "@pulumi/policy";
import { allPolicies, enforcementLevel, PACK_NAME } from "./all";

new PolicyPack(PACK_NAME, { policies: allPolicies, enforcementLevel });
