import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bodyHashOf,
  canonicalString,
  createNonce,
  decodeHmacSecret,
  EMPTY_BODY_HASH,
  signRequest,
} from '../../src/iimmpact/sign-request.js';
import { NetwatchError } from '../../src/shared/errors.js';

// The known-answer vector from api-facts.md (the public docs' openssl recipe).
const VECTOR = {
  apiKey: 'iimm_test_key',
  hmacSecret: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0',
  method: 'GET',
  query: 'product=TNB',
  body: '',
  timestamp: 1700000000,
  nonce: 'req-1700000000-0123456789abcdef',
};

describe('signRequest', () => {
  it('reproduces the documented known-answer vector', () => {
    const headers = signRequest(VECTOR);
    expect(headers['X-Signature']).toBe('v1=jVaBsFz0+HQJrKFmKm5qUEaz4NNEuFGT6DFy/VbqYCk=');
    expect(headers).toEqual({
      'X-Api-Key': 'iimm_test_key',
      'X-Timestamp': '1700000000',
      'X-Nonce': 'req-1700000000-0123456789abcdef',
      'X-Signature': 'v1=jVaBsFz0+HQJrKFmKm5qUEaz4NNEuFGT6DFy/VbqYCk=',
    });
  });

  it('gives the same signature for a pre-decoded secret and a lower-case method', () => {
    const decoded = decodeHmacSecret(VECTOR.hmacSecret);
    expect(signRequest({ ...VECTOR, hmacSecret: decoded, method: 'get' })['X-Signature']).toBe(
      'v1=jVaBsFz0+HQJrKFmKm5qUEaz4NNEuFGT6DFy/VbqYCk=',
    );
  });

  it('changes the signature when any signed part changes', () => {
    const base = signRequest(VECTOR)['X-Signature'];
    expect(signRequest({ ...VECTOR, query: 'product=TNb' })['X-Signature']).not.toBe(base);
    expect(signRequest({ ...VECTOR, timestamp: 1700000001 })['X-Signature']).not.toBe(base);
    expect(signRequest({ ...VECTOR, nonce: `${VECTOR.nonce}x` })['X-Signature']).not.toBe(base);
    expect(signRequest({ ...VECTOR, method: 'POST' })['X-Signature']).not.toBe(base);
    expect(signRequest({ ...VECTOR, body: '{}' })['X-Signature']).not.toBe(base);
  });

  it('matches an independent HMAC over the canonical string for arbitrary inputs', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.integer({ min: 0, max: 4_000_000_000 }),
        fc.string({ minLength: 16, maxLength: 128 }),
        fc.string(),
        fc.string(),
        (secretBytes, timestamp, nonce, query, body) => {
          const secret = Buffer.from(secretBytes);
          const canonical = `v1:${timestamp}:${nonce}:GET:${query}:${bodyHashOf(body)}`;
          const expected = `v1=${createHmac('sha256', secret).update(canonical).digest('base64')}`;
          const headers = signRequest({ apiKey: 'k', hmacSecret: secret.toString('base64'), method: 'GET', query, body, timestamp, nonce });
          expect(headers['X-Signature']).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('bodyHashOf / canonicalString', () => {
  it('hashes the empty body to the documented constant', () => {
    expect(bodyHashOf('')).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
    expect(EMPTY_BODY_HASH).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
  });

  it('hashes non-empty bodies as UTF-8', () => {
    // sha256("abc") in Base64
    expect(bodyHashOf('abc')).toBe('ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=');
  });

  it('builds the documented canonical form with an empty query', () => {
    expect(canonicalString({ timestamp: 1, nonce: 'n', method: 'get', query: '', bodyHash: 'h' })).toBe('v1:1:n:GET::h');
  });
});

describe('decodeHmacSecret', () => {
  it('accepts standard, unpadded and URL-safe Base64', () => {
    expect(decodeHmacSecret('c2VjcmV0').toString()).toBe('secret');
    expect(decodeHmacSecret(' c2VjcmV0LXg ').toString()).toBe('secret-x');
    expect(decodeHmacSecret('-_8=')).toEqual(Buffer.from([0xfb, 0xff]));
  });

  it('rejects empty and non-Base64 secrets without echoing them', () => {
    expect(() => decodeHmacSecret('  ')).toThrowError(NetwatchError);
    try {
      decodeHmacSecret('not base64 at all!!');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(NetwatchError);
      expect((err as NetwatchError).code).toBe('config_invalid');
      expect((err as NetwatchError).message).not.toContain('not base64 at all');
    }
  });
});

describe('createNonce', () => {
  it('is 16..128 characters and unique across many calls', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const nonce = createNonce();
      expect(nonce.length).toBeGreaterThanOrEqual(16);
      expect(nonce.length).toBeLessThanOrEqual(128);
      seen.add(nonce);
    }
    expect(seen.size).toBe(10_000);
  });
});
