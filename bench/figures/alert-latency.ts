import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { INITIAL_PRODUCT_STATE, type ProductState } from '../../src/domain/product-state.js';
import type { KnownStatus } from '../../src/domain/status.js';
import { transition } from '../../src/domain/transition.js';
import type { SimulatorRequest } from '../../src/simulator/simulator-server.js';
import { startCliDaemon, waitUntil } from '../lib/cli-daemon.js';
import { type FigureContext, type FigureRow, notMeasured } from '../lib/figure.js';
import { ROOT } from '../lib/paths.js';
import { scratchDir, startSimulatorProcess } from '../lib/scratch.js';
import { median, percentile } from '../lib/stats.js';

const PRODUCTS = 24;
const CONFIRM_AFTER = 2;

const ROW = {
  id: 'alert-latency-p99',
  figure: 'alert latency p99: confirming check to Slack receipt (groupWait 0)',
  unit: 'ms',
  better: 'lower',
  limit: 1000,
  strict: true,
  target: '< 1,000 ms',
} as const;

/** Product k's scripted statuses: a Healthy baseline of 2 + k mod 4 checks, then I, I, H, H, ... */
function scriptFor(k: number, cycles: number): KnownStatus[] {
  const steps: KnownStatus[] = Array.from({ length: 2 + (k % 4) }, () => 'Healthy');
  while (steps.length < cycles) steps.push(...(['Interruption', 'Interruption', 'Healthy', 'Healthy'] as const));
  return steps.slice(0, cycles);
}

/** Arrival times (epoch ms) of the requests whose answer confirmed an alerting transition, per product code. */
function confirmingRequests(
  requests: readonly SimulatorRequest[],
  codes: readonly string[],
  cycles: number,
): Array<{ code: string; atMs: number }> {
  const out: Array<{ code: string; atMs: number }> = [];
  codes.forEach((code, k) => {
    const script = scriptFor(k, cycles);
    const mine = requests.filter((request) => request.product === code);
    let state: ProductState = INITIAL_PRODUCT_STATE;
    mine.forEach((request, i) => {
      const status = script[i] ?? 'Healthy';
      const { next, events } = transition(state, status, i, CONFIRM_AFTER);
      state = next;
      if (events.some((event) => event.type !== 'baseline_healthy')) out.push({ code, atMs: request.atMs });
    });
  });
  return out;
}

async function latencyRun(name: string, cycles: number, fakeSlackModule: string): Promise<number[]> {
  const { startFakeSlack } = (await import(fakeSlackModule)) as typeof import('../../test/fakes/fake-slack.js');
  const slack = await startFakeSlack();
  const dir = scratchDir(name);
  const simulator = await startSimulatorProcess({ products: PRODUCTS, latencyMs: 0, logCapacity: 100_000 });
  const codes = Array.from({ length: PRODUCTS }, (_, i) => `P${String(i + 1).padStart(4, '0')}`);
  await simulator.child.call('script', { steps: Object.fromEntries(codes.map((code, k) => [code, scriptFor(k, cycles)])) });
  // 24 products at 60 requests/s: each cycle takes ~0.4 s of its 1 s tick, so a
  // confirming check usually lands mid-cycle and waits for the recorder's
  // micro-batch, as it would in production.
  const daemon = startCliDaemon(
    dir,
    {
      url: simulator.url,
      concurrency: 4,
      maxRequestsPerSecond: 60,
      schedule: '* * * * * *',
      confirmAfter: CONFIRM_AFTER,
      groupWait: '0',
      slack: true,
    },
    { SLACK_WEBHOOK_URL: slack.webhookUrl() },
  );
  try {
    const expected = 1 + PRODUCTS * cycles;
    await waitUntil(
      async () => (await simulator.child.call<number>('count')) >= expected,
      (cycles + 20) * 1000,
      `${expected} requests`,
      250,
    );
    // The last confirmations need their second or so to reach Slack.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const requests = await simulator.child.call<SimulatorRequest[]>('requests');
    const confirmations = confirmingRequests(requests, codes, cycles);
    const messages = slack.delivered().map((message) => ({ at: message.receivedAtMs, text: JSON.stringify(message.payload) }));
    return confirmations.map(({ code, atMs }) => {
      const message = messages.find((m) => m.at >= Math.floor(atMs) && m.text.includes(code));
      // An alert that never arrived counts as infinitely late, so it fails the figure.
      return message ? message.at - atMs : Number.POSITIVE_INFINITY;
    });
  } finally {
    await daemon.stop();
    await simulator.child.stop();
    await slack.close();
  }
}

/**
 * Alert latency: from the simulator answering the check that confirms a
 * transition (its request log) to the fake Slack receiving the message that
 * names the product (its receipt time), with `groupWait: 0`. The real daemon
 * (`netwatch run`) polls 24 products every second; each product flips
 * Healthy/Interruption every two checks, phase-shifted, so every cycle
 * confirms a few outages and recoveries.
 */
export async function measureAlertLatency(ctx: FigureContext): Promise<FigureRow[]> {
  const fakeSlack = join(ROOT, 'test', 'fakes', 'fake-slack.ts');
  if (!existsSync(fakeSlack)) return [notMeasured(ROW, 'not measured yet: test/fakes/fake-slack.ts is missing')];
  const cycles = ctx.quick ? 8 : 14;
  const runs = await Promise.all(Array.from({ length: ctx.runs }, (_, i) => latencyRun(`alert-latency-${i + 1}`, cycles, fakeSlack)));
  const p99s = runs.map((latencies) => percentile(latencies, 99));
  runs.forEach((latencies, i) => {
    ctx.log(
      `alert latency run ${i + 1}: ${latencies.length} alerts, median ${median(latencies).toFixed(0)} ms, p99 ${(p99s[i] as number).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`,
    );
  });
  return [{ ...ROW, value: median(p99s), runs: p99s, digits: 0 }];
}
