import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer, STATUS_CODES } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatLastUpdated } from '../iimmpact/parse-last-updated.js';
import type { Clock } from '../shared/clock.js';
import { systemClock } from '../shared/clock.js';

/**
 * A fake IIMMPACT API on 127.0.0.1 for tests, the benchmark and `npm run demo`.
 *
 * It authenticates every request the way the real API does (four headers,
 * timestamp within ±300 s, nonce 16..128 chars never reused, HMAC-SHA256 `v1`
 * signature over `v1:{ts}:{nonce}:{METHOD}:{query}:{bodyHash}`), using its own
 * implementation of the scheme so that a signing bug in the client cannot be
 * mirrored here and go unnoticed. Failures are 401 with a JSON `message`.
 *
 * Endpoints (below the optional `basePath`):
 * - `GET /v2/networkstatus?product=CODE` — documented 200 shape; unknown code 404.
 * - `GET /v2/product-list` — `data[]` of catalogue entries.
 * - `GET /__simulator/stats` (never under basePath, unauthenticated, not logged)
 *   — `{ total, byStatus }`, for a benchmark running the simulator as a child process.
 *
 * What a network-status request gets, first match wins: `failAll` → the
 * product's scripted queue (one step per request) → the `demo` scenario
 * timeline → the product's baseline status.
 */

export type SimulatedStatus = 'Healthy' | 'Interruption';

/** One scripted response, consumed by one request for that product. */
export type ScriptStep =
  | SimulatedStatus
  /** An error status with an optional raw body (default `{"message": <reason>}`), Retry-After header and delay. */
  | { status: number; body?: string; retryAfter?: number | string; delayMs?: number }
  /** Headers never sent; the request only ends when the client gives up or the simulator closes. */
  | { hang: true }
  /** 200 with this raw (non-JSON) body. */
  | { garbage: string }
  /** 200 with `JSON.stringify(json)` as the body. */
  | { json: unknown }
  /** The documented body with `data.network_status` replaced (`undefined` removes the key). */
  | { networkStatus: unknown }
  /** The documented body with `data.product_code` replaced. */
  | { productCode: string }
  /** 200 headers and half a body, then the socket is destroyed. */
  | { reset: true }
  /** A valid-JSON 200 body of exactly this many bytes. */
  | { hugeBody: number };

export interface SimulatorProduct {
  code: string;
  name: string;
  img: string;
  active: boolean;
  /** Status served when nothing else applies; default `Healthy`. */
  baseline?: SimulatedStatus;
  hasSubproduct?: boolean;
  remarks?: string;
  accountLabel?: string;
}

/** Every request answered with this status (e.g. 503, or 401 to simulate revoked credentials). */
export type FailAllMode = number | { status: number; body?: string; retryAfter?: number | string };

export interface SimulatorOptions {
  /** Default SIMULATOR_CREDENTIALS.apiKey. */
  apiKey?: string;
  /** Base64; default SIMULATOR_CREDENTIALS.hmacSecret. */
  hmacSecret?: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (an ephemeral port; read it from `url`). */
  port?: number;
  /** Path prefix the API lives under, e.g. `/mock`; default none. */
  basePath?: string;
  /** Default DEFAULT_PRODUCTS. */
  products?: readonly SimulatorProduct[];
  /** Fixed delay (ms) before every API response; default 0. */
  latencyMs?: number;
  /** `demo` enables DEMO_SCENARIO; default none. */
  scenario?: 'demo' | null;
  /** Server time (epoch ms) for timestamp checks, `last_updated` and the scenario timeline. */
  clock?: Clock;
  /** Accepted |server time − X-Timestamp| in seconds; default 300 like the real API. */
  maxSkewSeconds?: number;
  /** Request-log entries kept (counters keep counting past it); default 1,000,000. */
  logCapacity?: number;
  /**
   * Upper bound on remembered nonces; default 2,000,000 (~200 MB). Replays are
   * detected for 2·maxSkew (10 min) or until this many newer nonces arrived,
   * whichever is shorter, so a long 10,000 req/s benchmark cannot exhaust memory.
   */
  maxRememberedNonces?: number;
}

export interface SimulatorRequest {
  /** Arrival time, epoch ms with sub-ms precision from a monotonic source. */
  atMs: number;
  /** API path without basePath or query, e.g. `/v2/networkstatus`. */
  path: string;
  /** The `product` query parameter as sent, or null. */
  product: string | null;
  /** Response status; 0 while unanswered (e.g. a hang). */
  status: number;
  /** True for a 2xx response. */
  ok: boolean;
}

