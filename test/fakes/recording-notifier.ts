import type { AlertPayload } from '../../src/domain/alert-event.js';
import type { Notifier, OutboundMessage } from '../../src/notify/notifier.js';

/** A real Notifier that keeps what it was asked to send, for policy tests where the channel itself is not under test. */
export class RecordingNotifier implements Notifier {
  readonly sent: Array<{ destination: string; message: OutboundMessage }> = [];

  constructor(
    readonly channel = 'slack',
    readonly destinations: readonly string[] = ['default'],
  ) {}

  async send(message: OutboundMessage, destination: string): Promise<void> {
    this.sent.push({ destination, message });
  }

  events(): AlertPayload[] {
    return this.sent.flatMap((entry) => entry.message.events);
  }
}
