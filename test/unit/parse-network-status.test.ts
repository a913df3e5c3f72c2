import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApiErrorKind } from '../../src/domain/observation.js';
import type { NetworkStatusResponse } from '../../src/iimmpact/parse-network-status.js';
import {
  describeHttpFailure,
  errorWithExcerpt,
  MAX_ERROR_LENGTH,
  parseNetworkStatus,
  singleLine,
} from '../../src/iimmpact/parse-network-status.js';

function body(
  networkStatus: unknown,
  overrides: Record<string, unknown> = {},
  metadata: unknown = { status_code: 200, last_updated: '19-05-2025 14:49:03' },
): string {
  return JSON.stringify({
    data: {
      product_code: 'TNB',
      product_name: 'Tenaga Nasional Berhad',
      product_img: 'https://dashboard.iimmpact.com/img/TNB.png',
      network_status: networkStatus,
      ...overrides,
    },
    metadata,
  });
}

function parse(partial: Partial<NetworkStatusResponse>) {
  return parseNetworkStatus({ productCode: 'TNB', httpStatus: 200, body: body('Healthy'), truncated: false, ...partial });
}

const LAST_UPDATED_EPOCH = Date.UTC(2025, 4, 19, 6, 49, 3) / 1000;

describe('parseNetworkStatus: known statuses', () => {
  it.each(['Healthy', 'Interruption'] as const)('reads %s with every decoration field', (status) => {
    expect(parse({ body: body(status) })).toEqual({
      status,
      errorKind: null,
      error: null,
      productName: 'Tenaga Nasional Berhad',
      productImg: 'https://dashboard.iimmpact.com/img/TNB.png',
      sourceUpdatedAt: LAST_UPDATED_EPOCH,
    });
  });

  it('accepts a product_code that differs only in case, and other 2xx codes', () => {
    expect(parse({ productCode: 'tnb', httpStatus: 203 }).status).toBe('Healthy');
  });

  it('treats missing or malformed decoration as null rather than an error', () => {
    const result = parse({
      body: body('Interruption', { product_name: 42, product_img: null, product_code: undefined }, { last_updated: '31-02-2025 10:00:00' }),
    });
    expect(result).toEqual({
      status: 'Interruption',
      errorKind: null,
      error: null,
      productName: null,
      productImg: null,
      sourceUpdatedAt: null,
    });
    expect(parse({ body: JSON.stringify({ data: { network_status: 'Healthy' } }) }).sourceUpdatedAt).toBeNull();
  });

  it('tolerates a UTF-8 byte-order mark', () => {
    expect(parse({ body: `\uFEFF${body('Healthy')}` }).status).toBe('Healthy');
  });
});