export interface Simulator {
  /** e.g. `http://127.0.0.1:41234` plus basePath: use as the client's baseUrl. */
  readonly url: string;
  readonly port: number;
  readonly products: readonly SimulatorProduct[];
  /** Appends steps to the product's queue. @throws Error for an unknown product code. */
  script(code: string, steps: readonly ScriptStep[]): void;
  /** Steps still queued for a product. */
  scriptedRemaining(code: string): number;
  /** Sets the baseline status. @throws Error for an unknown product code. */
  setStatus(code: string, status: SimulatedStatus): void;
  setLatency(ms: number): void;
  /** Answer every API request with this status (before authentication); null turns it off. */
  failAll(mode: FailAllMode | null): void;
  /** A copy of the request log, oldest first. */
  requests(): SimulatorRequest[];
  /** Arrival times only (epoch ms), oldest first: cheap for rate checks. */
  arrivalTimes(): number[];
  /** Requests seen, optionally for one product (matched case-insensitively); counts past logCapacity too. */
  requestCount(product?: string): number;
  /** Clears the log, counters, scripts and failAll; restores baselines and latency to their start values. */
  reset(): void;
  /** Stops listening and destroys open connections (hanging requests included). Idempotent. */
  close(): Promise<void>;
}

/** Credentials the simulator accepts by default (demo mode uses them too). Not secret. */
export const SIMULATOR_CREDENTIALS = {
  apiKey: 'iimm_sim_netwatch_demo',
  hmacSecret: Buffer.from('netwatch-simulator-hmac-secret').toString('base64'),
} as const;

const IMG_BASE = 'https://dashboard.iimmpact.com/img';

/** A realistic catalogue of Malaysian billers (strings only: the image URLs are never fetched). */
export const DEFAULT_PRODUCTS: readonly SimulatorProduct[] = Object.freeze([
  {
    code: 'TNB',
    name: 'Tenaga Nasional Berhad',
    img: `${IMG_BASE}/TNB.png`,
    active: true,
    accountLabel: 'Account Number',
    remarks: '12-digit contract account number',
  },
  { code: 'SYABAS', name: 'Air Selangor (SYABAS)', img: `${IMG_BASE}/SYABAS.png`, active: true, accountLabel: 'Account Number' },
  { code: 'IWK', name: 'Indah Water Konsortium', img: `${IMG_BASE}/IWK.png`, active: true, accountLabel: 'Account Number' },
  { code: 'UNIFI', name: 'Unifi', img: `${IMG_BASE}/UNIFI.png`, active: true, accountLabel: 'Account Number' },
  { code: 'TM', name: 'Telekom Malaysia', img: `${IMG_BASE}/TM.png`, active: true, accountLabel: 'Account Number' },
  { code: 'ASTRO', name: 'Astro', img: `${IMG_BASE}/ASTRO.png`, active: true, accountLabel: 'Smartcard Number' },
  { code: 'MAXIS', name: 'Maxis Postpaid', img: `${IMG_BASE}/MAXIS.png`, active: true, accountLabel: 'Mobile Number' },
  { code: 'CELCOM', name: 'Celcom Postpaid', img: `${IMG_BASE}/CELCOM.png`, active: true, accountLabel: 'Mobile Number' },
  { code: 'DIGI', name: 'Digi Postpaid', img: `${IMG_BASE}/DIGI.png`, active: true, accountLabel: 'Mobile Number' },
  { code: 'UMOBILE', name: 'U Mobile Postpaid', img: `${IMG_BASE}/UMOBILE.png`, active: true, accountLabel: 'Mobile Number' },
  {
    code: 'HOTLINK',
    name: 'Hotlink Prepaid Reload',
    img: `${IMG_BASE}/HOTLINK.png`,
    active: true,
    hasSubproduct: true,
    accountLabel: 'Mobile Number',
    remarks: 'RM5 to RM100',
  },
  { code: 'YES', name: 'Yes 4G Prepaid', img: `${IMG_BASE}/YES.png`, active: true, hasSubproduct: true, accountLabel: 'Yes ID' },
  {
    code: 'SESB',
    name: 'Sabah Electricity Sdn Bhd',
    img: `${IMG_BASE}/SESB.png`,
    active: false,
    accountLabel: 'Account Number',
    remarks: 'Temporarily unavailable',
  },
  { code: 'XOX', name: 'XOX Mobile Reload', img: `${IMG_BASE}/XOX.png`, active: false, hasSubproduct: true, accountLabel: 'Mobile Number' },
] satisfies SimulatorProduct[]);

