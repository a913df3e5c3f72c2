import type { ApiErrorKind, Observation } from '../domain/observation.js';
import { parseLastUpdated } from './parse-last-updated.js';

/** The parts of an Observation that the response alone decides. */
export type NetworkStatusParts = Pick<Observation, 'status' | 'errorKind' | 'error' | 'productName' | 'productImg' | 'sourceUpdatedAt'>;

export interface NetworkStatusResponse {
  /** The product code that was requested (compared case-insensitively with `data.product_code`). */
  productCode: string;
  httpStatus: number;
  /** The body as received (possibly cut short, see `truncated`). */
  body: string;
  /** True when the client stopped reading because the body exceeded its byte cap. */
  truncated: boolean;
  /**
   * Strings that must never reach error text (the API key, the HMAC secret).
   * A server that echoes request headers into its error body would otherwise
   * leak them into logs and the database.
   */
  secrets?: readonly string[];
}

/** Upper bound on `error` length, excerpt included. */
export const MAX_ERROR_LENGTH = 200;

const CLOCK_SKEW_HINT = /timestamp|clock|expired|skew/i;
// Whitespace and control/format characters all collapse to one space so an
// excerpt can never break a log line or a table cell.
const NON_PRINTING_RUN = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu;

/** Collapses whitespace and control characters into single spaces and trims. Pure. */
export function singleLine(text: string): string {
  return text.replace(NON_PRINTING_RUN, ' ').trim();
}

/** Replaces every occurrence of each non-empty secret with `[redacted]`. Pure. */
export function redactSecrets(text: string, secrets: readonly string[] | undefined): string {
  if (secrets === undefined) return text;
  let out = text;
  for (const secret of secrets) {
    if (secret.length > 0 && out.includes(secret)) out = out.split(secret).join('[redacted]');
  }
  return out;
}

/**
 * `prefix` followed by `: ` and a single-line excerpt of `body`, cut so that the
 * whole string is at most MAX_ERROR_LENGTH characters. Pure.
 */
export function errorWithExcerpt(prefix: string, body: string, secrets?: readonly string[]): string {
  // Redact the whole body before cutting it: a cut through the middle of a
  // secret would leave a prefix that no longer matches and would leak.
  const redacted = redactSecrets(body, secrets);
  // Bounding the input keeps a 256 KiB error page cheap; a long whitespace run may
  // make the excerpt shorter than it could be, which is harmless.
  const excerpt = singleLine(redacted.length > 4 * MAX_ERROR_LENGTH ? redacted.slice(0, 4 * MAX_ERROR_LENGTH) : redacted);
  const safePrefix = redactSecrets(prefix, secrets);
  if (excerpt === '') return clip(`${safePrefix} (empty body)`);
  return clip(`${safePrefix}: ${excerpt}`);
}

/**
 * A raw value as a JSON string literal with every invisible character escaped,
 * so `" Healthy"` or `"Healthy\u200b"` stay distinguishable from `"Healthy"`.
 */
