import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { ApiErrorKind, Observation } from '../domain/observation.js';
import { backoffDelayMs, parseRetryAfterMs } from '../shared/backoff.js';
import type { Clock } from '../shared/clock.js';
import { systemClock, toEpochSeconds } from '../shared/clock.js';
import type { ErrorCode } from '../shared/errors.js';
import { describeError, NetwatchError } from '../shared/errors.js';
import { addAbortReaction, removeAbortReaction } from './abort-reactions.js';
import type { NetworkStatusParts } from './parse-network-status.js';
import { describeHttpFailure, errorWithExcerpt, parseNetworkStatus, redactSecrets, singleLine } from './parse-network-status.js';
import { createNonce, decodeHmacSecret, signRequest } from './sign-request.js';
import type { TokenBucket } from './token-bucket.js';

/** What IIMMPACT product codes look like; anything else is refused before a request is made. */
export const PRODUCT_CODE_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

export const NETWORK_STATUS_PATH = '/v2/networkstatus';
export const PRODUCT_LIST_PATH = '/v2/product-list';

/**
 * @throws NetwatchError `config_invalid` unless `code` is a string matching
 *   PRODUCT_CODE_PATTERN. The message quotes (a cut-down copy of) the value.
 */
export function assertProductCode(code: unknown): asserts code is string {
  if (typeof code !== 'string' || !PRODUCT_CODE_PATTERN.test(code)) {
    throw new NetwatchError('config_invalid', invalidCodeMessage(code));
  }
}

function invalidCodeMessage(code: unknown): string {
  const shown = typeof code === 'string' ? JSON.stringify(singleLine(code).slice(0, 40)) : typeof code;
  return `invalid product code ${shown}: it must match ${PRODUCT_CODE_PATTERN.source}`;
}

export interface RetryOptions {
  /** Total attempts including the first; default 3. 1 disables retries. */
  maxAttempts?: number;
  /** First backoff in ms, doubled per retry, with jitter; default 250. */
  baseDelayMs?: number;
  /** Cap on the exponential backoff in ms; default 5000. Retry-After may ask for longer. */
  maxDelayMs?: number;
  /** A Retry-After longer than this (ms) is not waited for: the call gives up instead. Default 60000. */
  maxRetryAfterMs?: number;
}

export interface RequestInfo {
  /** Null for the product list. */
  productCode: string | null;
  /** API path without base-URL prefix or query, e.g. `/v2/networkstatus` (a low-cardinality metrics label). */
  path: string;
  /** 1 for the first try. */
  attempt: number;
  /** `clock.now()` when the request was sent, after the limiter and concurrency wait. */
  startedAtMs: number;
}

export interface ResponseInfo {
  path: string;
  /** Null when no response headers arrived. */
  httpStatus: number | null;
  /** This attempt only, in ms. */
  latencyMs: number;
  errorKind: ApiErrorKind | null;
}

export interface IimmpactClientOptions {
  /** e.g. `https://api.iimmpact.com`; may carry a path prefix (`http://127.0.0.1:8080/mock`). http: or https: only. */
  baseUrl: string;
  apiKey: string;
  /** Base64, as issued; decoded once here. */
  hmacSecret: string;
  /** Per attempt, covering connect, headers and the whole body. */
  timeoutMs: number;
  /** Maximum requests in flight (the keep-alive agent may hold up to twice as many sockets). */
  concurrency: number;
  /** Shared limiter; every attempt (retries and product-list calls included) takes one token. */
  limiter: TokenBucket;
  retry?: RetryOptions;
  /** Network-status body cap in bytes; default 256 KiB. Beyond it: errorKind `too_large`. */
  maxBodyBytes?: number;
  /** Product-list body cap in bytes; default 16 MiB (a catalogue of thousands of products is legitimately large). */
  maxListBodyBytes?: number;
  /** Epoch-ms clock for X-Timestamp, checkedAt, Retry-After dates and deadlines. */
  clock?: Clock;
  /** Called just before each attempt is sent. Must not throw (exceptions are swallowed). */
  onRequest?: (info: RequestInfo) => void;
  /** Called after each attempt ends, success or not (not on abort). Must not throw (exceptions are swallowed). */
  onResponse?: (info: ResponseInfo) => void;
}

