import type { Observation } from '../../src/domain/observation.js';
import type { CheckStatus } from '../../src/domain/status.js';

/** mulberry32: a tiny seeded PRNG, so every run writes the same data. Returns floats in [0, 1). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ERRORS = [
  { kind: 'timeout', text: 'timeout after 10000 ms waiting for response headers', http: null },
  { kind: 'http_5xx', text: 'HTTP 503: {"message":"Service Unavailable"}', http: 503 },
  { kind: 'network', text: 'network error: ECONNRESET socket hang up', http: null },
] as const;

/**
 * Observations shaped like production ones, for writing through the real
 * store without HTTP: latencies spread over 60-900 ms, HTTP 200, a
 * `last_updated` up to 15 minutes old, about 0.2% errors (Unknown, with error
 * text), and an outage per product every two weeks or so, lasting 10 minutes
 * to 2 hours, so outages open and close (with 1,000 products, one cycle in
 * ten confirms a transition). Deterministic for a given `random`.
 */
export class SyntheticObservations {
  private readonly downUntil: number[];

  constructor(
    private readonly codes: readonly string[],
    private readonly random: () => number,
  ) {
    this.downUntil = codes.map(() => 0);
  }

  /** One observation per product, all checked at `checkedAt` (epoch s). */
  cycle(checkedAt: number): Observation[] {
    const out: Observation[] = new Array(this.codes.length);
    for (let i = 0; i < this.codes.length; i++) {
      const r = this.random();
      // About one outage per product every two weeks, 10 minutes to 2 hours long.
      if (this.downUntil[i] === 0 && r < 1 / (14 * 1440)) this.downUntil[i] = checkedAt + Math.floor(600 + this.random() * 6600);
      const down = (this.downUntil[i] as number) > checkedAt;
      if (!down) this.downUntil[i] = 0;
      let status: CheckStatus = down ? 'Interruption' : 'Healthy';
      let error: (typeof ERRORS)[number] | null = null;
      if (this.random() < 0.002) {
        error = ERRORS[Math.floor(this.random() * ERRORS.length)] ?? null;
        status = 'Unknown';
      }
      const latency = 60 + Math.floor(this.random() ** 3 * 840);
      out[i] = {
        productCode: this.codes[i] as string,
        status,
        checkedAt,
        latencyMs: error?.kind === 'timeout' ? 10_000 : latency,
        httpStatus: error ? error.http : 200,
        error: error ? error.text : null,
        errorKind: error ? error.kind : null,
        productName: null,
        productImg: null,
        sourceUpdatedAt: error ? null : checkedAt - Math.floor(this.random() * 900),
      };
    }
    return out;
  }
}
