import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { ConfigError } from '../../src/config/config-error.js';
import { parseConfigText } from '../../src/config/load-config.js';
import { createLogger } from '../../src/shared/logger.js';
import { SIMULATOR_CREDENTIALS, type Simulator, startSimulator } from '../../src/simulator/simulator-server.js';
import { createTempDir, DaemonProcess, writeConfig } from '../helpers/daemon-process.js';

/**
 * The HTTP surface wired into the real daemon: metrics fed by the IIMMPACT
 * client hooks, the poll cycle and the scheduler; readiness from the last
 * cycle; the server started with the app and stopped first; and a taken port
 * failing fast with exit code 2.
 */

const ENV = { IIMMPACT_API_KEY: SIMULATOR_CREDENTIALS.apiKey, IIMMPACT_HMAC_SECRET: SIMULATOR_CREDENTIALS.hmacSecret };

let simulator: Simulator;
let dir: string;
let apps: App[] = [];
let blockers: Server[] = [];

function configYaml(options: { port: number; database: string }): string {
  return `
api:
  baseUrl: ${simulator.url}
  apiKey: \${IIMMPACT_API_KEY}
  hmacSecret: \${IIMMPACT_HMAC_SECRET}
  timeoutMs: 2000
  maxRequestsPerSecond: 200
  retries: 0
schedule: "* * * * * *"
products: [TNB, ASTRO]
database: ${options.database}
alerting:
  confirmAfter: 2
  groupWait: 0
  remindEvery: 0
http:
  port: ${options.port}
log:
  level: silent
`;
}

function createApp(port = 0): App {
  const config = parseConfigText(configYaml({ port, database: join(dir, 'netwatch.db') }), 'test.yaml', {
    env: ENV,
    requireCredentials: true,
  });
  const app = new App(config, { logger: createLogger({ level: 'silent' }) });
  apps.push(app);
  return app;
}

async function occupyPort(): Promise<number> {
  const server = createServer((_req, res) => res.end());
  blockers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function sample(text: string, series: string): number | null {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

beforeEach(async () => {
  simulator = await startSimulator();
  dir = createTempDir('netwatch-http-daemon-');
});

afterEach(async () => {
  for (const app of apps) await app.stop();
  apps = [];
  for (const server of blockers) await new Promise((resolve) => server.close(resolve));
  blockers = [];
  await simulator.close();
});

describe('the daemon with HTTP on', () => {
  it('serves live metrics, readiness and status from the poll loop, and closes the port first on stop', async () => {
    simulator.setStatus('ASTRO', 'Interruption');
    const app = createApp();
    await app.start();
    expect(app.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const url = app.httpUrl as string;

    // Two cycles confirm ASTRO's Interruption (confirmAfter: 2).
    await waitFor(() => (app.lastCycle?.id ?? 0) >= 2);
    await waitFor(async () => (await (await fetch(`${url}metrics`)).text()).includes('netwatch_product_up{product="ASTRO"} 0'));

    const metrics = await (await fetch(`${url}metrics`)).text();
    expect(sample(metrics, 'netwatch_product_up{product="TNB"}')).toBe(1);
    expect(sample(metrics, 'netwatch_checks_total{product="TNB",status="Healthy"}')).toBeGreaterThanOrEqual(2);
    expect(sample(metrics, 'netwatch_checks_total{product="ASTRO",status="Interruption"}')).toBeGreaterThanOrEqual(2);
    // Fed by the IIMMPACT client's onResponse hook: one observation per HTTP attempt.
    expect(sample(metrics, 'netwatch_check_duration_seconds_count')).toBeGreaterThanOrEqual(4);
    expect(sample(metrics, 'netwatch_cycle_duration_seconds_count')).toBeGreaterThanOrEqual(2);
    const lastCycle = sample(metrics, 'netwatch_last_cycle_timestamp_seconds') ?? 0;
    expect(Math.abs(lastCycle - Date.now() / 1000)).toBeLessThan(10);
    expect(sample(metrics, 'process_cpu_seconds_total')).not.toBeNull();

    const ready = await fetch(`${url}readyz`);
    expect(ready.status).toBe(200);
    const status = (await (await fetch(`${url}api/v1/status/ASTRO`)).json()) as { state: string; warning: boolean };
    expect(status).toMatchObject({ state: 'Interruption', warning: true });
    expect((await fetch(url)).status).toBe(200);

    // API errors are counted by kind, per attempt.
    simulator.failAll(503);
    await waitFor(
      async () => (sample(await (await fetch(`${url}metrics`)).text(), 'netwatch_api_errors_total{kind="http_5xx"}') ?? 0) >= 2,
    );

    await app.stop();
    await expect(fetch(`${url}healthz`)).rejects.toThrow();
  });

  it('starts without a listener when http.enabled is false', async () => {
    const config = parseConfigText(
      `${configYaml({ port: 0, database: join(dir, 'off.db') }).replace('http:\n  port: 0', 'http:\n  enabled: false')}`,
      'test.yaml',
      {
        env: ENV,
        requireCredentials: true,
      },
    );
    const app = new App(config, { logger: createLogger({ level: 'silent' }) });
    apps.push(app);
    await app.start();
    expect(app.httpUrl).toBeNull();
  });

  it('fails start() with a ConfigError naming the port, before any poll, when the port is taken', async () => {
    const port = await occupyPort();
    const app = createApp(port);
    const started = app.start();
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(
      `http: cannot listen on 127.0.0.1:${port}: the address is already in use (is another netwatch running?)`,
    );
    expect(simulator.requestCount()).toBe(0);
    expect(app.lastCycle).toBeNull();
  });

  it('`netwatch run` exits with code 2 and one clear line when the port is taken', async () => {
    const port = await occupyPort();
    const configPath = writeConfig(dir, configYaml({ port, database: join(dir, 'cli.db') }));
    const daemon = new DaemonProcess(['run', '--config', configPath], ENV);
    expect(await daemon.exited).toBe(2);
    expect(daemon.stderr.join('')).toContain(`netwatch: http: cannot listen on 127.0.0.1:${port}: the address is already in use`);
    expect(simulator.requestCount()).toBe(0);
  });
});
