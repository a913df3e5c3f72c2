import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CliIo, runSilenceAdd, runSilenceRemove } from '../../src/cli/silence-commands.js';
import { loadConfig } from '../../src/config/load-config.js';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.js';
import { type FakeSmtp, startFakeSmtp } from '../fakes/fake-smtp.js';
import { createTempDir, writeConfig } from '../helpers/daemon-process.js';

/** `netwatch silence ...` and `netwatch notify-test` through the real CLI entry (each run is a tsx cold start). */
vi.setConfig({ testTimeout: 120_000 });

let dir: string;
let slack: FakeSlack;
let smtp: FakeSmtp;

beforeEach(async () => {
  dir = createTempDir('netwatch-cli-');
  slack = await startFakeSlack();
  smtp = await startFakeSmtp();
});

afterEach(async () => {
  await slack.close();
  await smtp.close();
  rmSync(dir, { recursive: true, force: true });
});

function config(alerting: string): string {
  return writeConfig(
    dir,
    `
products: [TNB, ASTRO]
database: ${join(dir, 'netwatch.db')}
http:
  enabled: false
alerting:
${alerting}
`,
  );
}

const CHANNELS = `
  slack:
    webhookUrl: \${SLACK_WEBHOOK_URL}
  email:
    smtpUrl: \${SMTP_URL}
    from: netwatch@example.com
    to: [support@example.com, oncall@example.com]
  routes:
    - products: [ASTRO]
      slack:
        webhookUrl: \${SLACK_ASTRO_URL}
`;

function captureIo(): { io: CliIo; captured: { out: string; err: string } } {
  const captured = { out: '', err: '' };
  const io: CliIo = {
    out: (text) => {
      captured.out += text;
    },
    err: (text) => {
      captured.err += text;
    },
    now: () => Math.floor(Date.now() / 1000),
  };
  return { io, captured };
}

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('netwatch silence', () => {
  it('adds, lists, removes and validates silences', async () => {
    const file = config('  confirmAfter: 2');
    const added = await run(['--config', file, 'silence', 'add', 'TNB', '--for', '2h', '--reason', 'vendor maintenance']);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(
      /^Silence #1 added: alerts for TNB are recorded but not sent until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d MYT \(.*Z\), 2 h 00 min from now\./,
    );
    expect((await run(['--config', file, 'silence', 'add', '*', '--for', '30m', '--reason', 'all quiet'])).code).toBe(0);

    const listed = await run(['--config', file, 'silence', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^ID\s+PRODUCTS\s+STATE\s+UNTIL \(MYT\)\s+LEFT\s+REASON\s+BY/);
    expect(listed.stdout).toMatch(/\n2\s+\*\s+active\s+.*(29|30) min\s+all quiet/);
    expect(listed.stdout).toMatch(/\n1\s+TNB\s+active\s+.*vendor maintenance/);

    const removed = await run(['--config', file, 'silence', 'remove', '1']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain('Silence #1 removed.');
    const json = JSON.parse((await run(['--config', file, 'silence', 'list', '--all', '--json'])).stdout) as {
      silences: Array<{ id: number; state: string }>;
    };
    expect(json.silences.map((s) => [s.id, s.state])).toEqual([
      [2, 'active'],
      [1, 'removed'],
    ]);

    // Usage errors exit 2 (commander's own, e.g. a missing --reason, too).
    expect((await run(['--config', file, 'silence', 'add', 'TNB', '--for', '1h'])).code).toBe(2);
    const loaded = loadConfig(file);
    const { io, captured } = captureIo();
    expect(await runSilenceRemove(loaded, '99', io)).toBe(2);
    expect(captured.err).toContain('there is no silence #99');
    expect(await runSilenceAdd(loaded, 'TNB;rm', { for: 'soon', reason: ' ' }, io)).toBe(2);
    expect(captured.err).toContain('expected a product code or glob');
    expect(captured.err).toContain('--for: expected a duration');
    expect(captured.err).toContain('--reason: say why');
    expect(await runSilenceAdd(loaded, 'TNB', { for: '45d', reason: 'x' }, io)).toBe(2);
    expect(captured.err).toContain('--for: at most 30d');
  });
});

describe('netwatch notify-test', () => {
  const env = () => ({
    SLACK_WEBHOOK_URL: slack.webhookUrl('DEFAULTSECRET'),
    SLACK_ASTRO_URL: slack.webhookUrl('ASTROSECRET'),
    SMTP_URL: smtp.url(),
  });

  it('sends a clearly marked test to every destination through the real senders', async () => {
    const result = await run(['--config', config(CHANNELS), 'notify-test'], env());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^slack default: OK, delivered in \d+ ms\nslack routes\[0\]: OK, delivered in \d+ ms\nemail default: OK, delivered in \d+ ms\n$/,
    );
    expect(slack.delivered().map((m) => m.path)).toEqual(['/services/T000/B000/DEFAULTSECRET', '/services/T000/B000/ASTROSECRET']);
    expect(JSON.stringify(slack.delivered()[0]?.payload)).toContain(':test_tube: TEST: netwatch notification test');
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]?.parsed.subject).toBe('[netwatch] TEST notification (no action needed)');
    expect(smtp.messages[0]?.envelopeTo).toEqual(['support@example.com', 'oncall@example.com']);
  });

  it('reports the exact error per destination without leaking the webhook URL, and --channel narrows it', async () => {
    slack.script({ status: 404, body: 'no_service' });
    const result = await run(['--config', config(CHANNELS), 'notify-test', '--channel', 'slack'], env());
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('slack default: FAILED after');
    expect(result.stdout).toContain(
      'Slack rejected the message: HTTP 404 no_service (the webhook URL is wrong or was revoked) (permanent: fix the configuration)',
    );
    expect(result.stdout).toContain('slack routes[0]: OK');
    expect(result.stdout + result.stderr).not.toContain('DEFAULTSECRET');
    expect(smtp.messages).toHaveLength(0);

    await smtp.close();
    const down = await run(['--config', config(CHANNELS), 'notify-test', '--channel', 'email'], env());
    expect(down.code).toBe(1);
    expect(down.stdout).toMatch(
      /email default: FAILED after \d+ ms: SMTP failed: ESOCKET .*ECONNREFUSED.* \(temporary: the outbox would retry this\)/,
    );
    smtp = await startFakeSmtp();
  });

  it('exits 2 when no channel is configured', async () => {
    const result = await run(['--config', config('  confirmAfter: 2'), 'notify-test']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('neither Slack nor email is configured');
  });
});
