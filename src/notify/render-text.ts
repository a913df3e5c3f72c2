import type { AlertPayload, ProductAlertPayload } from '../domain/alert-event.js';
import { isoFromSeconds, malaysiaTimeFromSeconds } from '../shared/clock.js';
import { formatDurationSeconds } from '../shared/duration.js';

/** "TNB - Tenaga Nasional Berhad", or the code alone when the name is unknown. */
export function productLabel(event: { productCode: string; productName: string | null }): string {
  return event.productName ? `${event.productCode} - ${event.productName}` : event.productCode;
}

/** Both zones, because support works in Malaysia time and logs are in UTC. */
export function bothTimes(seconds: number): string {
  return `${malaysiaTimeFromSeconds(seconds)} MYT (${isoFromSeconds(seconds)})`;
}

/** One plain-text line per event; `now` (epoch s) sets the running duration of open outages. */
export function describeEvent(event: AlertPayload, now: number): string {
  switch (event.kind) {
    case 'interruption':
      return `INTERRUPTION ${productLabel(event)}: since ${bothTimes(event.startedAt)}, confirmed by ${event.observations} consecutive checks. Payments must NOT be blocked: show a warning and let customers pay.${afterSilence(event)}`;
    case 'recovery':
      return `RECOVERED ${productLabel(event)}: down ${formatDurationSeconds(outageSeconds(event))}, from ${bothTimes(event.startedAt)} to ${bothTimes(event.endedAt ?? now)}.`;
    case 'reminder':
      return `STILL INTERRUPTED ${productLabel(event)}: down ${formatDurationSeconds((event.remindedAt ?? now) - event.startedAt)} so far, since ${bothTimes(event.startedAt)}.${afterSilence(event)}`;
    case 'monitoring_blind':
      return `MONITORING PROBLEM (netwatch itself, not a biller): ${event.summary} Since ${bothTimes(event.since)}.`;
    case 'monitoring_restored':
      return `MONITORING RESTORED (netwatch itself): ${event.summary} Blind for ${formatDurationSeconds(event.at - event.since)}.`;
    case 'test':
      return `TEST message from netwatch (${event.requestedBy}) at ${bothTimes(event.at)}. No action needed.`;
  }
}

function afterSilence(event: ProductAlertPayload): string {
  return event.afterSilence
    ? ` (held back by silence #${event.afterSilence.silenceId}, which ended at ${bothTimes(event.afterSilence.endedAt)})`
    : '';
}

export function outageSeconds(event: ProductAlertPayload): number {
  return (event.endedAt ?? event.confirmedAt) - event.startedAt;
}
