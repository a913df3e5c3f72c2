import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiErrorKind } from '../../src/domain/observation.js';
import {
  type ScriptStep,
  SIMULATOR_CREDENTIALS,
  type Simulator,
  type SimulatorProduct,
  startSimulator,
} from '../../src/simulator/simulator-server.js';
import { maxInWindow } from '../helpers/arrival-windows.js';
import { createTempDir, writeConfig } from '../helpers/daemon-process.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { CliChild, compiledCli, eventually } from '../helpers/reliability-cli.js';

/**
 * Every IIMMPACT failure mode, injected into ONE real daemon (`netwatch run`
 * in a child process) through the simulator and a fault proxy on 127.0.0.1.
 * Each fault has its own product, so they all run in the same few cycles.
 * For every fault: the daemon keeps polling, records Unknown with the precise
 * error, raises no product alert (the product stays confirmed Healthy), and
 * comes back by itself (a later Healthy check). A product the API no longer
 * knows stays Unknown and gets the per-product operator alert; one bad
 * product never raises an API-wide one. Meanwhile the hung requests overrun
 * cycles: ticks are skipped (and counted), cycles never overlap, and the
 * request budget holds on the wire.
 */

interface ApiFaultCase {
  code: string;
  fault: string;
  /** Simulator steps; retryable faults are scripted twice (`retries: 1`). */
  steps?: ScriptStep[];
  /** Requests the proxy sabotages itself before forwarding again. */
  proxy?: { action: 'endlessBody' | 'drop'; count: number };
  /** null: no Unknown may be recorded at all (the retry hides the fault). */
  kind: ApiErrorKind | null;
  error?: RegExp;
  httpStatus?: number | null;
}

const TIMEOUT_MS = 2500;
const RATE = 20;

