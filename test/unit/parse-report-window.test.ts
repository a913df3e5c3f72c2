import { describe, expect, it } from 'vitest';
import { parseReportWindow, parseTimeArgument } from '../../src/report/parse-report-window.js';
import { ReportInputError } from '../../src/report/report-input-error.js';

const utc = (y: number, mo: number, d: number, h = 0, mi = 0, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
const NOW = utc(2024, 11, 15, 3, 30); // 2024-11-15 11:30 in Malaysia

describe('parseTimeArgument', () => {
  it('reads bare dates and times in Malaysia time (GMT+8) by default', () => {
    expect(parseTimeArgument('2024-10-01', 'from', 'malaysia', NOW)).toBe(utc(2024, 9, 30, 16));
    expect(parseTimeArgument('2024-10-01T08:30', 'from', 'malaysia', NOW)).toBe(utc(2024, 10, 1, 0, 30));
    expect(parseTimeArgument('2024-10-01 08:30:15', 'from', 'malaysia', NOW)).toBe(utc(2024, 10, 1, 0, 30, 15));
  });

  it('reads them in UTC with the utc zone', () => {
    expect(parseTimeArgument('2024-10-01', 'from', 'utc', NOW)).toBe(utc(2024, 10, 1));
    expect(parseTimeArgument('2024-10-01T08:30', 'from', 'utc', NOW)).toBe(utc(2024, 10, 1, 8, 30));
  });

  it('honours an explicit offset whatever the zone', () => {
    expect(parseTimeArgument('2024-10-01T08:30Z', 'from', 'malaysia', NOW)).toBe(utc(2024, 10, 1, 8, 30));
    expect(parseTimeArgument('2024-10-01T08:30+08:00', 'from', 'utc', NOW)).toBe(utc(2024, 10, 1, 0, 30));
    expect(parseTimeArgument('2024-10-01T08:30-0130', 'from', 'utc', NOW)).toBe(utc(2024, 10, 1, 10, 0));
  });

  it('includes the whole day or month when a bare date or month is the end', () => {
    expect(parseTimeArgument('2024-10-31', 'to', 'malaysia', NOW)).toBe(utc(2024, 10, 31, 16));
    expect(parseTimeArgument('2024-10', 'from', 'malaysia', NOW)).toBe(utc(2024, 9, 30, 16));
    expect(parseTimeArgument('2024-10', 'to', 'malaysia', NOW)).toBe(utc(2024, 10, 31, 16));
    expect(parseTimeArgument('2024-12', 'to', 'utc', NOW)).toBe(utc(2025, 1, 1));
    // A time is exact, even at midnight.
    expect(parseTimeArgument('2024-10-31T00:00', 'to', 'malaysia', NOW)).toBe(utc(2024, 10, 30, 16));
  });

  it('reads durations back from now, and now itself', () => {
    expect(parseTimeArgument('7d', 'from', 'malaysia', NOW)).toBe(NOW - 7 * 86_400);
    expect(parseTimeArgument('30d', 'from', 'utc', NOW)).toBe(NOW - 30 * 86_400);
    expect(parseTimeArgument('12h', 'from', 'malaysia', NOW)).toBe(NOW - 12 * 3600);
    expect(parseTimeArgument('1d12h', 'from', 'malaysia', NOW)).toBe(NOW - 36 * 3600);
    expect(parseTimeArgument('2w', 'from', 'malaysia', NOW)).toBe(NOW - 14 * 86_400);
    expect(parseTimeArgument('now', 'to', 'malaysia', NOW)).toBe(NOW);
  });

  it.each(['yesterday', '2024-13-01', '2024-02-30', '2024-10-01T24:00', '10/01/2024', '', '7x'])(
    'rejects "%s" with a usage message',
    (text) => {
      expect(() => parseTimeArgument(text, 'from', 'malaysia', NOW)).toThrow(ReportInputError);
      expect(() => parseTimeArgument(text, 'from', 'malaysia', NOW)).toThrow(/--from: expected a date/);
    },
  );
});

describe('parseReportWindow', () => {
  it('defaults to the last 30 days up to now', () => {
    expect(parseReportWindow({ zone: 'malaysia' }, NOW)).toEqual({ from: NOW - 30 * 86_400, to: NOW });
  });

  it('turns "October" into Malaysia midnights with an inclusive --to date', () => {
    expect(parseReportWindow({ from: '2024-10-01', to: '2024-10-31', zone: 'malaysia' }, NOW)).toEqual({
      from: utc(2024, 9, 30, 16),
      to: utc(2024, 10, 31, 16),
    });
  });

  it('rejects a window that ends before it starts, or starts in the future', () => {
    expect(() => parseReportWindow({ from: '2024-10-02', to: '2024-10-01T12:00', zone: 'malaysia' }, NOW)).toThrow(/must be before --to/);
    expect(() => parseReportWindow({ from: '2025-01-01', to: '2025-02-01', zone: 'malaysia' }, NOW)).toThrow(/in the future/);
  });
});
