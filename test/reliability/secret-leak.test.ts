import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../src/simulator/simulator-server.js';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.js';
import { type FakeSmtp, startFakeSmtp } from '../fakes/fake-smtp.js';
import { createTempDir, writeConfig } from '../helpers/daemon-process.js';
import { CliChild, compiledCli, eventually, runCli } from '../helpers/reliability-cli.js';

/**
 * The API key, the HMAC secret, the SMTP password, the Slack webhook URL and
 * the HTTP token must never appear in any output, even after failures that
 * tempt code to print them: the API echoing our key and secret back in error
 * bodies, Slack and the mail server echoing their URL and password, and a
 * SIGHUP with a config that has a secret written into it. After such a run,
 * every output channel is searched for every secret, in every encoding a
 * leak would plausibly take.
 */

const SECRET = {
  apiKey: 'iimm_prod_LEAKCANARYKEY7f3a9c21',
  hmacSecret: Buffer.from('LEAK-CANARY-HMAC-SECRET-4b1d-8e2f').toString('base64'),
  slackToken: 'LEAKCANARYSLACK9d2e44b1',
  smtpPassword: 'LeakCanarySmtp_5e8f19',
  httpToken: 'LeakCanaryHttpToken_c0ffee42',
};

let dir: string;
let simulator: Simulator;
let slack: FakeSlack;
let smtp: FakeSmtp;
let daemon: CliChild | null = null;

beforeAll(async () => {
  dir = createTempDir('netwatch-secrets-');
  simulator = await startSimulator({ apiKey: SECRET.apiKey, hmacSecret: SECRET.hmacSecret });
  slack = await startFakeSlack();
  smtp = await startFakeSmtp({ users: { alerts: SECRET.smtpPassword } });
});

