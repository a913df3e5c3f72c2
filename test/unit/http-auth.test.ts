import { describe, expect, it } from 'vitest';
import { createTokenChecker, isLoopbackAddress, isLoopbackHostHeader, mayAccess, presentedToken } from '../../src/http/auth.js';
import { jsonReply } from '../../src/http/reply.js';
import { createRouter } from '../../src/http/router.js';

describe('token checks', () => {
  const check = createTokenChecker('s3cret-token-value');

  it('accepts the token as Bearer, or as the password of Basic with any user name', () => {
    expect(check('Bearer s3cret-token-value')).toBe(true);
    expect(check('bearer s3cret-token-value')).toBe(true);
    expect(check(`Basic ${Buffer.from('support:s3cret-token-value').toString('base64')}`)).toBe(true);
    expect(check(`Basic ${Buffer.from(':s3cret-token-value').toString('base64')}`)).toBe(true);
  });

  it('refuses wrong, partial, longer, missing and malformed tokens', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer s3cret',
      'Bearer s3cret-token-value-and-more',
      'Bearer S3CRET-TOKEN-VALUE',
      's3cret-token-value',
      'Token s3cret-token-value',
      `Basic ${Buffer.from('s3cret-token-value').toString('base64')}`,
    ]) {
      expect(check(header), String(header)).toBe(false);
    }
  });

  it('extracts the presented token', () => {
    expect(presentedToken('Bearer abc')).toBe('abc');
    expect(presentedToken(`Basic ${Buffer.from('u:p:q').toString('base64')}`)).toBe('p:q');
    expect(presentedToken('Digest abc')).toBeNull();
  });
});

describe('access policy', () => {
  it('opens everything when no token is configured', () => {
    for (const access of ['health', 'probe', 'page', 'api'] as const)
      expect(mayAccess({ token: null, publicStatusPage: false }, access, false)).toBe(true);
  });

  it('with a token, keeps /api and /metrics closed and the page closed unless publicStatusPage', () => {
    const closed = { token: 't', publicStatusPage: false };
    const open = { token: 't', publicStatusPage: true };
    expect(mayAccess(closed, 'health', false)).toBe(true);
    expect(mayAccess(closed, 'page', false)).toBe(false);
    expect(mayAccess(closed, 'probe', false)).toBe(false);
    expect(mayAccess(closed, 'api', false)).toBe(false);
    expect(mayAccess(open, 'page', false)).toBe(true);
    expect(mayAccess(open, 'probe', false)).toBe(true);
    expect(mayAccess(open, 'api', false)).toBe(false);
    expect(mayAccess(closed, 'api', true)).toBe(true);
  });
});

describe('loopback detection', () => {
  it('knows loopback addresses and names', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopbackAddress(host), host).toBe(true);
    for (const host of ['0.0.0.0', '10.0.0.1', '::', 'example.com', '128.0.0.1']) expect(isLoopbackAddress(host), host).toBe(false);
  });

  it('accepts only loopback Host headers (DNS rebinding guard)', () => {
    for (const host of ['127.0.0.1:9464', 'localhost:9464', 'localhost', '[::1]:9464']) expect(isLoopbackHostHeader(host), host).toBe(true);
    for (const host of [undefined, '', 'evil.example:9464', 'evil.example', '127.0.0.1.evil.example'])
      expect(isLoopbackHostHeader(host), String(host)).toBe(false);
  });
});

describe('router', () => {
  const route = createRouter([
    { path: '/', access: 'page', handle: () => jsonReply(200, 'root') },
    { path: '/api/v1/status', access: 'api', handle: () => jsonReply(200, 'all') },
    { path: '/api/v1/status/:code', access: 'api', handle: () => jsonReply(200, 'one') },
  ]);

  it('matches exact paths and decodes parameters', () => {
    expect(route('/')?.route.path).toBe('/');
    expect(route('/api/v1/status')?.route.path).toBe('/api/v1/status');
    expect(route('/api/v1/status/T%4EB')?.params).toEqual({ code: 'TNB' });
  });

  it('matches nothing else: no prefixes, trailing slashes, empty or undecodable parameters', () => {
    for (const path of ['/index.html', '/api', '/api/v1/status/', '/api/v1/status/TNB/x', '/api/v1/status/%E0%A4%A', '//']) {
      expect(route(path), path).toBeNull();
    }
  });
});
