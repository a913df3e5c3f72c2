/**
 * `npm run soak -- --minutes N [--products 20] [--seed S] [--json FILE]`
 *
 * Runs the real daemon (the compiled CLI, as in production) against the
 * simulator on 127.0.0.1 for N minutes with a one-second schedule, random
 * API faults (5xx, 429, hangs, cut bodies, garbage, unknown values, huge
 * bodies), random Slack failures (500, 429), and scripted Healthy <->
 * Interruption flips. It samples the daemon's RSS, open file descriptors and
 * event-loop lag p99 (from /metrics), then reports:
 * - checks recorded against checks observed (none may be lost) and against
 *   what the schedule asked for (overruns skip ticks on purpose);
 * - alert events and Slack deliveries against the transitions it scripted;
 * - whether memory and file descriptors stayed flat.
 * Exits 0 when everything holds, 1 otherwise. The nightly test suite runs it
 * for 10 minutes (`npm run test:nightly`).
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { generateProducts, type ScriptStep, SIMULATOR_CREDENTIALS, startSimulator } from '../src/simulator/simulator-server.js';
import { startFakeSlack } from '../test/fakes/fake-slack.js';
import { createTempDir, writeConfig } from '../test/helpers/daemon-process.js';
import { CliChild, compiledCli } from '../test/helpers/reliability-cli.js';
import { seededRandom } from '../test/helpers/seeded-random.js';

interface Sample {
  atSeconds: number;
  rssMb: number | null;
  fds: number | null;
  lagP99Ms: number | null;
  checks: number;
}

export interface SoakReport {
  seed: number;
  minutes: number;
  products: number;
  samples: Sample[];
  checks: {
    recorded: number;
    observed: number;
    lost: number;
    scheduled: number;
    completeness: number;
    cycles: number;
    skippedTicks: number;
  };
  alerts: { transitionsScripted: number; alertEvents: number; outboxRows: number; sent: number; delivered: number; undelivered: number };
  faults: { api: number; slack: number };
  memory: { firstMb: number; lastMb: number; growthMb: number; flat: boolean };
  fds: { first: number; last: number; flat: boolean };
  eventLoopLagP99Ms: { median: number | null; max: number | null };
  pass: boolean;
}

const API_FAULTS: readonly ScriptStep[] = [
  { status: 500 },
  { status: 502, body: '<html>502 Bad Gateway</html>' },
  { status: 503 },
  { status: 504, delayMs: 800 },
  { status: 429, retryAfter: 1 },
  { hang: true },
  { reset: true },
  { garbage: '<html>maintenance</html>' },
  { networkStatus: 'Maintenance' },
  { networkStatus: null },
  { hugeBody: 300_000 },
];

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function rssMb(pid: number): number | null {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}

function openFds(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

async function lagP99Ms(metricsUrl: string): Promise<number | null> {
  try {
    const text = await (await fetch(metricsUrl)).text();
    const match = /^nodejs_eventloop_lag_p99_seconds (\S+)/m.exec(text);
    return match ? Math.round(Number(match[1]) * 10_000) / 10 : null;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the soak and returns its report; `log` receives progress lines. */
