import type { AlertPayload } from '../domain/alert-event.js';

/** One message for one destination: a group of events that happened together. */
export interface OutboundMessage {
  /** Stable across retries; receivers may use it to drop duplicates. */
  idempotencyKey: string;
  events: AlertPayload[];
  /** Number of products configured, so a message can say "looks IIMMPACT-wide". */
  productCount: number;
}

/**
 * A delivery channel. `send` resolves once the provider acknowledged the
 * message and throws DeliveryError otherwise. Implementations apply their own
 * timeout, honour `signal` (shutdown), and never put a secret (webhook URL,
 * SMTP password) in an error message or a log line.
 */
export interface Notifier {
  readonly channel: string;
  /** Route labels this notifier can send to (`default`, `routes[0]`, ...). */
  readonly destinations?: readonly string[];
  send(message: OutboundMessage, destination: string, signal?: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

/** A failed send. `retryable` false means retrying cannot help (bad payload, archived channel). */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    /** Provider-requested wait (Retry-After), in ms. */
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/**
 * Races `work` against a timeout and an optional abort signal, turning either
 * into a retryable DeliveryError. `work` receives a signal that fires on both,
 * so an HTTP request is actually cancelled. Never leaves a timer behind.
 */
export async function withSendTimeout<T>(
  timeoutMs: number,
  signal: AbortSignal | undefined,
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onAbort = () => controller.abort(new DeliveryError(`${what}: interrupted by shutdown`, true));
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeliveryError(`${what}: no answer within ${timeoutMs} ms`, true);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  // The loser of the race may still reject later; keep that from becoming an unhandled rejection.
  expired.catch(() => undefined);
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
