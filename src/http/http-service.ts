import type { Kysely } from 'kysely';
import type { Logger } from '../shared/logger.js';
import type { DatabaseSchema } from '../store/schema-types.js';
import { probeWritable } from '../store/write-probe.js';
import type { HistorySource } from './history-source.js';
import type { Metrics } from './metrics.js';
import { createReportHistorySource } from './report-history-source.js';
import { createRoutes } from './routes.js';
import { createHttpServer, type HttpServer } from './server.js';
import { createStatusService } from './status-service.js';

export interface HttpServiceOptions {
  http: { host: string; port: number; token?: string | undefined; publicStatusPage: boolean };
  db: Kysely<DatabaseSchema>;
  metrics: Metrics;
  logger: Logger;
  /** Epoch ms. */
  nowMs: () => number;
  /** When the last poll cycle finished (epoch ms), or null before the first. */
  lastCycleFinishedAtMs: () => number | null;
  /** Shortest gap between scheduled cycles, in seconds. */
  intervalSeconds: number;
  /** Replaces the report-backed history (tests). */
  history?: HistorySource;
  /** How often the status page polls, in seconds (default 30). */
  pageRefreshSeconds?: number;
}

/**
 * Builds the daemon's HTTP surface: the routes over the store, the report
 * module and the metrics registry, behind the node:http transport. Call
 * `start()` to bind and `stop()` to close. Throws NetwatchError
 * `config_invalid` for a non-loopback host without a token.
 */
export function createHttpService(options: HttpServiceOptions): HttpServer {
  const token = options.http.token !== undefined && options.http.token !== '' ? options.http.token : null;
  const history = options.history ?? createReportHistorySource(options.db);
  const startedAtMs = options.nowMs();
  const status = createStatusService({
    db: options.db,
    history,
    nowMs: options.nowMs,
    ...(options.pageRefreshSeconds === undefined ? {} : { pageRefreshSeconds: options.pageRefreshSeconds }),
  });
  const routes = createRoutes({
    status,
    history,
    metrics: options.metrics,
    nowMs: options.nowMs,
    startedAtMs,
    lastCycleFinishedAtMs: options.lastCycleFinishedAtMs,
    intervalSeconds: options.intervalSeconds,
    probeDatabase: () => probeWritable(options.db, Math.floor(options.nowMs() / 1000)),
    apiIsPrivate: token !== null,
  });
  return createHttpServer({
    host: options.http.host,
    port: options.http.port,
    policy: { token, publicStatusPage: options.http.publicStatusPage },
    routes,
    logger: options.logger,
  });
}
