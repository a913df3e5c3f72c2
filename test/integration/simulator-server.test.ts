import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIimmpactClient, createTokenBucket, parseLastUpdated, signRequest } from '../../src/iimmpact/index.js';
import { runSimulator } from '../../src/simulator/run-simulator.js';
import type { Simulator } from '../../src/simulator/simulator-server.js';
import { DEFAULT_PRODUCTS, generateProducts, SIMULATOR_CREDENTIALS, startSimulator } from '../../src/simulator/simulator-server.js';

const API_KEY = 'iimm_sim_test_key';
const HMAC_SECRET = Buffer.from('simulator-test-secret').toString('base64');

let sim: Simulator;
let nonceCounter = 0;

beforeAll(async () => {
  sim = await startSimulator({ apiKey: API_KEY, hmacSecret: HMAC_SECRET });
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => {
  sim.reset();
});

function signed(query: string, overrides: Partial<Parameters<typeof signRequest>[0]> = {}): Record<string, string> {
  nonceCounter += 1;
  return signRequest({
    apiKey: API_KEY,
    hmacSecret: HMAC_SECRET,
    method: 'GET',
    query,
    timestamp: Math.floor(Date.now() / 1000),
    nonce: `sim-test-nonce-${String(nonceCounter).padStart(6, '0')}`,
    ...overrides,
  });
}

async function get(pathAndQuery: string, headers: Record<string, string>): Promise<{ status: number; json: unknown; text: string }> {
  const res = await fetch(`${sim.url}${pathAndQuery}`, { headers });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // non-JSON bodies are asserted through `text`
  }
  return { status: res.status, json, text };
}

describe('authentication, like the real API', () => {
  it('accepts a correctly signed request and serves the documented shape', async () => {
    const { status, json } = await get('/v2/networkstatus?product=TNB', signed('product=TNB'));
    expect(status).toBe(200);
    expect(json).toEqual({
      data: {
        product_code: 'TNB',
        product_name: 'Tenaga Nasional Berhad',
        product_img: 'https://dashboard.iimmpact.com/img/TNB.png',
        network_status: 'Healthy',
      },
      metadata: { status_code: 200, last_updated: expect.stringMatching(/^\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}$/) },
    });
    const lastUpdated = parseLastUpdated((json as { metadata: { last_updated: string } }).metadata.last_updated);
    expect(Math.abs((lastUpdated ?? 0) - Date.now() / 1000)).toBeLessThan(3);
  });

  it('rejects missing headers, a wrong key, a bad signature, a short nonce and a skewed timestamp', async () => {
    const message = async (headers: Record<string, string>, query = 'product=TNB') => {
      const res = await get(`/v2/networkstatus?${query}`, headers);
      expect(res.status).toBe(401);
      return (res.json as { message: string }).message;
    };
    const { 'X-Signature': _omit, ...unsigned } = signed('product=TNB');
    expect(await message(unsigned)).toMatch(/Missing authentication headers/);
    expect(await message({ ...signed('product=TNB'), 'X-Api-Key': 'other' })).toBe('Invalid API key');
    expect(await message(signed('product=TNB', { hmacSecret: Buffer.from('wrong').toString('base64') }))).toBe('Invalid signature');
    // Signed for a different query than the one sent.
    expect(await message(signed('product=ASTRO'))).toBe('Invalid signature');
    expect(await message(signed('product=TNB', { nonce: 'short' }))).toMatch(/Invalid nonce/);
    expect(await message(signed('product=TNB', { nonce: 'x'.repeat(129) }))).toMatch(/Invalid nonce/);
    expect(await message(signed('product=TNB', { timestamp: Math.floor(Date.now() / 1000) - 301 }))).toBe(
      'Request timestamp expired, check clock',
    );
    expect(await message(signed('product=TNB', { timestamp: Math.floor(Date.now() / 1000) + 400 }))).toMatch(/expired/);
    expect(sim.requests().every((r) => r.status === 401 && !r.ok)).toBe(true);
  });

  it('rejects a reused nonce', async () => {
    const headers = signed('product=TNB');
    expect((await get('/v2/networkstatus?product=TNB', headers)).status).toBe(200);
    const replay = await get('/v2/networkstatus?product=TNB', headers);
    expect(replay.status).toBe(401);
    expect(replay.json).toEqual({ message: 'Nonce already used' });
  });

  it('accepts 16- and 128-character nonces', async () => {
    for (const nonce of ['n'.repeat(16), 'm'.repeat(128)]) {
      expect((await get('/v2/networkstatus?product=TNB', signed('product=TNB', { nonce }))).status).toBe(200);
    }
  });
});

