import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS, type Simulator, startSimulator } from '../../src/simulator/simulator-server.js';
import { createTempDir, writeConfig } from '../helpers/daemon-process.js';
import { CliChild, compiledCli } from '../helpers/reliability-cli.js';

/**
 * The whole API going away, as one daemon sees it: connection refused (no
 * server at all), then a server that rejects our timestamp (our clock is 10
 * minutes off), then normal service, then every request answered 403 (the IP
 * block IIMMPACT applies above its rate limit), then 401 (a revoked key), with
 * normal service in between. Each phase
 * raises exactly one operator ("monitoring blind") alert and clears it once,
 * no product alert is ever raised, and the daemon recovers without help.
 */

const ENV = { IIMMPACT_API_KEY: SIMULATOR_CREDENTIALS.apiKey, IIMMPACT_HMAC_SECRET: SIMULATOR_CREDENTIALS.hmacSecret };

let dir: string;
let simulator: Simulator | null = null;
let daemon: CliChild | null = null;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(() => {
  dir = createTempDir('netwatch-api-outage-');
});

afterAll(async () => {
  await daemon?.stop('SIGKILL');
  await simulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the IIMMPACT API unreachable, rejecting our clock, or blocking our IP', () => {
  it('raises one operator alert per condition, clears it, never alerts a product, and recovers by itself', {
    timeout: 120_000,
  }, async () => {
    const port = await freePort();
    const dbPath = join(dir, 'netwatch.db');
    const configPath = writeConfig(
      dir,
      `
api:
  baseUrl: http://127.0.0.1:${port}
  timeoutMs: 1500
  maxRequestsPerSecond: 50
  retries: 0
schedule: "* * * * * *"
products: [TNB, UNIFI, ASTRO]
database: ${dbPath}
alerting:
  confirmAfter: 2
  groupWait: 0
  unknownAfter: 3s
http:
  enabled: false
`,
    );
    daemon = new CliChild(await compiledCli(), ['run', '--config', configPath], { env: ENV });
    const d = daemon;
    const alertLine = (prefix: string, from: number) => d.waitFor((line) => line.msg.startsWith(prefix), 30_000, from);

    // 1. Nothing listens: connection refused on every request.
    const refused = await alertLine('ALERT MONITORING PROBLEM', 0);
    expect(refused.msg).toContain('Every request to IIMMPACT in the last cycle failed (3 products: 3 network)');
    expect(d.lines.some((line) => line.msg.startsWith('every request in the cycle failed'))).toBe(true);
    const refusedCheck = d.linesWith('check failed; recorded as Unknown')[0];
    expect(refusedCheck).toMatchObject({ errorKind: 'network' });
    expect(String(refusedCheck?.err)).toMatch(/^network error: connect ECONNREFUSED 127\.0\.0\.1:\d+$/);

    // 2. The API is back, but our clock is 10 minutes ahead of it: every request is rejected.
    let offsetMs = -600_000;
    simulator = await startSimulator({ port, clock: { now: () => Date.now() + offsetMs } });
    const sim = simulator;
    let mark = d.lines.length;
    const skew = await alertLine('ALERT MONITORING PROBLEM', mark);
    expect(skew.msg).toContain('IIMMPACT is rejecting netwatch');
    expect(skew.msg).toContain('clock-skew rejections');
    expect(d.lines.slice(mark).some((line) => line.errorKind === 'clock_skew' && String(line.err).includes('check the system clock'))).toBe(
      true,
    );
    await alertLine('ALERT MONITORING RESTORED', mark);

    // 3. The clock is fixed: checks succeed again and the condition clears.
    mark = d.lines.length;
    offsetMs = 0;
    const restored = await alertLine('ALERT MONITORING RESTORED', mark);
    expect(restored.msg).toContain('IIMMPACT accepts netwatch');
    await d.waitFor((line) => line.msg === 'cycle finished' && line.healthy === 3, 20_000, mark);

    // 4. The IP is blocked: every request gets 403. Then the block is lifted.
    mark = d.lines.length;
    sim.failAll(403);
    const blocked = await alertLine('ALERT MONITORING PROBLEM', mark);
    expect(blocked.msg).toContain('3 HTTP 403 forbidden of 3');
    expect(
      d.lines
        .slice(mark)
        .some((line) => line.errorKind === 'forbidden' && String(line.err).startsWith('forbidden: IP may be rate-blocked')),
    ).toBe(true);
    mark = d.lines.length;
    sim.failAll(null);
    await alertLine('ALERT MONITORING RESTORED', mark);
    await d.waitFor((line) => line.msg === 'cycle finished' && line.healthy === 3, 20_000, mark);

    // 5. The key is revoked: 401 on every request. Then it is valid again.
    mark = d.lines.length;
    sim.failAll({ status: 401, body: '{"message":"Invalid API key"}' });
    const revoked = await alertLine('ALERT MONITORING PROBLEM', mark);
    expect(revoked.msg).toContain('3 HTTP 401 auth failures of 3');
    expect(
      d.lines
        .slice(mark)
        .some(
          (line) =>
            line.errorKind === 'auth' && String(line.err).startsWith('auth failed: check IIMMPACT_API_KEY / HMAC secret (HTTP 401)'),
        ),
    ).toBe(true);
    mark = d.lines.length;
    sim.failAll(null);
    await alertLine('ALERT MONITORING RESTORED', mark);
    await d.waitFor((line) => line.msg === 'cycle finished' && line.healthy === 3, 20_000, mark);
    expect(await d.stop('SIGTERM')).toBe(0);

    const db = new Database(dbPath, { readonly: true });
    try {
      const events = (
        db.prepare('select kind, payload from alert_events order by id').all() as Array<{ kind: string; payload: string }>
      ).map((event) => `${event.kind}:${(JSON.parse(event.payload) as { condition?: string }).condition ?? ''}`);
      expect(events).toEqual([
        'monitoring_blind:api_unreachable',
        'monitoring_blind:auth',
        'monitoring_restored:api_unreachable',
        'monitoring_restored:auth',
        'monitoring_blind:auth',
        'monitoring_restored:auth',
        'monitoring_blind:auth',
        'monitoring_restored:auth',
      ]);
      expect(db.prepare('select count(*) as n from outages').get()).toEqual({ n: 0 });
      // It kept polling throughout: every phase left its Unknown checks, and the last ones are Healthy.
      const errors = db.prepare("select distinct error from v_checks where status = 'Unknown'").pluck().all() as string[];
      expect(errors.some((e) => e.startsWith('network error: connect ECONNREFUSED'))).toBe(true);
      expect(errors.some((e) => e.includes('check the system clock'))).toBe(true);
      expect(errors.some((e) => e.startsWith('forbidden: IP may be rate-blocked (HTTP 403)'))).toBe(true);
      expect(errors.some((e) => e.startsWith('auth failed: check IIMMPACT_API_KEY / HMAC secret (HTTP 401)'))).toBe(true);
      const last = db
        .prepare('select p.code, s.last_status, s.confirmed from product_state s join products p on p.id = s.product_id order by p.code')
        .all();
      expect(last).toEqual([
        { code: 'ASTRO', last_status: 1, confirmed: 1 },
        { code: 'TNB', last_status: 1, confirmed: 1 },
        { code: 'UNIFI', last_status: 1, confirmed: 1 },
      ]);
    } finally {
      db.close();
    }
  });
});