export interface FetchOptions {
  /** Aborting rejects the pending call with NetwatchError `aborted`. */
  signal?: AbortSignal;
  /** Epoch ms (on the client's clock) after which no retry is started; a retry whose backoff would end later is skipped. */
  deadlineMs?: number;
}

export interface ProductListing {
  code: string;
  name: string;
  /** `status` was `Active` (case-insensitive); inactive products are not offered to users. */
  active: boolean;
}

type Exchange =
  | { kind: 'response'; httpStatus: number; body: string; truncated: boolean; retryAfter: string | undefined }
  | { kind: 'failed'; errorKind: 'timeout' | 'network'; error: string; httpStatus: number | null };

/** When one call started and when its first attempt went out (null until it does). */
interface CallTiming {
  calledAtMs: number;
  calledAtPerf: number;
  firstSentAtMs: number | null;
  firstSentAtPerf: number;
}

interface Outcome<T> {
  value: T;
  errorKind: ApiErrorKind | null;
  error: string | null;
  httpStatus: number | null;
  retryAfter: string | undefined;
}

/** Transient failures worth another try; everything else would fail the same way again. */
const RETRYABLE_KINDS: ReadonlySet<ApiErrorKind | null> = new Set<ApiErrorKind | null>(['timeout', 'network', 'http_5xx', 'rate_limited']);

const ERROR_CODE_FOR_KIND: Record<ApiErrorKind, ErrorCode> = {
  timeout: 'api_timeout',
  network: 'api_network',
  http_5xx: 'api_http',
  http_4xx: 'api_http',
  auth: 'api_auth',
  clock_skew: 'api_auth',
  forbidden: 'api_forbidden',
  rate_limited: 'api_rate_limited',
  bad_json: 'api_bad_response',
  bad_shape: 'api_bad_response',
  unknown_status: 'api_bad_response',
  product_mismatch: 'api_bad_response',
  too_large: 'api_bad_response',
};

const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
const DEFAULT_MAX_LIST_BODY_BYTES = 16 * 1024 * 1024;

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) throw new NetwatchError('config_invalid', `${name} must be a positive integer, got ${value}`);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!Number.isFinite(value) || value < 0) throw new NetwatchError('config_invalid', `${name} must be a finite number >= 0, got ${value}`);
  return value;
}

/**
 * Builds the IIMMPACT client: signed GETs over a keep-alive agent, rate-limited
 * by the shared limiter, at most `concurrency` in flight, with retries.
 *
 * @throws NetwatchError `config_invalid` / `credentials_missing` for bad options
 *   (never echoing the key or secret). Opens no connection until the first call.
 */
