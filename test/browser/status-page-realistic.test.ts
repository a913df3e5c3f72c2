import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckStatus } from '../../src/domain/status.js';
import { packageRoot } from '../../src/shared/package-root.js';
import { DEFAULT_PRODUCTS } from '../../src/simulator/simulator-server.js';
import type { StoreDatabase } from '../../src/store/database.js';
import { type Browser, CHROMIUM_PATH, chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { createTempDir } from '../helpers/daemon-process.js';
import { startTestHttp, type TestHttp } from '../helpers/http-test-server.js';
import { openSeededDatabase, seedHistory } from '../helpers/status-history-seed.js';

/**
 * A realistic 90-day history for the simulator's catalogue of Malaysian
 * billers (checks every 15 minutes, a handful of outages, one product added
 * later, one ongoing interruption), rendered in Chromium on a desktop and a
 * phone. Screenshots go to test-artifacts/; with NETWATCH_DOCS_SCREENSHOTS=1
 * they are also copied to docs/ for the README.
 */

const NOW = Date.UTC(2026, 10, 28, 6, 31, 0) / 1000; // Sat 28 Nov 2026, 14:31 MYT
const DAY = 86_400;
const INTERVAL = 900;
const root = packageRoot();
const artifacts = join(root, 'test-artifacts');
const available = chromiumAvailable();

/** [days ago, start hour MYT, minutes] of each outage (two 15-minute checks confirm one); `null` minutes: still going on. */
const OUTAGES: Record<string, Array<[number, number, number | null]>> = {
  TNB: [
    [52, 9.5, 38],
    [9, 20, 35],
  ],
  SYABAS: [
    [30, 2, 190],
    [71, 14, 22],
  ],
  UNIFI: [
    [14, 11, 100],
    [2, 18.25, 30],
  ],
  TM: [[40, 8, 35]],
  ASTRO: [
    [21, 13, 120],
    [0, 14 - 47 / 60, null],
  ],
  DIGI: [[60, 23, 32]],
  CELCOM: [[33, 6, 45]],
};
/** Products whose checks failed (Unknown) for a stretch: [days ago, start hour MYT, hours]. */
const BLIND: Record<string, [number, number, number]> = { CELCOM: [5, 3, 5] };
/** Products first polled this many days ago. */
const ADDED: Record<string, number> = { HOTLINK: 41, YES: 12 };

function midnightMyt(daysAgo: number): number {
  const today = Math.floor((NOW + 8 * 3600) / DAY) * DAY - 8 * 3600;
  return today - daysAgo * DAY;
}

function statusFor(code: string): (t: number) => CheckStatus {
  const windows = (OUTAGES[code] ?? []).map(([daysAgo, hour, minutes]) => {
    const from = midnightMyt(daysAgo) + Math.round(hour * 3600);
    return [from, minutes === null ? Number.POSITIVE_INFINITY : from + minutes * 60] as const;
  });
  const blind = BLIND[code];
  const blindFrom = blind ? midnightMyt(blind[0]) + blind[1] * 3600 : 0;
  const blindTo = blind ? blindFrom + blind[2] * 3600 : 0;
  return (t) => {
    if (t >= blindFrom && t < blindTo) return 'Unknown';
    return windows.some(([from, to]) => t >= from && t < to) ? 'Interruption' : 'Healthy';
  };
}

let store: StoreDatabase;
let http: TestHttp;

describe.runIf(available)('status page with 90 days of realistic history', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    store = await openSeededDatabase(join(createTempDir('netwatch-realistic-'), 'netwatch.db'));
    const active = DEFAULT_PRODUCTS.filter((product) => product.active);
    const start = midnightMyt(89) + 8 * 3600;
    // Products that joined later are seeded from their first day; the rest from day one.
    const groups = new Map<number, typeof active>();
    for (const product of active) {
      const from = ADDED[product.code] === undefined ? start : midnightMyt(ADDED[product.code] as number) + 10 * 3600;
      groups.set(from, [...(groups.get(from) ?? []), product]);
    }
    for (const [from, products] of [...groups].sort((a, b) => a[0] - b[0])) {
      await seedHistory(store.db, {
        from,
        to: NOW,
        intervalSeconds: INTERVAL,
        products: products.map((product) => ({ code: product.code, name: product.name, statusAt: statusFor(product.code) })),
      });
    }
    http = await startTestHttp({ store, nowMs: () => NOW * 1000 + 25_000, intervalSeconds: INTERVAL });
  }, 180_000);

  afterAll(async () => {
    await http?.stop();
    await store?.close();
  });

  async function capture(browser: Browser, file: string, fullPage: boolean): Promise<void> {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(http.url, { waitUntil: 'load' });
    expect(await page.locator('li.product').count()).toBe(12);
    expect(await page.locator('#summary-text').textContent()).toBe('1 product has an interruption: Astro');
    expect(await page.locator('li.product').first().getAttribute('data-product')).toBe('ASTRO');
    expect(await page.locator('li.product[data-product="SYABAS"] .seg.down').count()).toBe(1);
    expect(await page.locator('li.product[data-product="HOTLINK"] .seg.nodata').count()).toBe(48);
    expect(await page.locator('.incident').count()).toBe(5);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
    const path = join(artifacts, file);
    await page.screenshot({ path, fullPage });
    if (process.env.NETWATCH_DOCS_SCREENSHOTS === '1') copyFileSync(path, join(root, 'docs', file));
    expect(errors).toEqual([]);
    await page.close();
  }

  it('renders every product with a full 90-day bar on a desktop', async () => {
    const browser = await launchChromium();
    try {
      await capture(browser, 'status-page.png', true);
    } finally {
      await browser.close();
    }
  });

  it('renders on a phone', async () => {
    const browser = await launchChromium({ mobile: true });
    try {
      await capture(browser, 'status-page-mobile.png', false);
    } finally {
      await browser.close();
    }
  });
});

if (!available) {
  describe('status page with 90 days of realistic history', () => {
    it.skip(`SKIPPED: needs ${CHROMIUM_PATH} (apt-get install -y chromium)`, () => undefined);
  });
}
