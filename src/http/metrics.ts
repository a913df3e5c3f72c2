import type { Kysely } from 'kysely';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ApiErrorKind } from '../domain/observation.js';
import type { CheckStatus } from '../domain/status.js';
import { STATUS_CODE, STATUS_FROM_CODE } from '../domain/status.js';
import { countPendingOutbox } from '../store/outbox-repository.js';
import type { DatabaseSchema } from '../store/schema-types.js';
import { queryProductStatus } from '../store/status-query.js';

/** Every error kind, so `netwatch_api_errors_total{kind}` starts at 0 for each and `rate()` works from the first scrape. */
const API_ERROR_KINDS = Object.keys({
  timeout: true,
  network: true,
  http_5xx: true,
  http_4xx: true,
  auth: true,
  forbidden: true,
  clock_skew: true,
  rate_limited: true,
  bad_json: true,
  bad_shape: true,
  unknown_status: true,
  product_mismatch: true,
  too_large: true,
} satisfies Record<ApiErrorKind, true>) as ApiErrorKind[];

/**
 * prom-client's default metrics include three gauges named `*_total`
 * (`nodejs_active_handles_total`, ...), which `promtool check metrics` rejects
 * because `_total` is reserved for counters. The same numbers stay available
 * as `sum(nodejs_active_handles)` etc., so these three are dropped.
 */
const NON_CONFORMING_DEFAULT_METRICS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** Read at scrape time, so the gauges always reflect the database rather than a cached copy. */
export interface ScrapeSources {
  /** Products whose confirmed state is currently known; see `productUpFromStore`. */
  productUp(): Promise<ReadonlyArray<{ product: string; up: 0 | 1 }>>;
  outboxPending(): Promise<number>;
}

