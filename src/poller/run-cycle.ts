import type { Observation } from '../domain/observation.js';
import type { TransitionEvent } from '../domain/transition.js';
import { transition } from '../domain/transition.js';
import type { NetworkStatusSource } from '../iimmpact/index.js';
import type { RecordedCheck } from '../store/check-batch-writer.js';
import type { CheckRecorder } from './check-recorder.js';
import type { PolledProduct } from './product-registry.js';

export interface CycleDeps {
  source: NetworkStatusSource;
  recorder: CheckRecorder;
  confirmAfter: number;
  /** Epoch ms after which no retry may start, so a cycle ends near its budget. */
  deadlineMs: number;
  signal?: AbortSignal;
  /** Per-check hook, for metrics and logs. Must not throw. */
  onObservation?: (product: PolledProduct, observation: Observation, events: readonly TransitionEvent[]) => void;
}

/** A partial success is normal here: 498 ok and 2 failed is still a useful cycle. */
export interface CycleSummary {
  products: number;
  healthy: number;
  interruption: number;
  unknown: number;
  transitions: number;
  errorsByKind: Record<string, number>;
  /** True when every request in the cycle failed: the API is unreachable or rejecting us. */
  allFailed: boolean;
  aborted: boolean;
}

/**
 * Calls outstanding at once. The client's concurrency cap and rate limiter do
 * the pacing; this only bounds what waits behind them. Issuing every product's
 * call at once left thousands of pending promises and closures per cycle, and
 * (when each wait still added its own listener to the shared abort signal, each
 * `addEventListener` scanning the listeners already there) cost 21 µs per check
 * at 2,000 products in a profile, still 13 µs with 256 outstanding
 * (docs/performance.md). The client now keeps one listener per signal
 * (src/iimmpact/abort-reactions.ts); the rate limiter still adds one per
 * queued caller. 64 is the highest concurrency the config allows; calls
 * sleeping in a retry backoff hold a place here but not a connection, and with
 * the rate limiter on (any real API) the limiter, not this bound, sets the pace.
 */
const MAX_OUTSTANDING = 64;

/**
 * Polls every product once, folds each observation into the state machine, and
 * hands the result to the recorder, which commits it in a short transaction.
 * Products are taken in order by up to MAX_OUTSTANDING concurrent callers; the
 * client's rate limiter and concurrency cap pace the requests. Never rejects:
 * per-product failures are recorded as Unknown.
 */
export async function runCycle(products: readonly PolledProduct[], deps: CycleDeps): Promise<CycleSummary> {
  const summary: CycleSummary = {
    products: products.length,
    healthy: 0,
    interruption: 0,
    unknown: 0,
    transitions: 0,
    errorsByKind: {},
    allFailed: false,
    aborted: false,
  };

  // The same for every call of the cycle, so built once.
  const fetchOptions = { signal: deps.signal, deadlineMs: deps.deadlineMs };
  const recordObservation = (product: PolledProduct, observation: Observation): void => {
    const previous = product.state;
    const { next, events } = transition(previous, observation.status, observation.checkedAt, deps.confirmAfter);
    product.state = next;
    const infoChanged =
      (observation.productName !== null && observation.productName !== product.name) ||
      (observation.productImg !== null && observation.productImg !== product.img);
    if (infoChanged) {
      product.name = observation.productName ?? product.name;
      product.img = observation.productImg ?? product.img;
    }
    const check: RecordedCheck = { productId: product.id, observation, previous, next, events };
    if (infoChanged) check.productInfo = { name: product.name, img: product.img };
    deps.recorder.record(check);

    if (observation.status === 'Healthy') summary.healthy += 1;
    else if (observation.status === 'Interruption') summary.interruption += 1;
    else {
      summary.unknown += 1;
      const kind = observation.errorKind ?? 'unknown';
      summary.errorsByKind[kind] = (summary.errorsByKind[kind] ?? 0) + 1;
    }
    for (const event of events) if (event.type !== 'baseline_healthy') summary.transitions += 1;
    deps.onObservation?.(product, observation, events);
  };
  let nextIndex = 0;
  // Each caller awaits the client itself: an async function per check would add
  // a promise and a suspended frame to every check.
  const caller = async (): Promise<void> => {
    while (nextIndex < products.length) {
      const product = products[nextIndex++] as PolledProduct;
      let observation: Observation;
      try {
        observation = await deps.source.fetchStatus(product.code, fetchOptions);
      } catch {
        // Only an abort (shutdown) rejects; the check is simply not taken.
        summary.aborted = true;
        continue;
      }
      recordObservation(product, observation);
    }
  };
  await Promise.all(Array.from({ length: Math.min(MAX_OUTSTANDING, products.length) }, caller));
  await deps.recorder.flush();

  const answered = summary.healthy + summary.interruption + summary.unknown;
  const transportFailures = Object.entries(summary.errorsByKind)
    .filter(([kind]) => ['timeout', 'network', 'http_5xx', 'auth', 'forbidden', 'clock_skew', 'rate_limited'].includes(kind))
    .reduce((sum, [, count]) => sum + count, 0);
  summary.allFailed = answered > 0 && transportFailures === answered;
  return summary;
}
