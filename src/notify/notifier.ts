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
 * timeout and never log secrets.
 */
export interface Notifier {
  readonly channel: string;
  send(message: OutboundMessage, destination: string): Promise<void>;
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
