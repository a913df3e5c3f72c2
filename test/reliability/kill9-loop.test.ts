import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSlackMessage } from '../../src/notify/render-slack.js';
import { SIMULATOR_CREDENTIALS, type SimulatedStatus, type Simulator, startSimulator } from '../../src/simulator/simulator-server.js';
import type { OutboxPayload } from '../../src/store/outbox-repository.js';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.js';
import { replayProblems, storeInvariantProblems } from '../helpers/crash-invariants.js';
import { createTempDir, writeConfig } from '../helpers/daemon-process.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { CliChild, compiledCli, eventually } from '../helpers/reliability-cli.js';
import { seededRandom, testSeed } from '../helpers/seeded-random.js';

/**
 * kill -9 at random moments, over and over, on one database: during start-up,
 * mid-cycle, right after a transition was confirmed (mid-transaction) and
 * while Slack holds an alert in flight (after the provider has it, before we
 * committed `sent`). The simulator flips products between Healthy and
 * Interruption on a seeded timeline the whole time.
 *
 * After every kill: integrity_check is ok, at most one open outage per
 * product and none overlapping, every outage has exactly its alert events.
 * At the end: the outages equal a replay of the recorded checks (no
 * confirmed transition lost or invented), every alert was delivered, and no
 * alert acknowledged before a kill was ever delivered again. Delivery is at
 * least once, so a message can arrive twice only when a kill fell between
 * Slack's acknowledgement and our commit; each such case is checked to have
 * a kill inside that window.
 *
 * Replay a run with NETWATCH_TEST_SEED=<seed printed below>.
 */

const ITERATIONS = Math.max(30, Number(process.env.NETWATCH_KILL_ITERATIONS) || 30);
const PRODUCTS = ['TNB', 'UNIFI', 'ASTRO', 'MAXIS'];
const ENV = { IIMMPACT_API_KEY: SIMULATOR_CREDENTIALS.apiKey, IIMMPACT_HMAC_SECRET: SIMULATOR_CREDENTIALS.hmacSecret };

type KillMode = 'startup' | 'running' | 'transition' | 'delivery';

let dir: string;
let simulator: Simulator;
let slack: FakeSlack;
let proxy: FaultProxy;
let current: CliChild | null = null;
let flipper: NodeJS.Timeout | null = null;

const seed = testSeed();
const random = seededRandom(seed);
// Its own stream, so the proxy's timing does not shift the kill schedule.
const delays = seededRandom(seed ^ 0x5eed);

beforeAll(async () => {
  dir = createTempDir('netwatch-kill9-');
  simulator = await startSimulator();
  slack = await startFakeSlack();
  // Slack's answer is held back 50-400 ms, so kills often land with an alert in flight.
  proxy = await startFaultProxy(slack.url, () => ({ kind: 'forward', delayResponseMs: delays.int(50, 400) }));
});

