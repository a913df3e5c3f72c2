import { afterEach, describe, expect, it } from 'vitest';
import type { ProductAlertPayload } from '../../src/domain/alert-event.js';
import { recordCycleConditions } from '../../src/notify/alert-policy.js';
import { addSilence, removeSilence } from '../../src/store/silence-repository.js';
import { RecordingNotifier } from '../fakes/recording-notifier.js';
import { AlertHarness, eventually, nowSeconds } from '../helpers/alert-harness.js';

/**
 * Reminders, silences and monitoring-blind alerts on the real store, with
 * check times chosen by the test (hours pass in milliseconds). Delivery goes
 * to a recording notifier; the channels themselves are covered elsewhere.
 */

const MIN = 60;
const HOUR = 3600;
let harness: AlertHarness | null = null;
let notifier: RecordingNotifier;

afterEach(async () => {
  await harness?.dispose();
  harness = null;
});

async function create(products: string[], alerting = ''): Promise<AlertHarness> {
  notifier = new RecordingNotifier();
  harness = await AlertHarness.create({
    products,
    notifiers: [notifier],
    alertingYaml: `
  confirmAfter: 2
  groupWait: 0
  remindEvery: 1h
  unknownAfter: 10m
${alerting}`,
  });
  return harness;
}

/** Restarts on the same DB with a fresh notifier view of "what was sent since". */
async function restart(h: AlertHarness): Promise<void> {
  await h.stop();
  await h.open();
}

async function settle(h: AlertHarness): Promise<void> {
  await h.recorder.flush();
  await h.worker.idle();
  await eventually(
    async () => (await h.rows<{ n: number }>('select count(*) as n from alert_events where dispatched_at is null'))[0]?.n === 0,
    5000,
    'dispatch',
  );
  await h.worker.idle();
}

function kinds(): string[] {
  return notifier.events().map((event) => `${event.kind}${'productCode' in event && event.productCode ? `:${event.productCode}` : ''}`);
}

describe('reminders', () => {
  it('re-notifies at the interval with the running duration; restarts neither send early nor skip; long downtime gives one', async () => {
    const h = await create(['TNB']);
    const T = nowSeconds() - 20 * HOUR;
    let at = await h.checks({ TNB: 'Healthy' }, T, 2, 5 * MIN);
    at = await h.checks({ TNB: 'Interruption' }, at, 2, 5 * MIN); // confirmed at T+15min
    const confirmedAt = T + 15 * MIN;
    // Up to just before the first reminder is due, with a restart in the middle.
    at = await h.checks({ TNB: 'Interruption' }, at, 5, 5 * MIN);
    await restart(h);
    at = await h.checks({ TNB: 'Interruption' }, at, 6, 5 * MIN); // last check at T+70min < confirmedAt+1h = T+75min
    await settle(h);
    expect(kinds()).toEqual(['interruption:TNB']);

    // Restart exactly before the due time: the first check at or after it reminds.
    await restart(h);
    at = await h.checks({ TNB: 'Interruption' }, at, 1, 5 * MIN); // T+75min
    await settle(h);
    expect(kinds()).toEqual(['interruption:TNB', 'reminder:TNB']);
    const first = notifier.events()[1] as ProductAlertPayload;
    expect(first.remindedAt).toBe(confirmedAt + HOUR);
    // Running duration: from the first Interruption check (T+10min) to the reminder.
    expect(first.remindedAt! - first.startedAt).toBe(HOUR + 5 * MIN);

    // Restart right after a reminder: no early one.
    await restart(h);
    at = await h.checks({ TNB: 'Interruption' }, at, 11, 5 * MIN); // up to T+130min
    await settle(h);
    expect(kinds()).toHaveLength(2);
    at = await h.checks({ TNB: 'Interruption' }, at, 1, 5 * MIN); // T+135min = last reminder + 1h
    await settle(h);
    expect(kinds()).toHaveLength(3);

    // Down for 5 hours: the first check after the restart sends ONE reminder, then the interval resumes.
    await restart(h);
    at += 5 * HOUR;
    at = await h.checks({ TNB: 'Interruption' }, at, 12, 5 * MIN);
    await settle(h);
    expect(kinds()).toEqual(['interruption:TNB', 'reminder:TNB', 'reminder:TNB', 'reminder:TNB']);
    const [state] = await h.rows<{ last_reminder_at: number }>('select last_reminder_at from product_state');
    expect(state?.last_reminder_at).toBe(T + 135 * MIN + 5 * HOUR + 5 * MIN);

    // Recovery: reminders stop, and the next outage starts a fresh reminder clock.
    at = await h.checks({ TNB: 'Healthy' }, at, 2, 5 * MIN);
    at = await h.checks({ TNB: 'Healthy' }, at, 20, 5 * MIN);
    await settle(h);
    expect(kinds().at(-1)).toBe('recovery:TNB');
    expect(kinds()).toHaveLength(5);
  });
});

