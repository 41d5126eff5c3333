/**
 * Pure renderers for the self-hosted NetBird coordinator (management, signal,
 * relay with embedded STUN) and for mesh peers. Pinned to NetBird v0.77.1.
 * See docs/research/netbird-authentik.md for the upstream facts behind this.
 *
 * By artifact: netbirdConfig.ts (arguments, management.json, images, paths), netbirdServer.ts
 * (units + coordinator install script), netbirdApi.ts (API bootstrap, scripts/netbird-api.sh),
 * netbirdPeer.ts (peer enrolment).
 *
 * Secrets never appear in rendered text:
 *  - management.json is read by netbird-mgmt as a Go text/template over the
 *    process environment (util.ReadJsonWithEnvSub), so secret fields hold
 *    `{{ .NAME }}` placeholders filled from the unit's EnvironmentFile.
 *  - the relay reads its auth secret from NB_AUTH_SECRET (same env file).
 *  - the API setup script reads the PAT from a file; setup keys are written to
 *    files (0600) and peers enrol with `netbird up --setup-key-file`.
 */
export * from "./netbirdConfig";
export * from "./netbirdServer";
export * from "./netbirdApi";
export * from "./netbirdPeer";

