import type { Logger } from '../shared/logger.js';
import type { Notifier, OutboundMessage } from './notifier.js';
import { describeEvent } from './render-text.js';

/**
 * Prints alerts to the log. Used in demo mode and whenever no Slack or email
 * channel is configured, so a transition is never silently dropped.
 */
export function createConsoleNotifier(logger: Logger, nowSeconds: () => number): Notifier {
  return {
    channel: 'console',
    async send(message: OutboundMessage): Promise<void> {
      for (const event of message.events) {
        logger.warn(
          { alert: event.kind, product: 'productCode' in event ? event.productCode : undefined },
          `ALERT ${describeEvent(event, nowSeconds())}`,
        );
      }
    },
  };
}
