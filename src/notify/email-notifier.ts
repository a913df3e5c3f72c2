import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import type { SMTPPoolOptions } from 'nodemailer/lib/smtp-pool';
import { createScrubber } from '../shared/secret-scrubber.js';
import { DeliveryError, type Notifier, type OutboundMessage, withSendTimeout } from './notifier.js';
import { renderEmail } from './render-email.js';

/**
 * Email over SMTP with a pooled nodemailer transport.
 *
 * `SMTP_URL` forms:
 * - `smtps://user:pass@host:465` implicit TLS (port 465 by default);
 * - `smtp://user:pass@host:587` STARTTLS, REQUIRED when credentials are
 *   given so a password never crosses the network in clear (port 587 by default);
 * - `smtp://host:25` STARTTLS when the server offers it (no credentials);
 * - `?starttls=required|optional|off` overrides the STARTTLS policy
 *   (`off` for a local relay or a test server that has no TLS).
 * User and password may be percent-encoded.
 */
export type SmtpTransportOptions = SMTPPoolOptions & { pool: true };

export type StartTlsPolicy = 'required' | 'optional' | 'off';

/** Parses an smtp:// or smtps:// URL into pooled transport options. Throws Error (never quoting the URL) when it is unusable. Pure. */
export function parseSmtpUrl(smtpUrl: string, timeoutMs: number): SmtpTransportOptions {
  let url: URL;
  try {
    url = new URL(smtpUrl);
  } catch {
    throw new Error('SMTP URL is not a valid URL (expected smtp://user:pass@host:587 or smtps://user:pass@host:465)');
  }
  const secure = url.protocol === 'smtps:';
  if (!secure && url.protocol !== 'smtp:') throw new Error(`SMTP URL must start with smtp:// or smtps://, not ${url.protocol}//`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw new Error('SMTP URL has no host');
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  const hasAuth = user !== '';

  for (const key of url.searchParams.keys()) {
    if (key !== 'starttls')
      throw new Error(`SMTP URL has an unknown parameter "${key}" (only starttls=required|optional|off is understood)`);
  }
  const requested = url.searchParams.get('starttls');
  if (requested !== null && !['required', 'optional', 'off'].includes(requested)) {
    throw new Error(`SMTP URL starttls must be required, optional or off, not "${requested}"`);
  }
  const policy: StartTlsPolicy = (requested as StartTlsPolicy | null) ?? (hasAuth ? 'required' : 'optional');

  return {
    pool: true,
    maxConnections: 2,
    maxMessages: 100,
    host,
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    requireTLS: !secure && policy === 'required',
    ignoreTLS: !secure && policy === 'off',
    ...(hasAuth ? { auth: { user, pass } } : {}),
    ...(isIP(host) === 0 ? { tls: { servername: host } } : {}),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  };
}

export interface EmailNotifierOptions {
  /** Secret: may hold a password. */
  smtpUrl: string;
  from: string;
  /** Route label to recipient list. */
  recipients: ReadonlyMap<string, readonly string[]>;
  timeoutMs: number;
  /** Replaces the options parsed from `smtpUrl` (tests). */
  transport?: SmtpTransportOptions;
}

/**
 * Sends the rendered text + HTML email to the recipients of a route label.
 * Permanent SMTP rejections (5xx except 503) fail at once; connection
 * problems, timeouts and 4xx replies are retryable. The Message-ID is
 * derived from the outbox idempotency key, so a re-send after a crash carries
 * the same Message-ID and mail clients can fold the duplicate.
 */
export function createEmailNotifier(options: EmailNotifierOptions): Notifier {
  const transportOptions = options.transport ?? parseSmtpUrl(options.smtpUrl, options.timeoutMs);
  const transporter = nodemailer.createTransport(transportOptions);
  const scrub = createScrubber([
    options.smtpUrl,
    transportOptions.auth && 'pass' in transportOptions.auth ? transportOptions.auth.pass : undefined,
  ]);
  return {
    channel: 'email',
    destinations: [...options.recipients.keys()],
    async send(message: OutboundMessage, destination: string, signal?: AbortSignal): Promise<void> {
      const to = options.recipients.get(destination);
      if (!to || to.length === 0) throw new DeliveryError(`email destination ${destination} is not configured`, false);
      const email = renderEmail(message);
      await withSendTimeout(options.timeoutMs, signal, 'SMTP', async (sendSignal) => {
        try {
          await transporter.sendMail({
            from: options.from,
            to: [...to],
            subject: email.subject,
            text: email.text,
            html: email.html,
            messageId: `<${message.idempotencyKey.replace(/[^A-Za-z0-9._-]/g, '-')}@netwatch>`,
            headers: { 'X-Netwatch-Ref': message.idempotencyKey.replace(/[^\x21-\x7e]/g, '') },
            signal: sendSignal,
          });
        } catch (error) {
          throw toDeliveryError(error, scrub, sendSignal);
        }
      });
    },
    async close(): Promise<void> {
      transporter.close();
    },
  };
}

interface SmtpError {
  code?: string;
  responseCode?: number;
  response?: string;
  permanent?: boolean;
  message?: string;
}

function toDeliveryError(error: unknown, scrub: (text: string) => string, signal: AbortSignal): DeliveryError {
  if (signal.aborted && signal.reason instanceof DeliveryError) return signal.reason;
  const smtp = (error ?? {}) as SmtpError;
  const detail = scrub((smtp.response ?? smtp.message ?? String(error)).replace(/\s+/g, ' ').trim()).slice(0, 200);
  const code = smtp.code ? `${smtp.code} ` : '';
  if (smtp.responseCode !== undefined) {
    const permanent = smtp.permanent ?? (smtp.responseCode >= 500 && smtp.responseCode !== 503);
    return new DeliveryError(`SMTP server ${permanent ? 'rejected' : 'deferred'} the message: ${code}${detail}`, !permanent);
  }
  return new DeliveryError(`SMTP failed: ${code}${detail}`, true);
}
