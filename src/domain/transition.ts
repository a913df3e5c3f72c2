import type { ProductState } from './product-state.js';
import type { CheckStatus, KnownStatus } from './status.js';

/** A confirmed change. `startedAt` is the first observation of the confirming streak. */
export type TransitionEvent =
  | { type: 'outage_opened'; startedAt: number; confirmedAt: number; observations: number }
  | { type: 'outage_closed'; outageStartedAt: number; endedAt: number; confirmedAt: number; observations: number }
  | { type: 'baseline_healthy'; since: number; confirmedAt: number };

export interface TransitionResult {
  next: ProductState;
  /** At most one event per observation. */
  events: TransitionEvent[];
}

/**
 * Pure: folds one observation into a product's state. Touches no clock, I/O or
 * logger. Rules:
 * - the confirmed state changes only after `confirmAfter` consecutive
 *   observations of the other known state;
 * - Unknown neither confirms nor breaks a streak, and never produces an event;
 * - an observation agreeing with the confirmed state resets the streak;
 * - the very first confirmation to Healthy is a silent baseline; the very first
 *   confirmation to Interruption opens an outage (something is already down).
 *
 * @param at epoch seconds of the observation; callers pass them in order.
 */
export function transition(prev: ProductState, status: CheckStatus, at: number, confirmAfter: number): TransitionResult {
  if (status === 'Unknown') {
    return { next: { ...prev, unknownSince: prev.unknownSince ?? at }, events: [] };
  }
  const known: KnownStatus = status;
  if (prev.confirmed === known) {
    return { next: { ...prev, streak: null, unknownSince: null }, events: [] };
  }

  const streak =
    prev.streak && prev.streak.status === known
      ? { status: known, count: prev.streak.count + 1, startedAt: prev.streak.startedAt }
      : { status: known, count: 1, startedAt: at };

  if (streak.count < Math.max(1, confirmAfter)) {
    return { next: { ...prev, streak, unknownSince: null }, events: [] };
  }

  const next: ProductState = { confirmed: known, confirmedSince: streak.startedAt, streak: null, unknownSince: null };
  if (known === 'Interruption') {
    return { next, events: [{ type: 'outage_opened', startedAt: streak.startedAt, confirmedAt: at, observations: streak.count }] };
  }
  if (prev.confirmed === 'Interruption' && prev.confirmedSince !== null) {
    return {
      next,
      events: [
        { type: 'outage_closed', outageStartedAt: prev.confirmedSince, endedAt: streak.startedAt, confirmedAt: at, observations: streak.count },
      ],
    };
  }
  return { next, events: [{ type: 'baseline_healthy', since: streak.startedAt, confirmedAt: at }] };
}
