/**
 * Shell guards for tools a generated script needs on a fresh Debian/Ubuntu host or template
 * (Proxmox's debian-12-standard has no curl, for one): install the packages only when the
 * command is missing, so the guard costs nothing on a prepared host.
 */

/** One line: `cmd` is on PATH, or `packages` get installed with apt. */
export function ensureCommand(cmd: string, packages: readonly string[]): string {
  if (!/^[a-z0-9][a-z0-9.+-]*$/.test(cmd) || packages.some((p) => !/^[a-z0-9][a-z0-9.+-]*$/.test(p))) throw new Error(`invalid command or package name: ${cmd} ${packages.join(" ")}`);
  return `command -v ${cmd} >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${packages.join(" ")} >/dev/null; }`;
}

/** curl with the CA bundle, for HTTPS downloads and health checks. */
export const ENSURE_CURL = ensureCommand("curl", ["curl", "ca-certificates"]);
