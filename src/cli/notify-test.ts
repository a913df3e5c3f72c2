import { hostname } from 'node:os';
import type { Config } from '../config/load-config.js';
import type { TestAlertPayload } from '../domain/alert-event.js';
import { createAlertChannels } from '../notify/channels.js';
import { DeliveryError } from '../notify/notifier.js';
import { createLogger } from '../shared/logger.js';
import { EXIT } from './exit-codes.js';
import type { CliIo } from './silence-commands.js';
import { processIo } from './silence-commands.js';

/**
 * `netwatch notify-test [--channel slack|email]`: sends a clearly marked test
 * message to every configured destination (default and routes) through the
 * same renderers and senders the outbox worker uses, but directly (no outbox,
 * no retries), so the operator sees the exact result of one attempt.
 * Exit 0 when every destination acknowledged, 1 when any failed, 2 when no
 * channel is configured.
 */
export async function runNotifyTest(config: Config, options: { channel?: 'slack' | 'email' }, io: CliIo = processIo): Promise<number> {
  const channels = createAlertChannels(config.alerting, { logger: createLogger({ level: 'silent' }), nowSeconds: io.now });
  const notifiers = channels.notifiers.filter(
    (notifier) => notifier.channel !== 'console' && (!options.channel || notifier.channel === options.channel),
  );
  for (const warning of channels.warnings) io.err(`netwatch: warning: ${warning}\n`);
  if (notifiers.length === 0) {
    const which = options.channel ? `${options.channel} is` : 'neither Slack nor email is';
    io.err(
      `netwatch: ${which} configured; set alerting.slack.webhookUrl: \${SLACK_WEBHOOK_URL} and/or alerting.email (smtpUrl: \${SMTP_URL}, from, to) in ${config.source}, and export the variables\n`,
    );
    for (const warning of config.warnings) io.err(`netwatch: ${warning}\n`);
    return EXIT.config;
  }
  let failures = 0;
  try {
    for (const notifier of notifiers) {
      for (const destination of notifier.destinations ?? ['default']) {
        const at = io.now();
        const event: TestAlertPayload = { kind: 'test', at, requestedBy: `netwatch notify-test on ${hostname()}` };
        const started = Date.now();
        try {
          await notifier.send(
            { idempotencyKey: `test-${at}-${process.pid}:${notifier.channel}:${destination}`, events: [event], productCount: 0 },
            destination,
          );
          io.out(`${notifier.channel} ${destination}: OK, delivered in ${Date.now() - started} ms\n`);
        } catch (error) {
          failures += 1;
          const message = error instanceof Error ? error.message : String(error);
          const kind =
            error instanceof DeliveryError
              ? error.retryable
                ? 'temporary: the outbox would retry this'
                : 'permanent: fix the configuration'
              : 'unexpected';
          io.out(`${notifier.channel} ${destination}: FAILED after ${Date.now() - started} ms: ${message} (${kind})\n`);
        }
      }
    }
  } finally {
    for (const notifier of notifiers) await notifier.close?.().catch(() => undefined);
  }
  return failures === 0 ? EXIT.ok : EXIT.failure;
}
