import { describe, expect, it } from 'vitest';
import { runSoak } from '../../scripts/soak.js';

/**
 * The nightly soak: the real daemon against the simulator with random API and
 * Slack faults for NETWATCH_SOAK_MINUTES (default 10) minutes. Runs only with
 * NETWATCH_NIGHTLY=1 (`npm run test:nightly`), never in `npm test`.
 */
const NIGHTLY = process.env.NETWATCH_NIGHTLY === '1';
const MINUTES = Number(process.env.NETWATCH_SOAK_MINUTES) || 10;

describe.skipIf(!NIGHTLY)('nightly soak', () => {
  it(`runs ${MINUTES} minutes with flat memory and file descriptors, no lost check and one alert per transition`, {
    timeout: (MINUTES * 60 + 240) * 1000,
  }, async () => {
    const seed = Number(process.env.NETWATCH_TEST_SEED) || Math.floor(Math.random() * 2 ** 31) + 1;
    const report = await runSoak({ minutes: MINUTES, products: 20, seed, log: (line) => process.stdout.write(`${line}\n`) });
    expect(report.checks.lost, `seed ${seed}`).toBe(0);
    expect(report.checks.recorded).toBeGreaterThan(0);
    expect(report.alerts.alertEvents).toBe(report.alerts.transitionsScripted);
    expect(report.alerts.undelivered).toBe(0);
    expect(report.memory.flat, `RSS ${report.memory.firstMb} -> ${report.memory.lastMb} MB`).toBe(true);
    expect(report.fds.flat, `fds ${report.fds.first} -> ${report.fds.last}`).toBe(true);
    expect(report.pass).toBe(true);
  });
});
