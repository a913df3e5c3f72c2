import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import {
  dayClass,
  escapeHtml,
  formatDuration,
  formatPercent,
  renderBody,
  renderStatusPage,
  summaryText,
} from '../../src/http/status-page.js';
import { statusPageAssets, viewFunctionsSource } from '../../src/http/status-page-assets.js';
import type { StatusPageModel } from '../../src/http/status-page-model.js';

const NOW = Date.UTC(2026, 10, 28, 5, 30, 0) / 1000; // 13:30 MYT
const DAY = 86_400;
const XSS = '<img src=x onerror=alert(1)>';

function model(overrides: Partial<StatusPageModel> = {}): StatusPageModel {
  const firstDay = Date.UTC(2026, 10, 27, 16) / 1000 - 89 * DAY; // 90 Malaysia days ending today
  const days = (down: number[] = []): Array<[number, number]> =>
    Array.from({ length: 90 }, (_, i) => (down[i] === undefined ? [DAY, 0] : [DAY - (down[i] as number), down[i] as number]));
  return {
    title: 'IIMMPACT network status',
    generatedAt: NOW,
    lastCheckAt: NOW - 12,
    refreshSeconds: 30,
    tzOffsetSeconds: 8 * 3600,
    tzLabel: 'MYT',
    firstDay,
    dayCount: 90,
    products: [
      {
        code: 'ASTRO',
        name: 'Astro',
        state: 'Interruption',
        since: NOW - 754,
        lastCheckedAt: NOW - 12,
        lastStatus: 'Interruption',
        unknownSince: null,
        uptime24h: 0.99127,
        uptime30d: 0.99971,
        days: days(Object.assign([], { 89: 754, 40: 3600 })),
      },
      {
        code: 'EVIL',
        name: XSS,
        state: 'Healthy',
        since: NOW - 40 * DAY,
        lastCheckedAt: NOW - 12,
        lastStatus: 'Unknown',
        unknownSince: NOW - 300,
        uptime24h: 1,
        uptime30d: null,
        days: days(),
      },
    ],
    incidents: [
      { code: 'ASTRO', name: 'Astro', startedAt: NOW - 754, endedAt: null },
      { code: 'EVIL', name: XSS, startedAt: NOW - 3 * DAY, endedAt: NOW - 3 * DAY + 2520 },
    ],
    incidentDays: 30,
    ...overrides,
  };
}

describe('status page formatting', () => {
  it('escapes every HTML-significant character', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
    expect(escapeHtml(null)).toBe('');
  });

  it('truncates uptime so a near-perfect day never shows as 100%', () => {
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0.99999)).toBe('99.99%');
    expect(formatPercent(0.9995)).toBe('99.95%');
    expect(formatPercent(0)).toBe('0.00%');
    expect(formatPercent(null)).toBe('—');
  });

  it('formats durations compactly', () => {
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(754)).toBe('12 min');
    expect(formatDuration(3 * 3600 + 5 * 60)).toBe('3 h 05 min');
    expect(formatDuration(2 * DAY + 4 * 3600)).toBe('2 d 4 h');
  });

  it('colours days by the thresholds shown in the legend', () => {
    expect(dayClass(0, 0)).toBe('nodata');
    expect(dayClass(DAY, 0)).toBe('up100');
    expect(dayClass(DAY - 800, 800)).toBe('up99');
    expect(dayClass(DAY - 3600, 3600)).toBe('up95');
    expect(dayClass(DAY - 7200, 7200)).toBe('down');
  });
});

describe('renderStatusPage', () => {
  const { style, script } = statusPageAssets();
  const html = renderStatusPage(model(), { style, script });

  it('renders a product name from the API as text, never as markup', () => {
    expect(html).not.toContain(XSS);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('shows one row per product with a text state label, since-time and uptimes', () => {
    const body = html.slice(0, html.indexOf('<script>'));
    expect(body.match(/<li class="product /g)).toHaveLength(2);
    expect(html).toContain('<span class="badge-text">Interruption</span>');
    expect(html).toContain('<span class="badge-text">Healthy</span>');
    expect(html).toMatch(/Down since <time datetime="2026-11-28T05:17:26Z">13:17 MYT<\/time> \(12 min\)/);
    expect(html).toContain('<strong>99.12%</strong>');
    expect(html).toContain('Checks failing since');
  });

  it('draws 90 day segments per product with tooltips and an accessible summary', () => {
    const astro = html.slice(html.indexOf('data-product="ASTRO"'), html.indexOf('data-product="EVIL"'));
    expect(astro.match(/class="seg /g)).toHaveLength(90);
    expect(astro).toContain('data-tip="Sat 28 Nov 2026\n99.12% uptime\n12 min down"');
    expect(astro).toContain('data-tip="Sat 10 Oct 2026\n95.83% uptime\n1 h 00 min down"');
    expect(astro).toMatch(
      /role="img" aria-label="Astro, last 90 days: 99\.\d\d% uptime; downtime on 2 days: 10 Oct 2026 1 h 00 min down, 28 Nov 2026 12 min down"/,
    );
  });

  it('lists incidents, ongoing and resolved, with durations', () => {
    expect(html).toMatch(/<span class="badge-text">Ongoing<\/span>.*Astro.*12 min so far/s);
    expect(html).toMatch(/<span class="badge-text">Resolved<\/span>.*42 min/s);
  });

  it('puts the summary in the banner and the title', () => {
    expect(summaryText(model())).toBe('1 product has an interruption: Astro');
    expect(html).toContain('<title>(1 interrupted) IIMMPACT network status</title>');
    expect(summaryText(model({ products: [] }))).toBe('Waiting for the first checks');
  });

  it('has a language, a viewport, and no external resource', () => {
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('name="viewport"');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});

describe('the view functions shipped to the browser', () => {
  it('render exactly what the server renders, in a context with nothing but JavaScript built-ins', () => {
    const m = model();
    const sandbox: { model: StatusPageModel; out?: string; title?: string } = { model: JSON.parse(JSON.stringify(m)) as StatusPageModel };
    runInNewContext(`${viewFunctionsSource()}\nout = renderBody(model); title = pageTitle(model);`, sandbox);
    expect(sandbox.out).toBe(renderBody(m));
    expect(sandbox.title).toBe('(1 interrupted) IIMMPACT network status');
  });

  it('are wrapped in a script that only ever assigns text, never HTML from outside the renderer', () => {
    const { script } = statusPageAssets();
    expect(script).toContain("fetch('status.json'");
    expect(script.match(/innerHTML\s*=/g)).toEqual(['innerHTML =']);
    expect(script).toContain('root.innerHTML = html');
  });
});
