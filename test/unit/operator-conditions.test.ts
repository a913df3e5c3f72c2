import { describe, expect, it } from 'vitest';
import { decideCycleConditions, decideUnknownConditions } from '../../src/notify/operator-conditions.js';

const cycle = (overrides: Partial<Parameters<typeof decideCycleConditions>[0]> = {}) => ({
  healthy: 0,
  interruption: 0,
  unknown: 0,
  errorsByKind: {},
  allFailed: false,
  ...overrides,
});

describe('decideCycleConditions', () => {
  it('raises api_unreachable once when every request fails, and clears it on the first answering cycle', () => {
    const failing = cycle({ unknown: 4, errorsByKind: { timeout: 3, network: 1 }, allFailed: true });
    const raised = decideCycleConditions(failing, new Set(), 500);
    expect(raised.raise).toHaveLength(1);
    expect(raised.raise[0]).toMatchObject({ condition: 'api_unreachable', since: 500 });
    expect(raised.raise[0]?.summary).toContain('3 timeout, 1 network');
    expect(decideCycleConditions(failing, new Set(['api_unreachable']), 560)).toEqual({ raise: [], clear: [] });
    expect(decideCycleConditions(cycle({ healthy: 3, unknown: 1 }), new Set(['api_unreachable']), 620)).toEqual({
      raise: [],
      clear: ['api_unreachable'],
    });
  });

  it('raises auth (not api_unreachable) when most requests are rejected with 401/403, and ignores one stray 401', () => {
    const rejected = cycle({ unknown: 4, errorsByKind: { auth: 4 }, allFailed: true });
    expect(decideCycleConditions(rejected, new Set(), 1).raise.map((c) => c.condition)).toEqual(['auth']);
    expect(decideCycleConditions(cycle({ healthy: 3, unknown: 1, errorsByKind: { auth: 1 } }), new Set(), 1).raise).toEqual([]);
    expect(
      decideCycleConditions(cycle({ unknown: 2, errorsByKind: { forbidden: 2 }, allFailed: true }), new Set(), 1).raise[0]?.summary,
    ).toContain('403');
  });

  it('changes nothing for a cycle in which nothing answered', () => {
    expect(decideCycleConditions(cycle(), new Set(['auth']), 1)).toEqual({ raise: [], clear: [] });
  });
});

describe('decideUnknownConditions', () => {
  const check = (unknownSince: number | null, checkedAt: number) => ({
    productCode: 'TNB',
    productName: 'Tenaga',
    unknownSince,
    checkedAt,
    lastError: 'HTTP 500',
  });

  it('raises once a product has been Unknown for unknownAfter, and clears when it answers', () => {
    expect(decideUnknownConditions([check(1000, 1599)], new Set(), 600, false).raise).toEqual([]);
    const raised = decideUnknownConditions([check(1000, 1600)], new Set(), 600, false).raise;
    expect(raised).toEqual([expect.objectContaining({ condition: 'unknown:TNB', productCode: 'TNB', since: 1000 })]);
    expect(raised[0]?.summary).toContain('HTTP 500');
    expect(decideUnknownConditions([check(1000, 2000)], new Set(['unknown:TNB']), 600, false)).toEqual({ raise: [], clear: [] });
    expect(decideUnknownConditions([check(null, 2060)], new Set(['unknown:TNB']), 600, false)).toEqual({
      raise: [],
      clear: ['unknown:TNB'],
    });
  });

  it('does not raise per-product conditions while an API-wide one is raised, or when turned off', () => {
    expect(decideUnknownConditions([check(1000, 5000)], new Set(), 600, true).raise).toEqual([]);
    expect(decideUnknownConditions([check(1000, 5000)], new Set(), 0, false).raise).toEqual([]);
  });
});
