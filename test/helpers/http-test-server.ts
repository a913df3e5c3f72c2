import type { HistorySource } from '../../src/http/history-source.js';
import { createHttpService } from '../../src/http/http-service.js';
import { createMetrics, type Metrics, storeScrapeSources } from '../../src/http/metrics.js';
import type { HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/shared/logger.js';
import type { StoreDatabase } from '../../src/store/database.js';

export interface TestHttpOptions {
  store: StoreDatabase;
  /** Epoch ms; default Date.now. */
  nowMs?: () => number;
  http?: { host?: string; port?: number; token?: string; publicStatusPage?: boolean };
  lastCycleFinishedAtMs?: () => number | null;
  intervalSeconds?: number;
  history?: HistorySource;
  pageRefreshSeconds?: number;
}

export interface TestHttp {
  url: string;
  port: number;
  metrics: Metrics;
  server: HttpServer;
  stop(): Promise<void>;
}

/** The real HTTP service (routes, report-backed history, metrics) on 127.0.0.1 and an ephemeral port. */
export async function startTestHttp(options: TestHttpOptions): Promise<TestHttp> {
  const nowMs = options.nowMs ?? (() => Date.now());
  const intervalSeconds = options.intervalSeconds ?? 60;
  const metrics = createMetrics();
  metrics.setScrapeSources(storeScrapeSources(options.store.db, { staleAfterSeconds: 3 * intervalSeconds, nowMs }));
  const server = createHttpService({
    http: {
      host: options.http?.host ?? '127.0.0.1',
      port: options.http?.port ?? 0,
      token: options.http?.token,
      publicStatusPage: options.http?.publicStatusPage ?? false,
    },
    db: options.store.db,
    metrics,
    logger: createLogger({ level: 'silent' }),
    nowMs,
    lastCycleFinishedAtMs: options.lastCycleFinishedAtMs ?? (() => nowMs() - 1000),
    intervalSeconds,
    ...(options.history ? { history: options.history } : {}),
    ...(options.pageRefreshSeconds === undefined ? {} : { pageRefreshSeconds: options.pageRefreshSeconds }),
  });
  const { url, port } = await server.start();
  return { url, port, metrics, server, stop: () => server.stop() };
}