export async function runSoak(options: {
  minutes: number;
  products: number;
  seed: number;
  log: (line: string) => void;
}): Promise<SoakReport> {
  const { minutes, seed, log } = options;
  const random = seededRandom(seed);
  const catalogue = generateProducts(options.products);
  const codes = catalogue.map((product) => product.code);
  const dir = createTempDir('netwatch-soak-');
  const simulator = await startSimulator({ products: catalogue });
  const slack = await startFakeSlack();
  const dbPath = join(dir, 'netwatch.db');
  const configPath = writeConfig(
    dir,
    `
api:
  baseUrl: ${simulator.url}
  timeoutMs: 1500
  concurrency: 8
  maxRequestsPerSecond: 200
  retries: 1
schedule: "* * * * * *"
products: [${codes.join(', ')}]
database: ${dbPath}
alerting:
  confirmAfter: 2
  groupWait: 0
  remindEvery: 0
  unknownAfter: 30s
  sendTimeout: 3s
  slack:
    webhookUrl: \${SLACK_WEBHOOK_URL}
http:
  port: 0
log:
  level: info
`,
  );
  const daemon = new CliChild(await compiledCli(), ['run', '--config', configPath], {
    env: {
      IIMMPACT_API_KEY: SIMULATOR_CREDENTIALS.apiKey,
      IIMMPACT_HMAC_SECRET: SIMULATOR_CREDENTIALS.hmacSecret,
      SLACK_WEBHOOK_URL: slack.webhookUrl('SOAK'),
    },
  });
  try {
    const startedAt = Date.now();
    const durationMs = minutes * 60_000;
    const quietFromMs = Math.max(durationMs * 0.6, durationMs - 30_000);
    const statuses = new Map(codes.map((code) => [code, 'Healthy' as 'Healthy' | 'Interruption']));
    const lastFlip = new Map<string, number>();
    let flips = 0;
    let apiFaults = 0;
    let slackFaults = 0;
    let nextFlipAt = 15_000;

    const chaos = setInterval(() => {
      const elapsed = Date.now() - startedAt;
      if (elapsed >= quietFromMs) return;
      for (const code of codes) {
        if (random.next() < 0.02) {
          simulator.script(code, [random.pick(API_FAULTS)]);
          apiFaults += 1;
        }
      }
      if (random.next() < 0.02) {
        slack.script(random.next() < 0.5 ? { status: 500 } : { status: 429, retryAfter: '1' });
        slackFaults += 1;
      }
      if (elapsed >= nextFlipAt) {
        // Each flip is held at least 12 s (a dozen checks), so confirmAfter 2 always confirms it.
        const candidates = codes.filter((code) => elapsed - (lastFlip.get(code) ?? -Infinity) >= 12_000);
        if (candidates.length > 0) {
          const code = random.pick(candidates);
          const next = statuses.get(code) === 'Healthy' ? 'Interruption' : 'Healthy';
          statuses.set(code, next);
          simulator.setStatus(code, next);
          lastFlip.set(code, elapsed);
          flips += 1;
        }
        nextFlipAt = elapsed + random.int(4_000, 10_000);
      }
    }, 1000);

    const listening = await daemon
      .waitFor((line) => line.msg === 'HTTP server listening' || line.level === 'fatal', 120_000)
      .catch(() => null);
    const metricsUrl = listening?.url ? `${String(listening.url)}metrics` : null;
    const sampleEveryMs = Math.min(15_000, Math.max(2_000, Math.round(durationMs / 40)));
    const samples: Sample[] = [];
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    const countChecks = () => {
      try {
        return (db.prepare('select count(*) as n from checks').get() as { n: number }).n;
      } catch {
        return 0;
      }
    };
    log(`soak: seed ${seed}, ${minutes} min, ${codes.length} products, daemon pid ${daemon.pid}, sampling every ${sampleEveryMs / 1000} s`);
    log('   t(s)  RSS(MB)  fds  lag p99(ms)  checks');
    while (Date.now() - startedAt < durationMs && daemon.running) {
      await sleep(sampleEveryMs);
      const sample: Sample = {
        atSeconds: Math.round((Date.now() - startedAt) / 1000),
        rssMb: rssMb(daemon.pid),
        fds: openFds(daemon.pid),
        lagP99Ms: metricsUrl ? await lagP99Ms(metricsUrl) : null,
        checks: countChecks(),
      };
      samples.push(sample);
      log(
        `${String(sample.atSeconds).padStart(7)}  ${String(sample.rssMb ?? 'n/a').padStart(7)}  ${String(sample.fds ?? 'n/a').padStart(3)}  ${String(sample.lagP99Ms ?? 'n/a').padStart(11)}  ${sample.checks}`,
      );
    }
    clearInterval(chaos);

    // Let the last alerts go out, then stop the way an operator would.
    const settleUntil = Date.now() + 60_000;
    const alertEvents = () =>
      (db.prepare("select count(*) as n from alert_events where kind in ('interruption', 'recovery')").get() as { n: number }).n;
    const pending = () => (db.prepare("select count(*) as n from outbox where state = 'pending'").get() as { n: number }).n;
    while (Date.now() < settleUntil && daemon.running && (alertEvents() < flips || pending() > 0)) await sleep(500);
    const exitCode = await daemon.stop('SIGTERM');
    const elapsedSeconds = (Date.now() - startedAt) / 1000;

    const cycleLines = daemon.lines.filter(
      (line) => line.msg === 'cycle finished' || line.msg.startsWith('every request in the cycle failed'),
    );
    const observed = cycleLines.reduce(
      (sum, line) => sum + Number(line.healthy ?? 0) + Number(line.interruption ?? 0) + Number(line.unknown ?? 0),
      0,
    );
    const recorded = countChecks();
    const scheduled = Math.floor(elapsedSeconds) * codes.length;
    const outbox = db.prepare('select state from outbox').all() as Array<{ state: string }>;
    const events = alertEvents();
    db.close();

    const warm = samples.slice(Math.max(2, Math.floor(samples.length * 0.2)));
    const quarter = Math.max(1, Math.floor(warm.length / 4));
    const rss = (part: Sample[]) => median(part.map((s) => s.rssMb).filter((v): v is number => v !== null)) ?? 0;
    const fdMax = (part: Sample[]) => Math.max(0, ...part.map((s) => s.fds ?? 0));
    const firstMb = rss(warm.slice(0, quarter));
    const lastMb = rss(warm.slice(-quarter));
    const growthMb = Math.round((lastMb - firstMb) * 10) / 10;
    const firstFds = fdMax(warm.slice(0, quarter));
    const lastFds = fdMax(warm.slice(-quarter));
    const lags = samples.map((s) => s.lagP99Ms).filter((v): v is number => v !== null);
    const sent = outbox.filter((row) => row.state === 'sent').length;

    const report: SoakReport = {
      seed,
      minutes,
      products: codes.length,
      samples,
      checks: {
        recorded,
        observed,
        lost: observed - recorded,
        scheduled,
        completeness: scheduled === 0 ? 0 : Math.round((recorded / scheduled) * 1000) / 1000,
        cycles: cycleLines.length,
        skippedTicks: daemon.lines.filter((line) => /skipping this tick/.test(line.msg)).length,
      },
      alerts: {
        transitionsScripted: flips,
        alertEvents: events,
        outboxRows: outbox.length,
        sent,
        delivered: slack.delivered().length,
        undelivered: outbox.length - sent,
      },
      faults: { api: apiFaults, slack: slackFaults },
      memory: { firstMb, lastMb, growthMb, flat: growthMb <= Math.max(10, firstMb * 0.1) },
      fds: { first: firstFds, last: lastFds, flat: lastFds - firstFds <= 3 },
      eventLoopLagP99Ms: { median: median(lags), max: lags.length > 0 ? Math.max(...lags) : null },
      pass: false,
    };
    report.pass =
      exitCode === 0 &&
      report.memory.flat &&
      report.fds.flat &&
      report.checks.lost === 0 &&
      report.checks.recorded > 0 &&
      events === flips &&
      report.alerts.undelivered === 0 &&
      report.alerts.delivered >= sent;

    log('');
    log(
      `checks: ${recorded} recorded of ${observed} observed (lost ${report.checks.lost}); ${Math.round(report.checks.completeness * 1000) / 10}% of the ${scheduled} the schedule asked for (${report.checks.cycles} cycles, ${report.checks.skippedTicks} ticks skipped by overruns)`,
    );
    log(
      `alerts: ${events} alert events for ${flips} scripted transitions; ${sent} of ${outbox.length} Slack messages sent, ${report.alerts.delivered} received`,
    );
    log(`faults injected: ${apiFaults} API, ${slackFaults} Slack`);
    log(
      `memory: ${report.memory.flat ? 'flat' : 'GROWING'} (RSS median ${firstMb} MB after warm-up, ${lastMb} MB at the end, ${growthMb >= 0 ? '+' : ''}${growthMb} MB)`,
    );
    log(`file descriptors: ${report.fds.flat ? 'flat' : 'GROWING'} (${firstFds} after warm-up, ${lastFds} at the end)`);
    log(`event-loop lag p99: median ${report.eventLoopLagP99Ms.median ?? 'n/a'} ms, max ${report.eventLoopLagP99Ms.max ?? 'n/a'} ms`);
    log(`daemon exit code: ${exitCode}`);
    log(`verdict: ${report.pass ? 'PASS' : 'FAIL'}`);
    return report;
  } finally {
    await daemon.stop('SIGKILL');
    await slack.close();
    await simulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      products: { type: 'string', default: '20' },
      seed: { type: 'string' },
      json: { type: 'string' },
    },
    strict: true,
  });
  const minutes = Number(values.minutes);
  const products = Number(values.products);
  if (!(minutes > 0) || !Number.isInteger(products) || products < 1) {
    process.stderr.write('usage: npm run soak -- --minutes N [--products 20] [--seed S] [--json FILE]\n');
    process.exitCode = 2;
    return;
  }
  const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31) + 1;
  const report = await runSoak({ minutes, products, seed, log: (line) => process.stdout.write(`${line}\n`) });
  if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.pass ? 0 : 1;
}

// Only when run directly, so the nightly test can import runSoak.
const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  main().catch((error: unknown) => {
    process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
