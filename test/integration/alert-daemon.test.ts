import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS, type Simulator, startSimulator } from '../../src/simulator/simulator-server.js';
import { type FakeSlack, type SlackPayload, startFakeSlack } from '../fakes/fake-slack.js';
import { type FakeSmtp, startFakeSmtp } from '../fakes/fake-smtp.js';
import { eventually } from '../helpers/alert-harness.js';
import { createTempDir, DaemonProcess, writeConfig } from '../helpers/daemon-process.js';

/**
 * `netwatch run` against the simulator with Slack and email configured: the
 * whole wiring (channels from config, the policy extension, operator alerts
 * after each cycle) delivers each alert once per channel.
 */

let simulator: Simulator;
let slack: FakeSlack;
let smtp: FakeSmtp;
let daemon: DaemonProcess | null = null;

beforeEach(async () => {
  simulator = await startSimulator();
  slack = await startFakeSlack();
  smtp = await startFakeSmtp();
});

afterEach(async () => {
  await daemon?.stop('SIGKILL').catch(() => undefined);
  daemon = null;
  await simulator.close();
  await slack.close();
  await smtp.close();
});

function header(payload: SlackPayload): string {
  return (payload.blocks?.[0] as { text?: { text?: string } } | undefined)?.text?.text ?? '';
}

describe('netwatch run with Slack and email', () => {
  it('delivers product and monitoring alerts once per channel', async () => {
    const dir = createTempDir('netwatch-alert-daemon-');
    const config = writeConfig(
      dir,
      `
api:
  baseUrl: ${simulator.url}
  apiKey: \${IIMMPACT_API_KEY}
  hmacSecret: \${IIMMPACT_HMAC_SECRET}
  timeoutMs: 2000
  maxRequestsPerSecond: 200
  retries: 0
schedule: "* * * * * *"
products: [TNB, UNIFI, ASTRO, MAXIS]
database: ${join(dir, 'netwatch.db')}
alerting:
  confirmAfter: 2
  groupWait: 0
  remindEvery: 0
  sendTimeout: 3s
  slack:
    webhookUrl: \${SLACK_WEBHOOK_URL}
  email:
    smtpUrl: \${SMTP_URL}
    from: netwatch@example.com
    to: [support@example.com]
http:
  enabled: false
`,
    );
    simulator.script('TNB', ['Healthy', 'Healthy', 'Interruption', 'Interruption', 'Healthy', 'Healthy']);
    daemon = new DaemonProcess(['run', '--config', config], {
      IIMMPACT_API_KEY: SIMULATOR_CREDENTIALS.apiKey,
      IIMMPACT_HMAC_SECRET: SIMULATOR_CREDENTIALS.hmacSecret,
      SLACK_WEBHOOK_URL: slack.webhookUrl('DAEMONHOOK'),
      SMTP_URL: smtp.url(),
    });
    await eventually(() => slack.delivered().length >= 2 && smtp.messages.length >= 2, 40_000, 'interruption and recovery');

    // Every product is rejected with 401 for two cycles: one "monitoring problem", then one "restored".
    for (const code of ['TNB', 'UNIFI', 'ASTRO', 'MAXIS']) simulator.script(code, [{ status: 401 }, { status: 401 }]);
    await eventually(() => slack.delivered().length >= 4 && smtp.messages.length >= 4, 40_000, 'monitoring alerts');
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await daemon.stop('SIGTERM')).toBe(0);

    // The outage lasts about two one-second cycles; a skipped tick on a busy machine makes it longer.
    expect(slack.delivered().map((m) => header(m.payload).replace(/down \d+s/, 'down Ns'))).toEqual([
      ':red_circle: Interruption: TNB - Tenaga Nasional Berhad',
      ':large_green_circle: Recovered: TNB - Tenaga Nasional Berhad (down Ns)',
      ':satellite_antenna: MONITORING PROBLEM (netwatch itself, not a biller)',
      ':white_check_mark: Monitoring restored (netwatch itself)',
    ]);
    expect(slack.requests).toHaveLength(4);
    const subjects = smtp.messages.map((m) => m.parsed.subject ?? '');
    expect(subjects[0]).toBe('[netwatch] INTERRUPTION TNB - Tenaga Nasional Berhad');
    expect(subjects[1]).toMatch(/^\[netwatch\] RECOVERED TNB - Tenaga Nasional Berhad \(down \d+s\)$/);
    expect(subjects[2]).toMatch(
      /^\[netwatch\] MONITORING PROBLEM: IIMMPACT is rejecting netwatch's requests \(4 HTTP 401 auth failures of 4\)/,
    );
    expect(subjects[3]).toBe('[netwatch] MONITORING RESTORED: IIMMPACT accepts netwatch\u2019s requests again.');
    expect(smtp.messages).toHaveLength(4);
    expect(daemon.lines.some((line) => JSON.stringify(line).includes('DAEMONHOOK'))).toBe(false);
  });
});