describe('parseNetworkStatus: error rules', () => {
  const cases: Array<{ name: string; input: Partial<NetworkStatusResponse>; kind: ApiErrorKind; text: RegExp }> = [
    {
      name: '401',
      input: { httpStatus: 401, body: '{"message":"Invalid signature"}' },
      kind: 'auth',
      text: /^auth failed: check IIMMPACT_API_KEY \/ HMAC secret.*Invalid signature/,
    },
    {
      name: '401 with clock hint',
      input: { httpStatus: 401, body: '{"message":"Request timestamp expired, check clock"}' },
      kind: 'clock_skew',
      text: /check the system clock/,
    },
    {
      name: '403',
      input: { httpStatus: 403, body: '<html>Forbidden</html>' },
      kind: 'forbidden',
      text: /^forbidden: IP may be rate-blocked.*Forbidden/,
    },
    {
      name: '403 with skew hint',
      input: { httpStatus: 403, body: 'clock SKEW too large' },
      kind: 'clock_skew',
      text: /check the system clock/,
    },
    {
      name: '403 with expired hint',
      input: { httpStatus: 403, body: '{"error":"signature expired"}' },
      kind: 'clock_skew',
      text: /check the system clock/,
    },
    { name: '429', input: { httpStatus: 429, body: 'slow down' }, kind: 'rate_limited', text: /429.*slow down/ },
    {
      name: '500',
      input: { httpStatus: 500, body: '{"message":"Internal Server Error"}' },
      kind: 'http_5xx',
      text: /^HTTP 500: \{"message":"Internal Server Error"\}$/,
    },
    { name: '502', input: { httpStatus: 502, body: '' }, kind: 'http_5xx', text: /^HTTP 502 \(empty body\)$/ },
    { name: '504', input: { httpStatus: 504, body: 'gateway timeout' }, kind: 'http_5xx', text: /504/ },
    {
      name: '404',
      input: { httpStatus: 404, body: '{"message":"Product not found"}' },
      kind: 'http_4xx',
      text: /^HTTP 404: .*Product not found/,
    },
    { name: '400', input: { httpStatus: 400, body: 'bad' }, kind: 'http_4xx', text: /400/ },
    { name: '301', input: { httpStatus: 301, body: '' }, kind: 'http_4xx', text: /301/ },
    { name: '500 with timestamp word stays 5xx', input: { httpStatus: 500, body: 'timestamp' }, kind: 'http_5xx', text: /500/ },
    { name: 'truncated 200', input: { truncated: true, body: body('Healthy').slice(0, 20) }, kind: 'too_large', text: /too large/ },
    { name: 'invalid JSON', input: { body: '<html>oops</html>' }, kind: 'bad_json', text: /invalid JSON.*<html>oops<\/html>/ },
    { name: 'empty 200 body', input: { body: '' }, kind: 'bad_json', text: /invalid JSON/ },
    { name: 'JSON array', input: { body: '[1,2]' }, kind: 'bad_shape', text: /data/ },
    { name: 'JSON null', input: { body: 'null' }, kind: 'bad_shape', text: /data/ },
    { name: 'no data', input: { body: '{"metadata":{}}' }, kind: 'bad_shape', text: /data/ },
    { name: 'data is a string', input: { body: '{"data":"Healthy"}' }, kind: 'bad_shape', text: /data/ },
    { name: 'no network_status', input: { body: '{"data":{"product_code":"TNB"}}' }, kind: 'bad_shape', text: /network_status/ },
    { name: 'network_status number', input: { body: body(1) }, kind: 'bad_shape', text: /network_status/ },
    { name: 'network_status object', input: { body: body({ s: 'Healthy' }) }, kind: 'bad_shape', text: /network_status/ },
    { name: 'Maintenance', input: { body: body('Maintenance') }, kind: 'unknown_status', text: /"Maintenance"/ },
    { name: 'null status', input: { body: body(null) }, kind: 'unknown_status', text: /network_status null/ },
    { name: 'lower-case healthy', input: { body: body('healthy') }, kind: 'unknown_status', text: /"healthy"/ },
    { name: 'padded status', input: { body: body(' Healthy') }, kind: 'unknown_status', text: /" Healthy"/ },
    {
      name: 'other product',
      input: { body: body('Healthy', { product_code: 'ASTRO' }) },
      kind: 'product_mismatch',
      text: /"TNB".*"ASTRO"/,
    },
  ];

  it.each(cases)('$name → $kind', ({ input, kind, text }) => {
    const result = parse(input);
    expect(result.status).toBe('Unknown');
    expect(result.errorKind).toBe(kind);
    expect(result.error).toMatch(text);
    expect((result.error ?? '').length).toBeLessThanOrEqual(MAX_ERROR_LENGTH);
  });

  it('keeps decoration for an unknown status but not for another product', () => {
    expect(parse({ body: body('Maintenance') }).productName).toBe('Tenaga Nasional Berhad');
    expect(parse({ body: body('Healthy', { product_code: 'ASTRO' }) }).productName).toBeNull();
  });

  it('prefers the HTTP status over truncation', () => {
    expect(parse({ httpStatus: 503, truncated: true, body: 'x'.repeat(1000) }).errorKind).toBe('http_5xx');
  });

  it('makes excerpts single-line, bounded and secret-free', () => {
    const secret = 'iimm_prod_SECRETKEY123';
    const nasty = `line one\r\n\tline\u0000two ${secret}\u2028\u001b[31m ${'x'.repeat(500)}`;
    const result = parse({ httpStatus: 500, body: nasty, secrets: [secret] });
    const codes = [...(result.error ?? '')].map((ch) => ch.codePointAt(0) ?? 0);
    expect(codes.filter((c) => c < 0x20 || c === 0x7f || c === 0x2028)).toEqual([]);
    expect(result.error).not.toContain(secret);
    expect(result.error).toContain('[redacted]');
    expect(result.error).toContain('line one line two');
    expect((result.error ?? '').length).toBeLessThanOrEqual(MAX_ERROR_LENGTH);
  });

  it('redacts a secret that sits beyond a long whitespace prefix', () => {
    const secret = 'S3CR3T-VALUE-abcdefghijklmnop';
    const result = parse({ httpStatus: 401, body: `${' '.repeat(790)}${secret}`, secrets: [secret] });
    expect(result.error).not.toContain(secret.slice(0, 8));
  });

  it('is total: never throws, always within the length limit, Unknown iff errorKind is set', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 599 }),
        fc.oneof(fc.string({ maxLength: 600 }), fc.json(), fc.constant(body('Healthy'))),
        fc.boolean(),
        (httpStatus, text, truncated) => {
          const result = parseNetworkStatus({ productCode: 'TNB', httpStatus, body: text, truncated });
          expect(result.status === 'Unknown').toBe(result.errorKind !== null);
          expect((result.error ?? '').length).toBeLessThanOrEqual(MAX_ERROR_LENGTH);
          expect(result.error ?? '').not.toMatch(/[\r\n]/);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('helpers', () => {
  it('singleLine collapses runs of whitespace and control characters', () => {
    expect(singleLine('  a\n\n b\u0007c  ')).toBe('a b c');
  });

  it('errorWithExcerpt never splits a surrogate pair at the cut', () => {
    const text = errorWithExcerpt('p', '😀'.repeat(300));
    expect(text.length).toBeLessThanOrEqual(MAX_ERROR_LENGTH);
    expect(text.endsWith('…')).toBe(true);
    expect(text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('describeHttpFailure classifies like the status parser', () => {
    expect(describeHttpFailure(429, '').errorKind).toBe('rate_limited');
    expect(describeHttpFailure(401, 'bad', ['bad']).error).not.toMatch(/: bad/);
  });
});

describe('raw values in error text', () => {
  it('escapes invisible characters so look-alike statuses stay distinguishable', () => {
    const result = parse({ body: body('Healthy\u200b\nx') });
    expect(result.errorKind).toBe('unknown_status');
    expect(result.error).toContain('"Healthy\\u200b\\nx"');
  });
});
