import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { createCountWaiter } from './count-waiter.js';

/**
 * A real SMTP server on 127.0.0.1 (smtp-server) whose messages are parsed with
 * mailparser. No TLS (STARTTLS disabled), auth optional; `reject` scripts SMTP
 * replies for the next messages (e.g. 451 transient, 550 permanent).
 */
export interface ReceivedMail {
  envelopeFrom: string | null;
  envelopeTo: string[];
  parsed: ParsedMail;
  raw: string;
  user: string | null;
}

export interface FakeSmtp {
  port: number;
  /** An SMTP_URL for this server (no TLS). */
  url(credentials?: { user: string; pass: string }): string;
  messages: ReceivedMail[];
  /** Connection-level errors seen (e.g. a client reset its socket). */
  connectionErrors: Error[];
  /** Queues SMTP error replies for the next DATA commands (FIFO). */
  reject(...replies: Array<{ code: number; message: string }>): void;
  waitForMessages(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeSmtp(options: { users?: Record<string, string> } = {}): Promise<FakeSmtp> {
  const messages: ReceivedMail[] = [];
  const rejections: Array<{ code: number; message: string }> = [];
  const connectionErrors: Error[] = [];
  const arrivals = createCountWaiter(messages, 'fake SMTP (messages)');
  const notify = arrivals.notify;

  const serverOptions: SMTPServerOptions = {
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      const expected = options.users?.[auth.username ?? ''];
      if (expected !== undefined && expected === auth.password) return callback(null, { user: auth.username });
      const error = new Error('Invalid username or password') as Error & { responseCode: number };
      error.responseCode = 535;
      return callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const rejection = rejections.shift();
        if (rejection) {
          const error = new Error(rejection.message) as Error & { responseCode: number };
          error.responseCode = rejection.code;
          callback(error);
          return;
        }
        const raw = Buffer.concat(chunks).toString('utf8');
        simpleParser(raw)
          .then((parsed) => {
            messages.push({
              envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
              envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              parsed,
              raw,
              user: typeof session.user === 'string' ? session.user : null,
            });
            callback();
            notify();
          })
          .catch((error: Error) => callback(error));
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  // A client killed mid-session (the crash tests do that) resets its socket; smtp-server reports
  // it as an 'error' event, which must not become an unhandled error in the test process.
  server.on('error', (error: Error) => connectionErrors.push(error));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;

  return {
    port,
    url: (credentials) =>
      `smtp://${credentials ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@` : ''}127.0.0.1:${port}?starttls=off`,
    messages,
    connectionErrors,
    reject: (...replies) => rejections.push(...replies),
    waitForMessages: (count, timeoutMs) => arrivals.waitFor(count, timeoutMs),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
