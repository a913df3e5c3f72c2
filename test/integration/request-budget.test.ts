import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS, type Simulator, startSimulator } from '../../src/simulator/simulator-server.js';
import { maxInWindow } from '../helpers/arrival-windows.js';
import { createTempDir, DaemonProcess, writeConfig } from '../helpers/daemon-process.js';

let simulator: Simulator;
let dir: string;
const processes: DaemonProcess[] = [];
const env = { IIMMPACT_API_KEY: SIMULATOR_CREDENTIALS.apiKey, IIMMPACT_HMAC_SECRET: SIMULATOR_CREDENTIALS.hmacSecret };

beforeEach(async () => {
  simulator = await startSimulator({ latencyMs: 20 });
  dir = createTempDir();
});

afterEach(async () => {
  for (const child of processes.splice(0)) await child.stop('SIGKILL').catch(() => undefined);
  await simulator.close();
});

describe('the IIMMPACT request budget', () => {
  it('holds across retries, product discovery, overrunning cycles and a concurrent `netwatch check`', { timeout: 90_000 }, async () => {
    const rate = 10;
    const configPath = writeConfig(
      dir,
      `
api:
  baseUrl: ${simulator.url}
  maxRequestsPerSecond: ${rate}
  concurrency: 8
  timeoutMs: 2000
  retries: 2
schedule: "*/2 * * * * *"
products: all
database: ${join(dir, 'budget.db')}
http:
  enabled: false
`,
    );
    // Failures that are retried compete for the same tokens and make cycles overrun.
    for (const code of ['TNB', 'UNIFI', 'ASTRO', 'MAXIS'])
      simulator.script(
        code,
        Array.from({ length: 6 }, () => ({ status: 503 })),
      );

    const daemon = new DaemonProcess(['run', '--config', configPath], env);
    processes.push(daemon);
    await daemon.waitFor((line) => line.msg === 'cycle finished');
    const check = new DaemonProcess(['check', '--config', configPath, '--json'], env);
    processes.push(check);
    const checkExit = await check.exited;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await daemon.stop('SIGTERM');

    expect([0, 4]).toContain(checkExit);
    expect(check.lines.some((line) => line.msg.startsWith('sharing the IIMMPACT request budget'))).toBe(true);
    const requests = simulator.requests();
    expect(requests.some((r) => r.path === '/v2/product-list')).toBe(true);
    expect(requests.length).toBeGreaterThan(40);
    const peak = maxInWindow(requests.map((r) => r.atMs));
    expect(peak).toBeLessThanOrEqual(rate);
    // The limit is a ceiling, not a trickle: demand exceeded it, so it was nearly reached.
    expect(peak).toBeGreaterThanOrEqual(rate - 3);
    expect(daemon.lines.some((line) => /skipping this tick/.test(line.msg))).toBe(true);
  });
});
