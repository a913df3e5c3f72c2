import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/build-report.js';
import { listOutages } from '../../src/report/list-outages.js';
import { outagesJson, sortReportRows, summaryJson } from '../../src/report/render-report.js';
import { isoFromSeconds } from '../../src/shared/clock.js';
import { openDatabase, type StoreDatabase } from '../../src/store/database.js';
import { WRITE_PROBE_KEY } from '../../src/store/write-probe.js';
import { createTempDir } from '../helpers/daemon-process.js';
import { startTestHttp, type TestHttp } from '../helpers/http-test-server.js';
import { openSeededDatabase, outagesAt, seedHistory } from '../helpers/status-history-seed.js';

/**
 * The HTTP surface against a real server on an ephemeral port, over a real
 * SQLite file seeded through the daemon's own write path: 10 days of checks
 * every 5 minutes, one resolved TNB outage, an ongoing ASTRO outage, UNIFI
 * failing (Unknown) for the last 30 minutes, and a product whose name is an
 * XSS payload.
 */

const NOW = Date.UTC(2026, 10, 28, 5, 30, 0) / 1000; // 13:30 MYT
const INTERVAL = 300;
const DAY = 86_400;
const TNB_OUTAGE = NOW - 3 * DAY;
const XSS = '<img src=x onerror=alert(1)>';
const nowMs = () => NOW * 1000;

let dir: string;
let store: StoreDatabase;
let open: TestHttp;

beforeAll(async () => {
  dir = createTempDir('netwatch-http-');
  store = await openSeededDatabase(join(dir, 'netwatch.db'));
  await seedHistory(store.db, {
    from: NOW - 10 * DAY,
    to: NOW,
    intervalSeconds: INTERVAL,
    products: [
      { code: 'TNB', name: 'Tenaga Nasional Berhad', statusAt: outagesAt([[TNB_OUTAGE, TNB_OUTAGE + 42 * 60]]) },
      { code: 'ASTRO', name: 'Astro', statusAt: outagesAt([[NOW - 3600, NOW]]) },
      { code: 'UNIFI', name: 'Unifi', statusAt: (t) => (t >= NOW - 1800 ? 'Unknown' : 'Healthy') },
      { code: 'XSS1', name: XSS },
    ],
  });
  open = await startTestHttp({ store, nowMs, intervalSeconds: INTERVAL });
});

