import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideReminders, type OpenOutageView } from '../../src/notify/reminders.js';

const HOUR = 3600;

describe('decideReminders', () => {
  const outage = (overrides: Partial<OpenOutageView> = {}): OpenOutageView => ({
    productId: 1,
    outageId: 10,
    confirmedAt: 1000,
    lastReminderAt: null,
    ...overrides,
  });

  it('is due one interval after confirmation, then one interval after the last reminder', () => {
    expect(decideReminders([outage()], 1000 + HOUR - 1, HOUR)).toEqual([]);
    expect(decideReminders([outage()], 1000 + HOUR, HOUR)).toEqual([{ productId: 1, outageId: 10, dueAt: 1000 + HOUR }]);
    expect(decideReminders([outage({ lastReminderAt: 1000 + HOUR + 30 })], 1000 + 2 * HOUR + 29, HOUR)).toEqual([]);
    expect(decideReminders([outage({ lastReminderAt: 1000 + HOUR + 30 })], 1000 + 2 * HOUR + 30, HOUR)).toHaveLength(1);
  });

  it('is off with 0', () => {
    expect(decideReminders([outage()], 10 ** 9, 0)).toEqual([]);
  });

  it('sends one reminder, not a burst, after a long downtime', () => {
    expect(decideReminders([outage()], 1000 + 10 * HOUR, HOUR)).toHaveLength(1);
  });

  it('with the last reminder persisted, restarts never send early and never skip (property)', () => {
    // Checks every `step` seconds; the process restarts at arbitrary checks and may be down for a while.
    fc.assert(
      fc.property(
        fc.integer({ min: 30, max: 3600 }),
        fc.integer({ min: 10, max: 120 }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 400 }), downFor: fc.integer({ min: 0, max: 50 }) }), { maxLength: 5 }),
        (remindEvery, step, restarts) => {
          let persisted: number | null = null; // what the DB holds across restarts
          const sent: number[] = [];
          const gaps = new Set<number>();
          for (const restart of restarts) for (let k = 0; k < restart.downFor; k++) gaps.add(restart.at + k);
          const downtime: number[] = [];
          for (let n = 1; n <= 400; n++) {
            const now = 1000 + n * step;
            if (gaps.has(n)) {
              downtime.push(now);
              continue;
            }
            for (const due of decideReminders([outage({ lastReminderAt: persisted })], now, remindEvery)) {
              expect(now).toBeGreaterThanOrEqual(due.dueAt);
              persisted = now;
              sent.push(now);
            }
          }
          const times = [1000, ...sent];
          for (let i = 1; i < times.length; i++) {
            const gap = (times[i] as number) - (times[i - 1] as number);
            // Never early...
            expect(gap).toBeGreaterThanOrEqual(remindEvery);
            // ...and never late by more than one check, unless the process was down in between.
            const downInBetween = downtime.some((t) => t > (times[i - 1] as number) && t < (times[i] as number));
            if (!downInBetween) expect(gap).toBeLessThan(remindEvery + step);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