describe('silences', () => {
  it('records a transition during a silence without sending it, and sends one alert at the end if still interrupted', async () => {
    const h = await create(['TNB', 'UNIFI']);
    const T = nowSeconds() - 10 * HOUR;
    let at = await h.checks({ TNB: 'Healthy', UNIFI: 'Healthy' }, T, 2, 5 * MIN);
    const silenceId = await addSilence(h.store.db, {
      pattern: '*',
      reason: 'IIMMPACT maintenance window',
      createdBy: 'test',
      now: at,
      endsAt: at + 2 * HOUR,
    });
    // Both go down during the silence; UNIFI recovers before it ends, TNB does not.
    at = await h.checks({ TNB: 'Interruption', UNIFI: 'Interruption' }, at, 3, 5 * MIN);
    at = await h.checks({ TNB: 'Interruption', UNIFI: 'Healthy' }, at, 2, 5 * MIN);
    at = await h.checks({ TNB: 'Interruption', UNIFI: 'Healthy' }, at, 15, 5 * MIN); // past the first reminder time, still silenced
    await settle(h);
    expect(kinds()).toEqual([]);
    const suppressed = await h.rows<{ kind: string; suppressed: string | null }>('select kind, suppressed from alert_events order by id');
    expect(suppressed).toEqual([
      { kind: 'interruption', suppressed: `silence #${silenceId}: IIMMPACT maintenance window` },
      { kind: 'interruption', suppressed: `silence #${silenceId}: IIMMPACT maintenance window` },
      { kind: 'recovery', suppressed: `silence #${silenceId}: IIMMPACT maintenance window` },
      { kind: 'reminder', suppressed: `silence #${silenceId}: IIMMPACT maintenance window` },
    ]);

    // The silence ends with TNB still down: exactly one alert, an interruption (nobody was told yet).
    at = await h.checks({ TNB: 'Interruption', UNIFI: 'Healthy' }, at, 6, 5 * MIN);
    await settle(h);
    expect(kinds()).toEqual(['interruption:TNB']);
    const owed = notifier.events()[0] as ProductAlertPayload;
    expect(owed.afterSilence).toEqual({ silenceId, reason: 'IIMMPACT maintenance window', endedAt: T + 10 * MIN + 2 * HOUR });

    // A restart does not repeat it; the recovery afterwards is sent normally.
    await restart(h);
    at = await h.checks({ TNB: 'Interruption', UNIFI: 'Healthy' }, at, 2, 5 * MIN);
    at = await h.checks({ TNB: 'Healthy', UNIFI: 'Healthy' }, at, 2, 5 * MIN);
    await settle(h);
    expect(kinds()).toEqual(['interruption:TNB', 'recovery:TNB']);
  });

  it('sends a reminder at the end for an outage notified before the silence; nothing for one that recovered during it', async () => {
    const h = await create(['TNB', 'ASTRO']);
    const T = nowSeconds() - 10 * HOUR;
    let at = await h.checks({ TNB: 'Healthy', ASTRO: 'Healthy' }, T, 2, 5 * MIN);
    at = await h.checks({ TNB: 'Interruption', ASTRO: 'Interruption' }, at, 2, 5 * MIN);
    await settle(h);
    expect(kinds().sort()).toEqual(['interruption:ASTRO', 'interruption:TNB']);
    const silenceId = await addSilence(h.store.db, {
      pattern: 't?b',
      reason: 'known, vendor ticket 123',
      createdBy: null,
      now: at,
      endsAt: at + 3 * HOUR,
    });
    await addSilence(h.store.db, { pattern: 'ASTRO*', reason: 'ack', createdBy: null, now: at, endsAt: at + 3 * HOUR });
    at = await h.checks({ TNB: 'Interruption', ASTRO: 'Interruption' }, at, 14, 5 * MIN); // a silenced reminder for each
    at = await h.checks({ TNB: 'Interruption', ASTRO: 'Healthy' }, at, 2, 5 * MIN); // ASTRO recovers, silenced
    await settle(h);
    expect(kinds()).toHaveLength(2);

    // End TNB's silence early with `silence remove`: the next check sends the owed reminder.
    expect(await removeSilence(h.store.db, silenceId, at)).toBe('removed');
    expect(await removeSilence(h.store.db, silenceId, at)).toBe('already_ended');
    at = await h.checks({ TNB: 'Interruption', ASTRO: 'Healthy' }, at, 1, 5 * MIN);
    await settle(h);
    expect(kinds().slice(2)).toEqual(['reminder:TNB']);
    expect((notifier.events()[2] as ProductAlertPayload).afterSilence?.silenceId).toBe(silenceId);

    // ASTRO's silence ends after it recovered: nothing goes out then.
    at = await h.checks({ TNB: 'Interruption', ASTRO: 'Healthy' }, at, 36, 5 * MIN);
    await settle(h);
    expect(kinds().filter((kind) => kind.endsWith('ASTRO'))).toEqual(['interruption:ASTRO']);
  });
});