afterAll(async () => {
  await daemon?.stop('SIGKILL');
  await smtp?.close();
  await slack?.close();
  await simulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every form a secret plausibly leaks in: raw, URL-encoded, JSON-escaped, Base64 and its decoded bytes. */
function needles(): Array<{ name: string; value: string }> {
  const webhookUrl = slack.webhookUrl(SECRET.slackToken);
  const smtpUrl = smtp.url({ user: 'alerts', pass: SECRET.smtpPassword });
  const raw: Array<[string, string]> = [
    ['api key', SECRET.apiKey],
    ['HMAC secret', SECRET.hmacSecret],
    ['HMAC secret (decoded)', Buffer.from(SECRET.hmacSecret, 'base64').toString('latin1')],
    ['Slack webhook URL', webhookUrl],
    ['Slack webhook token', SECRET.slackToken],
    ['SMTP URL', smtpUrl],
    ['SMTP password', SECRET.smtpPassword],
    ['HTTP token', SECRET.httpToken],
  ];
  const out: Array<{ name: string; value: string }> = [];
  for (const [name, value] of raw) {
    for (const form of new Set([
      value,
      encodeURIComponent(value),
      JSON.stringify(value).slice(1, -1),
      Buffer.from(value).toString('base64'),
    ])) {
      out.push({ name, value: form });
    }
  }
  return out;
}

function leaksIn(where: string, text: string | Buffer): string[] {
  const haystack = typeof text === 'string' ? text : text.toString('latin1');
  return needles()
    .filter(({ value }) => haystack.includes(value))
    .map(({ name, value }) => `${where} contains the ${name} (${value.slice(0, 12)}…)`);
}

describe('secrets never leave the process', () => {
  it('appear in no log, error, database row or file, HTTP response, CLI output or alert, after a run full of failures', {
    timeout: 180_000,
  }, async () => {
    const entry = await compiledCli();
    const dbPath = join(dir, 'netwatch.db');
    const configText = (apiKeyLine = '') => `
api:
  baseUrl: ${simulator.url}
  timeoutMs: 2000
  maxRequestsPerSecond: 50
  retries: 1
${apiKeyLine}schedule: "* * * * * *"
products: [TNB, UNIFI, ASTRO]
database: ${dbPath}
alerting:
  confirmAfter: 1
  groupWait: 0
  remindEvery: 0
  unknownAfter: 2s
  sendTimeout: 2s
  slack:
    webhookUrl: \${SLACK_WEBHOOK_URL}
  email:
    smtpUrl: \${SMTP_URL}
    from: netwatch@example.com
    to: [support@example.com]
http:
  port: 0
log:
  level: debug
`;
    const configPath = writeConfig(dir, configText());
    const env = {
      IIMMPACT_API_KEY: SECRET.apiKey,
      IIMMPACT_HMAC_SECRET: SECRET.hmacSecret,
      SLACK_WEBHOOK_URL: slack.webhookUrl(SECRET.slackToken),
      SMTP_URL: smtp.url({ user: 'alerts', pass: SECRET.smtpPassword }),
      NETWATCH_HTTP_TOKEN: SECRET.httpToken,
    };

    // A misbehaving API that echoes our credentials into its error bodies, on every kind of failure.
    const echo = `{"message":"rejected key=${SECRET.apiKey} secret=${SECRET.hmacSecret}"}`;
    simulator.script('ASTRO', [
      { status: 401, body: echo },
      { status: 500, body: echo },
      { status: 500, body: echo },
      { garbage: `<html>${SECRET.apiKey}</html>` },
      { networkStatus: `Healthy ${SECRET.hmacSecret}` },
      { productCode: SECRET.apiKey },
      { status: 403, body: echo },
      { status: 429, body: echo },
      { status: 429, body: echo },
    ]);
    // Slack and the mail server echo their secrets back in errors.
    slack.script(
      { status: 500, body: `internal_error for ${slack.webhookUrl(SECRET.slackToken)}` },
      { status: 400, body: `invalid_payload ${SECRET.slackToken}` },
    );
    smtp.reject(
      { code: 451, message: `try later, alerts:${SECRET.smtpPassword}` },
      { code: 550, message: `no such user (pass ${SECRET.smtpPassword})` },
    );

    daemon = new CliChild(entry, ['run', '--config', configPath], { env });
    const d = daemon;
    const httpUrl = String((await d.waitFor((line) => line.msg === 'HTTP server listening', 60_000)).url);
    await d.until(() => d.linesWith('cycle finished').length >= 1, 30_000, 'the first cycle');
    // Two outages and recoveries, so Slack and email go through their scripted failures.
    simulator.script('TNB', ['Interruption', 'Healthy', 'Interruption', 'Healthy']);

    // A reload with a secret pasted into the file is refused without quoting it.
    writeFileSync(configPath, configText(`  apiKey: ${SECRET.apiKey}\n`));
    process.kill(d.pid, 'SIGHUP');
    const rejected = await d.waitFor((line) => line.msg.startsWith('config reload rejected'), 30_000);
    expect(rejected.msg).toContain('api.apiKey: secrets must come from the environment');
    writeFileSync(configPath, configText());

    const db = new Database(dbPath, { readonly: true });
    try {
      await eventually(
        () =>
          simulator.scriptedRemaining('ASTRO') === 0 &&
          simulator.scriptedRemaining('TNB') === 0 &&
          (db.prepare("select count(*) as n from outbox where state = 'pending'").get() as { n: number }).n === 0 &&
          (db.prepare('select count(*) as n from outages where ended_at is not null').get() as { n: number }).n === 2 &&
          smtp.messages.length > 0 &&
          slack.delivered().length > 0,
        90_000,
        'the scripted failures to play out and every alert to settle',
        250,
      );
    } finally {
      db.close();
    }

    const leaks: string[] = [];
    const auth = { headers: { authorization: `Bearer ${SECRET.httpToken}` } };
    for (const path of [
      'metrics',
      '',
      'status.json',
      'api/v1/status',
      'api/v1/status/ASTRO',
      'api/v1/outages',
      'api/v1/report',
      'readyz',
      'healthz',
      'nope',
    ]) {
      const response = await fetch(`${httpUrl}${path}`, auth);
      const body = await response.text();
      leaks.push(...leaksIn(`GET /${path} (${response.status})`, `${JSON.stringify([...response.headers])}\n${body}`));
      if (path === 'metrics') expect(body).toContain('netwatch_api_errors_total{kind="auth"}');
    }
    const unauthorized = await fetch(`${httpUrl}api/v1/status`);
    expect(unauthorized.status).toBe(401);
    leaks.push(...leaksIn('GET /api/v1/status without the token', await unauthorized.text()));

    // The CLI: the status table and JSON, config validation, the report, and a one-shot check.
    for (const args of [
      ['status', '--json'],
      ['status'],
      ['config', 'validate'],
      ['report', '--format', 'csv'],
      ['report', '--format', 'json', '--outages'],
      ['check', '--json'],
      ['silence', 'list'],
    ]) {
      const result = await runCli(entry, [...args, '--config', configPath], env);
      expect([args.join(' '), result.status]).toEqual([args.join(' '), args[0] === 'check' ? expect.any(Number) : 0]);
      leaks.push(...leaksIn(`netwatch ${args.join(' ')}`, result.stdout + result.stderr));
    }

    // Raw database files while the daemon still has them open (WAL and shared memory included).
    for (const file of readdirSync(dir).filter((name) => name.startsWith('netwatch.db')))
      leaks.push(...leaksIn(`file ${file}`, readFileSync(join(dir, file))));

    expect(await d.stop('SIGTERM')).toBe(0);
    leaks.push(...leaksIn('daemon stdout', d.stdout), ...leaksIn('daemon stderr', d.stderr));
    for (const file of readdirSync(dir).filter((name) => name.startsWith('netwatch.db')))
      leaks.push(...leaksIn(`file ${file} after stop`, readFileSync(join(dir, file))));

    // Every text column of every table, row by row.
    const after = new Database(dbPath, { readonly: true });
    try {
      const tables = after.prepare("select name from sqlite_master where type = 'table'").pluck().all() as string[];
      for (const table of tables) {
        for (const row of after.prepare(`select * from "${table}"`).all()) leaks.push(...leaksIn(`table ${table}`, JSON.stringify(row)));
      }
      // The failures really happened, and their texts were stored: this run could have leaked.
      const errors = after.prepare('select text from error_texts').pluck().all() as string[];
      expect(errors.some((e) => e.startsWith('auth failed'))).toBe(true);
      expect(errors.some((e) => e.includes('[redacted]') || e.includes('[REDACTED]'))).toBe(true);
      const lastErrors = after.prepare('select last_error from outbox where last_error is not null').pluck().all() as string[];
      expect(lastErrors.length).toBeGreaterThan(0);
    } finally {
      after.close();
    }

    // And the alerts themselves.
    for (const request of slack.requests) leaks.push(...leaksIn('a Slack message', JSON.stringify(request.payload)));
    for (const mail of smtp.messages) leaks.push(...leaksIn('an email', mail.raw));

    expect(d.lines.some((line) => line.msg === 'alert delivery failed; will retry')).toBe(true);
    expect(d.lines.some((line) => line.msg.startsWith('alert delivery failed permanently'))).toBe(true);
    expect(leaks).toEqual([]);
  });
});
