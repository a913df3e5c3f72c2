/**
 * IIMMPACT blocks an IP for 4 hours above 30,000 requests per 5 minutes, and
 * the poller shares that IP with the company's real payment traffic. These
 * rules keep the daemon far below the block.
 */

/** Ceiling for any non-loopback API, whatever the config says: 50/s is 15,000 per 5 min, half the block limit. */
export const REMOTE_MAX_REQUESTS_PER_SECOND = 50;

/** IIMMPACT's documented block threshold. */
export const IIMMPACT_BLOCK_LIMIT = { requests: 30_000, windowSeconds: 300 } as const;

export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The request rate actually enforced: the configured one, clamped for any non-loopback API. */
export function effectiveRequestRate(baseUrl: string, configured: number): number {
  return isLoopbackUrl(baseUrl) ? configured : Math.min(configured, REMOTE_MAX_REQUESTS_PER_SECOND);
}

/**
 * Explains why `products` checks cannot fit in one schedule interval at `rate`
 * requests per second, or returns null when they fit. Retries need headroom, so
 * a cycle may use at most 80% of the interval.
 */
export function explainBudgetProblem(products: number, intervalSeconds: number, rate: number): string | null {
  const secondsNeeded = products / rate;
  const secondsAllowed = intervalSeconds * 0.8;
  if (secondsNeeded <= secondsAllowed) return null;
  const fittingProducts = Math.floor(secondsAllowed * rate);
  return (
    `${products} products at ${rate} requests/s need ${secondsNeeded.toFixed(1)} s per cycle, ` +
    `but the schedule runs every ${intervalSeconds} s and a cycle may use at most 80% of that (${secondsAllowed.toFixed(1)} s) ` +
    `to leave room for retries. Poll at most ${fittingProducts} products, slow the schedule, or raise api.maxRequestsPerSecond ` +
    `(non-loopback APIs are capped at ${REMOTE_MAX_REQUESTS_PER_SECOND}/s).`
  );
}
