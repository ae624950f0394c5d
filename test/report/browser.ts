// Real headless Chromium (Debian's /usr/bin/chromium) driven by
// playwright-core, with a fresh profile directory and no background network.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";
import { repoRoot } from "../fixtures/test-config.js";

export const CHROMIUM = "/usr/bin/chromium";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  // Playwright passes the profile directory as --user-data-dir itself.
  const profile = mkdtempSync(join(tmpdir(), "bbs-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1400, height: 1000 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** test-artifacts/<sub>/ at the repository root (gitignored). */
export function artifactsDir(sub: string): string {
  const dir = join(repoRoot(), "test-artifacts", sub);
  mkdirSync(dir, { recursive: true });
  return dir;
}
