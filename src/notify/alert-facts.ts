import type { AlertPayload, OperatorAlertPayload, ProductAlertPayload } from '../domain/alert-event.js';
import { isoFromSeconds, malaysiaTimeFromSeconds } from '../shared/clock.js';
import { formatDurationSeconds } from '../shared/duration.js';
import { safeHttpUrl } from './escape.js';
import { productLabel } from './render-text.js';

/**
 * The facts of a message, independent of any channel, so Slack and email say
 * exactly the same thing. Every string here is RAW (unescaped): each renderer
 * escapes for its own medium. Pure: times come from the events, never a clock.
 */

/** The seed's rule, in plain words. Shown on every interruption and reminder. */
export const PAYMENT_RULE =
  'Payments must NOT be blocked. Customers may see slow or failed transactions: show them a warning and let them pay.';

export const OPERATOR_NOTE = 'This is about netwatch itself, NOT a biller outage. Until it clears, product alerts may be missing or late.';

export interface Fact {
  label: string;
  value: string;
}

export interface EventFacts {
  event: AlertPayload;
  /** Upper-case tag used in subjects and plain text, e.g. `INTERRUPTION`. */
  tag: string;
  /** Slack emoji shortcode for the header. */
  emoji: string;
  /** `Interruption: TNB - Tenaga Nasional Berhad`. */
  headline: string;
  /** One or two sentences saying what happened. */
  summary: string;
  fields: Fact[];
  /** Show the "do not block payments" rule. */
  paymentRule: boolean;
  /** A validated http(s) image URL, or null. */
  imageUrl: string | null;
  imageAlt: string;
  /** Extra context (e.g. "sent after silence #3 ended"), or null. */
  note: string | null;
  /** One compact line for grouped messages. */
  line: string;
}

/** Display order of kinds in a grouped message: the things needing action first. */
export const KIND_ORDER: readonly AlertPayload['kind'][] = [
  'monitoring_blind',
  'interruption',
  'reminder',
  'recovery',
  'monitoring_restored',
  'test',
];

const KIND_TITLE: Record<AlertPayload['kind'], (n: number) => string> = {
  monitoring_blind: (n) => (n === 1 ? '1 monitoring problem' : `${n} monitoring problems`),
  interruption: (n) => `${n} ${n === 1 ? 'product' : 'products'} interrupted`,
  reminder: (n) => `${n} still interrupted`,
  recovery: (n) => `${n} recovered`,
  monitoring_restored: (n) => `${n} monitoring restored`,
  test: (n) => (n === 1 ? '1 test' : `${n} tests`),
};

/** `2025-05-19 14:49:03 MYT`. */
export function myt(seconds: number): string {
  return `${malaysiaTimeFromSeconds(seconds)} MYT`;
}

/** `2025-05-19 14:49 MYT`, for compact lines. */
function mytShort(seconds: number): string {
  return `${malaysiaTimeFromSeconds(seconds).slice(0, 16)} MYT`;
}

export function utc(seconds: number): string {
  return isoFromSeconds(seconds);
}

function productName(event: ProductAlertPayload): string {
  return event.productName ?? event.productCode;
}

function codeAndName(event: ProductAlertPayload): string {
  return event.productName ? `${event.productCode} ${event.productName}` : event.productCode;
}

function silenceNote(event: ProductAlertPayload): string | null {
  const silence = event.afterSilence;
  if (!silence) return null;
  const reason = silence.reason ? ` ("${silence.reason}")` : '';
  return `Silence #${silence.silenceId}${reason} ended at ${myt(silence.endedAt)}; alerts during the silence were recorded but not sent.`;
}

/** Facts for one event. Pure. */
export function eventFacts(event: AlertPayload): EventFacts {
  switch (event.kind) {
    case 'interruption': {
      const confirmedFor = formatDurationSeconds(event.confirmedAt - event.startedAt);
      return {
        event,
        tag: 'INTERRUPTION',
        emoji: ':red_circle:',
        headline: `Interruption: ${productLabel(event)}`,
        summary: `${productName(event)} (${event.productCode}) is in Interruption: transactions may be slow or fail.`,
        fields: [
          { label: 'Product', value: `${productName(event)} (${event.productCode})` },
          { label: 'Since (Malaysia, GMT+8)', value: myt(event.startedAt) },
          { label: 'Since (UTC)', value: utc(event.startedAt) },
          {
            label: 'Confirmed',
            value: `after ${event.observations} consecutive checks over ${confirmedFor}, at ${myt(event.confirmedAt)}`,
          },
        ],
        paymentRule: true,
        imageUrl: safeHttpUrl(event.productImg),
        imageAlt: productName(event),
        note: silenceNote(event),
        line: `${codeAndName(event)}, since ${mytShort(event.startedAt)}`,
      };
    }
    case 'recovery': {
      const ended = event.endedAt ?? event.confirmedAt;
      const down = formatDurationSeconds(ended - event.startedAt);
      return {
        event,
        tag: 'RECOVERED',
        emoji: ':large_green_circle:',
        headline: `Recovered: ${productLabel(event)} (down ${down})`,
        summary: `${productName(event)} (${event.productCode}) is Healthy again after being down ${down}.`,
        fields: [
          { label: 'Product', value: `${productName(event)} (${event.productCode})` },
          { label: 'Down for', value: down },
          { label: 'Started', value: `${myt(event.startedAt)} (${utc(event.startedAt)})` },
          { label: 'Ended', value: `${myt(ended)} (${utc(ended)})` },
        ],
        paymentRule: false,
        imageUrl: safeHttpUrl(event.productImg),
        imageAlt: productName(event),
        note: null,
        line: `${codeAndName(event)}, down ${down} (${mytShort(event.startedAt)} to ${mytShort(ended)})`,
      };
    }
    case 'reminder': {
      const at = event.remindedAt ?? event.confirmedAt;
      const down = formatDurationSeconds(at - event.startedAt);
      return {
        event,
        tag: 'STILL INTERRUPTED',
        emoji: ':hourglass_flowing_sand:',
        headline: `Still interrupted: ${productLabel(event)} (${down})`,
        summary: `${productName(event)} (${event.productCode}) has been in Interruption for ${down} and has not recovered yet.`,
        fields: [
          { label: 'Product', value: `${productName(event)} (${event.productCode})` },
          { label: 'Down so far', value: down },
          { label: 'Since (Malaysia, GMT+8)', value: myt(event.startedAt) },
          { label: 'Since (UTC)', value: utc(event.startedAt) },
        ],
        paymentRule: true,
        imageUrl: safeHttpUrl(event.productImg),
        imageAlt: productName(event),
        note: silenceNote(event),
        line: `${codeAndName(event)}, down ${down} so far (since ${mytShort(event.startedAt)})`,
      };
    }
    case 'monitoring_blind':
      return operatorFacts(event, true);
    case 'monitoring_restored':
      return operatorFacts(event, false);
    case 'test':
      return {
        event,
        tag: 'TEST',
        emoji: ':test_tube:',
        headline: 'TEST: netwatch notification test',
        summary: `This is a test message from netwatch, requested by ${event.requestedBy}. No action needed: if you can read this, alerts reach this destination.`,
        fields: [
          { label: 'Sent (Malaysia, GMT+8)', value: myt(event.at) },
          { label: 'Sent (UTC)', value: utc(event.at) },
        ],
        paymentRule: false,
        imageUrl: null,
        imageAlt: '',
        note: null,
        line: `Test message requested by ${event.requestedBy}`,
      };
  }
}

