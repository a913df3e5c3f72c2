import { isoFromSeconds } from '../shared/clock.js';
import { describeError } from '../shared/errors.js';

export interface ReadinessInputs {
  /** Epoch ms. */
  nowMs: number;
  /** When the daemon started, epoch ms. */
  startedAtMs: number;
  /** When the last poll cycle finished, epoch ms; null before the first. */
  lastCycleFinishedAtMs: number | null;
  /** Shortest gap between two scheduled cycles, in seconds. */
  intervalSeconds: number;
  /** Resolves when the database can take a write; rejects with the reason otherwise. */
  probeDatabase: () => Promise<void>;
}

/** The `/readyz` body. */
export interface ReadinessReport {
  status: 'ready' | 'not_ready';
  /** One readable line per failing check; empty when ready. */
  reasons: string[];
  checks: {
    cycle: { ok: boolean; lastFinishedAt: string | null; ageSeconds: number | null; maxAgeSeconds: number };
    database: { ok: boolean; error: string | null };
  };
}

/** Readiness allows this many schedule intervals since the last finished cycle. */
export const READY_INTERVALS = 3;

/**
 * Ready means: a poll cycle finished within the last 3 schedule intervals, and
 * the database takes writes. A stuck scheduler, a cycle that never ends, or a
 * locked/read-only database all turn it to not ready. Never throws.
 */
export async function checkReadiness(inputs: ReadinessInputs): Promise<ReadinessReport> {
  const reasons: string[] = [];
  const maxAgeSeconds = READY_INTERVALS * inputs.intervalSeconds;
  const finished = inputs.lastCycleFinishedAtMs;
  const ageSeconds = finished === null ? null : Math.max(0, Math.round((inputs.nowMs - finished) / 1000));
  const cycleOk = ageSeconds !== null && ageSeconds <= maxAgeSeconds;
  if (ageSeconds === null) {
    const upSeconds = Math.max(0, Math.round((inputs.nowMs - inputs.startedAtMs) / 1000));
    reasons.push(`no poll cycle has finished since the daemon started ${upSeconds} s ago`);
  } else if (!cycleOk) {
    reasons.push(
      `the last poll cycle finished ${ageSeconds} s ago; expected one within ${maxAgeSeconds} s (${READY_INTERVALS} schedule intervals)`,
    );
  }

  let databaseError: string | null = null;
  try {
    await inputs.probeDatabase();
  } catch (error) {
    databaseError = describeError(error);
    reasons.push(`the database is not writable: ${databaseError}`);
  }

  return {
    status: reasons.length === 0 ? 'ready' : 'not_ready',
    reasons,
    checks: {
      cycle: {
        ok: cycleOk,
        lastFinishedAt: finished === null ? null : isoFromSeconds(Math.floor(finished / 1000)),
        ageSeconds,
        maxAgeSeconds,
      },
      database: { ok: databaseError === null, error: databaseError },
    },
  };
}
