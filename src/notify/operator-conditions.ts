/**
 * Monitoring-blind conditions, pure. These alerts are about netwatch's own
 * ability to see, never about a biller, and are worded so nobody confuses
 * the two. Each condition raises ONE alert when it starts and ONE "restored"
 * alert when it clears; which conditions are raised is persisted, so a
 * restart does neither twice.
 */

export interface CycleView {
  healthy: number;
  interruption: number;
  unknown: number;
  errorsByKind: Readonly<Record<string, number>>;
  allFailed: boolean;
}

export interface ConditionChange {
  condition: string;
  /** One line for a human; no secrets. */
  summary: string;
  productCode?: string;
  /** When the condition began (epoch seconds). */
  since: number;
}

export interface ConditionDecision {
  raise: ConditionChange[];
  clear: string[];
}

export const API_UNREACHABLE = 'api_unreachable';
export const AUTH_FAILING = 'auth';
export const GLOBAL_CONDITIONS: readonly string[] = [API_UNREACHABLE, AUTH_FAILING];

const AUTH_KINDS = ['auth', 'forbidden', 'clock_skew'] as const;

/**
 * Decides the API-wide conditions after a cycle that started at `cycleStart`
 * (epoch seconds).
 * - `auth`: at least half of the cycle's requests were rejected with 401,
 *   403 or a clock-skew error (one stray 401 is not an outage of our access).
 * - `api_unreachable`: every request failed at the transport level (and it is
 *   not the auth condition).
 * A cycle in which nothing answered (shutdown) changes nothing.
 */
export function decideCycleConditions(cycle: CycleView, active: ReadonlySet<string>, cycleStart: number): ConditionDecision {
  const answered = cycle.healthy + cycle.interruption + cycle.unknown;
  if (answered === 0) return { raise: [], clear: [] };
  const authFailures = AUTH_KINDS.reduce((sum, kind) => sum + (cycle.errorsByKind[kind] ?? 0), 0);
  const authNow = authFailures > 0 && authFailures * 2 >= answered;
  const unreachableNow = cycle.allFailed && !authNow;

  const decision: ConditionDecision = { raise: [], clear: [] };
  const apply = (condition: string, now: boolean, summary: () => string) => {
    if (now && !active.has(condition)) decision.raise.push({ condition, summary: summary(), since: cycleStart });
    if (!now && active.has(condition)) decision.clear.push(condition);
  };
  apply(AUTH_FAILING, authNow, () => {
    const parts = AUTH_KINDS.filter((kind) => (cycle.errorsByKind[kind] ?? 0) > 0).map(
      (kind) => `${cycle.errorsByKind[kind]} ${AUTH_LABEL[kind]}`,
    );
    return `IIMMPACT is rejecting netwatch's requests (${parts.join(', ')} of ${answered}). Check IIMMPACT_API_KEY and IIMMPACT_HMAC_SECRET, the server clock, and whether this IP was blocked for exceeding the rate limit (HTTP 403).`;
  });
  apply(API_UNREACHABLE, unreachableNow, () => {
    const kinds = Object.entries(cycle.errorsByKind)
      .filter(([, count]) => count > 0)
      .map(([kind, count]) => `${count} ${kind}`)
      .join(', ');
    return `Every request to IIMMPACT in the last cycle failed (${answered} products: ${kinds}). netwatch cannot reach the API from this host.`;
  });
  return decision;
}

const AUTH_LABEL: Record<(typeof AUTH_KINDS)[number], string> = {
  auth: 'HTTP 401 auth failures',
  forbidden: 'HTTP 403 forbidden',
  clock_skew: 'clock-skew rejections',
};

export interface ProductCheckView {
  productCode: string;
  productName: string | null;
  /** Start of the current run of Unknown checks, or null when the last check was known. */
  unknownSince: number | null;
  checkedAt: number;
  /** Secret-free last error text, if any. */
  lastError: string | null;
}

/** `unknown:TNB`. */
export function unknownCondition(productCode: string): string {
  return `unknown:${productCode}`;
}

/**
 * Decides per-product "no usable status for longer than unknownAfter"
 * conditions. While an API-wide condition is raised, new per-product ones are
 * not (one "API unreachable" alert instead of one per product); they are
 * still cleared as products answer again. `unknownAfterSeconds` 0 turns them off.
 */
export function decideUnknownConditions(
  checks: readonly ProductCheckView[],
  active: ReadonlySet<string>,
  unknownAfterSeconds: number,
  globalBlind: boolean,
): ConditionDecision {
  const decision: ConditionDecision = { raise: [], clear: [] };
  for (const check of checks) {
    const condition = unknownCondition(check.productCode);
    const isActive = active.has(condition);
    if (check.unknownSince === null) {
      if (isActive) decision.clear.push(condition);
      continue;
    }
    if (isActive || globalBlind || !(unknownAfterSeconds > 0)) continue;
    if (check.checkedAt - check.unknownSince < unknownAfterSeconds) continue;
    const label = check.productName ? `${check.productCode} (${check.productName})` : check.productCode;
    const error = check.lastError ? ` Last error: ${check.lastError.slice(0, 200)}.` : '';
    decision.raise.push({
      condition,
      productCode: check.productCode,
      since: check.unknownSince,
      summary: `netwatch has had no usable status for ${label} since its checks started failing; its state is unknown, not necessarily down.${error}`,
    });
  }
  return decision;
}
