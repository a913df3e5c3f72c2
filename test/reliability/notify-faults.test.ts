import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSlackMessage } from '../../src/notify/render-slack.js';
import { SIMULATOR_CREDENTIALS, type Simulator, startSimulator } from '../../src/simulator/simulator-server.js';
import type { OutboxPayload } from '../../src/store/outbox-repository.js';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.js';
import { type FakeSmtp, startFakeSmtp } from '../fakes/fake-smtp.js';
import { createTempDir, writeConfig } from '../helpers/daemon-process.js';
import { CliChild, compiledCli, eventually, type LogLine } from '../helpers/reliability-cli.js';
import { type SmtpTlsFront, startSmtpTlsFront } from '../helpers/smtp-tls-front.js';

/**
 * Notification channels failing in every documented way while a real daemon
 * runs: Slack answers 429 with Retry-After, 500, nothing (timeout), 400
 * invalid_payload, 404 no_service and 410 channel_is_archived; SMTP (over
 * implicit TLS) defers with 421 and 451, rejects with 550, refuses the
 * connection and fails the TLS handshake. Temporary failures are delivered
 * later, exactly once; permanent ones are marked failed, logged and counted;
 * and the poll loop never waits for any of it.
 */

const ENV = { IIMMPACT_API_KEY: SIMULATOR_CREDENTIALS.apiKey, IIMMPACT_HMAC_SECRET: SIMULATOR_CREDENTIALS.hmacSecret };
const SEND_TIMEOUT_MS = 4000;

let dir: string;
let simulator: Simulator;
let slack: FakeSlack;
let smtp: FakeSmtp;
let front: SmtpTlsFront;
let daemon: CliChild | null = null;

beforeAll(async () => {
  dir = createTempDir('netwatch-notify-faults-');
  simulator = await startSimulator();
  slack = await startFakeSlack();
  smtp = await startFakeSmtp({ users: { alerts: 'smtp-pass-for-faults' } });
  front = await startSmtpTlsFront(dir, smtp.port);
});

