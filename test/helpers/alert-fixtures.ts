import type { OperatorAlertPayload, ProductAlertPayload } from '../../src/domain/alert-event.js';
import type { OutboundMessage } from '../../src/notify/notifier.js';

/** 2025-05-19 14:49:03 MYT = 06:49:03Z, the API docs' example time. */
export const T0 = 1747637343;

export function interruption(code = 'TNB', overrides: Partial<ProductAlertPayload> = {}): ProductAlertPayload {
  return {
    kind: 'interruption',
    productCode: code,
    productName: code === 'TNB' ? 'Tenaga Nasional Berhad' : `${code} Berhad`,
    productImg: `https://dashboard.iimmpact.com/img/${code}.png`,
    startedAt: T0,
    confirmedAt: T0 + 60,
    endedAt: null,
    remindedAt: null,
    observations: 2,
    ...overrides,
  };
}

export function recovery(code = 'TNB', overrides: Partial<ProductAlertPayload> = {}): ProductAlertPayload {
  return { ...interruption(code), kind: 'recovery', endedAt: T0 + 720, confirmedAt: T0 + 780, ...overrides };
}

export function reminder(code = 'TNB', overrides: Partial<ProductAlertPayload> = {}): ProductAlertPayload {
  return { ...interruption(code), kind: 'reminder', remindedAt: T0 + 3900, ...overrides };
}

export function blind(overrides: Partial<OperatorAlertPayload> = {}): OperatorAlertPayload {
  return {
    kind: 'monitoring_blind',
    condition: 'api_unreachable',
    summary: 'Every request to IIMMPACT in the last cycle failed.',
    since: T0,
    at: T0 + 5,
    ...overrides,
  };
}

export function message(
  events: OutboundMessage['events'],
  productCount = 50,
  idempotencyKey = 'events-1-1:slack:default',
): OutboundMessage {
  return { idempotencyKey, events, productCount };
}
