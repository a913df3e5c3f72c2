import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateProducts, SIMULATOR_CREDENTIALS, type Simulator, startSimulator } from '../../src/simulator/simulator-server.js';
import { maxInWindow } from '../helpers/arrival-windows.js';
import { createTempDir, writeConfig } from '../helpers/daemon-process.js';
import { CliChild, compiledCli, runCli } from '../helpers/reliability-cli.js';

/**
 * IIMMPACT blocks an IP for 4 hours above 30,000 requests per 5 minutes (100/s
 * on average), and that block would also stop the company's own payments from
 * the same IP. netwatch therefore (1) refuses, at config validation, a product
 * list the schedule cannot poll within budget, with the numbers; (2) caps any
 * non-loopback API at 50 requests/s whatever the config says (through the CLI),
 * and holds 50/s on the wire (against loopback: no other address is ever a
 * target of these tests); and (3)
 * lets only a loopback simulator go faster. The cross-process budget (retries,
 * product discovery, a concurrent `netwatch check`) is proved in
 * test/integration/request-budget.test.ts.
 */

const ENV = { IIMMPACT_API_KEY: SIMULATOR_CREDENTIALS.apiKey, IIMMPACT_HMAC_SECRET: SIMULATOR_CREDENTIALS.hmacSecret };
let dir: string;
let simulator: Simulator | null = null;
const children: CliChild[] = [];

beforeAll(() => {
  dir = createTempDir('netwatch-budget-limits-');
});

afterEach(async () => {
  for (const child of children.splice(0)) await child.stop('SIGKILL');
  await simulator?.close();
  simulator = null;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function config(name: string, body: string): string {
  return writeConfig(createTempDir(`netwatch-budget-${name}-`), `${body}\ndatabase: ${join(dir, `${name}.db`)}\nhttp:\n  enabled: false\n`);
}

const codes = (n: number) => `[${Array.from({ length: n }, (_, i) => `P${String(i + 1).padStart(4, '0')}`).join(', ')}]`;

describe('config validation of the request budget', () => {
  it('refuses a product count the schedule cannot poll in budget, and explains the numbers', async () => {
    const entry = await compiledCli();
    const local = await runCli(
      entry,
      ['config', 'validate', '--config', config('too-many', `api:\n  baseUrl: http://127.0.0.1:9\nproducts: ${codes(1000)}`)],
      ENV,
    );
    expect(local.status).toBe(2);
    expect(local.stderr.trim()).toBe(
      'netwatch: products: 1000 products at 10 requests/s need 100.0 s per cycle, but the schedule runs every 60 s and a cycle may use ' +
        'at most 80% of that (48.0 s) to leave room for retries. Poll at most 480 products, slow the schedule, or raise ' +
        'api.maxRequestsPerSecond (non-loopback APIs are capped at 50/s).',
    );

    // Asking for 500/s against the real API does not help: the ceiling is 50/s.
    const remote = await runCli(
      entry,
      [
        'config',
        'validate',
        '--config',
        config('remote-too-many', `api:\n  baseUrl: https://api.iimmpact.com\n  maxRequestsPerSecond: 500\nproducts: ${codes(3000)}`),
      ],
      ENV,
    );
    expect(remote.status).toBe(2);
    expect(remote.stderr).toContain('products: 3000 products at 50 requests/s need 60.0 s per cycle');
    expect(remote.stderr).toContain('Poll at most 2400 products');
  });

  it('caps a non-loopback API at 50/s with a warning, leaves a loopback one alone, and wants a token off loopback', async () => {
    const entry = await compiledCli();
    const remote = await runCli(
      entry,
      [
        'config',
        'validate',
        '--config',
        config('remote', 'api:\n  baseUrl: https://api.iimmpact.com\n  maxRequestsPerSecond: 500\nproducts: [TNB]'),
      ],
      ENV,
    );
    expect(remote.status).toBe(0);
    expect(remote.stdout).toContain('api          https://api.iimmpact.com, 50 req/s');
    expect(remote.stdout).toContain(
      'warning      api.maxRequestsPerSecond: 500/s is above the 50/s ceiling for a non-loopback API; using 50/s',
    );

    const local = await runCli(
      entry,
      [
        'config',
        'validate',
        '--config',
        config('local', 'api:\n  baseUrl: http://127.0.0.1:8080\n  maxRequestsPerSecond: 500\nproducts: [TNB]'),
      ],
      ENV,
    );
    expect(local.status).toBe(0);
    expect(local.stdout).toContain('api          http://127.0.0.1:8080, 500 req/s');

    const open = writeConfig(
      createTempDir('netwatch-budget-open-'),
      `api:\n  baseUrl: http://127.0.0.1:8080\nproducts: [TNB]\ndatabase: ${join(dir, 'open.db')}\nhttp:\n  host: 0.0.0.0\n`,
    );
    const refused = await runCli(entry, ['config', 'validate', '--config', open], { ...ENV, NETWATCH_HTTP_TOKEN: '' });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('http.token: required because http.host 0.0.0.0 is not loopback; set NETWATCH_HTTP_TOKEN');
  });
});

describe('the request rate on the wire', () => {
  async function peakRate(host: string, configured: number): Promise<{ peak: number; requests: number }> {
    simulator = await startSimulator({ host, products: generateProducts(150) });
    const sim = simulator;
    const path = config(
      `wire-${configured}`,
      `api:\n  baseUrl: ${sim.url}\n  maxRequestsPerSecond: ${configured}\n  concurrency: 16\n  retries: 0\nschedule: "*/5 * * * * *"\nproducts: all`,
    );
    const daemon = new CliChild(await compiledCli(), ['run', '--config', path], { env: ENV });
    children.push(daemon);
    await daemon.until(() => daemon.linesWith('cycle finished').length >= 2, 60_000, 'two cycles of 150 products');
    await daemon.stop('SIGTERM');
    const arrivals = sim.requests().map((request) => request.atMs);
    // Counted in 900 ms windows: see api-faults.test.ts on grant-to-wire stalls under load.
    return { peak: maxInWindow(arrivals, 900), requests: arrivals.length };
  }

  // Only loopback is ever a target here, so the non-loopback ceiling is proven in two steps: config
  // validation turns any non-loopback maxRequestsPerSecond above 50 into 50 (the test above, through the
  // real CLI), and here a daemon running at 50/s never puts more than 50 requests in any window on the wire.
  it('holds the 50 requests/s ceiling on the wire', { timeout: 120_000 }, async () => {
    const { peak, requests } = await peakRate('127.0.0.1', 50);
    expect(requests).toBeGreaterThanOrEqual(300);
    expect(peak).toBeLessThanOrEqual(50);
    // A ceiling, not a trickle: the limiter ran close to it (50/s is about 44 per 900 ms).
    expect(peak).toBeGreaterThanOrEqual(40);
  });

  it('lets a loopback simulator (the benchmark, the demo) go faster than 50/s', { timeout: 120_000 }, async () => {
    const { peak } = await peakRate('127.0.0.1', 500);
    expect(peak).toBeGreaterThan(100);
  });
});
