import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/notify/escape.js';
import { renderEmail } from '../../src/notify/render-email.js';
import { renderSlackMessage } from '../../src/notify/render-slack.js';
import { packageRoot } from '../../src/shared/package-root.js';
import { interruption, message, recovery, T0 } from '../helpers/alert-fixtures.js';
import { type Browser, chromiumAvailable, launchChromium } from '../helpers/chromium.js';
import { slackPreviewHtml } from '../helpers/slack-preview.js';

// Set by an injected script if a hostile product name ever ran; read inside page.evaluate callbacks.
declare const window: { __pwned?: number };

/**
 * The email HTML and an approximation of the Slack message, rendered in
 * Chromium: hostile product names stay inert text, and the screenshots go to
 * test-artifacts/ (and, with NETWATCH_DOCS_SCREENSHOTS=1, to docs/ for the README).
 * No request leaves the machine: product images are answered locally.
 */

const root = packageRoot();
const artifacts = join(root, 'test-artifacts');
const targets = process.env.NETWATCH_DOCS_SCREENSHOTS === '1' ? [artifacts, join(root, 'docs')] : [artifacts];
let browser: Browser;

async function openPage(html: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.route('**/*', async (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === 'dashboard.iimmpact.com') {
      const code = (url.pathname.split('/').pop() ?? '').replace(/\.png$/, '').slice(0, 6);
      await route.fulfill({
        contentType: 'image/svg+xml',
        body: `<svg xmlns="http://www.w3.org/2000/svg" width="72" height="72"><rect width="72" height="72" rx="10" fill="#0b5cab"/><text x="36" y="44" font-family="DejaVu Sans" font-size="18" font-weight="bold" fill="#fff" text-anchor="middle">${code}</text></svg>`,
      });
      return;
    }
    await route.abort();
  });
  await page.setContent(html, { waitUntil: 'load' });
  return page;
}

async function capture(page: Page, file: string, width: number): Promise<void> {
  await page.setViewportSize({ width, height: 200 });
  for (const folder of targets) await page.screenshot({ path: join(folder, file), fullPage: true });
}

/** The email as a mail client would list it: subject and addresses above the HTML body. */
function withMailHeader(email: { subject: string; html: string }): string {
  const header = `<div style="font-family:'Liberation Sans',sans-serif;font-size:13px;color:#444;border-bottom:1px solid #ddd;padding:8px 0 10px;margin-bottom:14px"><div style="font-size:17px;color:#111;font-weight:bold;margin-bottom:4px">${escapeHtml(email.subject)}</div>From: netwatch@example.com &nbsp;·&nbsp; To: support@example.com</div>`;
  return email.html.replace(/(<body[^>]*>)/, `$1${header}`);
}

describe.runIf(chromiumAvailable())('alert rendering in a browser', () => {
  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('keeps hostile product names inert in the email HTML and the Slack text', async () => {
    const evil = interruption('TNB', { productName: `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>` });
    const email = await openPage(renderEmail(message([evil])).html);
    expect(await email.evaluate(() => window.__pwned)).toBeUndefined();
    expect(await email.evaluate(() => document.body.textContent)).toContain('<script>window.__pwned=2</script>');
    await email.close();
    const slack = await openPage(slackPreviewHtml([{ time: '14:50', message: renderSlackMessage(message([evil])) }]));
    expect(await slack.evaluate(() => window.__pwned)).toBeUndefined();
    await slack.close();
  });

  it('renders the README examples', async () => {
    const names: Record<string, string> = {
      ASTRO: 'Astro',
      UNIFI: 'Unifi Home',
      MAXIS: 'Maxis Postpaid',
      CELCOM: 'Celcom Postpaid',
      DIGI: 'Digi Postpaid',
      TM: 'Telekom Malaysia',
      SYABAS: 'Air Selangor',
      IWK: 'Indah Water Konsortium',
    };
    const group = Object.entries(names).map(([code, productName]) =>
      interruption(code, { productName, startedAt: T0 + 3600, confirmedAt: T0 + 3660 }),
    );
    const slack = await openPage(
      slackPreviewHtml([
        { time: '14:50', message: renderSlackMessage(message([interruption()], 50, 'events-41-41:slack:default')) },
        { time: '15:02', message: renderSlackMessage(message([recovery()], 50, 'events-57-57:slack:default')) },
        { time: '15:50', message: renderSlackMessage(message(group, 12, 'events-63-70:slack:default')) },
      ]),
    );
    expect(await slack.evaluate(() => document.body.textContent)).toContain('Payments must NOT be blocked.');
    await capture(slack, 'alert-slack.png', 780);
    await slack.close();

    const email = await openPage(withMailHeader(renderEmail(message([interruption()], 50, 'events-41-41:email:default'))));
    expect(await email.evaluate(() => document.body.textContent)).toContain('Since (Malaysia, GMT+8)');
    await capture(email, 'alert-email.png', 680);
    await email.close();
  }, 60_000);
});