export function createIimmpactClient(options: IimmpactClientOptions) {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch (cause) {
    throw new NetwatchError('config_invalid', `baseUrl is not a valid URL: ${JSON.stringify(options.baseUrl)}`, { cause });
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new NetwatchError('config_invalid', `baseUrl must be http: or https:, got ${base.protocol}`);
  }
  if (base.username !== '' || base.password !== '') {
    throw new NetwatchError('config_invalid', 'baseUrl must not contain credentials');
  }
  if (options.apiKey.trim() === '') throw new NetwatchError('credentials_missing', 'the IIMMPACT API key is empty');
  // Node would throw on an invalid header value at request time; failing here is clearer.
  if (!/^[\x21-\x7e]+$/.test(options.apiKey)) {
    throw new NetwatchError('config_invalid', 'the IIMMPACT API key contains whitespace or non-ASCII characters');
  }
  const apiKey = options.apiKey;
  const key = decodeHmacSecret(options.hmacSecret);
  const secrets = [apiKey, options.hmacSecret, options.hmacSecret.trim()];
  const timeoutMs = positiveInteger(options.timeoutMs, 'timeoutMs');
  const concurrency = positiveInteger(options.concurrency, 'concurrency');
  const maxAttempts = positiveInteger(options.retry?.maxAttempts ?? 3, 'retry.maxAttempts');
  const baseDelayMs = nonNegative(options.retry?.baseDelayMs ?? 250, 'retry.baseDelayMs');
  const maxDelayMs = nonNegative(options.retry?.maxDelayMs ?? 5000, 'retry.maxDelayMs');
  const maxRetryAfterMs = nonNegative(options.retry?.maxRetryAfterMs ?? 60_000, 'retry.maxRetryAfterMs');
  const maxBodyBytes = positiveInteger(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, 'maxBodyBytes');
  const maxListBodyBytes = positiveInteger(options.maxListBodyBytes ?? DEFAULT_MAX_LIST_BODY_BYTES, 'maxListBodyBytes');
  const clock = options.clock ?? systemClock;
  const limiter = options.limiter;
  const { onRequest, onResponse } = options;

  const isHttps = base.protocol === 'https:';
  // No agent `timeout`: it arms a socket timer that is refreshed on every read
  // and write, which measured ~50 µs per request (a third of the client's CPU
  // cost at 10,000 checks/s). A keep-alive socket the server closed while idle
  // is dropped by the agent on FIN; the rare race with a request sent at that
  // instant surfaces as a `network` error, which is retried.
  // The slot semaphore already bounds requests in flight to `concurrency`. The agent gets
  // twice that many sockets so that a request whose rate token was just granted never
  // queues inside the agent behind a socket still on its way back to the pool: that wait
  // would put the request on the wire late, bunched with its successors, and a burst at
  // the server is exactly what the limiter exists to prevent.
  const agentOptions = { keepAlive: true, maxSockets: concurrency * 2, maxFreeSockets: concurrency, scheduling: 'lifo' as const };
  const agent = isHttps ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
  const send: (opts: RequestOptions) => ClientRequest = isHttps ? httpsRequest : httpRequest;
  const prefix = base.pathname.replace(/\/+$/, '');
  const protocol = base.protocol;
  // URL keeps IPv6 literals bracketed; the request API wants them bare.
  const hostname = base.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = base.port === '' ? undefined : Number(base.port);
  const slots = createSemaphore(concurrency);
  // `URL.host` keeps a non-default port and IPv6 brackets, as the Host header wants.
  const hostHeader = base.host;
  let closed = false;

  function safeCall<T>(hook: ((info: T) => void) | undefined, info: T): void {
    if (hook === undefined) return;
    try {
      hook(info);
    } catch {
      // A metrics/logging hook must never turn a check into an exception.
    }
  }

  /**
   * One signed HTTP exchange, signed with `sentAtMs` (epoch ms on the client's clock).
   * Resolves for every outcome except abort (rejects NetwatchError `aborted`).
   */
  function exchange(
    apiPath: string,
    query: string,
    maxBytes: number,
    signal: AbortSignal | undefined,
    sentAtMs: number,
  ): Promise<Exchange> {
    return new Promise<Exchange>((resolve, reject) => {
      const headers = signRequest({
        apiKey,
        hmacSecret: key,
        method: 'GET',
        query,
        timestamp: toEpochSeconds(sentAtMs),
        nonce: createNonce(),
      });
      let settled = false;
      let response: IncomingMessage | undefined;
      const chunks: Buffer[] = [];
      let received = 0;

      let req: ClientRequest;
      try {
        // A fresh literal rather than a spread of shared options: a spread copies
        // property by property on every request, and Node copies the options again.
        req = send({
          protocol,
          hostname,
          port,
          method: 'GET',
          agent,
          path: query === '' ? `${prefix}${apiPath}` : `${prefix}${apiPath}?${query}`,
          // A flat [name, value, ...] array is sent as given: Node skips per-header
          // validation and the object copies, about 8 µs of a ~100 µs request in a
          // profile (docs/performance.md). Values are ours and already valid: the
          // key was checked at construction, the rest is digits, base64 and a UUID.
          // With an array Node adds no Host header itself, so it is listed here.
          headers: [
            'Host',
            hostHeader,
            'X-Api-Key',
            headers['X-Api-Key'],
            'X-Timestamp',
            headers['X-Timestamp'],
            'X-Nonce',
            headers['X-Nonce'],
            'X-Signature',
            headers['X-Signature'],
            'Accept',
            'application/json',
            'User-Agent',
            'netwatch',
          ],
        });
      } catch (err) {
        // Node validates options synchronously (e.g. after `close()` on some versions);
        // callers rely on exchanges never throwing.
        resolve({
          kind: 'failed',
          errorKind: 'network',
          error: errorWithExcerpt('request failed', describeError(err), secrets),
          httpStatus: null,
        });
        return;
      }

      const cleanup = (): void => {
        settled = true;
        clearTimeout(timer);
        if (abortReaction !== undefined) removeAbortReaction(abortReaction);
      };
      const finish = (result: Exchange): void => {
        if (settled) return;
        cleanup();
        resolve(result);
      };
      const failNetwork = (detail: string): void => {
        finish({
          kind: 'failed',
          errorKind: 'network',
          error: errorWithExcerpt('network error', detail, secrets),
          httpStatus: response?.statusCode ?? null,
        });
      };
      const onAbort = (): void => {
        if (settled) return;
        cleanup();
        req.destroy();
        reject(new NetwatchError('aborted', 'IIMMPACT request aborted', { cause: signal?.reason }));
      };
      const timer = setTimeout(() => {
        const phase = response === undefined ? 'waiting for response headers' : 'reading the response body';
        finish({
          kind: 'failed',
          errorKind: 'timeout',
          error: `timeout after ${timeoutMs} ms ${phase}`,
          httpStatus: response?.statusCode ?? null,
        });
        // The exchange is abandoned mid-flight, so the socket can never go back to
        // the pool; destroying it also frees the agent's socket slot at once.
        req.destroy();
      }, timeoutMs);
      const abortReaction = signal === undefined ? undefined : addAbortReaction(signal, onAbort);

      req.on('error', (err: NodeJS.ErrnoException) =>
        failNetwork(err.code !== undefined && !err.message.includes(err.code) ? `${err.code} ${err.message}` : err.message),
      );
      req.on('response', (res: IncomingMessage) => {
        response = res;
        const httpStatus = res.statusCode ?? 0;
        // Only failures are retried, and `res.headers` builds an object from the raw headers on first use.
        const retryAfterHeader = httpStatus >= 200 && httpStatus < 300 ? undefined : res.headers['retry-after'];
        const retryAfter = Array.isArray(retryAfterHeader) ? retryAfterHeader[0] : retryAfterHeader;
        res.on('data', (chunk: Buffer) => {
          if (settled) return;
          received += chunk.length;
          if (received > maxBytes) {
            chunks.push(chunk.subarray(0, chunk.length - (received - maxBytes)));
            finish({ kind: 'response', httpStatus, body: Buffer.concat(chunks).toString('utf8'), truncated: true, retryAfter });
            // The rest of the body is still on the wire, so the socket cannot be reused.
            res.destroy();
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          const body = chunks.length === 1 ? (chunks[0] as Buffer).toString('utf8') : Buffer.concat(chunks).toString('utf8');
          finish({ kind: 'response', httpStatus, body, truncated: false, retryAfter });
        });
        res.on('error', (err: Error) => failNetwork(`connection lost while reading the body (${err.message})`));
        res.on('close', () => {
          if (!res.complete) failNetwork('connection closed before the response body ended');
        });
      });
      req.end();
    });
  }

  /**
   * Runs attempts until success, a non-retryable outcome, maxAttempts or the deadline. Rejects only on abort.
   * Each attempt waits for a slot and a token, runs one exchange and reports it.
   */
  async function withRetries<T>(
    productCode: string | null,
    apiPath: string,
    query: string,
    maxBytes: number,
    interpret: (exchange: Exchange, productCode: string | null) => Outcome<T>,
    opts: FetchOptions | undefined,
    timing: CallTiming,
  ): Promise<Outcome<T>> {
    const signal = opts?.signal;
    for (let attempt = 1; ; attempt++) {
      // Slot before token: a token taken while still queueing for a slot would be
      // spent later, in a burst, and the limiter's window guarantee would not hold
      // on the wire. A free slot or token is taken without a promise (the common case).
      if (!slots.tryAcquire(signal)) await slots.acquire(signal);
      let outcome: Outcome<T>;
      try {
        if (!limiter.tryAcquire(signal)) await limiter.acquire(signal);
        // close() may have run while this attempt queued; sending now would open a
        // fresh socket on the destroyed agent and keep the process alive.
        if (closed) {
          const notSent: Exchange = { kind: 'failed', errorKind: 'network', error: 'client closed; request not sent', httpStatus: null };
          return interpret(notSent, productCode);
        }
        const startedAtMs = clock.now();
        const started = performance.now();
        if (timing.firstSentAtMs === null) {
          timing.firstSentAtMs = startedAtMs;
          timing.firstSentAtPerf = started;
        }
        if (onRequest !== undefined) safeCall(onRequest, { productCode, path: apiPath, attempt, startedAtMs });
        outcome = interpret(await exchange(apiPath, query, maxBytes, signal, startedAtMs), productCode);
        if (onResponse !== undefined) {
          safeCall(onResponse, {
            path: apiPath,
            httpStatus: outcome.httpStatus,
            latencyMs: Math.round(performance.now() - started),
            errorKind: outcome.errorKind,
          });
        }
      } finally {
        slots.release();
      }
      if (!RETRYABLE_KINDS.has(outcome.errorKind) || attempt >= maxAttempts || closed) return outcome;
      const delay = retryDelayMs(attempt, outcome.retryAfter);
      if (delay === null) return outcome;
      if (opts?.deadlineMs !== undefined && clock.now() + delay > opts.deadlineMs) return outcome;
      await sleep(delay, signal);
    }
  }

  /** Backoff before retry number `attempt` (1-based), or null to give up because Retry-After asks too much. */
  function retryDelayMs(attempt: number, retryAfter: string | undefined): number | null {
    const backoff = backoffDelayMs(attempt, baseDelayMs, maxDelayMs);
    const asked = parseRetryAfterMs(retryAfter, clock.now());
    if (asked === null) return backoff;
    if (asked > maxRetryAfterMs) return null;
    return Math.max(backoff, asked);
  }

  function interpretStatus(ex: Exchange, productCode: string | null): Outcome<NetworkStatusParts> {
    if (ex.kind === 'failed') {
      return {
        value: unknownParts(ex.errorKind, ex.error),
        errorKind: ex.errorKind,
        error: ex.error,
        httpStatus: ex.httpStatus,
        retryAfter: undefined,
      };
    }
    const parts = parseNetworkStatus({
      productCode: productCode as string,
      httpStatus: ex.httpStatus,
      body: ex.body,
      truncated: ex.truncated,
      secrets,
    });
    return { value: parts, errorKind: parts.errorKind, error: parts.error, httpStatus: ex.httpStatus, retryAfter: ex.retryAfter };
  }

  function interpretProductList(ex: Exchange): Outcome<ProductListing[] | null> {
    if (ex.kind === 'failed')
      return { value: null, errorKind: ex.errorKind, error: ex.error, httpStatus: ex.httpStatus, retryAfter: undefined };
    const fail = (errorKind: ApiErrorKind, error: string): Outcome<ProductListing[] | null> => ({
      value: null,
      errorKind,
      error,
      httpStatus: ex.httpStatus,
      retryAfter: ex.retryAfter,
    });
    if (ex.httpStatus < 200 || ex.httpStatus > 299) {
      const { errorKind, error } = describeHttpFailure(ex.httpStatus, ex.body, secrets);
      return fail(errorKind, error);
    }
    if (ex.truncated) return fail('too_large', `product list larger than ${maxListBodyBytes} bytes`);
    const parsed = parseProductList(ex.body);
    if (!Array.isArray(parsed)) return fail(parsed.errorKind, errorWithExcerpt(parsed.error, ex.body, secrets));
    return { value: parsed, errorKind: null, error: null, httpStatus: ex.httpStatus, retryAfter: undefined };
  }

  return {
    /**
     * Checks one product. Never throws or rejects for API, network or input
     * problems: every failure is an Observation with status `Unknown`, and an
     * invalid code yields errorKind `bad_shape` without any request.
     * Rejects only with NetwatchError `aborted` when `opts.signal` aborts.
     *
     * `checkedAt` (epoch s) is when the first attempt was sent, and `latencyMs`
     * runs from then to the end, retries and backoff included. Time spent
     * queueing for the rate limiter or a concurrency slot before the first
     * attempt is excluded: it says nothing about the API and would dominate
     * under a tight rate limit. With no request made, both refer to the call.
     */
    async fetchStatus(code: string, opts?: FetchOptions): Promise<Observation> {
      const timing: CallTiming = { calledAtMs: clock.now(), calledAtPerf: performance.now(), firstSentAtMs: null, firstSentAtPerf: 0 };
      if (opts?.signal?.aborted) throw new NetwatchError('aborted', 'IIMMPACT request aborted', { cause: opts.signal.reason });
      if (typeof code !== 'string' || !PRODUCT_CODE_PATTERN.test(code)) {
        return observation(
          code,
          timing,
          unknownParts('bad_shape', `${redactSecrets(invalidCodeMessage(code), secrets)}; no request made`),
          null,
        );
      }
      if (closed) return observation(code, timing, unknownParts('network', 'client closed; no request made'), null);
      try {
        const outcome = await withRetries(
          code,
          NETWORK_STATUS_PATH,
          `product=${encodeURIComponent(code)}`,
          maxBodyBytes,
          interpretStatus,
          opts,
          timing,
        );
        return observation(code, timing, outcome.value, outcome.httpStatus);
      } catch (err) {
        if (err instanceof NetwatchError && err.code === 'aborted') throw err;
        // Defensive: nothing above should throw, but the poller relies on this never rejecting.
        return observation(
          code,
          timing,
          unknownParts('network', errorWithExcerpt('unexpected client error', describeError(err), secrets)),
          null,
        );
      }
    },

    /**
     * Lists the catalogue (`GET /v2/product-list`), with the same signing,
     * limiter, concurrency and retry policy as status checks. Entries without a
     * valid product code are skipped.
     * @throws NetwatchError `api_*` (see ERROR_CODE_FOR_KIND; `retryable` set for
     *   transient kinds) on failure, `aborted` on abort.
     */
    async listProducts(opts?: FetchOptions): Promise<ProductListing[]> {
      if (opts?.signal?.aborted) throw new NetwatchError('aborted', 'IIMMPACT request aborted', { cause: opts.signal.reason });
      if (closed) throw new NetwatchError('api_network', 'IIMMPACT client is closed');
      const timing: CallTiming = { calledAtMs: clock.now(), calledAtPerf: performance.now(), firstSentAtMs: null, firstSentAtPerf: 0 };
      const outcome = await withRetries(null, PRODUCT_LIST_PATH, '', maxListBodyBytes, interpretProductList, opts, timing);
      if (outcome.value !== null) return outcome.value;
      const kind = outcome.errorKind ?? 'bad_shape';
      throw new NetwatchError(ERROR_CODE_FOR_KIND[kind], `product list failed: ${outcome.error ?? kind}`, {
        retryable: RETRYABLE_KINDS.has(kind),
        cause: { errorKind: kind, httpStatus: outcome.httpStatus },
      });
    },

    /**
     * Destroys the keep-alive agent and its sockets; in-flight requests fail
     * with errorKind `network`. Later calls make no request. Idempotent.
     */
    close(): void {
      closed = true;
      agent.destroy();
    },
  };
}

/**
 * Parses a product-list body into listings. Pure; never throws. Returns an
 * error description instead when the body is not JSON or has no `data` array.
 */
export function parseProductList(body: string): ProductListing[] | { errorKind: ApiErrorKind; error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.charCodeAt(0) === 0xfeff ? body.slice(1) : body);
  } catch {
    return { errorKind: 'bad_json', error: 'product list is not valid JSON' };
  }
  const data = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).data : undefined;
  if (!Array.isArray(data)) return { errorKind: 'bad_shape', error: 'product list has no "data" array' };
  const listings: ProductListing[] = [];
  for (const item of data as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const entry = item as Record<string, unknown>;
    const code = entry.product_code;
    if (typeof code !== 'string' || !PRODUCT_CODE_PATTERN.test(code)) continue;
    const name = typeof entry.product_name === 'string' && entry.product_name.trim() !== '' ? entry.product_name : code;
    const active = typeof entry.status === 'string' && entry.status.trim().toLowerCase() === 'active';
    listings.push({ code, name, active });
  }
  return listings;
}

