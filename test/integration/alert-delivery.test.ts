import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeSlack, type SlackPayload, startFakeSlack } from '../fakes/fake-slack.js';
import { type FakeSmtp, startFakeSmtp } from '../fakes/fake-smtp.js';
import { AlertHarness, eventually, nowSeconds } from '../helpers/alert-harness.js';

/**
 * The delivery path end to end: checks -> state machine -> one transaction ->
 * outbox -> Slack (a local fake webhook) and email (a real SMTP server).
 */

let slack: FakeSlack;
let smtp: FakeSmtp;
let harness: AlertHarness | null = null;

const SECRET_HOOK = 'T000/B000/SECRETHOOKTOKEN';

beforeEach(async () => {
  slack = await startFakeSlack();
  smtp = await startFakeSmtp({ users: { alerts: 's3cret-pass' } });
});

afterEach(async () => {
  await harness?.dispose();
  harness = null;
  await slack.close();
  await smtp.close();
});

function env(): Record<string, string> {
  return {
    SLACK_WEBHOOK_URL: `${slack.url}/services/${SECRET_HOOK}`,
    SLACK_UNIFI_URL: `${slack.url}/services/T000/B000/UNIFITEAM`,
    SMTP_URL: smtp.url({ user: 'alerts', pass: 's3cret-pass' }),
  };
}

function alerting(extra = '', groupWait = '0'): string {
  return `
  confirmAfter: 2
  groupWait: ${groupWait}
  remindEvery: 0
  retryFor: 1m
  sendTimeout: 3s
  slack:
    webhookUrl: \${SLACK_WEBHOOK_URL}
  email:
    smtpUrl: \${SMTP_URL}
    from: netwatch@example.com
    to: [support@example.com]
${extra}`;
}

function headerOf(payload: SlackPayload | undefined): string | undefined {
  return (payload?.blocks?.[0] as { text?: { text?: string } } | undefined)?.text?.text;
}

async function create(products: string[], extra = '', groupWait = '0'): Promise<AlertHarness> {
  harness = await AlertHarness.create({ alertingYaml: alerting(extra, groupWait), env: env(), products });
  return harness;
}

