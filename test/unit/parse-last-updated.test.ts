import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatLastUpdated, parseLastUpdated } from '../../src/iimmpact/parse-last-updated.js';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

describe('parseLastUpdated', () => {
  it('converts the documented example from GMT+8 to epoch seconds', () => {
    // 19-05-2025 14:49:03 GMT+8 is 2025-05-19T06:49:03Z
    expect(parseLastUpdated('19-05-2025 14:49:03')).toBe(Date.UTC(2025, 4, 19, 6, 49, 3) / 1000);
  });

  it('crosses the date line backwards for early-morning Malaysia times', () => {
    expect(parseLastUpdated('01-01-2025 07:59:59')).toBe(Date.UTC(2024, 11, 31, 23, 59, 59) / 1000);
  });

  it('accepts 29 February only in leap years', () => {
    expect(parseLastUpdated('29-02-2024 00:00:00')).toBe(Date.UTC(2024, 1, 28, 16, 0, 0) / 1000);
    expect(parseLastUpdated('29-02-2025 00:00:00')).toBeNull();
    expect(parseLastUpdated('29-02-2100 00:00:00')).toBeNull();
    expect(parseLastUpdated('29-02-2000 00:00:00')).not.toBeNull();
  });

  it.each([
    ['31-02-2025 10:00:00'],
    ['31-04-2025 10:00:00'],
    ['00-05-2025 10:00:00'],
    ['19-13-2025 10:00:00'],
    ['19-00-2025 10:00:00'],
    ['19-05-2025 25:00:00'],
    ['19-05-2025 24:00:00'],
    ['19-05-2025 14:60:00'],
    ['19-05-2025 14:49:60'],
    ['2025-05-19 14:49:03'],
    ['19/05/2025 14:49:03'],
    ['19-05-2025T14:49:03'],
    ['19-5-2025 14:49:03'],
    ['19-05-2025 14:49'],
    [' 19-05-2025 14:49:03'],
    ['19-05-2025 14:49:03 '],
    ['19-05-2025  14:49:03'],
    ['19-05-2025 14:49:03Z'],
    ['19-05-1969 14:49:03'],
    ['１９-05-2025 14:49:03'],
    [''],
  ])('returns null for %j', (text) => {
    expect(parseLastUpdated(text)).toBeNull();
  });

  it.each([[null], [undefined], [1747637343], [{}], [['19-05-2025 14:49:03']]])('returns null for non-string %j', (value) => {
    expect(parseLastUpdated(value)).toBeNull();
  });

  it('round-trips with formatLastUpdated for every whole second from 1970 to 9999', () => {
    const min = -8 * 3600; // 01-01-1970 00:00:00 GMT+8
    const max = Date.UTC(9999, 11, 31, 15, 59, 59) / 1000; // 31-12-9999 23:59:59 GMT+8
    fc.assert(
      fc.property(fc.integer({ min, max }), (seconds) => {
        const text = formatLastUpdated(seconds);
        expect(text).toMatch(/^\d{2}-\d{2}-\d{4} \d{2}:\d{2}:\d{2}$/);
        expect(parseLastUpdated(text)).toBe(seconds);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with an independent Date-based reading for valid components', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1970, max: 9999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 59 }),
        (y, mo, d, h, mi, s) => {
          const text = `${pad(d)}-${pad(mo)}-${pad(y, 4)} ${pad(h)}:${pad(mi)}:${pad(s)}`;
          const iso = `${pad(y, 4)}-${pad(mo)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}+08:00`;
          expect(parseLastUpdated(text)).toBe(Date.parse(iso) / 1000);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('returns null for out-of-range components in an otherwise valid shape', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 1970, max: 2100 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        (d, mo, y, h, mi, s) => {
          const text = `${pad(d)}-${pad(mo)}-${y} ${pad(h)}:${pad(mi)}:${pad(s)}`;
          const daysInMonth = mo >= 1 && mo <= 12 ? new Date(Date.UTC(y, mo, 0)).getUTCDate() : 0;
          const valid = mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth && h <= 23 && mi <= 59 && s <= 59;
          expect(parseLastUpdated(text) === null).toBe(!valid);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const result = parseLastUpdated(value);
        expect(result === null || Number.isInteger(result)).toBe(true);
      }),
    );
  });
});