function operatorFacts(event: OperatorAlertPayload, blind: boolean): EventFacts {
  const duration = formatDurationSeconds(event.at - event.since);
  return {
    event,
    tag: blind ? 'MONITORING PROBLEM' : 'MONITORING RESTORED',
    emoji: blind ? ':satellite_antenna:' : ':white_check_mark:',
    headline: blind ? 'MONITORING PROBLEM (netwatch itself, not a biller)' : 'Monitoring restored (netwatch itself)',
    summary: blind
      ? `${event.summary} ${OPERATOR_NOTE}`
      : `${event.summary} netwatch was blind to this for ${duration}; product alerts are reliable again.`,
    fields: blind
      ? [
          { label: 'Condition', value: event.condition },
          { label: 'Since', value: `${myt(event.since)} (${utc(event.since)})` },
        ]
      : [
          { label: 'Condition', value: event.condition },
          { label: 'Blind for', value: duration },
          { label: 'From', value: `${myt(event.since)} (${utc(event.since)})` },
          { label: 'To', value: `${myt(event.at)} (${utc(event.at)})` },
        ],
    paymentRule: false,
    imageUrl: null,
    imageAlt: '',
    note: null,
    line: blind ? `${event.summary} (since ${mytShort(event.since)})` : `${event.summary} (blind for ${duration})`,
  };
}

export interface GroupFacts {
  /** `7 products interrupted, 2 recovered`. */
  title: string;
  /** The dominant tag, for subjects: the most urgent kind present. */
  tag: string;
  sections: Array<{ kind: AlertPayload['kind']; title: string; items: EventFacts[] }>;
  /** Set when most monitored products went down together. */
  wide: { interrupted: number; total: number } | null;
  paymentRule: boolean;
  total: number;
}

/**
 * A group of events that happened together. "Looks IIMMPACT-wide" when at
 * least 3 products and more than half of those monitored went into
 * Interruption in the same group. Pure.
 */
export function groupFacts(events: readonly AlertPayload[], productCount: number): GroupFacts {
  const byKind = new Map<AlertPayload['kind'], EventFacts[]>();
  for (const event of events) {
    const list = byKind.get(event.kind) ?? [];
    list.push(eventFacts(event));
    byKind.set(event.kind, list);
  }
  const sections = KIND_ORDER.filter((kind) => byKind.has(kind)).map((kind) => {
    const items = (byKind.get(kind) ?? []).sort((a, b) => sortKey(a.event).localeCompare(sortKey(b.event)));
    return { kind, title: KIND_TITLE[kind](items.length), items };
  });
  const interrupted = byKind.get('interruption')?.length ?? 0;
  const wide = interrupted >= 3 && productCount > 0 && interrupted > productCount / 2 ? { interrupted, total: productCount } : null;
  return {
    title: sections.map((section) => section.title).join(', '),
    tag: sections[0] ? (sections[0].items[0]?.tag ?? 'ALERT') : 'ALERT',
    sections,
    wide,
    paymentRule: byKind.has('interruption') || byKind.has('reminder'),
    total: events.length,
  };
}

/** The sentence used when most products went down together. */
export function wideSentence(wide: { interrupted: number; total: number }): string {
  return `${wide.interrupted} of ${wide.total} monitored products went into Interruption together. This looks like an IIMMPACT-wide problem rather than individual billers.`;
}

function sortKey(event: AlertPayload): string {
  switch (event.kind) {
    case 'interruption':
    case 'recovery':
    case 'reminder':
      return event.productCode;
    case 'test':
      return String(event.at);
    case 'monitoring_blind':
    case 'monitoring_restored':
      return event.condition;
  }
}