describe('endpoints', () => {
  it('answers 404 JSON for an unknown product and 400 without one', async () => {
    const unknown = await get('/v2/networkstatus?product=NOPE', signed('product=NOPE'));
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ message: expect.stringContaining('NOPE') });
    expect((await get('/v2/networkstatus', signed(''))).status).toBe(400);
    expect((await get('/v2/other', signed(''))).status).toBe(404);
  });

  it('lists products with the documented fields', async () => {
    const { status, json } = await get('/v2/product-list', signed(''));
    expect(status).toBe(200);
    const data = (json as { data: Array<Record<string, unknown>> }).data;
    expect(data).toHaveLength(DEFAULT_PRODUCTS.length);
    expect(data.length).toBeGreaterThanOrEqual(12);
    for (const entry of data) {
      expect(Object.keys(entry)).toEqual(
        expect.arrayContaining(['product_code', 'product_name', 'status', 'has_subproduct', 'product_remarks', 'account_label']),
      );
      expect(['Active', 'Inactive']).toContain(entry.status);
      expect(entry.product_img).toMatch(/^https:\/\/dashboard\.iimmpact\.com\//);
    }
    expect(data.some((e) => e.status === 'Inactive')).toBe(true);
  });

  it('generates benchmark products P0001...', () => {
    const products = generateProducts(3);
    expect(products.map((p) => p.code)).toEqual(['P0001', 'P0002', 'P0003']);
    expect(generateProducts(12_000).at(-1)?.code).toBe('P12000');
  });

  it('serves scripted steps in order, then the baseline', async () => {
    sim.setStatus('TNB', 'Interruption');
    sim.script('TNB', ['Healthy', { status: 503, retryAfter: 7 }, { productCode: 'XYZ' }]);
    expect(sim.scriptedRemaining('TNB')).toBe(3);
    const first = await get('/v2/networkstatus?product=TNB', signed('product=TNB'));
    expect((first.json as { data: { network_status: string } }).data.network_status).toBe('Healthy');
    const res = await fetch(`${sim.url}/v2/networkstatus?product=TNB`, { headers: signed('product=TNB') });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('7');
    await res.text();
    const third = await get('/v2/networkstatus?product=TNB', signed('product=TNB'));
    expect((third.json as { data: { product_code: string } }).data.product_code).toBe('XYZ');
    const fourth = await get('/v2/networkstatus?product=TNB', signed('product=TNB'));
    expect((fourth.json as { data: { network_status: string } }).data.network_status).toBe('Interruption');
    expect(sim.scriptedRemaining('TNB')).toBe(0);
    expect(() => sim.script('NOPE', ['Healthy'])).toThrow(/unknown simulator product/);
  });

  it('serves a huge body of exactly the requested size, as valid JSON', async () => {
    sim.script('TNB', [{ hugeBody: 300_000 }]);
    const { status, text } = await get('/v2/networkstatus?product=TNB', signed('product=TNB'));
    expect(status).toBe(200);
    expect(Buffer.byteLength(text)).toBe(300_000);
    expect(() => JSON.parse(text)).not.toThrow();
  });

  it('failAll answers everything (even unsigned requests) until turned off', async () => {
    sim.failAll(503);
    expect((await get('/v2/networkstatus?product=TNB', {})).status).toBe(503);
    sim.failAll({ status: 401, body: '{"message":"Unauthorized"}' });
    expect((await get('/v2/product-list', signed(''))).status).toBe(401);
    sim.failAll(null);
    expect((await get('/v2/product-list', signed(''))).status).toBe(200);
  });

  it('logs requests, counts them, reports stats and resets', async () => {
    await get('/v2/networkstatus?product=TNB', signed('product=TNB'));
    await get('/v2/networkstatus?product=tnb', signed('product=tnb'));
    await get('/v2/product-list', {});
    const log = sim.requests();
    expect(log.map((r) => [r.path, r.product, r.status, r.ok])).toEqual([
      ['/v2/networkstatus', 'TNB', 200, true],
      ['/v2/networkstatus', 'tnb', 200, true],
      ['/v2/product-list', null, 401, false],
    ]);
    expect(log[1]?.atMs).toBeGreaterThanOrEqual(log[0]?.atMs ?? Number.POSITIVE_INFINITY);
    expect(Math.abs((log[0]?.atMs ?? 0) - Date.now())).toBeLessThan(5000);
    expect(sim.requestCount()).toBe(3);
    expect(sim.requestCount('TNB')).toBe(2);
    const stats = await (await fetch(`${sim.url}/__simulator/stats`)).json();
    expect(stats).toEqual({ total: 3, byStatus: { 200: 2, 401: 1 } });
    sim.reset();
    expect(sim.requests()).toEqual([]);
    expect(sim.requestCount()).toBe(0);
  });

  it('bounds the request log but keeps counting', async () => {
    const small = await startSimulator({ logCapacity: 2 });
    try {
      for (let i = 0; i < 4; i++) await fetch(`${small.url}/v2/product-list`).then((r) => r.text());
      expect(small.requests()).toHaveLength(2);
      expect(small.requestCount()).toBe(4);
    } finally {
      await small.close();
    }
  });
});

