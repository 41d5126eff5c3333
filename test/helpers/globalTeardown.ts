/** Removes the renders of test/helpers/globalSetup.ts. */
import * as fs from "fs";

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.HOMELAB_RENDER_CACHE;
  if (dir && dir.includes("homelab-renders-")) fs.rmSync(dir, { recursive: true, force: true });
}