export interface Metrics {
  /** A registry of this app's own: tests can run several apps in one process. */
  readonly registry: Registry;
  /** One check recorded for a product (any status, Unknown included). */
  recordCheck(product: string, status: CheckStatus): void;
  /** One HTTP attempt to IIMMPACT finished: `latencyMs` feeds the histogram, `errorKind` the error counter. */
  recordApiResponse(info: { path: string; latencyMs: number; errorKind: ApiErrorKind | null }): void;
  /** A poll cycle finished. Times in epoch ms. */
  recordCycle(info: { startedAtMs: number; finishedAtMs: number }): void;
  /** A scheduler tick was skipped because the previous cycle was still running. */
  recordOverrun(): void;
  /** One delivery attempt by the outbox worker. */
  recordNotification(channel: string, result: 'sent' | 'retry' | 'failed'): void;
  /** Connects the scrape-time gauges to the store. Until then they are empty. */
  setScrapeSources(sources: ScrapeSources | null): void;
  /** The exposition text; the matching Content-Type is `contentType`. */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface MetricsOptions {
  /** Register prom-client's process and Node.js metrics (default true). */
  processMetrics?: boolean;
}

/**
 * Builds the daemon's metrics on a fresh, non-global Registry. The recorder
 * functions never throw, so calling them from hot paths and hooks is safe.
 *
 * - `netwatch_product_up{product}`: 1 Healthy, 0 Interruption; see `productUpFromStore` for when it is absent.
 * - `netwatch_checks_total{product,status}`: checks recorded, by observed status.
 * - `netwatch_check_duration_seconds`: duration of each network-status HTTP attempt (retries counted separately).
 * - `netwatch_cycle_duration_seconds`: wall time of each poll cycle.
 * - `netwatch_cycle_overrun_total`: ticks skipped because a cycle was still running.
 * - `netwatch_api_errors_total{kind}`: failed IIMMPACT attempts by error kind (retried attempts included).
 * - `netwatch_notifications_total{channel,result}`: delivery attempts: sent, retry (will try again), failed (gave up).
 * - `netwatch_outbox_pending`: messages waiting for delivery.
 * - `netwatch_last_cycle_timestamp_seconds`: when the last cycle finished (0 before the first).
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  let sources: ScrapeSources | null = null;

  new Gauge({
    name: 'netwatch_product_up',
    help: 'Confirmed state per product: 1 Healthy, 0 Interruption; absent while unconfirmed, while the last check is Unknown, or when it is stale.',
    labelNames: ['product'],
    registers: [registry],
    async collect() {
      this.reset();
      if (!sources) return;
      for (const row of await sources.productUp()) this.set({ product: row.product }, row.up);
    },
  });
  // Checks are tallied here, one array of counts (indexed by STATUS_CODE) per
  // product, and handed to the counter at scrape time: prom-client's `inc`
  // builds and hashes a label string and validates the label object on every
  // call, which is paid once per check on the poll hot path, while a scrape
  // comes every few seconds at most. Products keep their tally for the life of
  // the process, as the counter's series did.
  const checkCounts = new Map<string, number[]>();
  new Counter({
    name: 'netwatch_checks_total',
    help: 'Network-status checks recorded, by product and observed status (Healthy, Interruption, Unknown).',
    labelNames: ['product', 'status'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [product, counts] of checkCounts) {
        for (let code = 0; code < counts.length; code++) {
          const count = counts[code] as number;
          if (count > 0) this.inc({ product, status: STATUS_FROM_CODE[code] as CheckStatus }, count);
        }
      }
    },
  });
  const checkDuration = new Histogram({
    name: 'netwatch_check_duration_seconds',
    help: 'Duration of each HTTP attempt to the IIMMPACT network-status endpoint, failed attempts included.',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 29],
    registers: [registry],
  });
  const cycleDuration = new Histogram({
    name: 'netwatch_cycle_duration_seconds',
    help: 'Wall time of each poll cycle over every product.',
    buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const overruns = new Counter({
    name: 'netwatch_cycle_overrun_total',
    help: 'Scheduled ticks skipped because the previous cycle was still running.',
    registers: [registry],
  });
  const apiErrors = new Counter({
    name: 'netwatch_api_errors_total',
    help: 'Failed IIMMPACT HTTP attempts by error kind (timeout, network, http_5xx, auth, forbidden, rate_limited, ...).',
    labelNames: ['kind'],
    registers: [registry],
  });
  for (const kind of API_ERROR_KINDS) apiErrors.inc({ kind }, 0);
  const notifications = new Counter({
    name: 'netwatch_notifications_total',
    help: 'Alert delivery attempts by channel and result: sent, retry (will try again) or failed (gave up).',
    labelNames: ['channel', 'result'],
    registers: [registry],
  });
  new Gauge({
    name: 'netwatch_outbox_pending',
    help: 'Alert messages waiting to be delivered (including ones waiting for a retry).',
    registers: [registry],
    async collect() {
      this.set(sources ? await sources.outboxPending() : 0);
    },
  });
  const lastCycle = new Gauge({
    name: 'netwatch_last_cycle_timestamp_seconds',
    help: 'Unix time at which the last poll cycle finished; 0 before the first.',
    registers: [registry],
  });
  lastCycle.set(0);

  if (options.processMetrics ?? true) {
    collectDefaultMetrics({ register: registry });
    for (const name of NON_CONFORMING_DEFAULT_METRICS) registry.removeSingleMetric(name);
  }

  const guard =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A): void => {
      try {
        fn(...args);
      } catch {
        // Metrics must never break a check, a cycle or a delivery.
      }
    };

  return {
    registry,
    contentType: registry.contentType,
    // The two per-check recorders are written out rather than wrapped in `guard`:
    // its rest parameters allocate an arguments array on every call.
    recordCheck(product: string, status: CheckStatus) {
      let counts = checkCounts.get(product);
      if (counts === undefined) {
        counts = [0, 0, 0];
        checkCounts.set(product, counts);
      }
      const code = STATUS_CODE[status];
      // Only the three statuses have a slot; anything else (an untyped caller) is not counted.
      if (typeof code === 'number') counts[code] = (counts[code] as number) + 1;
    },
    recordApiResponse(info: { path: string; latencyMs: number; errorKind: ApiErrorKind | null }) {
      try {
        if (info.errorKind !== null) apiErrors.inc({ kind: info.errorKind });
        if (info.path.endsWith('/networkstatus')) checkDuration.observe(Math.max(0, info.latencyMs) / 1000);
      } catch {
        // Metrics must never break a check, a cycle or a delivery.
      }
    },
    recordCycle: guard((info: { startedAtMs: number; finishedAtMs: number }) => {
      cycleDuration.observe(Math.max(0, info.finishedAtMs - info.startedAtMs) / 1000);
      lastCycle.set(info.finishedAtMs / 1000);
    }),
    recordOverrun: guard(() => overruns.inc()),
    recordNotification: guard((channel: string, result: 'sent' | 'retry' | 'failed') => notifications.inc({ channel, result })),
    setScrapeSources(next) {
      sources = next;
    },
    render: () => registry.metrics(),
  };
}

/**
 * Scrape sources backed by the store.
 *
 * `netwatch_product_up{product}` is present exactly when all of these hold:
 * the product has a confirmed state (Healthy or Interruption), its most
 * recent check returned a known status (not Unknown), and that check is no
 * older than `staleAfterSeconds`. Its value is the confirmed state: 1 Healthy,
 * 0 Interruption. So the series disappears while netwatch cannot see a product
 * (API errors, daemon stalled, product no longer polled) rather than
 * repeating an old answer; alert on `absent()` or on `/readyz` for that.
 */
export function storeScrapeSources(db: Kysely<DatabaseSchema>, options: { staleAfterSeconds: number; nowMs: () => number }): ScrapeSources {
  return {
    async productUp() {
      const oldest = Math.floor(options.nowMs() / 1000) - options.staleAfterSeconds;
      const rows = await queryProductStatus(db);
      return rows
        .filter((row) => row.state !== null && row.lastStatus !== null && row.lastStatus !== 'Unknown')
        .filter((row) => row.lastCheckedAt !== null && row.lastCheckedAt >= oldest)
        .map((row) => ({ product: row.code, up: row.state === 'Healthy' ? 1 : 0 }));
    },
    outboxPending: () => countPendingOutbox(db),
  };
}
