import { ConfigError } from './config/config-error.js';
import type { Config } from './config/load-config.js';
import { createHttpService } from './http/http-service.js';
import { createMetrics, type Metrics, storeScrapeSources } from './http/metrics.js';
import { READY_INTERVALS } from './http/readiness.js';
import type { HttpServer } from './http/server.js';
import { createIimmpactClient, createTokenBucket, type IimmpactClient, type NetworkStatusSource } from './iimmpact/index.js';
import { createAlertPolicyExtension, recordCycleConditions } from './notify/alert-policy.js';
import { createAlertChannels } from './notify/channels.js';
import type { Notifier } from './notify/notifier.js';
import { type DeliveryResult, type DeliveryResultDetail, OutboxWorker } from './notify/outbox-worker.js';
import { CheckRecorder } from './poller/check-recorder.js';
import { ProductRegistry } from './poller/product-registry.js';
import { RequestBudgetShare } from './poller/request-budget-share.js';
import { type CycleSummary, runCycle } from './poller/run-cycle.js';
import { Scheduler } from './poller/scheduler.js';
import { coverageCapForInterval } from './report/coverage.js';
import { RollupMaintainer } from './report/rollup-maintainer.js';
import { type Clock, systemClock, toEpochSeconds } from './shared/clock.js';
import { describeError, NetwatchError } from './shared/errors.js';
import { createLogger, type Logger } from './shared/logger.js';
import { createScrubber } from './shared/secret-scrubber.js';
import { migrateToLatest, openDatabase, type StoreDatabase } from './store/database.js';
import { RetentionJob } from './store/retention-job.js';

/** How often `products: all` re-reads the product list. */
const PRODUCT_LIST_REFRESH_MS = 3_600_000;

export interface AppOptions {
  logger?: Logger;
  clock?: Clock;
  /** Replaces the IIMMPACT client (tests, benchmarks). */
  source?: NetworkStatusSource;
  /** `check` for a one-shot `netwatch check`; it shares the request budget with a running daemon. */
  role?: 'daemon' | 'check';
  /** Replaces the configured notifiers. */
  notifiers?: readonly Notifier[];
  /** Called after every alert delivery attempt (for metrics). Must not throw. */
  onDeliveryResult?: (channel: string, result: DeliveryResult, detail: DeliveryResultDetail) => void;
}

/** Facts about the last cycle, for `/readyz`, metrics and `netwatch status`. */
export interface CycleRecord {
  id: number;
  startedAtMs: number;
  finishedAtMs: number;
  summary: CycleSummary;
}

/**
 * The daemon's wiring. Builds every component from a frozen config and tears
 * them down in reverse order. Nothing happens at construction: `start` opens
 * the database, migrates, polls once at once and then on the schedule.
 */
export class App {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  store!: StoreDatabase;
  registry!: ProductRegistry;
  recorder!: CheckRecorder;
  rollups!: RollupMaintainer;
  outbox!: OutboxWorker;
  notifiers: readonly Notifier[] = [];
  lastCycle: CycleRecord | null = null;
  /** Prometheus metrics on a registry of this app's own; served at /metrics. */
  readonly metrics: Metrics;
  /** The HTTP server's base URL once listening (e.g. `http://127.0.0.1:9464/`); null when off. */
  httpUrl: string | null = null;
  private http: HttpServer | null = null;
  private scheduler: Scheduler | null = null;
  private retention: RetentionJob | null = null;
  private client: IimmpactClient | null = null;
  private budgetShare: RequestBudgetShare | null = null;
  private source!: NetworkStatusSource;
  private cycleCounter = 0;
  private productsRefreshedAtMs = 0;
  private stopping = false;

  constructor(
    config: Config,
    private readonly options: AppOptions = {},
  ) {
    this.config = config;
    this.clock = options.clock ?? systemClock;
    // Process metrics only where something can scrape them (a daemon with HTTP on).
    this.metrics = createMetrics({ processMetrics: config.http.enabled && (options.role ?? 'daemon') === 'daemon' });
    this.logger =
      options.logger ??
      createLogger({
        level: config.log.level,
        scrub: createScrubber([
          config.api.apiKey,
          config.api.hmacSecret,
          config.alerting.slack?.webhookUrl,
          config.alerting.email?.smtpUrl,
          config.http.token,
          ...config.alerting.routes.map((route) => route.slack?.webhookUrl),
          smtpPassword(config.alerting.email?.smtpUrl),
        ]),
      });
  }

