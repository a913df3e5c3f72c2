/**
 * The project's small error vocabulary. Every catch that can see an unknown
 * thrown value turns it into a NetwatchError with `toNetwatchError`, so callers
 * only ever reason about `code` and `retryable`.
 */
export type ErrorCode =
  | 'config_invalid'
  | 'config_missing'
  | 'credentials_missing'
  | 'db_unavailable'
  | 'db_full'
  | 'api_timeout'
  | 'api_network'
  | 'api_http'
  | 'api_auth'
  | 'api_forbidden'
  | 'api_rate_limited'
  | 'api_bad_response'
  | 'notify_failed'
  | 'aborted'
  | 'internal';

export class NetwatchError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NetwatchError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** Wraps any thrown value; NetwatchErrors pass through unchanged. Never throws. */
export function toNetwatchError(value: unknown, code: ErrorCode = 'internal'): NetwatchError {
  if (value instanceof NetwatchError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new NetwatchError(code, message, { cause: value });
}

/** A one-line description of any thrown value, for logs and stored error text. */
export function describeError(value: unknown): string {
  if (value instanceof Error) return value.message || value.name;
  return String(value);
}
