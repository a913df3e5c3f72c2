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
  events: readonly TransitionEvent[];
}

/** Most observations confirm nothing; they all share this one empty list. */
const NO_EVENTS: readonly TransitionEvent[] = Object.freeze([]);

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
  // States are built field by field: this runs once per check, and a spread
  // copies property by property.
  if (status === 'Unknown') {
    const next = {
      confirmed: prev.confirmed,
      confirmedSince: prev.confirmedSince,
      streak: prev.streak,
      unknownSince: prev.unknownSince ?? at,
    };
    return { next, events: NO_EVENTS };
  }
  const known: KnownStatus = status;
  if (prev.confirmed === known) {
    return {
      next: { confirmed: prev.confirmed, confirmedSince: prev.confirmedSince, streak: null, unknownSince: null },
      events: NO_EVENTS,
    };
  }

  const streak =
    prev.streak && prev.streak.status === known
      ? { status: known, count: prev.streak.count + 1, startedAt: prev.streak.startedAt }
      : { status: known, count: 1, startedAt: at };

  if (streak.count < Math.max(1, confirmAfter)) {
    return { next: { confirmed: prev.confirmed, confirmedSince: prev.confirmedSince, streak, unknownSince: null }, events: NO_EVENTS };
  }

  const next: ProductState = { confirmed: known, confirmedSince: streak.startedAt, streak: null, unknownSince: null };
  if (known === 'Interruption') {
    return { next, events: [{ type: 'outage_opened', startedAt: streak.startedAt, confirmedAt: at, observations: streak.count }] };
  }
  if (prev.confirmed === 'Interruption' && prev.confirmedSince !== null) {
    return {
      next,
      events: [
        {
          type: 'outage_closed',
          outageStartedAt: prev.confirmedSince,
          endedAt: streak.startedAt,
          confirmedAt: at,
          observations: streak.count,
        },
      ],
    };
  }
  return { next, events: [{ type: 'baseline_healthy', since: streak.startedAt, confirmedAt: at }] };
}
