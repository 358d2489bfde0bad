// Debian's chromium driven by playwright-core: the system browser, a fresh profile per launch, nothing downloaded and
// no network (every request but file:// is aborted and recorded).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export interface Browser {
  context: BrowserContext;
  /** URLs the pages tried to fetch from anywhere but the local file. */
  blockedRequests: string[];
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), `so-chromium-${process.pid}-`));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 120_000,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const blockedRequests: string[] = [];
  await context.route(
    (url) => url.protocol !== 'file:',
    (route) => {
      blockedRequests.push(route.request().url());
      return route.abort();
    },
  );
  return {
    context,
    blockedRequests,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
