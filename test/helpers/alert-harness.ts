import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Config, parseConfigText } from '../../src/config/load-config.js';
import { INITIAL_PRODUCT_STATE, type ProductState } from '../../src/domain/product-state.js';
import type { CheckStatus } from '../../src/domain/status.js';
import { transition } from '../../src/domain/transition.js';
import { createAlertPolicyExtension } from '../../src/notify/alert-policy.js';
import { createAlertChannels } from '../../src/notify/channels.js';
import type { Notifier } from '../../src/notify/notifier.js';
import { type DeliveryResult, OutboxWorker } from '../../src/notify/outbox-worker.js';
import { CheckRecorder } from '../../src/poller/check-recorder.js';
import { type Clock, systemClock } from '../../src/shared/clock.js';
import { createLogger, type Logger } from '../../src/shared/logger.js';
import { migrateToLatest, openDatabase, type StoreDatabase } from '../../src/store/database.js';
import { ensureProducts, type ProductRow } from '../../src/store/product-repository.js';
import { loadProductStates } from '../../src/store/state-repository.js';
import { createTempDir } from './daemon-process.js';

/**
 * The alerting path exactly as the daemon wires it, minus HTTP polling: a
 * config parsed by the real loader, a migrated SQLite file, the real
 * CheckRecorder with the alert-policy extension, the real channels and the
 * OutboxWorker. Checks are fed in directly with chosen statuses and times.
 */
export interface HarnessOptions {
  /** The `alerting:` block, as YAML indented by two spaces. */
  alertingYaml: string;
  env?: Record<string, string>;
  products: readonly string[];
  dir?: string;
  clock?: Clock;
  notifiers?: readonly Notifier[];
}

export class AlertHarness {
  readonly logLines: Array<Record<string, unknown>> = [];
  readonly results: Array<{ channel: string; result: DeliveryResult; destination: string; error?: string }> = [];
  store!: StoreDatabase;
  config!: Config;
  worker!: OutboxWorker;
  recorder!: CheckRecorder;
  logger!: Logger;
  products = new Map<string, ProductRow>();
  notifiers: readonly Notifier[] = [];
  private states = new Map<number, ProductState>();
  readonly dir: string;

  private constructor(private readonly options: HarnessOptions) {
    this.dir = options.dir ?? createTempDir('netwatch-alerts-');
  }

  static async create(options: HarnessOptions): Promise<AlertHarness> {
    const harness = new AlertHarness(options);
    await harness.open();
    return harness;
  }

  get dbPath(): string {
    return join(this.dir, 'netwatch.db');
  }

  /** (Re)opens everything on the same database file, like a daemon start. */
  async open(): Promise<void> {
    const yaml = `
api:
  baseUrl: http://127.0.0.1:9
products: [${this.options.products.join(', ')}]
database: ${this.dbPath}
http:
  enabled: false
alerting:
${this.options.alertingYaml}
`;
    this.config = parseConfigText(yaml, 'test.yaml', { env: { ...this.options.env } });
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        for (const line of chunk.toString('utf8').split('\n'))
          if (line.trim()) this.logLines.push(JSON.parse(line) as Record<string, unknown>);
        callback();
      },
    });
    this.logger = createLogger({ level: 'debug', destination: sink });
    this.store = openDatabase(this.dbPath);
    await migrateToLatest(this.store.db);
    const clock = this.options.clock ?? systemClock;
    this.products = await ensureProducts(this.store.db, this.options.products, Math.floor(clock.now() / 1000));
    this.states = await loadProductStates(this.store.db);
    const channels = createAlertChannels(this.config.alerting, {
      logger: this.logger,
      nowSeconds: () => Math.floor(clock.now() / 1000),
      ...(this.options.notifiers ? { notifiers: this.options.notifiers } : {}),
    });
    this.notifiers = channels.notifiers;
    this.worker = new OutboxWorker({
      db: this.store.db,
      notifiers: channels.notifiers,
      destinations: channels.destinations,
      logger: this.logger,
      clock,
      groupWaitMs: this.config.alerting.groupWait,
      retryForMs: this.config.alerting.retryFor,
      sendTimeoutMs: this.config.alerting.sendTimeout,
      productCount: () => this.options.products.length,
      backoff: { baseMs: 200, maxMs: 1000 },
      onResult: (channel, result, detail) =>
        this.results.push({ channel, result, destination: detail.destination, ...(detail.error ? { error: detail.error } : {}) }),
    });
    this.recorder = new CheckRecorder({
      db: this.store.db,
      logger: this.logger,
      extensions: [
        createAlertPolicyExtension({ remindEveryMs: this.config.alerting.remindEvery, unknownAfterMs: this.config.alerting.unknownAfter }),
      ],
      onAlertsCommitted: () => this.worker.wake(),
    });
    this.worker.start();
  }

  /**
   * Records one check per listed product at `at` (epoch seconds) in ONE batch,
   * running the real state machine, and waits for the commit.
   */
  async check(
    statuses: Record<string, CheckStatus>,
    at: number,
    info: Record<string, { name?: string; img?: string; error?: string }> = {},
  ): Promise<void> {
    for (const [code, status] of Object.entries(statuses)) {
      const product = this.products.get(code);
      if (!product) throw new Error(`unknown product ${code}`);
      const prev = this.states.get(product.id) ?? INITIAL_PRODUCT_STATE;
      const { next, events } = transition(prev, status, at, this.config.alerting.confirmAfter);
      this.states.set(product.id, next);
      const extra = info[code];
      const name = extra?.name ?? (code === 'TNB' ? 'Tenaga Nasional Berhad' : `${code} Sdn Bhd`);
      const img = extra?.img ?? `https://dashboard.iimmpact.com/img/${code}.png`;
      const infoChanged = name !== product.name || img !== product.img;
      if (infoChanged) this.products.set(code, { ...product, name, img });
      this.recorder.record({
        productId: product.id,
        previous: prev,
        observation: {
          productCode: code,
          status,
          checkedAt: at,
          latencyMs: 5,
          httpStatus: status === 'Unknown' ? 500 : 200,
          error: status === 'Unknown' ? (extra?.error ?? 'HTTP 500: upstream error') : null,
          errorKind: status === 'Unknown' ? 'http_5xx' : null,
          productName: name,
          productImg: img,
          sourceUpdatedAt: null,
        },
        next,
        events,
        ...(infoChanged ? { productInfo: { name, img } } : {}),
      });
    }
    await this.recorder.flush();
  }

  /** Runs the same statuses for several consecutive checks, `step` seconds apart; returns the next time. */
  async checks(statuses: Record<string, CheckStatus>, from: number, count: number, step = 60): Promise<number> {
    let at = from;
    for (let i = 0; i < count; i++) {
      await this.check(statuses, at);
      at += step;
    }
    return at;
  }

  async rows<T>(sql: string, ...params: unknown[]): Promise<T[]> {
    return this.store.sqlite.prepare(sql).all(...params) as T[];
  }

  /** Stops like the daemon does (recorder, worker, notifiers, DB). */
  async stop(): Promise<void> {
    await this.recorder.close();
    await this.worker.stop();
    for (const notifier of this.notifiers) await notifier.close?.();
    await this.store.close();
  }

  async dispose(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Polls `predicate` every 20 ms until true; throws after `timeoutMs`. */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
