import { describe, expect, it } from 'vitest';
import { matchesProductPattern } from '../../src/notify/routing.js';
import { decideSilenceEnd } from '../../src/notify/silences.js';
import { silenceAt } from '../../src/store/outbox-repository.js';

describe('silences', () => {
  const silences = [
    { id: 1, pattern: 'TNB', created_at: 100, ends_at: 200 },
    { id: 2, pattern: 'ASTRO*', created_at: 150, ends_at: 400 },
  ];

  it('covers [start, end) for matching codes only', () => {
    expect(silenceAt(silences, 'TNB', 99, matchesProductPattern)).toBeNull();
    expect(silenceAt(silences, 'TNB', 100, matchesProductPattern)?.id).toBe(1);
    expect(silenceAt(silences, 'TNB', 199, matchesProductPattern)?.id).toBe(1);
    expect(silenceAt(silences, 'TNB', 200, matchesProductPattern)).toBeNull();
    expect(silenceAt(silences, 'ASTRO_NJOI', 300, matchesProductPattern)?.id).toBe(2);
    expect(silenceAt(silences, 'UNIFI', 150, matchesProductPattern)).toBeNull();
  });

  it('owes one alert per product still interrupted whose latest alert was silenced', () => {
    const owed = decideSilenceEnd(
      [
        // Went down during the silence: nobody knows yet -> interruption.
        { productCode: 'TNB', outageId: 1, latestEventSilenced: true, everNotified: false },
        // Was notified before; a reminder was silenced -> reminder.
        { productCode: 'UNIFI', outageId: 2, latestEventSilenced: true, everNotified: true },
        // Nothing was held back -> nothing.
        { productCode: 'MAXIS', outageId: 3, latestEventSilenced: false, everNotified: true },
        // Another silence still covers it -> that silence's end decides.
        { productCode: 'ASTRO', outageId: 4, latestEventSilenced: true, everNotified: false },
      ],
      (code) => code === 'ASTRO',
    );
    expect(owed).toEqual([
      { productCode: 'TNB', outageId: 1, kind: 'interruption' },
      { productCode: 'UNIFI', outageId: 2, kind: 'reminder' },
    ]);
  });
});
