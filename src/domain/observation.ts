import type { CheckStatus } from './status.js';

/**
 * Why a check could not produce a trustworthy status. Operators see these in
 * logs, metrics (`netwatch_api_errors_total{kind}`) and `netwatch status`.
 */
export type ApiErrorKind =
  | 'timeout'
  | 'network'
  | 'http_5xx'
  | 'http_4xx'
  | 'auth' // 401: wrong key or secret
  | 'forbidden' // 403: the IP may be rate-blocked
  | 'clock_skew' // the API rejected our timestamp
  | 'rate_limited' // 429
  | 'bad_json'
  | 'bad_shape'
  | 'unknown_status'
  | 'product_mismatch'
  | 'too_large';

/** The result of one network-status request. Never represents a thrown error: errors are data here. */
export interface Observation {
  productCode: string;
  status: CheckStatus;
  /** Epoch seconds at which the request was started. */
  checkedAt: number;
  latencyMs: number;
  /** Final HTTP status, or null when no response arrived. */
  httpStatus: number | null;
  /** Short, secret-free description; null when the status is known. */
  error: string | null;
  errorKind: ApiErrorKind | null;
  productName: string | null;
  productImg: string | null;
  /** `metadata.last_updated` converted from GMT+8 to epoch seconds, when present and valid. */
  sourceUpdatedAt: number | null;
}