describe('monitoring-blind alerts', () => {
  const failing = { healthy: 0, interruption: 0, unknown: 3, errorsByKind: { network: 3 }, allFailed: true };
  const fine = { healthy: 3, interruption: 0, unknown: 0, errorsByKind: {}, allFailed: false };

  it('alerts once when the API is unreachable, not again after a restart, and once when restored', async () => {
    const h = await create(['TNB']);
    const T = nowSeconds() - HOUR;
    expect(await recordCycleConditions(h.store.db, failing, T, T + 5)).toBe(1);
    expect(await recordCycleConditions(h.store.db, failing, T + 60, T + 65)).toBe(0);
    h.worker.wake();
    await settle(h);
    await restart(h);
    expect(await recordCycleConditions(h.store.db, failing, T + 120, T + 125)).toBe(0);
    expect(await recordCycleConditions(h.store.db, fine, T + 180, T + 185)).toBe(1);
    h.worker.wake();
    await settle(h);
    expect(kinds()).toEqual(['monitoring_blind', 'monitoring_restored']);
    const [blind, restored] = notifier.events();
    expect(blind).toMatchObject({ condition: 'api_unreachable', since: T });
    expect(restored).toMatchObject({ condition: 'api_unreachable', since: T, at: T + 185 });
  });

  it('alerts when a product stays Unknown past unknownAfter, and when it answers again; not per product while the API is down', async () => {
    const h = await create(['TNB', 'UNIFI']);
    const T = nowSeconds() - 2 * HOUR;
    let at = await h.checks({ TNB: 'Healthy', UNIFI: 'Healthy' }, T, 2, MIN);
    at = await h.checks({ TNB: 'Unknown', UNIFI: 'Healthy' }, at, 10, MIN); // 9 min of Unknown
    await settle(h);
    expect(kinds()).toEqual([]);
    at = await h.checks({ TNB: 'Unknown', UNIFI: 'Healthy' }, at, 3, MIN); // crosses 10 min once
    await settle(h);
    expect(kinds()).toEqual(['monitoring_blind:TNB']);
    expect(notifier.events()[0]).toMatchObject({ condition: 'unknown:TNB', since: T + 2 * MIN });
    expect((notifier.events()[0] as { summary: string }).summary).toContain('HTTP 500: upstream error');
    at = await h.checks({ TNB: 'Healthy', UNIFI: 'Healthy' }, at, 1, MIN);
    await settle(h);
    expect(kinds()).toEqual(['monitoring_blind:TNB', 'monitoring_restored:TNB']);

    // While an API-wide condition is raised, products going Unknown do not each alert.
    expect(await recordCycleConditions(h.store.db, { ...failing, unknown: 2, errorsByKind: { timeout: 2 } }, at, at + 1)).toBe(1);
    h.worker.wake();
    at = await h.checks({ TNB: 'Unknown', UNIFI: 'Unknown' }, at, 15, MIN);
    await settle(h);
    expect(kinds()).toEqual(['monitoring_blind:TNB', 'monitoring_restored:TNB', 'monitoring_blind']);
  });
});
