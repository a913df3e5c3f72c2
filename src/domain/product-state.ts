import type { KnownStatus } from './status.js';

/**
 * The state machine's memory for one product. Persisted in `product_state`
 * whenever it changes, so a restart resumes mid-streak without a duplicate or
 * a missed transition. Times are epoch seconds.
 */
export interface ProductState {
  /** The confirmed state, or null before the first confirmation. */
  confirmed: KnownStatus | null;
  /** Start of the streak that confirmed `confirmed` (an outage's start, when Interruption). */
  confirmedSince: number | null;
  /** A run of observations disagreeing with `confirmed`; Unknown neither extends nor breaks it. */
  streak: { status: KnownStatus; count: number; startedAt: number } | null;
  /** When the current unbroken run of Unknown observations began; null when the last observation was known. */
  unknownSince: number | null;
}

export const INITIAL_PRODUCT_STATE: ProductState = Object.freeze({
  confirmed: null,
  confirmedSince: null,
  streak: null,
  unknownSince: null,
});

/** True when two states are the same memory (what `product_state` persists of them). Pure. */
export function sameProductState(a: ProductState, b: ProductState): boolean {
  if (a.confirmed !== b.confirmed || a.confirmedSince !== b.confirmedSince || a.unknownSince !== b.unknownSince) return false;
  if (a.streak === null || b.streak === null) return a.streak === b.streak;
  return a.streak.status === b.streak.status && a.streak.count === b.streak.count && a.streak.startedAt === b.streak.startedAt;
}
