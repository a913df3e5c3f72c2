import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IimmpactClientOptions, RequestInfo, ResponseInfo } from '../../src/iimmpact/index.js';
import { assertProductCode, createIimmpactClient, createTokenBucket, parseRetryAfterMs } from '../../src/iimmpact/index.js';
import { NetwatchError } from '../../src/shared/errors.js';
import type { Simulator } from '../../src/simulator/simulator-server.js';
import { startSimulator } from '../../src/simulator/simulator-server.js';

const API_KEY = 'iimm_test_4f9c2a7d1e';
const HMAC_SECRET = Buffer.from('integration-test-hmac-secret-0123456789').toString('base64');

let sim: Simulator;
const clients: Array<{ close(): void }> = [];

beforeAll(async () => {
  sim = await startSimulator({ apiKey: API_KEY, hmacSecret: HMAC_SECRET });
});

afterAll(async () => {
  await sim.close();
});

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  sim.reset();
});

function makeClient(overrides: Partial<IimmpactClientOptions> = {}) {
  const client = createIimmpactClient({
    baseUrl: sim.url,
    apiKey: API_KEY,
    hmacSecret: HMAC_SECRET,
    timeoutMs: 2000,
    concurrency: 4,
    limiter: createTokenBucket({ ratePerSecond: 0 }),
    // Small delays keep retry tests fast; jitter still applies.
    retry: { maxAttempts: 3, baseDelayMs: 20, maxDelayMs: 100 },
    ...overrides,
  });
  clients.push(client);
  return client;
}

function expectNoSecrets(value: unknown): void {
  const text = JSON.stringify(value);
  expect(text).not.toContain(API_KEY);
  expect(text).not.toContain(HMAC_SECRET);
}