/** The status part of a check that got no usable answer. */
function unknownParts(errorKind: ApiErrorKind, error: string): NetworkStatusParts {
  return { status: 'Unknown', errorKind, error, productName: null, productImg: null, sourceUpdatedAt: null };
}

/**
 * The Observation for one status call: `checkedAt` and `latencyMs` count from
 * the first attempt's send, or from the call when no request went out.
 */
function observation(productCode: string, timing: CallTiming, parts: NetworkStatusParts, httpStatus: number | null): Observation {
  const sent = timing.firstSentAtMs !== null;
  return {
    productCode,
    status: parts.status,
    checkedAt: toEpochSeconds(sent ? (timing.firstSentAtMs as number) : timing.calledAtMs),
    latencyMs: Math.round(performance.now() - (sent ? timing.firstSentAtPerf : timing.calledAtPerf)),
    httpStatus,
    error: parts.error,
    errorKind: parts.errorKind,
    productName: parts.productName,
    productImg: parts.productImg,
    sourceUpdatedAt: parts.sourceUpdatedAt,
  };
}

interface Semaphore {
  /** Takes a slot at once if one is free, nobody is queued and `signal` has not aborted; false otherwise. */
  tryAcquire(signal: AbortSignal | undefined): boolean;
  acquire(signal: AbortSignal | undefined): Promise<void>;
  release(): void;
}