afterAll(async () => {
  await open?.stop();
  await store?.close();
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http directly, for what fetch will not send (a Host header, a GET body, huge headers). */
function raw(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path ?? '/', headers: options.headers ?? {} },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('health and readiness', () => {
  it('GET /healthz answers 200 while the process runs', async () => {
    const res = await fetch(`${open.url}healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok\n');
  });

  it('GET /readyz is 200 when the last cycle is recent and the database takes writes', async () => {
    const res = await fetch(`${open.url}readyz`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      checks: { cycle: { ok: boolean; maxAgeSeconds: number }; database: { ok: boolean } };
    };
    expect(body.status).toBe('ready');
    expect(body.checks.cycle).toMatchObject({ ok: true, maxAgeSeconds: 3 * INTERVAL });
    expect(body.checks.database.ok).toBe(true);
  });

  it('GET /readyz is 503 with a JSON reason before the first cycle and when the last one is too old', async () => {
    let lastCycle: number | null = null;
    const server = await startTestHttp({ store, nowMs, intervalSeconds: INTERVAL, lastCycleFinishedAtMs: () => lastCycle });
    try {
      let res = await fetch(`${server.url}readyz`);
      expect(res.status).toBe(503);
      let body = (await res.json()) as { status: string; reasons: string[] };
      expect(body.status).toBe('not_ready');
      expect(body.reasons[0]).toMatch(/^no poll cycle has finished since the daemon started/);

      lastCycle = nowMs() - (3 * INTERVAL + 5) * 1000;
      res = await fetch(`${server.url}readyz`);
      expect(res.status).toBe(503);
      body = (await res.json()) as { status: string; reasons: string[] };
      expect(body.reasons).toEqual([
        `the last poll cycle finished ${3 * INTERVAL + 5} s ago; expected one within ${3 * INTERVAL} s (3 schedule intervals)`,
      ]);

      lastCycle = nowMs() - (3 * INTERVAL - 5) * 1000;
      expect((await fetch(`${server.url}readyz`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('GET /readyz is 503 while another process holds the database write lock, and recovers', async () => {
    const other = new Database(join(dir, 'netwatch.db'));
    try {
      other.exec('begin immediate');
      const res = await fetch(`${open.url}readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { reasons: string[]; checks: { database: { ok: boolean; error: string } } };
      expect(body.checks.database.ok).toBe(false);
      expect(body.reasons[0]).toMatch(/^the database is not writable: database is locked/);
      other.exec('rollback');
      expect((await fetch(`${open.url}readyz`)).status).toBe(200);
    } finally {
      other.close();
    }
  });
  it('GET /readyz is 503 when the database cannot be written (a read-only handle)', async () => {
    const readonly = openDatabase(join(dir, 'netwatch.db'), { readonly: true });
    const server = await startTestHttp({ store: readonly, nowMs, intervalSeconds: INTERVAL });
    try {
      const res = await fetch(`${server.url}readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { reasons: string[] };
      expect(body.reasons).toEqual(['the database is not writable: attempt to write a readonly database']);
    } finally {
      await server.stop();
      await readonly.close();
    }
  });

  it('the probe leaves one row in meta, rewritten each time', async () => {
    await fetch(`${open.url}readyz`);
    await fetch(`${open.url}readyz`);
    const rows = await store.db.selectFrom('meta').selectAll().where('key', '=', WRITE_PROBE_KEY).execute();
    expect(rows).toEqual([{ key: WRITE_PROBE_KEY, value: String(NOW) }]);
  });
});

describe('GET /api/v1/status', () => {
  interface ProductJson {
    code: string;
    name: string | null;
    state: string | null;
    since: string | null;
    warning: boolean;
    lastCheck: { at: string; status: string; httpStatus: number | null; error: string | null } | null;
    unknownSince: string | null;
    uptimePct: { '24h': number | null; '7d': number | null; '30d': number | null };
  }

  it('lists every product with its confirmed state, since when, last check and uptimes', async () => {
    const res = await fetch(`${open.url}api/v1/status`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await res.json()) as { asOf: string; pollIntervalSeconds: number; products: ProductJson[] };
    expect(body.asOf).toBe(isoFromSeconds(NOW - INTERVAL));
    expect(body.pollIntervalSeconds).toBe(INTERVAL);
    expect(body.products.map((p) => p.code)).toEqual(['ASTRO', 'TNB', 'UNIFI', 'XSS1']);

    const astro = body.products.find((p) => p.code === 'ASTRO') as ProductJson;
    expect(astro).toMatchObject({
      name: 'Astro',
      state: 'Interruption',
      since: isoFromSeconds(NOW - 3600),
      warning: true,
      unknownSince: null,
    });
    expect(astro.lastCheck).toEqual({ at: isoFromSeconds(NOW - INTERVAL), status: 'Interruption', httpStatus: 200, error: null });
    expect(astro.uptimePct['24h']).toBeLessThan(100);

    const unifi = body.products.find((p) => p.code === 'UNIFI') as ProductJson;
    expect(unifi).toMatchObject({ state: 'Healthy', warning: false, unknownSince: isoFromSeconds(NOW - 1800) });
    expect(unifi.lastCheck).toMatchObject({ status: 'Unknown', httpStatus: 503 });

    const tnb = body.products.find((p) => p.code === 'TNB') as ProductJson;
    expect(tnb.uptimePct['24h']).toBe(100);
    expect(tnb.uptimePct['7d']).toBeLessThan(100);
    // The same numbers as `netwatch report` for the same window.
    const asOf = NOW - INTERVAL;
    for (const [key, seconds] of [
      ['24h', DAY],
      ['7d', 7 * DAY],
      ['30d', 30 * DAY],
    ] as const) {
      const report = await buildReport(store.db, { from: asOf - seconds, to: asOf, now: asOf, products: ['TNB'] });
      expect(tnb.uptimePct[key], key).toBe(report.rows[0]?.uptimePct);
    }
  });

  it('sends an ETag and a Cache-Control that expires when the next check is due, and answers If-None-Match with 304', async () => {
    const first = await fetch(`${open.url}api/v1/status`);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{22}"$/);
    // The latest check is one interval old: the next is due now, so revalidate.
    expect(first.headers.get('cache-control')).toBe('public, no-cache');
    const again = await fetch(`${open.url}api/v1/status`, { headers: { 'If-None-Match': etag as string } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');

    const fresher = await startTestHttp({ store, nowMs: () => (NOW - INTERVAL + 100) * 1000, intervalSeconds: INTERVAL });
    try {
      const res = await fetch(`${fresher.url}api/v1/status`);
      expect(res.headers.get('cache-control')).toBe(`public, max-age=${INTERVAL - 100}`);
      expect(res.headers.get('etag')).toBe(etag);
    } finally {
      await fresher.stop();
    }
  });

  it('GET /api/v1/status/:code returns one product, 404 for an unknown code and 400 for a malformed one', async () => {
    const res = await fetch(`${open.url}api/v1/status/ASTRO`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as ProductJson & { asOf: string };
    expect(body).toMatchObject({ code: 'ASTRO', state: 'Interruption', warning: true, asOf: isoFromSeconds(NOW - INTERVAL) });
    expect(res.headers.get('etag')).toBeTruthy();

    const missing = await fetch(`${open.url}api/v1/status/NOPE`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'not_found', message: 'no status recorded for product NOPE' });
    expect((await fetch(`${open.url}api/v1/status/${encodeURIComponent('<x>')}`)).status).toBe(400);
  });
});

describe('GET /api/v1/outages and /api/v1/report', () => {
  it('lists outages in a window exactly as `netwatch report --outages --format json` does', async () => {
    const res = await fetch(`${open.url}api/v1/outages?from=7d&tz=utc`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { window: Record<string, unknown>; outages: Array<Record<string, unknown>> };
    expect(body.window).toEqual({ from: isoFromSeconds(NOW - 7 * DAY), to: isoFromSeconds(NOW), timeZone: 'UTC' });
    expect(body.outages).toEqual([
      {
        productCode: 'TNB',
        productName: 'Tenaga Nasional Berhad',
        startedAt: isoFromSeconds(TNB_OUTAGE),
        confirmedAt: isoFromSeconds(TNB_OUTAGE + INTERVAL),
        endedAt: isoFromSeconds(TNB_OUTAGE + 45 * 60),
        recoveryConfirmedAt: isoFromSeconds(TNB_OUTAGE + 50 * 60),
        durationS: 45 * 60,
        inWindowS: 45 * 60,
        ongoing: false,
      },
      expect.objectContaining({
        productCode: 'ASTRO',
        startedAt: isoFromSeconds(NOW - 3600),
        endedAt: null,
        ongoing: true,
        durationS: 3600,
      }),
    ]);
    const direct = outagesJson(
      await listOutages(store.db, { from: NOW - 7 * DAY, to: NOW, now: NOW }),
      { from: NOW - 7 * DAY, to: NOW },
      'utc',
    );
    expect(body).toEqual(JSON.parse(JSON.stringify(direct)));

    // Malaysia time by default, like the CLI; dates are read in Malaysia time too.
    const local = (await (await fetch(`${open.url}api/v1/outages?from=2026-11-20&to=2026-11-28&product=TNB`)).json()) as typeof body;
    expect(local.window).toEqual({ from: '2026-11-20T00:00:00+08:00', to: '2026-11-28T13:30:00+08:00', timeZone: 'Asia/Kuala_Lumpur' });
    expect(local.outages.map((outage) => outage.startedAt)).toEqual(['2026-11-25T13:30:00+08:00']);
  });

  it('returns the report for a window as `netwatch report --format json`, and 400 with a readable message for bad input', async () => {
    const res = await fetch(`${open.url}api/v1/report?from=7d&product=TNB,ASTRO&sort=uptime`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      window: { seconds: number };
      products: Array<{ productCode: string; outages: number; downtimeS: number }>;
    };
    expect(body.window.seconds).toBe(7 * DAY);
    // Worst uptime first.
    expect(body.products.map((p) => p.productCode)).toEqual(['ASTRO', 'TNB']);
    expect(body.products[1]).toMatchObject({ outages: 1, downtimeS: 45 * 60 });
    const report = await buildReport(store.db, { from: NOW - 7 * DAY, to: NOW, now: NOW, products: ['TNB', 'ASTRO'] });
    report.rows = sortReportRows(report.rows, 'uptime');
    expect(body).toEqual(JSON.parse(JSON.stringify(summaryJson(report, 'malaysia'))));

    for (const query of ['from=yesterday', 'from=2026-13-01', 'product=NOPE', 'product=%3Cx%3E', 'tz=mars', 'from=now', 'sort=name']) {
      const bad = await fetch(`${open.url}api/v1/report?${query}`);
      expect(bad.status, query).toBe(400);
      const error = (await bad.json()) as { error: string; message: string };
      expect(error.error).toBe('bad_request');
      expect(error.message).not.toContain('--');
    }
  });
});

describe('GET /metrics', () => {
  it('serves the Prometheus text format with the netwatch metrics and process metrics', async () => {
    open.metrics.recordCheck('TNB', 'Healthy');
    open.metrics.recordApiResponse({ path: '/v2/networkstatus', latencyMs: 180, errorKind: null });
    open.metrics.recordApiResponse({ path: '/v2/networkstatus', latencyMs: 10_000, errorKind: 'timeout' });
    open.metrics.recordCycle({ startedAtMs: nowMs() - 4000, finishedAtMs: nowMs() });
    open.metrics.recordOverrun();
    open.metrics.recordNotification('slack', 'sent');
    const res = await fetch(`${open.url}metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    // Product up: 1 Healthy, 0 Interruption; absent for UNIFI whose last check is Unknown.
    expect(text).toContain('netwatch_product_up{product="TNB"} 1');
    expect(text).toContain('netwatch_product_up{product="ASTRO"} 0');
    expect(text).toContain('netwatch_product_up{product="XSS1"} 1');
    expect(text).not.toContain('netwatch_product_up{product="UNIFI"}');
    expect(text).toContain('netwatch_checks_total{product="TNB",status="Healthy"} 1');
    expect(text).toContain('netwatch_check_duration_seconds_count 2');
    expect(text).toContain('netwatch_cycle_duration_seconds_sum 4');
    expect(text).toContain('netwatch_cycle_overrun_total 1');
    expect(text).toContain('netwatch_api_errors_total{kind="timeout"} 1');
    expect(text).toContain('netwatch_api_errors_total{kind="auth"} 0');
    expect(text).toContain('netwatch_notifications_total{channel="slack",result="sent"} 1');
    expect(text).toContain('netwatch_outbox_pending 0');
    expect(text).toContain(`netwatch_last_cycle_timestamp_seconds ${NOW}`);
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('passes promtool check metrics', async (context) => {
    const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
    if (promtool.error) {
      context.skip('promtool is not installed here (apt-get install prometheus); CI installs it');
      return;
    }
    const text = await (await fetch(`${open.url}metrics`)).text();
    const out = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(`${out.stdout}${out.stderr}`).toBe('');
    expect(out.status).toBe(0);
  });

  it('marks a product absent once its last check is older than three intervals', async () => {
    const later = await startTestHttp({ store, nowMs: () => (NOW + 3 * INTERVAL) * 1000, intervalSeconds: INTERVAL });
    try {
      const text = await (await fetch(`${later.url}metrics`)).text();
      expect(text).not.toContain('netwatch_product_up{');
    } finally {
      await later.stop();
    }
  });
});

describe('GET / (status page)', () => {
  it('is a self-contained HTML page with a hash-based CSP, and renders the XSS product name as text', async () => {
    const res = await fetch(open.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(
      /^default-src 'none'; script-src 'sha256-[\w+/=]+'; style-src 'sha256-[\w+/=]+'; img-src 'self' data:; connect-src 'self';/,
    );
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).not.toContain(XSS);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('1 product has an interruption: Astro');
  });

  it('serves its data as /status.json', async () => {
    const res = await fetch(`${open.url}status.json`);
    expect(res.status).toBe(200);
    const model = (await res.json()) as {
      generatedAt: number;
      lastCheckAt: number;
      products: Array<{ code: string; days: unknown[] }>;
      incidents: Array<{ code: string }>;
    };
    expect(model.generatedAt).toBe(NOW);
    expect(model.lastCheckAt).toBe(NOW - INTERVAL);
    // Interruptions first, then by name ("<img..." sorts before letters).
    expect(model.products.map((p) => p.code)).toEqual(['ASTRO', 'XSS1', 'TNB', 'UNIFI']);
    expect(model.products.every((p) => p.days.length === 90)).toBe(true);
    expect(model.incidents.map((i) => i.code)).toEqual(['ASTRO', 'TNB']);
  });
});

describe('transport security and limits', () => {
  it('sets security headers on every response, errors included', async () => {
    for (const path of ['healthz', 'api/v1/status', 'nope']) {
      const res = await fetch(`${open.url}${path}`);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('x-frame-options'), path).toBe('DENY');
      expect(res.headers.get('content-security-policy'), path).toContain("default-src 'none'");
      expect(res.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
  });

  it('has no directory listing or file serving: unknown paths are 404', async () => {
    for (const path of ['/api/', '/api/v1/', '/src/', '/../package.json', '/%2e%2e/package.json', '/index.html', '/api/v1/status/']) {
      const res = await raw(open.port, { path, headers: { Host: '127.0.0.1' } });
      expect(res.status, path).toBe(404);
    }
  });

  it('refuses other methods, request bodies, long URLs and oversized headers', async () => {
    const post = await raw(open.port, { method: 'POST', path: '/api/v1/status', headers: { Host: 'localhost' } });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
    const body = await raw(open.port, { path: '/api/v1/status', headers: { Host: 'localhost', 'Content-Length': '5' }, body: 'hello' });
    expect(body.status).toBe(413);
    const longUrl = await raw(open.port, { path: `/api/v1/status?x=${'a'.repeat(3000)}`, headers: { Host: 'localhost' } });
    expect(longUrl.status).toBe(414);
    const bigHeader = await raw(open.port, { path: '/healthz', headers: { Host: 'localhost', 'X-Big': 'a'.repeat(10_000) } });
    expect(bigHeader.status).toBe(431);
  });

  it('answers HEAD with headers only', async () => {
    const res = await raw(open.port, { method: 'HEAD', path: '/api/v1/status', headers: { Host: 'localhost' } });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    expect(Number(res.headers['content-length'])).toBeGreaterThan(100);
  });

  it('without a token, serves only requests addressed to a loopback name (DNS rebinding)', async () => {
    const res = await raw(open.port, { path: '/api/v1/status', headers: { Host: 'attacker.example:9464' } });
    expect(res.status).toBe(421);
    expect((await raw(open.port, { path: '/healthz', headers: { Host: `localhost:${open.port}` } })).status).toBe(200);
  });

  it('compresses large replies for clients that accept gzip', async () => {
    const res = await raw(open.port, { path: '/status.json', headers: { Host: 'localhost', 'Accept-Encoding': 'gzip' } });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toBe('Accept-Encoding');
  });

  it('fails to start with a clear config error when the port is taken', async () => {
    const second = startTestHttp({ store, nowMs, http: { port: open.port } });
    await expect(second).rejects.toMatchObject({
      code: 'config_invalid',
      message: `http: cannot listen on 127.0.0.1:${open.port}: the address is already in use (is another netwatch running?); stop it or choose another http.port`,
    });
  });
});

describe('with a token', () => {
  const TOKEN = 'test-token-0123456789abcdef';
  let secured: TestHttp;
  let publicPage: TestHttp;

  beforeAll(async () => {
    secured = await startTestHttp({ store, nowMs, intervalSeconds: INTERVAL, http: { token: TOKEN } });
    publicPage = await startTestHttp({ store, nowMs, intervalSeconds: INTERVAL, http: { token: TOKEN, publicStatusPage: true } });
  });
  afterAll(async () => {
    await secured?.stop();
    await publicPage?.stop();
  });

  it('requires it for /api/* and /metrics, compared in constant time, and accepts Bearer or Basic', async () => {
    for (const path of ['api/v1/status', 'api/v1/status/TNB', 'api/v1/outages', 'api/v1/report', 'metrics']) {
      const denied = await fetch(`${secured.url}${path}`);
      expect(denied.status, path).toBe(401);
      expect(denied.headers.get('www-authenticate'), path).toBe('Bearer realm="netwatch"');
      expect((await fetch(`${secured.url}${path}`, { headers: { Authorization: 'Bearer wrong-token' } })).status, path).toBe(401);
      expect((await fetch(`${secured.url}${path}`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status, path).toBe(200);
    }
    const basic = `Basic ${Buffer.from(`support:${TOKEN}`).toString('base64')}`;
    expect((await fetch(`${secured.url}api/v1/status`, { headers: { Authorization: basic } })).status).toBe(200);
  });

  it('serves any Host header once a token is required (no rebinding risk), and marks API responses private', async () => {
    const res = await raw(secured.port, {
      path: '/api/v1/status',
      headers: { Host: 'netwatch.internal', Authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toMatch(/^private, /);
  });

  it('protects the page with a browser login prompt unless publicStatusPage is set', async () => {
    const page = await fetch(secured.url);
    expect(page.status).toBe(401);
    expect(page.headers.get('www-authenticate')).toBe('Basic realm="netwatch", charset="UTF-8"');
    expect((await fetch(`${secured.url}status.json`)).status).toBe(401);

    expect((await fetch(publicPage.url)).status).toBe(200);
    expect((await fetch(`${publicPage.url}status.json`)).status).toBe(200);
    expect((await fetch(`${publicPage.url}api/v1/status`)).status).toBe(401);
    expect((await fetch(`${publicPage.url}metrics`)).status).toBe(401);
  });

  it('always answers /healthz, and /readyz with its status code; the reasons need access', async () => {
    expect((await fetch(`${secured.url}healthz`)).status).toBe(200);
    const anonymous = await fetch(`${secured.url}readyz`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ status: 'ready' });
    const detailed = (await (await fetch(`${secured.url}readyz`, { headers: { Authorization: `Bearer ${TOKEN}` } })).json()) as {
      checks?: unknown;
    };
    expect(detailed.checks).toBeDefined();
    const publicDetails = (await (await fetch(`${publicPage.url}readyz`)).json()) as { checks?: unknown };
    expect(publicDetails.checks).toBeDefined();
  });
});

describe('gzip', () => {
  it('the gzip body decodes to the same JSON as the plain one', async () => {
    const plain = await raw(open.port, { path: '/api/v1/status', headers: { Host: 'localhost' } });
    const zipped = await new Promise<Buffer>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: open.port, path: '/api/v1/status', headers: { Host: 'localhost', 'Accept-Encoding': 'gzip' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(Buffer.concat(chunks)));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(gunzipSync(zipped).toString('utf8')).toBe(plain.body);
  });
});
