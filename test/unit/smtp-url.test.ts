import { describe, expect, it } from 'vitest';
import { parseSmtpUrl } from '../../src/notify/email-notifier.js';

describe('parseSmtpUrl', () => {
  it('smtp:// with credentials: port 587, STARTTLS required, decoded auth, pooled, timeouts', () => {
    const options = parseSmtpUrl('smtp://alerts%40example.com:p%40ss%3Aword@smtp.example.com', 7000);
    expect(options).toMatchObject({
      pool: true,
      host: 'smtp.example.com',
      port: 587,
      secure: false,
      requireTLS: true,
      ignoreTLS: false,
      auth: { user: 'alerts@example.com', pass: 'p@ss:word' },
      tls: { servername: 'smtp.example.com' },
      connectionTimeout: 7000,
      greetingTimeout: 7000,
      socketTimeout: 7000,
    });
  });

  it('smtps:// is implicit TLS on 465', () => {
    expect(parseSmtpUrl('smtps://u:p@mail.example.com', 1000)).toMatchObject({
      port: 465,
      secure: true,
      requireTLS: false,
      ignoreTLS: false,
    });
  });

  it('without credentials STARTTLS is opportunistic; starttls= overrides', () => {
    expect(parseSmtpUrl('smtp://relay.internal:25', 1000)).toMatchObject({ port: 25, requireTLS: false, ignoreTLS: false });
    expect(parseSmtpUrl('smtp://relay.internal:25', 1000).auth).toBeUndefined();
    expect(parseSmtpUrl('smtp://127.0.0.1:2525?starttls=off', 1000)).toMatchObject({ requireTLS: false, ignoreTLS: true });
    expect(parseSmtpUrl('smtp://127.0.0.1:2525?starttls=off', 1000).tls).toBeUndefined();
    expect(parseSmtpUrl('smtp://relay.internal?starttls=required', 1000)).toMatchObject({ requireTLS: true });
    expect(parseSmtpUrl('smtp://u:p@relay.internal?starttls=optional', 1000)).toMatchObject({ requireTLS: false });
  });

  it('rejects bad URLs without quoting them (they hold passwords)', () => {
    for (const bad of ['not a url secretpw', 'http://u:secretpw@x', 'smtp://u:secretpw@x?tls=yes', 'smtp://u:secretpw@x?starttls=maybe']) {
      let message = '';
      try {
        parseSmtpUrl(bad, 1000);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).not.toBe('');
      expect(message).not.toContain('secretpw');
    }
  });
});