const API_FAULTS: readonly ApiFaultCase[] = [
  { code: 'F500', fault: 'HTTP 500', steps: [{ status: 500 }, { status: 500 }], kind: 'http_5xx', error: /^HTTP 500: /, httpStatus: 500 },
  {
    code: 'F502',
    fault: 'HTTP 502 with an HTML body',
    steps: [
      { status: 502, body: '<html><body>502 Bad Gateway</body></html>' },
      { status: 502, body: '<html><body>502 Bad Gateway</body></html>' },
    ],
    kind: 'http_5xx',
    error: /^HTTP 502: <html><body>502 Bad Gateway<\/body><\/html>$/,
    httpStatus: 502,
  },
  {
    code: 'F504',
    fault: 'HTTP 504 after a long wait (the gateway gives up first)',
    steps: [
      { status: 504, delayMs: 1000 },
      { status: 504, delayMs: 1000 },
    ],
    kind: 'http_5xx',
    error: /^HTTP 504: /,
    httpStatus: 504,
  },
  {
    code: 'F504LATE',
    fault: 'HTTP 504 later than our timeout (we give up first)',
    steps: [{ status: 504, delayMs: 6000 }],
    kind: 'timeout',
    error: new RegExp(`^timeout after ${TIMEOUT_MS} ms waiting for response headers$`),
    httpStatus: null,
  },
  {
    code: 'FHANG',
    fault: 'slow headers (never sent)',
    steps: [{ hang: true }],
    kind: 'timeout',
    error: new RegExp(`^timeout after ${TIMEOUT_MS} ms waiting for response headers$`),
    httpStatus: null,
  },
  {
    code: 'FENDLESS',
    fault: 'a 200 whose body never ends',
    proxy: { action: 'endlessBody', count: 1 },
    kind: 'timeout',
    error: new RegExp(`^timeout after ${TIMEOUT_MS} ms reading the response body$`),
    httpStatus: 200,
  },
  {
    code: 'FRESET',
    fault: 'connection reset mid-body',
    steps: [{ reset: true }, { reset: true }],
    kind: 'network',
    error: /^network error: connection (closed before the response body ended|lost while reading the body)/,
    httpStatus: 200,
  },
  {
    code: 'FDROP',
    fault: 'connection dropped before any response',
    proxy: { action: 'drop', count: 2 },
    kind: 'network',
    error: /^network error: (ECONNRESET|socket hang up)/,
    httpStatus: null,
  },
  {
    code: 'FGARBAGE',
    fault: 'invalid JSON',
    steps: [{ garbage: '<html>maintenance</html>' }],
    kind: 'bad_json',
    error: /^invalid JSON \(HTTP 200\): <html>maintenance<\/html>$/,
    httpStatus: 200,
  },
  {
    code: 'FNODATA',
    fault: 'JSON without "data"',
    steps: [{ json: { metadata: { status_code: 200 } } }],
    kind: 'bad_shape',
    error: /^response has no "data" object: /,
    httpStatus: 200,
  },
  {
    code: 'FNULL',
    fault: 'network_status null',
    steps: [{ networkStatus: null }],
    kind: 'unknown_status',
    error: /^unrecognised network_status null \(expected "Healthy" or "Interruption"\)$/,
    httpStatus: 200,
  },
  {
    code: 'FMAINT',
    fault: 'an unknown status value',
    steps: [{ networkStatus: 'Maintenance' }],
    kind: 'unknown_status',
    error: /^unrecognised network_status "Maintenance"/,
    httpStatus: 200,
  },
  {
    code: 'FOTHER',
    fault: 'a product_code other than the one asked for',
    steps: [{ productCode: 'TNB' }],
    kind: 'product_mismatch',
    error: /^asked for "FOTHER" but the API answered for "TNB"$/,
    httpStatus: 200,
  },
  {
    code: 'FHUGE',
    fault: 'a 2 MB body (cap 256 KiB)',
    steps: [{ hugeBody: 2_000_000 }],
    kind: 'too_large',
    error: /^response body too large \(HTTP 200, cut at 262144 chars\)/,
    httpStatus: 200,
  },
  {
    code: 'F401',
    fault: 'HTTP 401',
    steps: [{ status: 401, body: '{"message":"Invalid signature"}' }],
    kind: 'auth',
    error: /^auth failed: check IIMMPACT_API_KEY \/ HMAC secret \(HTTP 401\): \{"message":"Invalid signature"\}$/,
    httpStatus: 401,
  },
  {
    code: 'F403',
    fault: 'HTTP 403',
    steps: [{ status: 403 }],
    kind: 'forbidden',
    error: /^forbidden: IP may be rate-blocked \(HTTP 403\)/,
    httpStatus: 403,
  },
  {
    code: 'FSKEW',
    fault: 'clock skew: the API rejects our timestamp',
    steps: [{ status: 401, body: '{"message":"Request timestamp expired, check clock"}' }],
    kind: 'clock_skew',
    error: /^clock skew: the API rejected our timestamp, check the system clock \(HTTP 401\)/,
    httpStatus: 401,
  },
  {
    code: 'F429',
    fault: 'HTTP 429 with Retry-After: 1, then OK (retried after the wait)',
    steps: [{ status: 429, retryAfter: 1 }],
    kind: null,
  },
  {
    code: 'F429X',
    fault: 'HTTP 429 with Retry-After on every attempt',
    steps: [
      { status: 429, retryAfter: 1 },
      { status: 429, retryAfter: 1 },
    ],
    kind: 'rate_limited',
    error: /^rate limited \(HTTP 429\)/,
    httpStatus: 429,
  },
];

/** Healthy products that see no fault at all. */
const BYSTANDERS = ['TNB', 'UNIFI'];
/** Configured, but the API does not know it (any more): Unknown for ever, HTTP 404. */
const GONE = 'FGONE';

const ENV = { IIMMPACT_API_KEY: SIMULATOR_CREDENTIALS.apiKey, IIMMPACT_HMAC_SECRET: SIMULATOR_CREDENTIALS.hmacSecret };

let dir: string;
let simulator: Simulator;
let proxy: FaultProxy;
let daemon: CliChild | null = null;

beforeAll(async () => {
  const catalogue: SimulatorProduct[] = [...BYSTANDERS, ...API_FAULTS.map((f) => f.code)].map((code) => ({
    code,
    name: `Product ${code}`,
    img: `https://example.invalid/${code}.png`,
    active: true,
  }));
  simulator = await startSimulator({ products: catalogue });
  const remaining = new Map(API_FAULTS.filter((f) => f.proxy).map((f) => [f.code, f.proxy?.count ?? 0]));
  proxy = await startFaultProxy(simulator.url, (req) => {
    const code = new URL(req.url ?? '/', 'http://proxy').searchParams.get('product') ?? '';
    const left = remaining.get(code) ?? 0;
    const fault = API_FAULTS.find((f) => f.code === code)?.proxy;
    if (!fault || left === 0) return { kind: 'forward' };
    remaining.set(code, left - 1);
    return { kind: fault.action };
  });
  dir = createTempDir('netwatch-api-faults-');
});