afterAll(async () => {
  await daemon?.stop('SIGKILL');
  await front?.close();
  await smtp?.close();
  await slack?.close();
  await simulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface OutboxRowView {
  id: number;
  idempotency_key: string;
  channel: string;
  state: string;
  attempts: number;
  payload: string;
  last_error: string | null;
}

describe('Slack and SMTP faults against a running daemon', () => {
  it('delivers temporary failures later exactly once, fails permanent ones visibly, and never delays polling', {
    timeout: 180_000,
  }, async () => {
    const dbPath = join(dir, 'netwatch.db');
    const configPath = writeConfig(
      dir,
      `
api:
  baseUrl: ${simulator.url}
  timeoutMs: 2000
  maxRequestsPerSecond: 50
  retries: 0
schedule: "* * * * * *"
products: [TNB, UNIFI]
database: ${dbPath}
alerting:
  confirmAfter: 1
  groupWait: 0
  remindEvery: 0
  retryFor: 10m
  sendTimeout: ${SEND_TIMEOUT_MS / 1000}s
  slack:
    webhookUrl: \${SLACK_WEBHOOK_URL}
  email:
    smtpUrl: \${SMTP_URL}
    from: netwatch@example.com
    to: [support@example.com]
http:
  port: 0
`,
    );
    daemon = new CliChild(await compiledCli(), ['run', '--config', configPath], {
      env: {
        ...ENV,
        SLACK_WEBHOOK_URL: slack.webhookUrl('NOTIFYFAULTS'),
        SMTP_URL: front.url({ user: 'alerts', pass: 'smtp-pass-for-faults' }),
        NODE_EXTRA_CA_CERTS: front.certPath,
      },
    });
    const d = daemon;
    const httpUrl = String((await d.waitFor((line) => line.msg === 'HTTP server listening', 60_000)).url);
    await d.until(() => d.linesWith('cycle finished').length >= 1, 20_000, 'the baseline cycle');

    const db = new Database(dbPath, { readonly: true });
    const rows = (channel: string) =>
      db
        .prepare('select id, idempotency_key, channel, state, attempts, payload, last_error from outbox where channel = ? order by id')
        .all(channel) as OutboxRowView[];
    const retryLogs = (channel: string, from = 0): LogLine[] =>
      d.lines.slice(from).filter((line) => line.msg === 'alert delivery failed; will retry' && line.channel === channel);
    try {
      // One Slack lane, strictly in order: each scripted answer meets the next request.
      slack.script(
        { status: 429, retryAfter: '1' },
        { status: 200, body: 'ok' },
        { status: 500 },
        { status: 200, body: 'ok' },
        'hang',
        { status: 200, body: 'ok' },
        { status: 400, body: 'invalid_payload' },
        { status: 404, body: 'no_service' },
        { status: 410, body: 'channel_is_archived' },
      );
      smtp.reject(
        { code: 421, message: '4.7.0 Try again later' },
        { code: 451, message: '4.3.0 Local error, try later' },
        { code: 550, message: '5.1.1 Mailbox unavailable' },
      );
      // confirmAfter 1: every change is a transition, one per cycle.
      simulator.script('TNB', ['Interruption', 'Healthy', 'Interruption', 'Healthy']);

      await eventually(() => rows('email').some((row) => row.state === 'failed'), 60_000, 'the 550 to fail the first email for good', 200);
      // Cut connections only while no email is in flight: a cut after the server accepted a
      // message but before its answer arrived would (rightly) send it again: at least once.
      await eventually(
        () => rows('email').length === 4 && rows('email').every((row) => row.state !== 'pending'),
        60_000,
        'the first four emails settled',
        100,
      );

      // The mail server goes away: connection refused. One more outage (down, then up) is owed.
      await front.setMode('refuse');
      let mark = d.lines.length;
      simulator.script('TNB', ['Interruption']);
      await d.until(
        () => retryLogs('email', mark).some((line) => /ECONNREFUSED/.test(String(line.err))),
        30_000,
        'a refused SMTP connection',
      );

      // It comes back with a broken TLS setup: the handshake fails.
      mark = d.lines.length;
      await front.setMode('tlsFail');
      await d.until(() => retryLogs('email', mark).length > 0, 30_000, 'a failed TLS handshake');
      const tlsError = String(retryLogs('email', mark)[0]?.err);

      // Fixed: everything still owed goes out.
      await front.setMode('forward');
      await eventually(
        () => {
          const all = [...rows('slack'), ...rows('email')];
          const outages = db.prepare('select count(*) as n from outages where ended_at is not null').get() as { n: number };
          return outages.n === 3 && all.length === 12 && all.every((row) => row.state !== 'pending');
        },
        90_000,
        'three outages and all twelve messages settled',
        250,
      );

      // Slack: 429, 500 and the timeout were retried and delivered once; 400, 404 and 410 failed for good.
      const slackRows = rows('slack');
      expect(slackRows.map((row) => row.state)).toEqual(['sent', 'sent', 'sent', 'failed', 'failed', 'failed']);
      expect(slackRows.slice(3).map((row) => row.last_error)).toEqual([
        'Slack rejected the message: HTTP 400 invalid_payload (message format rejected)',
        'Slack rejected the message: HTTP 404 no_service (the webhook URL is wrong or was revoked)',
        'Slack rejected the message: HTTP 410 channel_is_archived (the webhook channel cannot be posted to)',
      ]);
      const slackRetries = retryLogs('slack').map((line) => String(line.err));
      expect(slackRetries).toEqual([
        'Slack rate-limited the webhook: HTTP 429 rate_limited',
        'Slack server error: HTTP 500 internal_error',
        `Slack: no answer within ${SEND_TIMEOUT_MS} ms`,
      ]);
      expect(retryLogs('slack')[0]?.retryAfter).toBe(true);
      const first = slack.requests[0];
      const second = slack.requests[1];
      expect((second?.receivedAtMs ?? 0) - (first?.receivedAtMs ?? 0)).toBeGreaterThanOrEqual(950);
      for (const row of slackRows.filter((r) => r.state === 'sent')) {
        const payload = JSON.parse(row.payload) as OutboxPayload;
        const rendered = renderSlackMessage({
          idempotencyKey: row.idempotency_key,
          events: payload.events,
          productCount: payload.productCount,
        });
        const expected = JSON.stringify(rendered.blocks);
        expect(slack.delivered().filter((message) => JSON.stringify(message.payload.blocks) === expected)).toHaveLength(1);
      }
      expect(slack.delivered()).toHaveLength(3);
      expect(
        d
          .linesWith('alert delivery failed permanently; not retrying (fix the channel config, then run `netwatch notify-test`)')
          .filter((l) => l.channel === 'slack'),
      ).toHaveLength(3);

      // Email: 421, 451, refused and TLS were retried and delivered once; 550 failed for good.
      const emailRows = rows('email');
      expect(emailRows.filter((row) => row.state === 'failed').map((row) => row.last_error)).toEqual([
        'SMTP server rejected the message: EMESSAGE 550 5.1.1 Mailbox unavailable',
      ]);
      const emailRetries = retryLogs('email').map((line) => String(line.err));
      expect(emailRetries.some((e) => e.startsWith('SMTP server deferred the message: EMESSAGE 421'))).toBe(true);
      expect(emailRetries.some((e) => e.startsWith('SMTP server deferred the message: EMESSAGE 451'))).toBe(true);
      expect(emailRetries.some((e) => /ECONNREFUSED/.test(e))).toBe(true);
      expect(tlsError).toMatch(/^SMTP failed: /);
      expect(tlsError).not.toMatch(/ECONNREFUSED/);
      const delivered = smtp.messages.map((mail) => mail.parsed.messageId);
      for (const row of emailRows.filter((r) => r.state === 'sent')) {
        const messageId = `<${row.idempotency_key.replace(/[^A-Za-z0-9._-]/g, '-')}@netwatch>`;
        expect(
          delivered.filter((id) => id === messageId),
          `${messageId}; email retries: ${JSON.stringify(retryLogs('email').map((l) => [l.outboxId, l.err]))}`,
        ).toHaveLength(1);
      }
      expect(smtp.messages).toHaveLength(5);
      expect(smtp.messages.every((mail) => mail.user === 'alerts')).toBe(true);

      // Counted: the metrics show the permanent failures per channel.
      const metrics = await (await fetch(`${httpUrl}metrics`)).text();
      expect(metrics).toContain('netwatch_notifications_total{channel="slack",result="failed"} 3');
      expect(metrics).toContain('netwatch_notifications_total{channel="email",result="failed"} 1');
      expect(metrics).toContain('netwatch_notifications_total{channel="slack",result="sent"} 3');
      expect(metrics).toContain('netwatch_notifications_total{channel="email",result="sent"} 5');

      // Polling never waited for a channel: with a 4 s Slack hang and several SMTP outages,
      // cycles still finished about every second.
      const finished = d.linesWith('cycle finished').map((line) => Date.parse(String(line.time)));
      const gaps = finished.slice(1).map((at, i) => at - (finished[i] as number));
      expect(Math.max(...gaps)).toBeLessThan(3000);
    } finally {
      db.close();
    }
    expect(await d.stop('SIGTERM')).toBe(0);
  });
});