/** FIFO counting semaphore. `acquire` rejects with NetwatchError `aborted` if the signal aborts while queued. */
function createSemaphore(limit: number): Semaphore {
  let active = 0;
  const waiters = new Set<() => void>();
  return {
    tryAcquire(signal) {
      if (active >= limit || waiters.size !== 0 || signal?.aborted) return false;
      active += 1;
      return true;
    },
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(new NetwatchError('aborted', 'IIMMPACT request aborted', { cause: signal.reason }));
      if (active < limit && waiters.size === 0) {
        active += 1;
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const onAbort = (): void => {
          waiters.delete(wake);
          reject(new NetwatchError('aborted', 'IIMMPACT request aborted', { cause: signal?.reason }));
        };
        // A Set iterates in insertion order, so this stays FIFO with O(1) removal on abort.
        const wake = (): void => {
          if (abortReaction !== undefined) removeAbortReaction(abortReaction);
          resolve();
        };
        waiters.add(wake);
        const abortReaction = signal === undefined ? undefined : addAbortReaction(signal, onAbort);
      });
    },
    release() {
      const next = waiters.values().next();
      if (next.done) {
        active -= 1;
        return;
      }
      // Hand the slot straight to the next waiter: `active` stays the same.
      waiters.delete(next.value);
      next.value();
    },
  };
}

/** Resolves after `ms`; rejects with NetwatchError `aborted` if the signal aborts first. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new NetwatchError('aborted', 'IIMMPACT request aborted', { cause: signal.reason }));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new NetwatchError('aborted', 'IIMMPACT request aborted', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      if (abortReaction !== undefined) removeAbortReaction(abortReaction);
      resolve();
    }, ms);
    const abortReaction = signal === undefined ? undefined : addAbortReaction(signal, onAbort);
  });
}

/** The client's public shape. */
export type IimmpactClient = ReturnType<typeof createIimmpactClient>;