describe('fetchStatus against the simulator', () => {
  it('returns a Healthy observation with every field filled', async () => {
    const before = Math.floor(Date.now() / 1000);
    const obs = await makeClient().fetchStatus('TNB');
    expect(obs).toMatchObject({
      productCode: 'TNB',
      status: 'Healthy',
      httpStatus: 200,
      error: null,
      errorKind: null,
      productName: 'Tenaga Nasional Berhad',
      productImg: 'https://dashboard.iimmpact.com/img/TNB.png',
    });
    expect(obs.checkedAt).toBeGreaterThanOrEqual(before);
    expect(obs.checkedAt).toBeLessThanOrEqual(before + 2);
    expect(obs.latencyMs).toBeGreaterThanOrEqual(0);
    expect(Math.abs((obs.sourceUpdatedAt ?? 0) - Date.now() / 1000)).toBeLessThan(5);
    expect(sim.requestCount('TNB')).toBe(1);
  });

  it('reports Interruption and accepts a case-different code echoed by the API', async () => {
    sim.setStatus('ASTRO', 'Interruption');
    const obs = await makeClient().fetchStatus('astro');
    expect(obs.status).toBe('Interruption');
    expect(obs.productCode).toBe('astro');
  });

  it('signs so that the simulator accepts it, over a reused keep-alive connection', async () => {
    const client = makeClient({ concurrency: 1 });
    for (let i = 0; i < 20; i++) expect((await client.fetchStatus('MAXIS')).status).toBe('Healthy');
    expect(sim.requests().every((r) => r.ok)).toBe(true);
  });

  it('fails with auth (no retry) when the secret is wrong, without leaking secrets', async () => {
    const wrongSecret = Buffer.from('some-other-secret').toString('base64');
    const obs = await makeClient({ hmacSecret: wrongSecret }).fetchStatus('TNB');
    expect(obs).toMatchObject({ status: 'Unknown', errorKind: 'auth', httpStatus: 401 });
    expect(obs.error).toMatch(/^auth failed: check IIMMPACT_API_KEY \/ HMAC secret/);
    expect(obs.error).toContain('Invalid signature');
    expect(JSON.stringify(obs)).not.toContain(wrongSecret);
    expectNoSecrets(obs);
    expect(sim.requestCount()).toBe(1);
  });

  it('fails with auth when the API key is wrong', async () => {
    const obs = await makeClient({ apiKey: 'iimm_wrong_key' }).fetchStatus('TNB');
    expect(obs.errorKind).toBe('auth');
    expect(obs.error).not.toContain('iimm_wrong_key');
  });

  it('reports clock_skew when our clock is 10 minutes off', async () => {
    const obs = await makeClient({ clock: { now: () => Date.now() + 600_000 } }).fetchStatus('TNB');
    expect(obs.errorKind).toBe('clock_skew');
    expect(obs.error).toContain('check the system clock');
    expect(sim.requestCount()).toBe(1);
  });

  it('retries a 500 and then succeeds, with a fresh nonce and signature per attempt', async () => {
    sim.script('TNB', [{ status: 500 }]);
    const attempts: RequestInfo[] = [];
    const responses: ResponseInfo[] = [];
    const obs = await makeClient({ onRequest: (i) => attempts.push(i), onResponse: (r) => responses.push(r) }).fetchStatus('TNB');
    expect(obs.status).toBe('Healthy');
    expect(obs.httpStatus).toBe(200);
    expect(sim.requestCount('TNB')).toBe(2);
    expect(attempts.map((a) => [a.attempt, a.productCode, a.path])).toEqual([
      [1, 'TNB', '/v2/networkstatus'],
      [2, 'TNB', '/v2/networkstatus'],
    ]);
    expect(responses.map((r) => [r.httpStatus, r.errorKind])).toEqual([
      [500, 'http_5xx'],
      [200, null],
    ]);
  });

  it('retries 502 and 504 up to maxAttempts, then reports the last failure', async () => {
    sim.script('TNB', [{ status: 502 }, { status: 504 }, { status: 502, body: 'bad gateway' }]);
    const obs = await makeClient().fetchStatus('TNB');
    expect(obs).toMatchObject({ status: 'Unknown', errorKind: 'http_5xx', httpStatus: 502, error: 'HTTP 502: bad gateway' });
    expect(sim.requestCount('TNB')).toBe(3);
  });

  it('honours Retry-After on 429', async () => {
    sim.script('TNB', [{ status: 429, retryAfter: 1 }]);
    const obs = await makeClient().fetchStatus('TNB');
    expect(obs.status).toBe('Healthy');
    const [first, second] = sim.requests();
    expect(first?.status).toBe(429);
    expect(second?.status).toBe(200);
    expect((second?.atMs ?? 0) - (first?.atMs ?? 0)).toBeGreaterThanOrEqual(990);
    expect(obs.latencyMs).toBeGreaterThanOrEqual(990);
  });

  it('gives up instead of waiting when Retry-After exceeds maxRetryAfterMs', async () => {
    sim.script('TNB', [{ status: 429, retryAfter: 120 }]);
    const obs = await makeClient().fetchStatus('TNB');
    expect(obs).toMatchObject({ status: 'Unknown', errorKind: 'rate_limited', httpStatus: 429 });
    expect(sim.requestCount()).toBe(1);
  });

  it.each([
    [401, 'auth'],
    [403, 'forbidden'],
    [404, 'http_4xx'],
  ] as const)('never retries HTTP %i (%s)', async (status, kind) => {
    sim.script('TNB', [{ status }]);
    const obs = await makeClient().fetchStatus('TNB');
    expect(obs).toMatchObject({ status: 'Unknown', errorKind: kind, httpStatus: status });
    expect(sim.requestCount()).toBe(1);
  });

  it('redacts the API key when the server echoes it into an error body', async () => {
    sim.script('TNB', [{ status: 403, body: `{"message":"key ${API_KEY} is blocked"}` }]);
    const obs = await makeClient().fetchStatus('TNB');
    expect(obs.errorKind).toBe('forbidden');
    expect(obs.error).toMatch(/^forbidden: IP may be rate-blocked/);
    expect(obs.error).toContain('[redacted]');
    expectNoSecrets(obs);
  });

  it('times out a request whose headers never come, and retries it', async () => {
    sim.script('TNB', [{ hang: true }, { hang: true }]);
    const obs = await makeClient({ timeoutMs: 200 }).fetchStatus('TNB');
    expect(obs.status).toBe('Healthy');
    expect(sim.requestCount('TNB')).toBe(3);
  });

  it('reports timeout when every attempt hangs', async () => {
    sim.script('TNB', [{ hang: true }]);
    const started = performance.now();
    const obs = await makeClient({ timeoutMs: 200, retry: { maxAttempts: 1 } }).fetchStatus('TNB');
    expect(obs).toMatchObject({ status: 'Unknown', errorKind: 'timeout', httpStatus: null });
    expect(obs.error).toMatch(/timeout after 200 ms/);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('does not start a retry whose backoff would pass deadlineMs', async () => {
    sim.script('TNB', [{ status: 500 }]);
    const client = makeClient({ retry: { maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 1000 } });
    const obs = await client.fetchStatus('TNB', { deadlineMs: Date.now() + 100 });
    expect(obs.errorKind).toBe('http_5xx');
    expect(sim.requestCount()).toBe(1);
  });

  it.each([
    [{ garbage: '<html>oops</html>' }, 'bad_json'],
    [{ networkStatus: 'Maintenance' }, 'unknown_status'],
    [{ networkStatus: null }, 'unknown_status'],
    [{ networkStatus: undefined }, 'bad_shape'],
    [{ json: { data: [] } }, 'bad_shape'],
    [{ productCode: 'ASTRO' }, 'product_mismatch'],
    [{ hugeBody: 1024 * 1024 }, 'too_large'],
  ] as const)('maps %j to %s without retrying', async (step, kind) => {
    sim.script('TNB', [step]);
    const obs = await makeClient().fetchStatus('TNB');
    expect(obs).toMatchObject({ status: 'Unknown', errorKind: kind, httpStatus: 200 });
    expect(obs.error?.length ?? 0).toBeGreaterThan(0);
    expect(obs.error?.length ?? 0).toBeLessThanOrEqual(200);
    expect(sim.requestCount()).toBe(1);
  });

  it('quotes the raw unknown status', async () => {
    sim.script('TNB', [{ networkStatus: 'Maintenance' }]);
    const obs = await makeClient().fetchStatus('TNB');
    expect(obs.error).toContain('"Maintenance"');
    expect(obs.productName).toBe('Tenaga Nasional Berhad');
  });

  it('still works after a too_large response destroyed the socket', async () => {
    sim.script('TNB', [{ hugeBody: 2 * 1024 * 1024 }]);
    const client = makeClient({ concurrency: 1 });
    expect((await client.fetchStatus('TNB')).errorKind).toBe('too_large');
    expect((await client.fetchStatus('TNB')).status).toBe('Healthy');
  });

  it('reports network for a connection reset mid-body, and recovers on retry', async () => {
    sim.script('TNB', [{ reset: true }]);
    const once = await makeClient({ retry: { maxAttempts: 1 } }).fetchStatus('TNB');
    expect(once).toMatchObject({ status: 'Unknown', errorKind: 'network' });
    sim.reset();
    sim.script('TNB', [{ reset: true }]);
    const retried = await makeClient().fetchStatus('TNB');
    expect(retried.status).toBe('Healthy');
    expect(sim.requestCount()).toBe(2);
  });

  it('reports network when nothing listens', async () => {
    const closed = await startSimulator();
    const url = closed.url;
    await closed.close();
    const obs = await makeClient({ baseUrl: url, retry: { maxAttempts: 2, baseDelayMs: 1 } }).fetchStatus('TNB');
    expect(obs).toMatchObject({ status: 'Unknown', errorKind: 'network', httpStatus: null });
    expect(obs.error).toMatch(/ECONNREFUSED/);
  });

  it('refuses invalid product codes without making a request', async () => {
    const client = makeClient();
    for (const code of ['', 'TNB&x=1', 'a b', 'x'.repeat(33), 'TNB\n', '../etc']) {
      const obs = await client.fetchStatus(code);
      expect(obs).toMatchObject({ status: 'Unknown', errorKind: 'bad_shape', httpStatus: null });
      expect(obs.error).toMatch(/invalid product code.*no request made/);
    }
    expect(sim.requestCount()).toBe(0);
    expect(() => assertProductCode('TNB&x')).toThrowError(NetwatchError);
    expect(() => assertProductCode(42)).toThrowError(/invalid product code/);
    expect(() => assertProductCode('HOTLINK_RM5-x')).not.toThrow();
  });

  it('rejects with aborted when the signal aborts mid-request', async () => {
    sim.script('TNB', [{ hang: true }]);
    const controller = new AbortController();
    const pending = makeClient({ timeoutMs: 5000 }).fetchStatus('TNB', { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toMatchObject({ name: 'NetwatchError', code: 'aborted' });
  });

  it('rejects every call on one signal when it aborts: in flight, queued for a slot, and in a retry backoff', async () => {
    sim.script('TNB', [{ hang: true }]);
    sim.script('MAXIS', [{ status: 503, retryAfter: 30 }]);
    const controller = new AbortController();
    const signal = controller.signal;
    const client = makeClient({ concurrency: 1, timeoutMs: 5000, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 10 } });
    const backingOff = client.fetchStatus('MAXIS', { signal });
    // MAXIS's first attempt has answered 503 and its 30 s Retry-After backoff has begun.
    while (sim.requestCount('MAXIS') === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const inFlight = client.fetchStatus('TNB', { signal });
    const queued = client.fetchStatus('ASTRO', { signal });
    while (sim.requestCount('TNB') === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = performance.now();
    controller.abort();
    for (const pending of [backingOff, inFlight, queued]) {
      await expect(pending).rejects.toMatchObject({ name: 'NetwatchError', code: 'aborted' });
    }
    expect(performance.now() - started).toBeLessThan(1000);
    expect(sim.requestCount('ASTRO')).toBe(0);
    // The signal has aborted: later calls are refused at once, without a request.
    await expect(client.fetchStatus('ASTRO', { signal })).rejects.toMatchObject({ code: 'aborted' });
    expect(sim.requestCount('ASTRO')).toBe(0);
  });

  it('never has more than `concurrency` requests in flight', async () => {
    sim.setLatency(50);
    let inFlight = 0;
    let maxInFlight = 0;
    const client = makeClient({
      concurrency: 3,
      onRequest: () => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
      },
      onResponse: () => inFlight--,
    });
    const codes = ['TNB', 'SYABAS', 'IWK', 'UNIFI', 'TM', 'ASTRO', 'MAXIS', 'CELCOM', 'DIGI'];
    const results = await Promise.all(codes.map((c) => client.fetchStatus(c)));
    expect(results.every((o) => o.status === 'Healthy')).toBe(true);
    expect(maxInFlight).toBe(3);
  });

  it('works under a base-URL path prefix', async () => {
    const prefixed = await startSimulator({ apiKey: API_KEY, hmacSecret: HMAC_SECRET, basePath: '/mock/iimmpact' });
    try {
      expect(prefixed.url).toMatch(/\/mock\/iimmpact$/);
      const obs = await makeClient({ baseUrl: `${prefixed.url}/` }).fetchStatus('TNB');
      expect(obs.status).toBe('Healthy');
      expect(prefixed.requests()[0]?.path).toBe('/v2/networkstatus');
    } finally {
      await prefixed.close();
    }
  });

  it('swallows exceptions thrown by hooks', async () => {
    const obs = await makeClient({
      onRequest: () => {
        throw new Error('boom');
      },
      onResponse: () => {
        throw new Error('boom');
      },
    }).fetchStatus('TNB');
    expect(obs.status).toBe('Healthy');
  });

  it('measures checkedAt and latencyMs from the first send, not from limiter queueing', async () => {
    const client = makeClient({ limiter: createTokenBucket({ ratePerSecond: 2, marginMs: 0 }) });
    const calledAt = Date.now();
    const [, , third] = await Promise.all([client.fetchStatus('TNB'), client.fetchStatus('TNB'), client.fetchStatus('TNB')]);
    // The third waited ~1 s for its token; that wait is not API latency.
    expect(Date.now() - calledAt).toBeGreaterThanOrEqual(950);
    expect(third?.latencyMs).toBeLessThan(500);
    expect((third?.checkedAt ?? 0) * 1000).toBeGreaterThanOrEqual(Math.floor((calledAt + 950) / 1000) * 1000);
  });

  it('does not send attempts still queued when close() runs', async () => {
    const client = makeClient({ limiter: createTokenBucket({ ratePerSecond: 2, marginMs: 0 }) });
    const pending = Promise.all([client.fetchStatus('TNB'), client.fetchStatus('TNB'), client.fetchStatus('TNB')]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.close();
    const results = await pending;
    expect(sim.requestCount()).toBe(1);
    expect(results.map((o) => o.errorKind)).toEqual([null, 'network', 'network']);
    expect(results[2]?.error).toMatch(/client closed/);
  });

  it('makes no request after close()', async () => {
    const client = makeClient();
    client.close();
    client.close();
    const obs = await client.fetchStatus('TNB');
    expect(obs.status).toBe('Unknown');
    expect(sim.requestCount()).toBe(0);
  });
});

describe('a response body that never ends', () => {
  it('times out with kind timeout and the status that did arrive', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      res.write('{"data":{"network_status":');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const obs = await makeClient({ baseUrl: `http://127.0.0.1:${port}`, timeoutMs: 200, retry: { maxAttempts: 1 } }).fetchStatus('TNB');
      expect(obs).toMatchObject({ status: 'Unknown', errorKind: 'timeout', httpStatus: 200 });
      expect(obs.error).toMatch(/reading the response body/);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('listProducts', () => {
  it('returns the catalogue with active flags, through the limiter', async () => {
    const seen: RequestInfo[] = [];
    const products = await makeClient({ onRequest: (i) => seen.push(i) }).listProducts();
    expect(products.length).toBe(sim.products.length);
    expect(products).toContainEqual({ code: 'TNB', name: 'Tenaga Nasional Berhad', active: true });
    expect(products).toContainEqual({ code: 'SESB', name: 'Sabah Electricity Sdn Bhd', active: false });
    expect(seen).toEqual([expect.objectContaining({ productCode: null, path: '/v2/product-list', attempt: 1 })]);
  });

  it('throws a NetwatchError with an api_* code on failure', async () => {
    sim.failAll(401);
    await expect(makeClient().listProducts()).rejects.toMatchObject({ name: 'NetwatchError', code: 'api_auth', retryable: false });
    sim.failAll(503);
    await expect(makeClient({ retry: { maxAttempts: 2, baseDelayMs: 1 } }).listProducts()).rejects.toMatchObject({
      code: 'api_http',
      retryable: true,
    });
  });
});

describe('client options', () => {
  it('rejects bad configuration without echoing secrets', () => {
    const base = {
      baseUrl: 'http://127.0.0.1:1',
      apiKey: API_KEY,
      hmacSecret: HMAC_SECRET,
      timeoutMs: 1000,
      concurrency: 1,
      limiter: createTokenBucket({ ratePerSecond: 1 }),
    };
    expect(() => createIimmpactClient({ ...base, baseUrl: 'ftp://x' })).toThrowError(/http: or https:/);
    expect(() => createIimmpactClient({ ...base, apiKey: '' })).toThrowError(NetwatchError);
    expect(() => createIimmpactClient({ ...base, apiKey: 'has space' })).toThrowError(NetwatchError);
    expect(() => createIimmpactClient({ ...base, concurrency: 0 })).toThrowError(/concurrency/);
    try {
      createIimmpactClient({ ...base, hmacSecret: 'not*base64' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('not*base64');
    }
  });

  it('parses Retry-After in seconds and as an HTTP date', () => {
    const now = Date.parse('2025-05-19T06:49:03Z');
    expect(parseRetryAfterMs('2', now)).toBe(2000);
    expect(parseRetryAfterMs('Mon, 19 May 2025 06:49:13 GMT', now)).toBe(10_000);
    expect(parseRetryAfterMs('Mon, 19 May 2025 06:40:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('soon', now)).toBeNull();
    expect(parseRetryAfterMs(undefined, now)).toBeNull();
  });
});