describe('demo scenario', () => {
  it('follows the documented timeline and repeats it every period', async () => {
    let now = Date.UTC(2025, 4, 19, 6, 0, 0);
    const clock = { now: () => now };
    const demo = await startSimulator({ scenario: 'demo', clock });
    const client = createIimmpactClient({
      baseUrl: demo.url,
      ...SIMULATOR_CREDENTIALS,
      timeoutMs: 2000,
      concurrency: 4,
      limiter: createTokenBucket({ ratePerSecond: 0 }),
      retry: { maxAttempts: 1 },
      clock,
    });
    const at = async (seconds: number, code: string) => {
      now = Date.UTC(2025, 4, 19, 6, 0, 0) + seconds * 1000;
      const obs = await client.fetchStatus(code);
      return obs.errorKind ?? obs.status;
    };
    try {
      for (const period of [0, 180]) {
        expect(await at(period + 10, 'ASTRO')).toBe('Healthy');
        expect(await at(period + 20, 'ASTRO')).toBe('Interruption');
        expect(await at(period + 79, 'ASTRO')).toBe('Interruption');
        expect(await at(period + 80, 'ASTRO')).toBe('Healthy');
        expect(await at(period + 29, 'MAXIS')).toBe('Healthy');
        expect(await at(period + 31, 'MAXIS')).toBe('Interruption');
        expect(await at(period + 32, 'MAXIS')).toBe('Healthy');
        expect(await at(period + 46, 'CELCOM')).toBe('http_5xx');
        expect(await at(period + 47, 'CELCOM')).toBe('Healthy');
        expect(await at(period + 56, 'DIGI')).toBe('bad_json');
        expect(await at(period + 57, 'DIGI')).toBe('Healthy');
        expect(await at(period + 120, 'UNIFI')).toBe('Interruption');
        expect(await at(period + 140, 'UNIFI')).toBe('Healthy');
        expect(await at(period + 120, 'TNB')).toBe('Healthy');
      }
    } finally {
      client.close();
      await demo.close();
    }
  });
});

describe('run-simulator entry', () => {
  it('prints one {"url"} line and serves the requested products', async () => {
    const lines: string[] = [];
    const child = await runSimulator(['--products', '5', '--latency-ms', '1', '--api-key', API_KEY, '--hmac-secret', HMAC_SECRET], (l) =>
      lines.push(l),
    );
    try {
      expect(lines).toHaveLength(1);
      expect(lines[0]?.endsWith('\n')).toBe(true);
      const { url } = JSON.parse(lines[0] ?? '') as { url: string };
      expect(url).toBe(child.url);
      expect(child.products.map((p) => p.code)).toEqual(['P0001', 'P0002', 'P0003', 'P0004', 'P0005']);
    } finally {
      await child.close();
    }
    await expect(runSimulator(['--bogus'], () => {})).rejects.toThrow(/usage/);
    await expect(runSimulator(['--scenario', 'chaos'], () => {})).rejects.toThrow(/demo or none/);
  });

  it('runs as its own process and stops on SIGTERM', { timeout: 20_000 }, async () => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/simulator/run-simulator.ts', '--products', '3', '--scenario', 'demo'], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(createInterface({ input: proc.stdout }), 'line')) as [string];
      const { url } = JSON.parse(line) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const client = createIimmpactClient({
        baseUrl: url,
        ...SIMULATOR_CREDENTIALS,
        timeoutMs: 2000,
        concurrency: 1,
        limiter: createTokenBucket({ ratePerSecond: 0 }),
      });
      expect((await client.fetchStatus('P0002')).status).toBe('Healthy');
      client.close();
      proc.kill('SIGTERM');
      const [code] = (await once(proc, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  });
});