/** `n` synthetic active products `P0001`..., all Healthy, for benchmarks. Pure. */
export function generateProducts(n: number): SimulatorProduct[] {
  const width = Math.max(4, String(n).length);
  const products: SimulatorProduct[] = [];
  for (let i = 1; i <= n; i++) {
    const code = `P${String(i).padStart(width, '0')}`;
    products.push({ code, name: `Benchmark Product ${code}`, img: `${IMG_BASE}/${code}.png`, active: true });
  }
  return products;
}

/**
 * The `demo` scenario, in seconds since the simulator started; the timeline
 * repeats every `periodSeconds` so a long demo keeps producing incidents.
 * - ASTRO is in Interruption from 20 s to 80 s, UNIFI from 100 s to 140 s.
 * - MAXIS answers Interruption to exactly one request after 30 s and after 90 s
 *   (blips that a confirmation threshold should swallow).
 * - CELCOM answers one HTTP 500 after 45 s; DIGI one garbage body after 55 s.
 * Products missing from the catalogue are ignored.
 */
export const DEMO_SCENARIO = Object.freeze({
  periodSeconds: 180,
  windows: [
    { product: 'ASTRO', status: 'Interruption', fromSeconds: 20, toSeconds: 80 },
    { product: 'UNIFI', status: 'Interruption', fromSeconds: 100, toSeconds: 140 },
  ] as const,
  events: [
    { product: 'MAXIS', atSeconds: 30, step: 'Interruption' },
    { product: 'MAXIS', atSeconds: 90, step: 'Interruption' },
    { product: 'CELCOM', atSeconds: 45, step: { status: 500 } },
    { product: 'DIGI', atSeconds: 55, step: { garbage: '<html><body>502 Bad Gateway</body></html>' } },
  ] satisfies Array<{ product: string; atSeconds: number; step: ScriptStep }>,
});

const NETWORK_STATUS_PATH = '/v2/networkstatus';
const PRODUCT_LIST_PATH = '/v2/product-list';
const STATS_PATH = '/__simulator/stats';
const SIMPLE_PRODUCT_QUERY = /^product=([^&]*)$/;
const TIMESTAMP_PATTERN = /^\d{1,12}$/;
const EMPTY_SHA256_BASE64 = createHash('sha256').update('').digest('base64');

interface ProductState {
  product: SimulatorProduct;
  baseline: SimulatedStatus;
  queue: ScriptStep[];
  queueHead: number;
  /** The constant start of a 200 body, up to and including `"network_status":`. */
  bodyPrefix: string;
  requests: number;
}

/** Sets of nonces in two generations: each is kept for at least one full acceptance window. */
interface NonceMemory {
  current: Set<string>;
  previous: Set<string>;
  rotatedAtMs: number;
}

function jsonMessage(message: string): string {
  return JSON.stringify({ message });
}

