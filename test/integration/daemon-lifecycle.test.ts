import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS, type Simulator, startSimulator } from '../../src/simulator/simulator-server.js';
import { createTempDir, DaemonProcess, writeConfig } from '../helpers/daemon-process.js';

let simulator: Simulator;
let dir: string;
let daemons: DaemonProcess[] = [];

const credentials = { IIMMPACT_API_KEY: SIMULATOR_CREDENTIALS.apiKey, IIMMPACT_HMAC_SECRET: SIMULATOR_CREDENTIALS.hmacSecret };

function configYaml(options: { products: string; database?: string; timeoutMs?: number; extra?: string }): string {
  return `
api:
  baseUrl: ${simulator.url}
  timeoutMs: ${options.timeoutMs ?? 2000}
  maxRequestsPerSecond: 100
  retries: 0
schedule: "* * * * * *"
products: ${options.products}
database: ${options.database ?? join(dir, 'netwatch.db')}
alerting:
  groupWait: 0
http:
  enabled: false
${options.extra ?? ''}`;
}

function start(args: string[], env: NodeJS.ProcessEnv = credentials): DaemonProcess {
  const daemon = new DaemonProcess(args, env);
  daemons.push(daemon);
  return daemon;
}

beforeEach(async () => {
  simulator = await startSimulator();
  dir = createTempDir();
});

afterEach(async () => {
  for (const daemon of daemons) await daemon.stop('SIGKILL').catch(() => undefined);
  daemons = [];
  await simulator.close();
});

describe('daemon lifecycle', () => {
  it('SIGHUP with an invalid config keeps the old one; with a valid one it applies the new product list', async () => {
    const path = writeConfig(dir, configYaml({ products: '[TNB]' }));
    const daemon = start(['run', '--config', path]);
    await daemon.waitFor((line) => line.msg === 'cycle finished');

    writeFileSync(path, configYaml({ products: '[TNB, "not a code!"]' }));
    process.kill(daemon.pid!, 'SIGHUP');
    const rejected = await daemon.waitFor((line) => line.msg.startsWith('config reload rejected'));
    expect(rejected.msg).toContain('products.1: expected a product code');
    const cyclesBefore = daemon.lines.filter((line) => line.msg === 'cycle finished').length;
    await daemon.waitFor(
      (line) => line.msg === 'cycle finished' && daemon.lines.filter((l) => l.msg === 'cycle finished').length > cyclesBefore + 1,
    );
    expect(simulator.requestCount('UNIFI')).toBe(0);

    writeFileSync(path, configYaml({ products: '[TNB, UNIFI]' }));
    process.kill(daemon.pid!, 'SIGHUP');
    await daemon.waitFor((line) => line.msg.startsWith('config reload accepted'));
    await daemon.waitFor(() => simulator.requestCount('UNIFI') >= 2);
    expect(await daemon.stop('SIGTERM')).toBe(0);
  });

  it('SIGTERM drains and exits 0 within 10 s even while a request hangs', async () => {
    simulator.script('TNB', ['Healthy', { hang: true }]);
    const path = writeConfig(dir, configYaml({ products: '[TNB, UNIFI]', timeoutMs: 25_000 }));
    const daemon = start(['run', '--config', path]);
    await daemon.waitFor(() => simulator.requestCount('TNB') >= 2);
    const started = Date.now();
    expect(await daemon.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(daemon.lines.some((line) => line.msg === 'netwatch stopped')).toBe(true);
  });

  it('exits 2 with a clear message when the database directory cannot be created', async () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const path = writeConfig(dir, configYaml({ products: '[TNB]', database: join(blocker, 'sub', 'netwatch.db') }));
    const daemon = start(['run', '--config', path]);
    expect(await daemon.exited).toBe(2);
    expect(daemon.stderr.join('')).toMatch(/^netwatch: cannot open database .*a-file\/sub\/netwatch\.db: /m);
    expect(daemon.stderr.join('')).not.toMatch(/\n\s+at /);
  });

  it('exits 2 without credentials, naming the variables and the demo', async () => {
    const path = writeConfig(dir, configYaml({ products: '[TNB]' }));
    const daemon = start(['run', '--config', path], { IIMMPACT_API_KEY: '', IIMMPACT_HMAC_SECRET: '' });
    expect(await daemon.exited).toBe(2);
    expect(daemon.stderr.join('')).toContain('export IIMMPACT_API_KEY and IIMMPACT_HMAC_SECRET, or run `npm run demo`');
  });

  it('exits 2 with one line per problem for a bad config file, and no stack trace', async () => {
    const path = writeConfig(dir, 'products: []\napi:\n  timeoutMs: soon\nschedule: "99 * * * *"\n');
    const daemon = start(['config', 'validate', '--config', path]);
    expect(await daemon.exited).toBe(2);
    const lines = daemon.stderr.join('').trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^netwatch: api\.timeoutMs: /),
        expect.stringMatching(/^netwatch: products: expected at least one product code/),
      ]),
    );
    expect(daemon.stderr.join('')).not.toMatch(/\n\s+at /);
  });
});