afterAll(async () => {
  await daemon?.stop('SIGKILL');
  await proxy?.close();
  await simulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface CheckRow {
  product_code: string;
  checked_at: string;
  status: string;
  http_status: number | null;
  error: string | null;
}

describe('IIMMPACT API faults against one running daemon', () => {
  it('records each fault as a precise Unknown, alerts no product, recovers, and keeps cycles and the budget in line', {
    timeout: 150_000,
  }, async () => {
    // The 429 products go first: their retry after Retry-After must start before the cycle's deadline.
    const faultCodes = API_FAULTS.map((f) => f.code).sort((a, b) => Number(b.startsWith('F429')) - Number(a.startsWith('F429')));
    const products = [...faultCodes, ...BYSTANDERS, GONE];
    const dbPath = join(dir, 'netwatch.db');
    const configPath = writeConfig(
      dir,
      `
api:
  baseUrl: ${proxy.url}
  timeoutMs: ${TIMEOUT_MS}
  concurrency: 8
  maxRequestsPerSecond: ${RATE}
  retries: 1
schedule: "*/2 * * * * *"
products: [${products.join(', ')}]
database: ${dbPath}
alerting:
  confirmAfter: 2
  groupWait: 0
  remindEvery: 0
  unknownAfter: 8s
http:
  port: 0
`,
    );
    daemon = new CliChild(await compiledCli(), ['run', '--config', configPath], { env: ENV });
    const d = daemon;
    const listening = await d.waitFor((line) => line.msg === 'HTTP server listening', 60_000);
    const httpUrl = String(listening.url);

    // Two clean cycles confirm every product Healthy (silently); then the faults start.
    await d.until(() => d.linesWith('cycle finished').length >= 2, 30_000, 'two clean cycles');
    for (const fault of API_FAULTS) if (fault.steps) simulator.script(fault.code, fault.steps);
    const faultsFrom = Date.now();

    const db = new Database(dbPath, { readonly: true });
    try {
      const checksOf = (code: string): CheckRow[] =>
        db
          .prepare('select product_code, checked_at, status, http_status, error from v_checks where product_code = ? order by checked_at')
          .all(code) as CheckRow[];
      const unknownThenHealthy = (code: string): boolean => {
        const rows = checksOf(code);
        const firstUnknown = rows.findIndex((row) => row.status === 'Unknown');
        return firstUnknown >= 0 && rows.slice(firstUnknown + 1).some((row) => row.status === 'Healthy');
      };
      const goneAlerted = (): boolean =>
        (
          db
            .prepare("select count(*) as n from alert_events where kind = 'monitoring_blind' and payload like ?")
            .get(`%unknown:${GONE}%`) as {
            n: number;
          }
        ).n > 0;
      await eventually(
        () =>
          API_FAULTS.every((f) => (f.steps ? simulator.scriptedRemaining(f.code) === 0 : true)) &&
          API_FAULTS.filter((f) => f.kind !== null).every((f) => unknownThenHealthy(f.code)) &&
          goneAlerted(),
        60_000,
        'every fault recorded and recovered, and the operator alert for the vanished product',
        250,
      );
      await d.until(
        () => d.lines.some((line) => line.msg === 'alert delivered' || line.msg.startsWith('ALERT MONITORING PROBLEM')),
        10_000,
        'the operator alert on the console',
      );

      const failures: string[] = [];
      for (const fault of API_FAULTS) {
        const rows = checksOf(fault.code);
        const unknown = rows.filter((row) => row.status === 'Unknown');
        if (fault.kind === null) {
          if (unknown.length > 0) failures.push(`${fault.code} (${fault.fault}): expected no Unknown, got ${JSON.stringify(unknown)}`);
          continue;
        }
        const precise = unknown.filter((row) => fault.error?.test(row.error ?? '') && row.http_status === (fault.httpStatus ?? null));
        if (unknown.length === 0 || precise.length !== unknown.length) {
          failures.push(
            `${fault.code} (${fault.fault}): Unknown rows ${JSON.stringify(unknown)} do not all match ${fault.error} / HTTP ${fault.httpStatus}`,
          );
        }
        const kinds = d
          .linesWith('check failed; recorded as Unknown')
          .filter((line) => line.product === fault.code)
          .map((line) => line.errorKind);
        if (kinds.length === 0 || kinds.some((kind) => kind !== fault.kind))
          failures.push(`${fault.code}: logged kinds ${JSON.stringify(kinds)}, expected ${fault.kind}`);
      }
      expect(failures).toEqual([]);

      // The clock-skew hint reaches the log as well as the database.
      expect(
        d
          .linesWith('check failed; recorded as Unknown')
          .some((line) => line.product === 'FSKEW' && String(line.err).includes('check the system clock')),
      ).toBe(true);

      // 429 + Retry-After: 1 was waited out and retried inside the cycle.
      const f429 = simulator.requests().filter((r) => r.product === 'F429');
      const after429 = f429.findIndex((r) => r.status === 429);
      expect(after429).toBeGreaterThanOrEqual(0);
      expect((f429[after429 + 1]?.atMs ?? 0) - (f429[after429]?.atMs ?? 0)).toBeGreaterThanOrEqual(950);

      // No product alert: every faulted product is still confirmed Healthy, and no outage exists.
      const confirmed = db
        .prepare('select p.code, s.confirmed from product_state s join products p on p.id = s.product_id')
        .all() as Array<{ code: string; confirmed: number | null }>;
      for (const row of confirmed) expect([row.code, row.confirmed]).toEqual([row.code, row.code === GONE ? null : 1]);
      expect(db.prepare('select count(*) as n from outages').get()).toEqual({ n: 0 });
      const events = db.prepare('select kind, payload from alert_events order by id').all() as Array<{ kind: string; payload: string }>;
      expect(events.filter((e) => ['interruption', 'recovery', 'reminder'].includes(e.kind))).toEqual([]);
      // The right operator alert: only the vanished product; one bad product is not an API-wide problem.
      const operator = events.map((e) => JSON.parse(e.payload) as { kind: string; condition: string; summary: string });
      expect(operator.map((p) => `${p.kind}:${p.condition}`)).toEqual([`monitoring_blind:unknown:${GONE}`]);
      expect(operator[0]?.summary).toContain('HTTP 404');

      // The bystanders never missed a beat: one Healthy check per cycle.
      for (const code of BYSTANDERS) expect(checksOf(code).every((row) => row.status === 'Healthy')).toBe(true);

      // Overruns: hung requests outlast the 2 s interval, so ticks were skipped, counted, and never overlapped.
      const cycles = d.linesWith('cycle finished').map((line) => {
        const end = Date.parse(String(line.time));
        return { start: end - Number(line.durationMs), end };
      });
      expect(cycles.some((c) => c.end - c.start > 2000)).toBe(true);
      for (let i = 1; i < cycles.length; i++)
        expect((cycles[i] as { start: number }).start).toBeGreaterThanOrEqual((cycles[i - 1] as { end: number }).end - 1);
      const skipped = () => d.lines.filter((line) => /skipping this tick/.test(line.msg)).length;
      const skippedBefore = skipped();
      const metrics = await (await fetch(`${httpUrl}metrics`)).text();
      const overruns = Number(/^netwatch_cycle_overrun_total (\d+)/m.exec(metrics)?.[1] ?? 0);
      expect(overruns).toBeGreaterThan(0);
      expect(overruns).toBeGreaterThanOrEqual(skippedBefore);
      expect(overruns).toBeLessThanOrEqual(skipped());

      // The request budget held on the wire, retries included (measured where requests arrive).
      // The limiter spaces grants; on a CPU-starved machine a process can stall ~100 ms between a
      // grant and its write, so arrivals are counted in 900 ms windows. A real overrun (overlapping
      // cycles, retries around the limiter) puts far more than RATE into one.
      const arrivals = proxy.log.filter((entry) => entry.atMs >= faultsFrom - 5000).map((entry) => entry.atMs);
      expect(arrivals.length).toBeGreaterThan(60);
      expect(maxInWindow(arrivals, 900)).toBeLessThanOrEqual(RATE);
    } finally {
      db.close();
    }
    expect(await d.stop('SIGTERM')).toBe(0);
    expect(d.nonJsonLines).toEqual([]);
  });
});