afterAll(async () => {
  if (flipper) clearInterval(flipper);
  await current?.stop('SIGKILL');
  await proxy?.close();
  await slack?.close();
  await simulator?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('kill -9 at random moments', () => {
  it(`${ITERATIONS} kills and restarts on one database lose and duplicate no acknowledged alert`, { timeout: 420_000 }, async () => {
    const entry = await compiledCli();
    const dbPath = join(dir, 'netwatch.db');
    const configPath = writeConfig(
      dir,
      `
api:
  baseUrl: ${simulator.url}
  timeoutMs: 2000
  maxRequestsPerSecond: 50
  retries: 0
schedule: "* * * * * *"
products: [${PRODUCTS.join(', ')}]
database: ${dbPath}
alerting:
  confirmAfter: 1
  groupWait: 0
  remindEvery: 0
  sendTimeout: 1s
  slack:
    webhookUrl: \${SLACK_WEBHOOK_URL}
http:
  enabled: false
`,
    );
    const env = { ...ENV, SLACK_WEBHOOK_URL: `${proxy.url}/services/T000/B000/KILLLOOP` };
    process.stdout.write(`kill -9 loop: seed ${seed}, ${ITERATIONS} iterations (replay with NETWATCH_TEST_SEED=${seed})\n`);

    const statuses = new Map<string, SimulatedStatus>(PRODUCTS.map((code) => [code, 'Healthy']));
    const flip = () => {
      const code = random.pick(PRODUCTS);
      const next = statuses.get(code) === 'Healthy' ? 'Interruption' : 'Healthy';
      statuses.set(code, next);
      simulator.setStatus(code, next);
    };
    flipper = setInterval(flip, 900);

    const kills: Array<{ atMs: number; mode: KillMode }> = [];
    /** Per snapshot after a kill: how often each acknowledged row had been delivered by then. */
    const acknowledged = new Map<number, number>();
    const deliveriesOf = (blocks: string) => slack.delivered().filter((m) => JSON.stringify(m.payload.blocks) === blocks);
    const blocksOf = (row: { idempotency_key: string; payload: string }) => {
      const payload = JSON.parse(row.payload) as OutboxPayload;
      return JSON.stringify(
        renderSlackMessage({ idempotencyKey: row.idempotency_key, events: payload.events, productCount: payload.productCount }).blocks,
      );
    };
    const modes: KillMode[] = ['startup', 'running', 'transition', 'delivery'];
    const log: string[] = [];

    for (let iteration = 1; iteration <= ITERATIONS; iteration++) {
      const mode = random.pick(modes);
      const child = new CliChild(entry, ['run', '--config', configPath], { env });
      current = child;
      let waited = '';
      try {
        if (mode === 'startup') {
          const ms = random.int(100, 2500);
          waited = `${ms} ms after spawn`;
          await new Promise((resolve) => setTimeout(resolve, ms));
        } else {
          await child.waitFor((line) => line.msg === 'netwatch started', 30_000);
          if (mode === 'running') {
            const ms = random.int(0, 1500);
            waited = `started + ${ms} ms`;
            await new Promise((resolve) => setTimeout(resolve, ms));
          } else if (mode === 'transition') {
            const ms = random.int(0, 60);
            const from = child.lines.length;
            await child.waitFor((line) => line.msg === 'confirmed transition', 3000, from).catch(() => undefined);
            waited = `transition + ${ms} ms`;
            await new Promise((resolve) => setTimeout(resolve, ms));
          } else {
            const ms = random.int(0, 300);
            const seen = slack.requests.length;
            await eventually(() => slack.requests.length > seen, 3000, 'a Slack request', 20).catch(() => undefined);
            waited = `Slack request + ${ms} ms`;
            await new Promise((resolve) => setTimeout(resolve, ms));
          }
        }
      } finally {
        await child.stop('SIGKILL');
        kills.push({ atMs: Date.now(), mode });
      }
      log.push(`#${iteration} ${mode}: killed ${waited}`);

      if (!existsSync(dbPath)) continue;
      const problems = storeInvariantProblems(dbPath);
      expect(problems, `after kill #${iteration} (${mode}, seed ${seed})`).toEqual([]);
      const db = new Database(dbPath, { readonly: true });
      try {
        const hasOutbox = db.prepare("select 1 from sqlite_master where name = 'outbox'").get() !== undefined;
        const sent = hasOutbox
          ? (db.prepare("select id, idempotency_key, payload from outbox where state = 'sent'").all() as Array<{
              id: number;
              idempotency_key: string;
              payload: string;
            }>)
          : [];
        for (const row of sent) if (!acknowledged.has(row.id)) acknowledged.set(row.id, deliveriesOf(blocksOf(row)).length);
      } finally {
        db.close();
      }
    }

    // A last, undisturbed run: the timeline stops, everything owed goes out.
    if (flipper) clearInterval(flipper);
    flipper = null;
    const final = new CliChild(entry, ['run', '--config', configPath], { env });
    current = final;
    await final.waitFor((line) => line.msg === 'netwatch started', 30_000);
    const db = new Database(dbPath, { readonly: true });
    try {
      await eventually(
        () => {
          const pending = db.prepare("select count(*) as n from outbox where state = 'pending'").get() as { n: number };
          const undispatched = db.prepare('select count(*) as n from alert_events where dispatched_at is null').get() as { n: number };
          const confirmed = db
            .prepare('select p.code, s.confirmed from product_state s join products p on p.id = s.product_id')
            .all() as Array<{ code: string; confirmed: number | null }>;
          const settled = PRODUCTS.every(
            (code) => confirmed.find((c) => c.code === code)?.confirmed === (statuses.get(code) === 'Healthy' ? 1 : 2),
          );
          return pending.n === 0 && undispatched.n === 0 && settled;
        },
        60_000,
        'every owed alert delivered and every product settled',
        250,
      );
      expect(await final.stop('SIGTERM')).toBe(0);

      expect(storeInvariantProblems(dbPath)).toEqual([]);
      expect(replayProblems(dbPath, 1), `seed ${seed}`).toEqual([]);

      const rows = db.prepare('select id, idempotency_key, payload, state from outbox order by id').all() as Array<{
        id: number;
        idempotency_key: string;
        payload: string;
        state: string;
      }>;
      const transitions = (
        db.prepare("select count(*) as n from alert_events where kind in ('interruption', 'recovery')").get() as { n: number }
      ).n;
      let lost = 0;
      let duplicatedAfterAck = 0;
      let redeliveredInFlight = 0;
      for (const row of rows) {
        const deliveries = deliveriesOf(blocksOf(row));
        if (row.state !== 'sent' || deliveries.length === 0) lost += 1;
        const ackedWith = acknowledged.get(row.id);
        if (ackedWith !== undefined && deliveries.length > ackedWith) duplicatedAfterAck += 1;
        if (deliveries.length > 1) {
          redeliveredInFlight += deliveries.length - 1;
          // Each extra copy needs a kill between the copy before it and itself.
          for (let i = 1; i < deliveries.length; i++) {
            const from = (deliveries[i - 1] as { receivedAtMs: number }).receivedAtMs;
            const to = (deliveries[i] as { receivedAtMs: number }).receivedAtMs;
            expect(
              kills.some((kill) => kill.atMs >= from && kill.atMs <= to),
              `row ${row.id} re-sent without a kill in between (seed ${seed})`,
            ).toBe(true);
          }
        }
      }
      const summary = {
        seed,
        iterations: ITERATIONS,
        kills: Object.fromEntries(modes.map((mode) => [mode, kills.filter((k) => k.mode === mode).length])),
        transitions,
        outboxRows: rows.length,
        slackRequests: slack.requests.length,
        lost,
        duplicatedAfterAck,
        redeliveredInFlight,
      };
      process.stdout.write(`${log.join('\n')}\nkill -9 loop summary: ${JSON.stringify(summary)}\n`);
      expect(transitions).toBeGreaterThan(ITERATIONS / 2);
      expect(rows.length).toBeGreaterThan(0);
      expect(lost).toBe(0);
      expect(duplicatedAfterAck).toBe(0);
    } finally {
      db.close();
    }
  });
});