  /** Opens the DB, migrates, restores state and starts the worker. Throws NetwatchError if the DB is unusable. */
  async open(): Promise<void> {
    this.store = openDatabase(this.config.database);
    const applied = await migrateToLatest(this.store.db);
    if (applied.length > 0) this.logger.info({ migrations: applied }, 'database migrated');
    this.metrics.setScrapeSources(
      storeScrapeSources(this.store.db, {
        staleAfterSeconds: READY_INTERVALS * this.config.scheduleIntervalSeconds,
        nowMs: () => this.clock.now(),
      }),
    );
    this.source = this.options.source ?? (await this.createClient());
    this.registry = new ProductRegistry(this.store.db);
    const channels = createAlertChannels(this.config.alerting, {
      logger: this.logger.child({ component: 'notify' }),
      nowSeconds: () => toEpochSeconds(this.clock.now()),
      ...(this.options.notifiers ? { notifiers: this.options.notifiers } : {}),
    });
    for (const warning of channels.warnings) this.logger.warn(warning);
    this.notifiers = channels.notifiers;
    this.outbox = new OutboxWorker({
      db: this.store.db,
      notifiers: channels.notifiers,
      destinations: channels.destinations,
      logger: this.logger.child({ component: 'outbox' }),
      clock: this.clock,
      groupWaitMs: this.config.alerting.groupWait,
      retryForMs: this.config.alerting.retryFor,
      sendTimeoutMs: this.config.alerting.sendTimeout,
      productCount: () => this.registry.size,
      onResult: (channel, result, detail) => {
        this.metrics.recordNotification(channel, result);
        this.options.onDeliveryResult?.(channel, result, detail);
      },
    });
    this.rollups = new RollupMaintainer({ coverageCapSeconds: coverageCapForInterval(this.config.scheduleIntervalSeconds) });
    this.recorder = new CheckRecorder({
      db: this.store.db,
      logger: this.logger.child({ component: 'recorder' }),
      // Reminders, silence ends and Unknown-too-long alerts commit with the checks that triggered them.
      extensions: [
        createAlertPolicyExtension({ remindEveryMs: this.config.alerting.remindEvery, unknownAfterMs: this.config.alerting.unknownAfter }),
        // Hourly/daily history: folded in memory with every batch, written hourly and with every outage change.
        this.rollups,
      ],
      // Commit before waking the worker, so a crash can't lose the alert.
      onAlertsCommitted: () => this.outbox.wake(),
    });
    this.outbox.start();
  }

  /** `open`, the first poll right away, then the schedule. */
  async start(): Promise<void> {
    await this.open();
    for (const warning of this.config.warnings) this.logger.warn(warning);
    await this.startHttp();
    this.scheduler = new Scheduler({
      expression: this.config.schedule,
      logger: this.logger,
      onOverrun: () => this.metrics.recordOverrun(),
      run: async (signal) => {
        await this.pollCycle(signal);
      },
    });
    this.scheduler.start(true);
    // Daily pruning of raw checks, in small batches between the recorder's transactions.
    this.retention = new RetentionJob({
      store: this.store,
      logger: this.logger.child({ component: 'retention' }),
      clock: this.clock,
      checksDays: this.config.retention.checksDays,
    });
    this.retention.start();
    this.logger.info(
      { schedule: this.config.schedule, database: this.config.database, requestRate: this.config.requestRate },
      'netwatch started',
    );
  }

  /**
   * Runs one cycle over `codes` (default: the configured products), records it
   * and alerts exactly like the daemon. Used by the scheduler and `netwatch check`.
   */
  async pollCycle(signal?: AbortSignal, codes?: readonly string[]): Promise<CycleRecord> {
    const startedAtMs = this.clock.now();
    const id = ++this.cycleCounter;
    await this.refreshProducts(codes, signal);
    const log = this.logger.child({ cycle: id });
    const summary = await runCycle(this.registry.list(), {
      source: this.source,
      recorder: this.recorder,
      confirmAfter: this.config.alerting.confirmAfter,
      deadlineMs: startedAtMs + this.config.scheduleIntervalSeconds * 800,
      ...(signal ? { signal } : {}),
      onObservation: (product, observation, events) => {
        this.metrics.recordCheck(product.code, observation.status);
        if (observation.status === 'Unknown') {
          log.warn(
            { product: product.code, errorKind: observation.errorKind, httpStatus: observation.httpStatus, err: observation.error },
            'check failed; recorded as Unknown',
          );
        }
        for (const event of events) {
          if (event.type !== 'baseline_healthy')
            log.info(
              { product: product.code, transition: event.type, startedAt: 'startedAt' in event ? event.startedAt : event.outageStartedAt },
              'confirmed transition',
            );
        }
      },
    });
    const finishedAtMs = this.clock.now();
    const record: CycleRecord = { id, startedAtMs, finishedAtMs, summary };
    this.metrics.recordCycle({ startedAtMs, finishedAtMs });
    this.lastCycle = record;
    const fields = { durationMs: finishedAtMs - startedAtMs, ...summary };
    if (summary.allFailed) log.error(fields, 'every request in the cycle failed: IIMMPACT unreachable or rejecting us');
    else log.info(fields, 'cycle finished');
    await this.recordOperatorConditions(summary, startedAtMs, finishedAtMs);
    return record;
  }

