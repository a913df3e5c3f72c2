import { createHash, createHmac, randomUUID } from 'node:crypto';
import { NetwatchError } from '../shared/errors.js';

/**
 * IIMMPACT request signing, scheme `v1` (see the API facts):
 *
 *   bodyHash  = Base64(SHA-256(body))
 *   canonical = `v1:{timestamp}:{nonce}:{METHOD}:{query}:{bodyHash}`
 *   signature = Base64(HMAC-SHA256(key = Base64-decode(secret), canonical))
 *   header    = `X-Signature: v1={signature}`
 *
 * Everything here is pure except `createNonce` (randomness). Nothing here ever
 * puts the API key or the secret into an error message.
 */

/** The four authentication headers every IIMMPACT request carries. */
export type SignedHeaders = Record<'X-Api-Key' | 'X-Timestamp' | 'X-Nonce' | 'X-Signature', string>;

/** Base64(SHA-256('')): the body hash of every GET. */
export const EMPTY_BODY_HASH = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

/** Nonce length bounds enforced by the API (inclusive). */
export const NONCE_MIN_LENGTH = 16;
export const NONCE_MAX_LENGTH = 128;

/** Base64(SHA-256(body)) of the UTF-8 bytes of `body`. Pure; never throws. */
export function bodyHashOf(body: string): string {
  // Every GET hashes the empty string; skipping the hash saves work on the hot path.
  if (body === '') return EMPTY_BODY_HASH;
  return createHash('sha256').update(body, 'utf8').digest('base64');
}

export interface CanonicalParts {
  /** Unix time in whole seconds, exactly as sent in `X-Timestamp`. */
  timestamp: number | string;
  nonce: string;
  /** Upper-cased by this function. */
  method: string;
  /** The query string exactly as sent, without the leading `?`; empty when there is none. */
  query: string;
  /** `bodyHashOf(body)`. */
  bodyHash: string;
}

/** Builds the `v1:{timestamp}:{nonce}:{METHOD}:{query}:{bodyHash}` string that is signed. Pure; never throws. */
export function canonicalString(parts: CanonicalParts): string {
  return `v1:${parts.timestamp}:${parts.nonce}:${parts.method.toUpperCase()}:${parts.query}:${parts.bodyHash}`;
}

const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * Decodes the Base64 HMAC secret into the key bytes. Accepts standard and
 * URL-safe alphabets, with or without padding; surrounding whitespace is ignored.
 * Decode once at start-up and pass the Buffer to `signRequest` on the hot path.
 *
 * @throws NetwatchError `credentials_missing` when empty, `config_invalid` when
 *   not Base64. The message never contains the secret.
 */
export function decodeHmacSecret(secret: string): Buffer {
  const trimmed = secret.trim();
  if (trimmed === '') throw new NetwatchError('credentials_missing', 'the HMAC secret is empty');
  // Buffer.from(..., 'base64') silently skips invalid characters, which would
  // turn a mistyped secret into a wrong key and an endless stream of 401s.
  if (!BASE64_PATTERN.test(trimmed) && !BASE64URL_PATTERN.test(trimmed)) {
    throw new NetwatchError('config_invalid', 'the HMAC secret is not valid Base64 (it must be the Base64 string IIMMPACT issued)');
  }
  const key = Buffer.from(trimmed, 'base64');
  if (key.length === 0) throw new NetwatchError('config_invalid', 'the HMAC secret decodes to zero bytes');
  return key;
}

export interface SignRequestInput {
  apiKey: string;
  /** The Base64 secret as issued, or the bytes from `decodeHmacSecret` (faster: no decode per call). */
  hmacSecret: string | Buffer;
  method: string;
  /** The query string exactly as sent, without the leading `?`. */
  query: string;
  /** The request body; `''` for GET. Defaults to `''`. */
  body?: string;
  /** Unix time in whole seconds. */
  timestamp: number;
  /** 16..128 characters, never reused; see `createNonce`. Not validated here. */
  nonce: string;
}

/**
 * Computes the four authentication headers for one request. Pure and
 * deterministic for a given input.
 *
 * @throws NetwatchError from `decodeHmacSecret` when a string secret is invalid.
 */
export function signRequest(input: SignRequestInput): SignedHeaders {
  const key = typeof input.hmacSecret === 'string' ? decodeHmacSecret(input.hmacSecret) : input.hmacSecret;
  const timestamp = String(input.timestamp);
  const canonical = canonicalString({
    timestamp,
    nonce: input.nonce,
    method: input.method,
    query: input.query,
    bodyHash: bodyHashOf(input.body ?? ''),
  });
  const signature = createHmac('sha256', key).update(canonical, 'utf8').digest('base64');
  return {
    'X-Api-Key': input.apiKey,
    'X-Timestamp': timestamp,
    'X-Nonce': input.nonce,
    'X-Signature': `v1=${signature}`,
  };
}

/**
 * A fresh nonce: `nw-` + a random UUID (39 characters, within the API's 16..128).
 * The prefix makes netwatch's requests recognisable in IIMMPACT-side logs.
 * Never throws; uniqueness relies on 122 random bits.
 */
export function createNonce(): string {
  return `nw-${randomUUID()}`;
}