describe('alert delivery', () => {
  it('sends exactly one message per channel for each real transition, and nothing again after a restart', async () => {
    const h = await create(['TNB', 'UNIFI']);
    let at = nowSeconds() - 600;
    // A blip and Unknowns must not alert; the confirmed outage and recovery must, once each.
    at = await h.checks({ TNB: 'Healthy', UNIFI: 'Healthy' }, at, 2);
    at = await h.checks({ TNB: 'Interruption', UNIFI: 'Interruption' }, at, 1);
    at = await h.checks({ TNB: 'Unknown', UNIFI: 'Healthy' }, at, 1);
    at = await h.checks({ TNB: 'Interruption', UNIFI: 'Healthy' }, at, 3);
    at = await h.checks({ TNB: 'Healthy', UNIFI: 'Healthy' }, at, 3);
    await eventually(() => slack.delivered().length >= 2 && smtp.messages.length >= 2, 10_000, 'two deliveries per channel');
    await h.worker.idle();

    expect(slack.delivered().map((m) => headerOf(m.payload))).toEqual([
      ':red_circle: Interruption: TNB - Tenaga Nasional Berhad',
      ':large_green_circle: Recovered: TNB - Tenaga Nasional Berhad (down 5 min)',
    ]);
    expect(slack.delivered().every((m) => m.path === `/services/${SECRET_HOOK}`)).toBe(true);
    expect(smtp.messages.map((m) => m.parsed.subject)).toEqual([
      '[netwatch] INTERRUPTION TNB - Tenaga Nasional Berhad',
      '[netwatch] RECOVERED TNB - Tenaga Nasional Berhad (down 5 min)',
    ]);
    const first = smtp.messages[0];
    expect(first?.envelopeTo).toEqual(['support@example.com']);
    expect(first?.user).toBe('alerts');
    expect(first?.parsed.text).toContain('Payments must NOT be blocked.');
    expect(first?.parsed.html).toContain('<strong>Payments must NOT be blocked.</strong>');
    expect(first?.parsed.messageId).toMatch(/^<events-\d+-\d+-email-default@netwatch>$/);

    // Restart on the same database: acknowledged rows are never sent again.
    await h.stop();
    await h.open();
    await h.worker.idle();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await h.worker.idle();
    expect(slack.requests).toHaveLength(2);
    expect(smtp.messages).toHaveLength(2);
    const outbox = await h.rows<{ state: string; attempts: number }>('select state, attempts from outbox order by id');
    expect(outbox).toEqual([
      { state: 'sent', attempts: 1 },
      { state: 'sent', attempts: 1 },
      { state: 'sent', attempts: 1 },
      { state: 'sent', attempts: 1 },
    ]);
  });

  it('leaves as soon as the confirming check commits (worker woken, no slow timer)', async () => {
    const h = await create(['TNB']);
    // Check times are request start times, so never in the future.
    let at = nowSeconds() - 240;
    at = await h.checks({ TNB: 'Healthy' }, at, 2);
    await h.check({ TNB: 'Interruption' }, at);
    const committedAt = Date.now();
    await h.check({ TNB: 'Interruption' }, at + 60);
    await slack.waitForRequests(1, 5000);
    const latencyMs = (slack.requests[0]?.receivedAtMs ?? Infinity) - committedAt;
    // Loopback + SQLite take a few ms; 1 s is the product requirement and leaves a wide margin
    // on a loaded CI machine. A timer-driven worker would take up to its 60 s safety sleep.
    expect(latencyMs).toBeLessThan(1000);
  });

  it('routes matching products to their own webhook and recipients; the default route takes the rest', async () => {
    const h = await create(
      ['TNB', 'UNIFI'],
      `  routes:
    - products: ["UNI*"]
      slack:
        webhookUrl: \${SLACK_UNIFI_URL}
      email:
        to: [unifi-team@example.com]`,
    );
    let at = nowSeconds() - 300;
    at = await h.checks({ TNB: 'Healthy', UNIFI: 'Healthy' }, at, 2);
    await h.checks({ TNB: 'Interruption' }, at, 2);
    await eventually(() => slack.delivered().length === 1 && smtp.messages.length === 1, 5000, 'TNB alerts');
    await h.checks({ UNIFI: 'Interruption' }, at + 120, 2);
    await eventually(() => slack.delivered().length === 2 && smtp.messages.length === 2, 5000, 'UNIFI alerts');
    await h.worker.idle();

    expect(slack.delivered().map((m) => [m.path, JSON.stringify(m.payload).includes('UNIFI')])).toEqual([
      [`/services/${SECRET_HOOK}`, false],
      ['/services/T000/B000/UNIFITEAM', true],
    ]);
    expect(smtp.messages.map((m) => [m.envelopeTo, m.parsed.subject])).toEqual([
      [['support@example.com'], '[netwatch] INTERRUPTION TNB - Tenaga Nasional Berhad'],
      [['unifi-team@example.com'], '[netwatch] INTERRUPTION UNIFI - UNIFI Sdn Bhd'],
    ]);
    const destinations = await h.rows<{ channel: string; destination: string }>('select channel, destination from outbox order by id');
    expect(destinations.map((d) => `${d.channel}:${d.destination}`).sort()).toEqual([
      'email:default',
      'email:routes[0]',
      'slack:default',
      'slack:routes[0]',
    ]);
  });

  it('retries 429 after Retry-After and 500 with backoff, then delivers once', async () => {
    const h = await create(['TNB', 'UNIFI']);
    slack.script({ status: 429, retryAfter: '1' }, { status: 500 });
    let at = nowSeconds() - 300;
    at = await h.checks({ TNB: 'Healthy', UNIFI: 'Healthy' }, at, 2);
    await h.checks({ TNB: 'Interruption' }, at, 2);
    await eventually(() => slack.delivered().length === 1, 10_000, 'delivery after retries');
    await h.worker.idle();

    expect(slack.requests.map((r) => r.status)).toEqual([429, 500, 200]);
    // Retry-After: 1 was honoured (the library alone would have given up at once).
    const [first, second] = slack.requests;
    expect((second?.receivedAtMs ?? 0) - (first?.receivedAtMs ?? 0)).toBeGreaterThanOrEqual(900);
    expect(h.results.filter((r) => r.channel === 'slack').map((r) => r.result)).toEqual(['retry', 'retry', 'sent']);
    const [row] = await h.rows<{ state: string; attempts: number; last_error: string | null }>(
      "select state, attempts, last_error from outbox where channel = 'slack'",
    );
    expect(row).toEqual({ state: 'sent', attempts: 3, last_error: null });
    // The email lane was not held up by Slack's trouble.
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]?.parsed.date?.getTime() ?? Infinity).toBeLessThanOrEqual(second?.receivedAtMs ?? 0);
  });

  it('fails a 4xx at once with Slack’s error logged, keeps the order, and never leaks the webhook URL', async () => {
    const h = await create(['TNB']);
    slack.script({ status: 400, body: 'invalid_payload' });
    let at = nowSeconds() - 400;
    at = await h.checks({ TNB: 'Healthy' }, at, 2);
    at = await h.checks({ TNB: 'Interruption' }, at, 2);
    await eventually(() => h.results.some((r) => r.channel === 'slack' && r.result === 'failed'), 5000, 'the failure');
    // The next message is not blocked by the failed one.
    await h.checks({ TNB: 'Healthy' }, at, 2);
    await eventually(() => slack.delivered().length === 1, 5000, 'the recovery');
    await h.worker.idle();

    expect(slack.requests.map((r) => r.status)).toEqual([400, 200]);
    const rows = await h.rows<{ state: string; attempts: number; last_error: string | null }>(
      "select state, attempts, last_error from outbox where channel = 'slack' order by id",
    );
    expect(rows[0]).toMatchObject({ state: 'failed', attempts: 1 });
    expect(rows[0]?.last_error).toContain('HTTP 400 invalid_payload');
    const failure = h.logLines.find(
      (line) => line.msg === 'alert delivery failed permanently; not retrying (fix the channel config, then run `netwatch notify-test`)',
    );
    expect(String(failure?.err)).toContain('invalid_payload');
    expect(smtp.messages).toHaveLength(2);

    const everything =
      JSON.stringify(h.logLines) +
      JSON.stringify(await h.rows('select * from outbox')) +
      JSON.stringify(await h.rows('select * from alert_events'));
    expect(everything).not.toContain('SECRETHOOKTOKEN');
    expect(everything).not.toContain('s3cret-pass');
  });

  it('gives up after retryFor, marks the row failed and reports it', async () => {
    harness = await AlertHarness.create({
      alertingYaml: alerting().replace('retryFor: 1m', 'retryFor: 2s'),
      env: env(),
      products: ['TNB'],
    });
    const h = harness;
    slack.script(...Array.from({ length: 30 }, () => ({ status: 503 })));
    let at = nowSeconds() - 300;
    at = await h.checks({ TNB: 'Healthy' }, at, 2);
    await h.checks({ TNB: 'Interruption' }, at, 2);
    await eventually(() => h.results.some((r) => r.channel === 'slack' && r.result === 'failed'), 10_000, 'giving up');
    const [row] = await h.rows<{ state: string; last_error: string }>("select state, last_error from outbox where channel = 'slack'");
    expect(row?.state).toBe('failed');
    expect(row?.last_error).toMatch(/^gave up after \d+ attempts: Slack server error: HTTP 503/);
    expect(h.logLines.some((line) => line.msg === 'alert delivery gave up after the retry window (alerting.retryFor)')).toBe(true);
  });

  it('isolates a hanging Slack: email goes out at once and Slack times out and is retried', async () => {
    const h = await create(['TNB']);
    slack.script('hang');
    let at = nowSeconds() - 300;
    at = await h.checks({ TNB: 'Healthy' }, at, 2);
    const startedAt = Date.now();
    await h.checks({ TNB: 'Interruption' }, at, 2);
    await smtp.waitForMessages(1, 5000);
    expect(Date.now() - startedAt).toBeLessThan(2500);
    expect(slack.delivered()).toHaveLength(0);
    // sendTimeout is 3 s: the hung request is abandoned and retried.
    await eventually(() => slack.delivered().length === 1, 12_000, 'Slack after the timeout');
    expect(h.results.find((r) => r.channel === 'slack' && r.result === 'retry')?.error).toContain('no answer within 3000 ms');
  });

  it('groups transitions that happen together into one message per channel', async () => {
    const products = ['A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7', 'B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B9'];
    const h = await create(products, '', '2s');
    let at = nowSeconds() - 1;
    const healthy = Object.fromEntries(products.map((code) => [code, 'Healthy' as const]));
    await h.check(healthy, at - 120);
    await h.check(healthy, at - 60);
    // Three go down, then four more a moment later, within the group wait.
    await h.checks({ A1: 'Interruption', A2: 'Interruption', A3: 'Interruption' }, at, 2, 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    at = nowSeconds();
    await h.checks({ A4: 'Interruption', A5: 'Interruption', A6: 'Interruption', A7: 'Interruption' }, at, 2, 0);
    await eventually(() => slack.delivered().length === 1 && smtp.messages.length === 1, 8000, 'one grouped message');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await h.worker.idle();
    expect(slack.requests).toHaveLength(1);
    const payload = slack.delivered()[0]?.payload;
    expect(headerOf(payload)).toBe(':red_circle: 7 products interrupted');
    expect(payload?.text).toMatch(/^7 products interrupted: /);
    expect(smtp.messages[0]?.parsed.subject).toBe('[netwatch] 7 products interrupted (A1, A2, A3, A4, A5 +2)');
    // 7 of 16 is not "most": no IIMMPACT-wide claim.
    expect(JSON.stringify(payload)).not.toContain('IIMMPACT-wide');
  });

  it('fits a 200-product storm into one Slack message that Slack accepts, and one email listing all', async () => {
    const products = Array.from({ length: 200 }, (_, n) => `P${String(n).padStart(3, '0')}`);
    const h = await create(products, '', '1s');
    const at = nowSeconds() - 300;
    const all = (status: 'Healthy' | 'Interruption') => Object.fromEntries(products.map((code) => [code, status]));
    const names = Object.fromEntries(products.map((code) => [code, { name: `Syarikat Bekalan Air dan Tenaga Wilayah ${code} Berhad` }]));
    for (let i = 0; i < 2; i++) await h.check(all('Healthy'), at + i * 60, names);
    for (let i = 2; i < 4; i++) await h.check(all('Interruption'), at + i * 60, names);
    await eventually(() => slack.requests.length === 1 && smtp.messages.length === 1, 10_000, 'the storm message');
    await h.worker.idle();
    expect(slack.requests[0]?.status).toBe(200);
    const body = JSON.stringify(slack.requests[0]?.payload);
    expect(body).toContain('200 products interrupted');
    expect(body).toContain('This looks like an IIMMPACT-wide problem');
    expect(body).toMatch(/…and \d+ more/);
    expect(smtp.messages[0]?.parsed.text).toContain('P199 Syarikat Bekalan Air dan Tenaga Wilayah P199 Berhad');
  });

  it('escapes <!channel> and HTML from the API in Slack and email', async () => {
    const h = await create(['TNB']);
    const evil = { TNB: { name: '<!channel> <script>alert(1)</script> & co' } };
    let at = nowSeconds() - 300;
    for (let i = 0; i < 2; i++, at += 60) await h.check({ TNB: 'Healthy' }, at, evil);
    for (let i = 0; i < 2; i++, at += 60) await h.check({ TNB: 'Interruption' }, at, evil);
    await eventually(() => slack.delivered().length === 1 && smtp.messages.length === 1, 5000, 'the alert');
    const slackBody = JSON.stringify(slack.delivered()[0]?.payload);
    expect(slackBody).not.toContain('<!channel>');
    expect(slackBody).toContain('&lt;!channel&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; co');
    const mail = smtp.messages[0];
    expect(mail?.parsed.html).not.toContain('<script>');
    expect(mail?.parsed.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail?.parsed.subject).toBe('[netwatch] INTERRUPTION TNB - <!channel> <script>alert(1)</script> & co');
  });
});