/**
 * Starts the simulator and resolves once it is listening.
 * @throws Error when the port cannot be bound or options are inconsistent (duplicate codes).
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const apiKey = options.apiKey ?? SIMULATOR_CREDENTIALS.apiKey;
  const hmacKey = Buffer.from(options.hmacSecret ?? SIMULATOR_CREDENTIALS.hmacSecret, 'base64');
  const clock = options.clock ?? systemClock;
  const maxSkewSeconds = options.maxSkewSeconds ?? 300;
  const logCapacity = options.logCapacity ?? 1_000_000;
  const nonceGenerationSize = Math.max(1, Math.floor((options.maxRememberedNonces ?? 2_000_000) / 2));
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const initialLatencyMs = options.latencyMs ?? 0;
  const scenario = options.scenario === 'demo' ? DEMO_SCENARIO : null;
  const startedAtMs = clock.now();

  const catalogue = options.products ?? DEFAULT_PRODUCTS;
  const byCode = new Map<string, ProductState>();
  for (const product of catalogue) {
    const key = product.code.toUpperCase();
    if (byCode.has(key)) throw new Error(`duplicate simulator product code ${product.code}`);
    byCode.set(key, {
      product,
      baseline: product.baseline ?? 'Healthy',
      queue: [],
      queueHead: 0,
      bodyPrefix: `{"data":{"product_code":${JSON.stringify(product.code)},"product_name":${JSON.stringify(product.name)},"product_img":${JSON.stringify(product.img)},"network_status":`,
      requests: 0,
    });
  }
  const productListBody = JSON.stringify({
    data: catalogue.map((p) => ({
      product_code: p.code,
      product_name: p.name,
      product_img: p.img,
      status: p.active ? 'Active' : 'Inactive',
      has_subproduct: p.hasSubproduct ?? false,
      product_remarks: p.remarks ?? '',
      account_label: p.accountLabel ?? 'Account Number',
    })),
    metadata: { status_code: 200 },
  });

  let latencyMs = initialLatencyMs;
  let failMode: FailAllMode | null = null;
  const nonces: NonceMemory = { current: new Set(), previous: new Set(), rotatedAtMs: startedAtMs };
  // Each demo event fires once per scenario period; this remembers the last period it fired in.
  const eventFiredInPeriod = new Map<number, number>();

  // The log is parallel arrays rather than objects: at 15,000 req/s an object
  // per request is measurable garbage-collector work.
  let logAt: number[] = [];
  let logPath: string[] = [];
  let logProduct: (string | null)[] = [];
  let logStatus: number[] = [];
  let total = 0;
  const byStatus = new Map<number, number>();

  let cachedSecond = -1;
  let cachedLastUpdated = '';
  function lastUpdatedNow(): string {
    const second = Math.floor(clock.now() / 1000);
    if (second !== cachedSecond) {
      cachedSecond = second;
      cachedLastUpdated = formatLastUpdated(second);
    }
    return cachedLastUpdated;
  }

  const hugeBodies = new Map<number, Buffer>();
  function hugeBody(bytes: number): Buffer {
    let body = hugeBodies.get(bytes);
    if (body === undefined) {
      const head = '{"data":{"network_status":"Healthy","padding":"';
      const tail = '"}}';
      const padding = Math.max(0, bytes - head.length - tail.length);
      body = Buffer.from(head + 'x'.repeat(padding) + tail);
      hugeBodies.set(bytes, body);
    }
    return body;
  }

  function statusBody(state: ProductState, networkStatus: string): string {
    return `${state.bodyPrefix}${networkStatus}},"metadata":{"status_code":200,"last_updated":"${lastUpdatedNow()}"}}`;
  }

  function respond(
    res: ServerResponse,
    logIndex: number,
    status: number,
    body: string | Buffer,
    extraDelayMs = 0,
    headers: Record<string, string> = {},
  ): void {
    const write = (): void => {
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Length': typeof body === 'string' ? Buffer.byteLength(body) : body.length,
        ...headers,
      });
      res.end(body);
      recordStatus(logIndex, status);
    };
    const delay = latencyMs + extraDelayMs;
    if (delay > 0) setTimeout(write, delay);
    else write();
  }

  function recordStatus(logIndex: number, status: number): void {
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    if (logIndex >= 0 && logIndex < logStatus.length) logStatus[logIndex] = status;
  }

  function respondError(
    res: ServerResponse,
    logIndex: number,
    status: number,
    body?: string,
    retryAfter?: number | string,
    delayMs = 0,
  ): void {
    const headers: Record<string, string> = retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) };
    respond(res, logIndex, status, body ?? jsonMessage(STATUS_CODES[status] ?? 'Error'), delayMs, headers);
  }

  /** Null when authentic; otherwise the 401 message. Records the nonce only for authentic requests. */
  function authenticate(req: IncomingMessage, query: string, body: string): string | null {
    const headerKey = req.headers['x-api-key'];
    const timestamp = req.headers['x-timestamp'];
    const nonce = req.headers['x-nonce'];
    const signature = req.headers['x-signature'];
    if (typeof headerKey !== 'string' || typeof timestamp !== 'string' || typeof nonce !== 'string' || typeof signature !== 'string') {
      return 'Missing authentication headers (X-Api-Key, X-Timestamp, X-Nonce, X-Signature)';
    }
    if (headerKey !== apiKey) return 'Invalid API key';
    const nowMs = clock.now();
    if (!TIMESTAMP_PATTERN.test(timestamp) || Math.abs(nowMs / 1000 - Number(timestamp)) > maxSkewSeconds) {
      return 'Request timestamp expired, check clock';
    }
    if (nonce.length < 16 || nonce.length > 128) return 'Invalid nonce: must be 16 to 128 characters';
    const bodyHash = body === '' ? EMPTY_SHA256_BASE64 : createHash('sha256').update(body).digest('base64');
    const canonical = `v1:${timestamp}:${nonce}:${(req.method ?? '').toUpperCase()}:${query}:${bodyHash}`;
    const expected = Buffer.from(`v1=${createHmac('sha256', hmacKey).update(canonical).digest('base64')}`);
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'Invalid signature';
    // A nonce is only useful to an attacker while its timestamp is acceptable
    // (±maxSkew), so two generations of 2·maxSkew each are enough memory.
    const generationMs = 2 * maxSkewSeconds * 1000;
    if (nonces.current.size >= nonceGenerationSize) {
      nonces.previous = nonces.current;
      nonces.current = new Set();
      nonces.rotatedAtMs = nowMs;
    } else if (nowMs - nonces.rotatedAtMs >= generationMs) {
      nonces.previous = nowMs - nonces.rotatedAtMs >= 2 * generationMs ? new Set() : nonces.current;
      nonces.current = new Set();
      nonces.rotatedAtMs = nowMs;
    }
    if (nonces.current.has(nonce) || nonces.previous.has(nonce)) return 'Nonce already used';
    nonces.current.add(nonce);
    return null;
  }

  function scenarioStep(state: ProductState): ScriptStep | null {
    if (scenario === null) return null;
    const elapsedSeconds = (clock.now() - startedAtMs) / 1000;
    const period = Math.floor(elapsedSeconds / scenario.periodSeconds);
    const inPeriod = elapsedSeconds - period * scenario.periodSeconds;
    const code = state.product.code.toUpperCase();
    // Latest due event first: if several are due at once, only the newest matters.
    for (let i = scenario.events.length - 1; i >= 0; i--) {
      const event = scenario.events[i];
      if (event === undefined || event.product !== code || inPeriod < event.atSeconds) continue;
      if (eventFiredInPeriod.get(i) === period) continue;
      eventFiredInPeriod.set(i, period);
      for (let j = 0; j < i; j++) {
        const earlier = scenario.events[j];
        if (earlier !== undefined && earlier.product === code && inPeriod >= earlier.atSeconds) eventFiredInPeriod.set(j, period);
      }
      return event.step;
    }
    for (const window of scenario.windows) {
      if (window.product === code && inPeriod >= window.fromSeconds && inPeriod < window.toSeconds) return window.status;
    }
    return null;
  }

  function serveStep(res: ServerResponse, logIndex: number, state: ProductState, step: ScriptStep): void {
    if (step === 'Healthy' || step === 'Interruption') {
      respond(res, logIndex, 200, statusBody(state, `"${step}"`));
    } else if ('status' in step) {
      respondError(res, logIndex, step.status, step.body, step.retryAfter, step.delayMs);
    } else if ('hang' in step) {
      // Intentionally never answered; close() destroys the connection.
    } else if ('garbage' in step) {
      respond(res, logIndex, 200, step.garbage);
    } else if ('json' in step) {
      respond(res, logIndex, 200, JSON.stringify(step.json) ?? '');
    } else if ('networkStatus' in step) {
      const parsed = JSON.parse(statusBody(state, '"Healthy"')) as { data: Record<string, unknown> };
      parsed.data.network_status = step.networkStatus;
      respond(res, logIndex, 200, JSON.stringify(parsed));
    } else if ('productCode' in step) {
      const parsed = JSON.parse(statusBody(state, `"${state.baseline}"`)) as { data: Record<string, unknown> };
      parsed.data.product_code = step.productCode;
      respond(res, logIndex, 200, JSON.stringify(parsed));
    } else if ('reset' in step) {
      const full = statusBody(state, `"${state.baseline}"`);
      const write = (): void => {
        if (res.destroyed) return;
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(full) });
        recordStatus(logIndex, 200);
        // Destroy only once the half body is flushed, so the client really sees a cut body.
        res.write(full.slice(0, Math.floor(full.length / 2)), () => res.socket?.destroy());
      };
      if (latencyMs > 0) setTimeout(write, latencyMs);
      else write();
    } else if ('hugeBody' in step) {
      respond(res, logIndex, 200, hugeBody(step.hugeBody));
    }
  }

  function handleApi(
    req: IncomingMessage,
    res: ServerResponse,
    apiPath: string,
    query: string,
    product: string | null,
    body: string,
    logIndex: number,
  ): void {
    if (failMode !== null) {
      const mode = typeof failMode === 'number' ? { status: failMode } : failMode;
      respondError(res, logIndex, mode.status, mode.body, mode.retryAfter);
      return;
    }
    const authError = authenticate(req, query, body);
    if (authError !== null) {
      respondError(res, logIndex, 401, jsonMessage(authError));
      return;
    }
    if (req.method !== 'GET') {
      respondError(res, logIndex, 405);
      return;
    }
    if (apiPath === PRODUCT_LIST_PATH) {
      respond(res, logIndex, 200, productListBody);
      return;
    }
    if (apiPath !== NETWORK_STATUS_PATH) {
      respondError(res, logIndex, 404, jsonMessage('Not found'));
      return;
    }
    if (product === null || product === '') {
      respondError(res, logIndex, 400, jsonMessage('The product field is required.'));
      return;
    }
    const state = byCode.get(product.toUpperCase());
    if (state === undefined) {
      respondError(res, logIndex, 404, jsonMessage(`Product ${product.slice(0, 40)} not found`));
      return;
    }
    let step: ScriptStep | null = null;
    if (state.queueHead < state.queue.length) {
      step = state.queue[state.queueHead] ?? null;
      state.queueHead += 1;
      if (state.queueHead === state.queue.length) {
        state.queue = [];
        state.queueHead = 0;
      }
    }
    step ??= scenarioStep(state);
    serveStep(res, logIndex, state, step ?? state.baseline);
  }

  function productOf(query: string): string | null {
    const simple = SIMPLE_PRODUCT_QUERY.exec(query);
    try {
      if (simple !== null) return decodeURIComponent(simple[1] ?? '');
      return new URLSearchParams(query).get('product');
    } catch {
      return null;
    }
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const atMs = performance.timeOrigin + performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    const query = q === -1 ? '' : url.slice(q + 1);
    if (pathname === STATS_PATH) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ total, byStatus: Object.fromEntries(byStatus) }));
      return;
    }
    const apiPath = basePath !== '' && pathname.startsWith(basePath) ? pathname.slice(basePath.length) : basePath === '' ? pathname : null;
    const product = apiPath === NETWORK_STATUS_PATH ? productOf(query) : null;

    total += 1;
    if (product !== null) {
      const state = byCode.get(product.toUpperCase());
      if (state !== undefined) state.requests += 1;
    }
    let logIndex = -1;
    if (logAt.length < logCapacity) {
      logIndex = logAt.length;
      logAt.push(atMs);
      logPath.push(apiPath ?? pathname);
      logProduct.push(product);
      logStatus.push(0);
    }

    if (apiPath === null) {
      respondError(res, logIndex, 404, jsonMessage('Not found'));
      return;
    }
    // A GET normally has no body; only wait for one when the headers announce it,
    // which saves an event-loop turn per request on the hot path.
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    if (!hasBody) {
      handleApi(req, res, apiPath, query, product, '', logIndex);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handleApi(req, res, apiPath, query, product, Buffer.concat(chunks).toString('utf8'), logIndex));
  }

  const server: Server = createServer(onRequest);
  // A client that destroys its socket mid-response (timeouts, too_large) is
  // expected here, not an error worth crashing a test run for.
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostForUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostForUrl}:${address.port}${basePath}`;

  function stateFor(code: string): ProductState {
    const state = byCode.get(code.toUpperCase());
    if (state === undefined) throw new Error(`unknown simulator product ${code}`);
    return state;
  }

  let closing: Promise<void> | null = null;

  return {
    url,
    port: address.port,
    products: catalogue,
    script(code, steps) {
      stateFor(code).queue.push(...steps);
    },
    scriptedRemaining(code) {
      const state = stateFor(code);
      return state.queue.length - state.queueHead;
    },
    setStatus(code, status) {
      stateFor(code).baseline = status;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    failAll(mode) {
      failMode = mode;
    },
    requests() {
      const out: SimulatorRequest[] = new Array(logAt.length);
      for (let i = 0; i < logAt.length; i++) {
        const status = logStatus[i] ?? 0;
        out[i] = { atMs: logAt[i] ?? 0, path: logPath[i] ?? '', product: logProduct[i] ?? null, status, ok: status >= 200 && status < 300 };
      }
      return out;
    },
    arrivalTimes() {
      return logAt.slice();
    },
    requestCount(product) {
      if (product === undefined) return total;
      return byCode.get(product.toUpperCase())?.requests ?? 0;
    },
    reset() {
      logAt = [];
      logPath = [];
      logProduct = [];
      logStatus = [];
      total = 0;
      byStatus.clear();
      failMode = null;
      latencyMs = initialLatencyMs;
      for (const state of byCode.values()) {
        state.queue = [];
        state.queueHead = 0;
        state.requests = 0;
        state.baseline = state.product.baseline ?? 'Healthy';
      }
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
