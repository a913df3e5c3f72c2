/**
 * The IIMMPACT boundary: request signing, response parsing and the HTTP client.
 * Other folders import from here only; the poller depends on the
 * `NetworkStatusSource` interface rather than the concrete client.
 */
import type { Observation } from '../domain/observation.js';
import type { FetchOptions, ProductListing } from './client.js';

export { parseRetryAfterMs } from '../shared/backoff.js';
export type {
  FetchOptions,
  IimmpactClient,
  IimmpactClientOptions,
  ProductListing,
  RequestInfo,
  ResponseInfo,
  RetryOptions,
} from './client.js';
export {
  assertProductCode,
  createIimmpactClient,
  NETWORK_STATUS_PATH,
  PRODUCT_CODE_PATTERN,
  PRODUCT_LIST_PATH,
  parseProductList,
} from './client.js';
export { formatLastUpdated, parseLastUpdated } from './parse-last-updated.js';
export type { NetworkStatusParts, NetworkStatusResponse } from './parse-network-status.js';
export { describeHttpFailure, MAX_ERROR_LENGTH, parseNetworkStatus } from './parse-network-status.js';
export type { CanonicalParts, SignedHeaders, SignRequestInput } from './sign-request.js';
export { bodyHashOf, canonicalString, createNonce, decodeHmacSecret, EMPTY_BODY_HASH, signRequest } from './sign-request.js';
export type { TokenBucket, TokenBucketOptions } from './token-bucket.js';
export { createTokenBucket } from './token-bucket.js';

/**
 * What the poller needs from IIMMPACT. `createIimmpactClient` satisfies it;
 * tests may pass any other implementation.
 */
export interface NetworkStatusSource {
  /**
   * Never rejects for API/network/input failures (they become `Unknown`
   * observations); rejects with NetwatchError `aborted` only when `opts.signal` aborts.
   */
  fetchStatus(code: string, opts?: FetchOptions): Promise<Observation>;
  /** @throws NetwatchError `api_*` on failure, `aborted` on abort. */
  listProducts(opts?: FetchOptions): Promise<ProductListing[]>;
}