  /** Stops in reverse order of start: schedule (waiting for the cycle), writes, delivery, DB. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    // HTTP first: no request may see a half-closed database.
    await this.http?.stop();
    this.http = null;
    await this.retention?.stop();
    await this.scheduler?.stop(5000);
    await this.recorder?.close();
    // Folds still in memory would be re-read from the raw checks by the next start; writing them now keeps that short.
    await this.rollups
      ?.flush(this.store.db)
      .catch((error: unknown) =>
        this.logger.warn({ err: describeError(error) }, 'writing rollups at shutdown failed; the next start re-reads them'),
      );
    await this.outbox?.stop();
    for (const notifier of this.notifiers) await notifier.close?.().catch(() => undefined);
    this.client?.close();
    await this.budgetShare?.stop();
    await this.store?.close();
    this.logger.info('netwatch stopped');
  }

  private async refreshProducts(codes: readonly string[] | undefined, signal?: AbortSignal): Promise<void> {
    const now = this.clock.now();
    if (codes) {
      await this.registry.setCodes(codes, toEpochSeconds(now));
      return;
    }
    const configured = this.config.products;
    if (configured !== 'all') {
      if (this.registry.size === 0) await this.registry.setCodes(configured, toEpochSeconds(now));
      return;
    }
    if (this.registry.size > 0 && now - this.productsRefreshedAtMs < PRODUCT_LIST_REFRESH_MS) return;
    try {
      const listing = await this.source.listProducts(signal ? { signal } : {});
      const active = listing.filter((product) => product.active).map((product) => product.code);
      await this.registry.setCodes(active, toEpochSeconds(now));
      this.productsRefreshedAtMs = now;
      this.logger.info({ products: active.length }, 'product list refreshed');
    } catch (error) {
      // Keep polling the last known list; retry the listing on the next cycle.
      this.logger.error({ err: describeError(error) }, 'product list refresh failed; keeping the previous list');
    }
  }

  /** The real client, with its limiter's rate shared with other netwatch processes on this database. */
  private async createClient(): Promise<NetworkStatusSource> {
    const limiter = createTokenBucket({ ratePerSecond: this.config.requestRate });
    this.budgetShare = new RequestBudgetShare({
      db: this.store.db,
      limiter,
      totalRate: this.config.requestRate,
      role: this.options.role ?? 'daemon',
      clock: this.clock,
      logger: this.logger,
    });
    await this.budgetShare.start();
    this.client = createIimmpactClient({
      baseUrl: this.config.api.baseUrl,
      apiKey: this.config.api.apiKey,
      hmacSecret: this.config.api.hmacSecret,
      timeoutMs: this.config.api.timeoutMs,
      concurrency: this.config.api.concurrency,
      limiter,
      retry: { maxAttempts: this.config.api.retries + 1, baseDelayMs: 250, maxDelayMs: 5000 },
      clock: this.clock,
      onResponse: (info) => this.metrics.recordApiResponse(info),
    });
    return this.client;
  }

  /**
   * Binds the HTTP server after the database is open and before the first
   * poll, so a second daemon started by mistake (same port) fails at once,
   * before it calls IIMMPACT or writes a check. A port that cannot be bound is
   * a configuration error (exit 2, one clear line): an orchestrator should see
   * the failure rather than a daemon that runs without health checks.
   */
  private async startHttp(): Promise<void> {
    if (!this.config.http.enabled) return;
    try {
      this.http = createHttpService({
        http: this.config.http,
        db: this.store.db,
        metrics: this.metrics,
        logger: this.logger.child({ component: 'http' }),
        nowMs: () => this.clock.now(),
        lastCycleFinishedAtMs: () => this.lastCycle?.finishedAtMs ?? null,
        intervalSeconds: this.config.scheduleIntervalSeconds,
      });
      const { url } = await this.http.start();
      this.httpUrl = url;
      this.logger.info({ url, auth: this.config.http.token ? 'token required' : 'none (loopback only)' }, 'HTTP server listening');
    } catch (error) {
      this.http = null;
      await this.stop();
      if (error instanceof NetwatchError && error.code === 'config_invalid') throw new ConfigError([error.message]);
      throw error;
    }
  }

  /** API-wide monitoring-blind alerts (unreachable, auth); committed, then the outbox is woken. Never throws. */
  private async recordOperatorConditions(summary: CycleSummary, startedAtMs: number, finishedAtMs: number): Promise<void> {
    try {
      const raised = await recordCycleConditions(this.store.db, summary, toEpochSeconds(startedAtMs), toEpochSeconds(finishedAtMs));
      if (raised > 0) this.outbox.wake();
    } catch (error) {
      this.logger.error({ err: describeError(error) }, 'recording the monitoring condition failed; it is re-evaluated next cycle');
    }
  }
}

/** The password inside an SMTP URL, so the log scrubber knows it on its own too. */
function smtpPassword(smtpUrl: string | undefined): string | undefined {
  if (!smtpUrl) return undefined;
  try {
    return decodeURIComponent(new URL(smtpUrl).password) || undefined;
  } catch {
    return undefined;
  }
}