function quoteRaw(value: string): string {
  return JSON.stringify(value).replace(
    /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu,
    (ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}

function clip(text: string): string {
  if (text.length <= MAX_ERROR_LENGTH) return text;
  // Avoid splitting a surrogate pair, which would leave invalid UTF-16 in the DB.
  let end = MAX_ERROR_LENGTH - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

function failure(
  errorKind: ApiErrorKind,
  error: string,
  extra: Partial<Pick<NetworkStatusParts, 'productName' | 'productImg' | 'sourceUpdatedAt'>> = {},
): NetworkStatusParts {
  return {
    status: 'Unknown',
    errorKind,
    error,
    productName: extra.productName ?? null,
    productImg: extra.productImg ?? null,
    sourceUpdatedAt: extra.sourceUpdatedAt ?? null,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/**
 * Maps a non-2xx response to its error kind and a short, secret-free text.
 * Shared by every IIMMPACT endpoint. Pure; never throws.
 */
export function describeHttpFailure(
  httpStatus: number,
  body: string,
  secrets?: readonly string[],
): { errorKind: ApiErrorKind; error: string } {
  const { errorKind, error } = httpFailure(httpStatus, body, secrets);
  return { errorKind: errorKind as ApiErrorKind, error: error as string };
}

function httpFailure(httpStatus: number, body: string, secrets: readonly string[] | undefined): NetworkStatusParts {
  if ((httpStatus === 401 || httpStatus === 403) && CLOCK_SKEW_HINT.test(body)) {
    return failure(
      'clock_skew',
      errorWithExcerpt(`clock skew: the API rejected our timestamp, check the system clock (HTTP ${httpStatus})`, body, secrets),
    );
  }
  if (httpStatus === 401) {
    return failure('auth', errorWithExcerpt('auth failed: check IIMMPACT_API_KEY / HMAC secret (HTTP 401)', body, secrets));
  }
  if (httpStatus === 403) {
    return failure('forbidden', errorWithExcerpt('forbidden: IP may be rate-blocked (HTTP 403)', body, secrets));
  }
  if (httpStatus === 429) return failure('rate_limited', errorWithExcerpt('rate limited (HTTP 429)', body, secrets));
  if (httpStatus >= 500) return failure('http_5xx', errorWithExcerpt(`HTTP ${httpStatus}`, body, secrets));
  // 1xx/3xx land here too: the API never redirects, so they are as final as a 4xx.
  return failure('http_4xx', errorWithExcerpt(`HTTP ${httpStatus}`, body, secrets));
}

/**
 * Turns one network-status response into the status part of an Observation.
 * Pure and total: never throws, every input maps to a result.
 *
 * Rules, first match wins:
 * 1. non-2xx: 401/403 whose body mentions timestamp/clock/expired/skew →
 *    `clock_skew`; 401 → `auth`; 403 → `forbidden`; 429 → `rate_limited`;
 *    5xx → `http_5xx`; anything else → `http_4xx`. The HTTP status wins over a
 *    truncated body because it is the more useful (and retry-relevant) fact.
 * 2. truncated body → `too_large`.
 * 3. body is not JSON → `bad_json`.
 * 4. no `data` object, or `data.network_status` missing or neither a string nor
 *    null → `bad_shape`.
 * 5. `data.product_code` is a string that differs (case-insensitively) from the
 *    requested code → `product_mismatch`; the status belongs to another product.
 * 6. `network_status` not exactly `Healthy`/`Interruption` → `unknown_status`.
 * 7. otherwise the status is known; `product_name`/`product_img` that are not
 *    strings and an invalid `last_updated` become null rather than errors,
 *    because they are decoration and must not hide a real status.
 *
 * Error text is at most MAX_ERROR_LENGTH characters, single-line, and has every
 * string in `secrets` redacted.
 */
export function parseNetworkStatus(response: NetworkStatusResponse): NetworkStatusParts {
  const { httpStatus, body, secrets } = response;
  if (httpStatus < 200 || httpStatus > 299) return httpFailure(httpStatus, body, secrets);
  if (response.truncated) {
    return failure(
      'too_large',
      errorWithExcerpt(`response body too large (HTTP ${httpStatus}, cut at ${body.length} chars)`, body, secrets),
    );
  }

  let parsed: unknown;
  try {
    // A UTF-8 byte-order mark is legal in HTTP bodies but not in JSON.parse input.
    parsed = JSON.parse(body.charCodeAt(0) === 0xfeff ? body.slice(1) : body);
  } catch {
    return failure('bad_json', errorWithExcerpt(`invalid JSON (HTTP ${httpStatus})`, body, secrets));
  }

  const data = isRecord(parsed) ? parsed.data : undefined;
  if (!isRecord(data)) return failure('bad_shape', errorWithExcerpt('response has no "data" object', body, secrets));
  if (!('network_status' in data) || (typeof data.network_status !== 'string' && data.network_status !== null)) {
    return failure('bad_shape', errorWithExcerpt('"data.network_status" is missing or not a string', body, secrets));
  }

  const metadata = isRecord(parsed) ? parsed.metadata : undefined;
  const productName = optionalString(data.product_name);
  const productImg = optionalString(data.product_img);
  const sourceUpdatedAt = isRecord(metadata) ? parseLastUpdated(metadata.last_updated) : null;

  const returnedCode = data.product_code;
  if (typeof returnedCode === 'string' && returnedCode.toLowerCase() !== response.productCode.toLowerCase()) {
    const shown = quoteRaw(redactSecrets(returnedCode, secrets).slice(0, 40));
    return failure('product_mismatch', clip(`asked for "${response.productCode}" but the API answered for ${shown}`));
  }

  const status = data.network_status;
  if (status !== 'Healthy' && status !== 'Interruption') {
    const shown = status === null ? 'null' : quoteRaw(redactSecrets(status, secrets).slice(0, 60));
    return failure('unknown_status', clip(`unrecognised network_status ${shown} (expected "Healthy" or "Interruption")`), {
      productName,
      productImg,
      sourceUpdatedAt,
    });
  }

  return { status, errorKind: null, error: null, productName, productImg, sourceUpdatedAt };
}
