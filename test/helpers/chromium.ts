import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); playwright-core never downloads a browser here. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * Flags for a headless Chromium on a machine without outside network: no
 * background networking, component updates or first-run work, all of which
 * would otherwise try (and fail) to reach the internet at start.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches Debian's Chromium with a fresh, empty profile directory (removed
 * on close), as a desktop or a phone (390×844 CSS px, touch, 2× pixels).
 */
export async function launchChromium(options: { mobile?: boolean } = {}): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'netwatch-chromium-'));
  const device = options.mobile
    ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
    : { viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 };
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS],
    timezoneId: 'Asia/Kuala_Lumpur',
    locale: 'en-MY',
    ...device,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
