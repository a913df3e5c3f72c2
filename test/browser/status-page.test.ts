import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/shared/package-root.js';
import type { StoreDatabase } from '../../src/store/database.js';
import { type Browser, CHROMIUM_PATH, chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { createTempDir } from '../helpers/daemon-process.js';
import { startTestHttp, type TestHttp } from '../helpers/http-test-server.js';
import { openSeededDatabase, outagesAt, seedHistory } from '../helpers/status-history-seed.js';

/**
 * The status page in a real headless Chromium (Debian's, driven by
 * playwright-core) against the real HTTP service over a seeded SQLite file:
 * rows, day bars and their tooltips, the XSS case, contrast, the 30-second
 * refresh after a product's state flips, and the phone layout. Screenshots go
 * to test-artifacts/ (gitignored).
 */

const NOW = Date.UTC(2026, 10, 28, 5, 30, 0) / 1000; // Sat 28 Nov 2026, 13:30 MYT
const INTERVAL = 300;
const DAY = 86_400;
const TNB_OUTAGE = NOW - 3 * DAY; // 45 minutes: Wed 25 Nov
const XSS = '<img src=x onerror=alert(1)>';
const artifacts = join(packageRoot(), 'test-artifacts');

const available = chromiumAvailable();
if (!available) {
  console.warn(`[status-page browser test] SKIPPED: ${CHROMIUM_PATH} is missing; install it with "apt-get install -y chromium" (CI does).`);
}

let nowSeconds = NOW;
let dir: string;
let store: StoreDatabase;
let http: TestHttp;
let browser: Browser;

describe.runIf(available)('status page in Chromium', { timeout: 90_000 }, () => {
  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    dir = createTempDir('netwatch-browser-');
    store = await openSeededDatabase(join(dir, 'netwatch.db'));
    await seedHistory(store.db, {
      from: NOW - 20 * DAY,
      to: NOW,
      intervalSeconds: INTERVAL,
      products: [
        { code: 'TNB', name: 'Tenaga Nasional Berhad', statusAt: outagesAt([[TNB_OUTAGE, TNB_OUTAGE + 42 * 60]]) },
        { code: 'ASTRO', name: 'Astro', statusAt: outagesAt([[NOW - 3600, NOW]]) },
        { code: 'UNIFI', name: 'Unifi' },
        { code: 'XSS1', name: XSS },
      ],
    });
    http = await startTestHttp({ store, nowMs: () => nowSeconds * 1000, intervalSeconds: INTERVAL });
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await http?.stop();
    await store?.close();
  });

  /** Opens the page with a fake clock (so the 30 s refresh can be fast-forwarded) and collects errors and dialogs. */
  async function openPage(target: Browser = browser): Promise<{ page: Page; problems: string[] }> {
    const page = await target.context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('dialog', (dialog) => {
      problems.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.clock.install();
    const response = await page.goto(http.url, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    return { page, problems };
  }

  it('shows one row per product, most severe first, with a text state label, uptimes and 90 day segments', async () => {
    const { page, problems } = await openPage();
    try {
      const rows = page.locator('li.product');
      await expect.poll(() => rows.count()).toBe(4);
      expect(await rows.evaluateAll((items) => items.map((item) => item.getAttribute('data-product')))).toEqual([
        'ASTRO',
        'XSS1',
        'TNB',
        'UNIFI',
      ]);

      const astro = page.locator('li.product[data-product="ASTRO"]');
      expect(await astro.locator('.badge-text').textContent()).toBe('Interruption');
      expect(await astro.locator('.product-meta').textContent()).toBe('Down since 12:30 MYT (1 h 00 min)');
      expect(await page.locator('li.product[data-product="TNB"] .badge-text').textContent()).toBe('Healthy');
      expect(await page.locator('li.product[data-product="TNB"] .uptime strong').allTextContents()).toEqual(['100%', '99.84%']);

      for (const code of ['ASTRO', 'XSS1', 'TNB', 'UNIFI']) {
        const bar = page.locator(`li.product[data-product="${code}"] .bar`);
        expect(await bar.locator('.seg').count(), code).toBe(90);
        expect(await bar.getAttribute('role'), code).toBe('img');
        expect(await bar.getAttribute('aria-label'), code).toMatch(/last 90 days: \d+(\.\d\d)?% uptime/);
      }
      // 20 days of history: the 70 days before it have no data.
      const tnbSegments = page.locator('li.product[data-product="TNB"] .seg');
      expect(await tnbSegments.evaluateAll((segs) => segs.map((seg) => seg.className))).toEqual([
        ...Array(69).fill('seg nodata'),
        // The first seeded day starts at 13:30, so part of it is unmonitored, but all of it is up.
        'seg up100',
        ...Array(16).fill('seg up100'),
        'seg up95',
        ...Array(3).fill('seg up100'),
      ]);
      expect(await page.locator('#last-check').textContent()).toBe('Last check 13:25:00 MYT (5 min ago)');
      expect(await page.locator('.incident').count()).toBe(2);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('shows a tooltip with the day, uptime and downtime when a day is hovered or tapped', async () => {
    const { page, problems } = await openPage();
    try {
      const outageDay = page.locator('li.product[data-product="TNB"] .seg').nth(86);
      await outageDay.hover();
      const tooltip = page.locator('#tooltip');
      await expect.poll(() => tooltip.isVisible()).toBe(true);
      expect(await tooltip.textContent()).toBe('Wed 25 Nov 2026\n96.87% uptime\n45 min down');
      const box = await tooltip.boundingBox();
      const segBox = await outageDay.boundingBox();
      expect(box && segBox && box.y + box.height <= segBox.y).toBe(true);
      await page.screenshot({ path: join(artifacts, 'status-page-tooltip.png') });

      await page.locator('li.product[data-product="TNB"] .seg').nth(60).hover();
      expect(await tooltip.textContent()).toBe('Fri 30 Oct 2026\nNo data');
      await page.mouse.move(5, 5);
      await expect.poll(() => tooltip.isVisible()).toBe(false);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('renders a product name like <img src=x onerror=alert(1)> as text, and runs nothing from it', async () => {
    const { page, problems } = await openPage();
    try {
      const name = page.locator('li.product[data-product="XSS1"] .product-name');
      expect(await name.evaluate((element) => element.firstChild?.textContent?.trim())).toBe(XSS);
      expect(await page.locator('img').count()).toBe(0);
      expect(await page.locator('[onerror]').count()).toBe(0);
      // After a refresh the same holds (the browser-side renderer escapes too).
      await page.clock.runFor(30_000);
      await expect.poll(() => page.locator('li.product').count()).toBe(4);
      expect(await page.locator('img').count()).toBe(0);
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('meets basic contrast for text and labels (WCAG AA 4.5:1)', async () => {
    const { page } = await openPage();
    try {
      const ratios = await page.evaluate(() => {
        const parse = (color: string) => (color.match(/[\d.]+/g) ?? []).map(Number);
        const luminance = ([r, g, b]: number[]) =>
          [r, g, b]
            .map((v) => {
              const c = (v ?? 0) / 255;
              return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
            })
            .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i]!, 0);
        const background = (element: Element | null): number[] => {
          for (let node = element; node; node = node.parentElement) {
            const rgba = parse(getComputedStyle(node).backgroundColor);
            if (rgba.length === 3 || (rgba[3] ?? 0) > 0) return rgba;
          }
          return [255, 255, 255];
        };
        const selectors = [
          '.badge-text',
          '.product-meta',
          '.product-name',
          '.banner h2',
          '.last-check',
          '.uptime-label',
          '.incident-when',
          '.legend',
          '.foot p',
          '.code',
        ];
        return selectors.flatMap((selector) =>
          [...document.querySelectorAll(selector)].map((element) => {
            const fg = luminance(parse(getComputedStyle(element).color));
            const bg = luminance(background(element));
            return { selector, ratio: (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05) };
          }),
        );
      });
      expect(ratios.length).toBeGreaterThan(10);
      for (const { selector, ratio } of ratios) expect(ratio, selector).toBeGreaterThanOrEqual(4.5);
    } finally {
      await page.close();
    }
  });

  it('updates itself without a reload when a product flips, every 30 s', async () => {
    const { page, problems } = await openPage();
    try {
      await page.evaluate(() => {
        (window as unknown as { marker: string }).marker = 'same document';
      });
      expect(await page.locator('li.product[data-product="TNB"] .badge-text').textContent()).toBe('Healthy');

      // TNB answers Interruption twice: confirmed on the second check, like the daemon would.
      await seedHistory(store.db, {
        from: NOW,
        to: NOW + 2 * INTERVAL,
        intervalSeconds: INTERVAL,
        products: [{ code: 'TNB', name: 'Tenaga Nasional Berhad', statusAt: () => 'Interruption' }],
      });
      nowSeconds = NOW + INTERVAL + 20;

      await page.clock.runFor(29_000);
      expect(await page.locator('li.product[data-product="TNB"] .badge-text').textContent()).toBe('Healthy');
      await page.clock.runFor(1_000);
      await expect.poll(() => page.locator('li.product[data-product="TNB"] .badge-text').textContent()).toBe('Interruption');

      expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same document');
      expect(await page.locator('#summary-text').textContent()).toBe('2 products have an interruption: Astro, Tenaga Nasional Berhad');
      expect(await page.title()).toBe('(2 interrupted) IIMMPACT network status');
      expect(await page.locator('#live').textContent()).toBe('2 products have an interruption: Astro, Tenaga Nasional Berhad');
      expect(await page.locator('li.product[data-product="TNB"] .product-meta').textContent()).toBe('Down since 13:30 MYT (5 min)');
      expect(await page.locator('.incident').first().getAttribute('data-product')).toBe('TNB');
      expect(await page.locator('#last-check').textContent()).toBe('Last check 13:35:00 MYT (20 s ago)');
      await page.screenshot({ path: join(artifacts, 'status-page-desktop.png'), fullPage: true });

      // A failed refresh says so, and keeps the last good figures.
      await http.stop();
      await page.clock.runFor(30_000);
      await expect.poll(() => page.locator('#stale').isVisible()).toBe(true);
      expect(await page.locator('#stale').textContent()).toMatch(
        /^Could not refresh \(.+\)\. The figures below may be out of date; retrying every 30 s\.$/,
      );
      expect(await page.locator('li.product').count()).toBe(4);
      http = await startTestHttp({ store, nowMs: () => nowSeconds * 1000, intervalSeconds: INTERVAL, http: { port: http.port } });
      await page.clock.runFor(30_000);
      await expect.poll(() => page.locator('#stale').isVisible()).toBe(false);
      expect(problems.filter((problem) => !problem.includes('Failed to load resource'))).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('fits a phone: no sideways scrolling, the last 30 days in the bar, readable rows', async () => {
    const phone = await launchChromium({ mobile: true });
    try {
      const { page, problems } = await openPage(phone);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow).toBeLessThanOrEqual(0);
      const visible = await page
        .locator('li.product[data-product="TNB"] .seg')
        .evaluateAll((segs) => segs.filter((seg) => getComputedStyle(seg).display !== 'none').length);
      expect(visible).toBe(30);
      expect(await page.locator('li.product[data-product="TNB"] .narrow-only').isVisible()).toBe(true);
      expect(await page.locator('li.product[data-product="TNB"] .wide-only').isVisible()).toBe(false);
      const fontSize = await page
        .locator('.product-name')
        .first()
        .evaluate((element) => Number.parseFloat(getComputedStyle(element).fontSize));
      expect(fontSize).toBeGreaterThanOrEqual(14);
      await page.locator('li.product[data-product="TNB"] .seg').nth(86).tap();
      await expect.poll(() => page.locator('#tooltip').isVisible()).toBe(true);
      await page.screenshot({ path: join(artifacts, 'status-page-mobile.png'), fullPage: true });
      expect(problems).toEqual([]);
    } finally {
      await phone.close();
    }
  });
});

if (!available) {
  describe('status page in Chromium', () => {
    it.skip(`SKIPPED: needs ${CHROMIUM_PATH} (apt-get install -y chromium)`, () => undefined);
  });
}
