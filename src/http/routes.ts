import { type ParsedReportWindow, parseReportWindow, type ReportTimeZone } from '../report/parse-report-window.js';
import { ReportInputError } from '../report/report-input-error.js';
import { isoFromSeconds } from '../shared/clock.js';
import type { HistorySource } from './history-source.js';
import type { Metrics } from './metrics.js';
import { checkReadiness } from './readiness.js';
import { errorReply, HTML_TYPE, jsonReply, type Reply, TEXT_TYPE } from './reply.js';
import type { Route, RouteRequest } from './router.js';
import { pageContentSecurityPolicy } from './security-headers.js';
import { renderStatusPage } from './status-page.js';
import { statusPageAssets } from './status-page-assets.js';
import { productStatusJson, type StatusService } from './status-service.js';

export interface RouteDeps {
  status: StatusService;
  history: HistorySource;
  metrics: Metrics;
  /** Epoch ms. */
  nowMs: () => number;
  startedAtMs: number;
  /** When the last poll cycle finished (epoch ms), or null before the first. */
  lastCycleFinishedAtMs: () => number | null;
  /** Shortest gap between scheduled cycles, in seconds. */
  intervalSeconds: number;
  /** Resolves when the database takes writes; rejects with the reason. */
  probeDatabase: () => Promise<void>;
  /** True when /api/* needs a token: responses are then `private` to caches. */
  apiIsPrivate: boolean;
}

const PRODUCT_PARAM = /^[A-Za-z0-9_-]{1,32}$/;

const iso = (seconds: number | null): string | null => (seconds === null ? null : isoFromSeconds(seconds));

/**
 * The endpoint table. Handlers only read (the store through the status
 * service and the report module), except the readiness probe, which commits
 * one row in `meta` to prove the database takes writes (see probeWritable).
 */
export function createRoutes(deps: RouteDeps): Route[] {
  return [
    { path: '/healthz', access: 'health', handle: () => ({ status: 200, contentType: TEXT_TYPE, body: 'ok\n' }) },
    { path: '/readyz', access: 'probe', handle: (request) => readyz(deps, request) },
    {
      path: '/metrics',
      access: 'api',
      handle: async () => ({ status: 200, contentType: deps.metrics.contentType, body: await deps.metrics.render() }),
    },
    { path: '/api/v1/status', access: 'api', handle: () => statusAll(deps) },
    { path: '/api/v1/status/:code', access: 'api', handle: (request) => statusOne(deps, request.params.code ?? '') },
    { path: '/api/v1/outages', access: 'api', handle: (request) => reportEndpoint(deps, request, 'outages') },
    { path: '/api/v1/report', access: 'api', handle: (request) => reportEndpoint(deps, request, 'report') },
    { path: '/', access: 'page', handle: () => statusPage(deps) },
    { path: '/status.json', access: 'page', handle: async () => jsonReply(200, await deps.status.pageModel()) },
  ];
}

async function readyz(deps: RouteDeps, request: RouteRequest): Promise<Reply> {
  const report = await checkReadiness({
    nowMs: deps.nowMs(),
    startedAtMs: deps.startedAtMs,
    lastCycleFinishedAtMs: deps.lastCycleFinishedAtMs(),
    intervalSeconds: deps.intervalSeconds,
    probeDatabase: deps.probeDatabase,
  });
  const status = report.status === 'ready' ? 200 : 503;
  // Orchestrators get the status code without a token; the reasons need the page's access.
  return jsonReply(status, request.mayViewPage ? report : { status: report.status });
}

/**
 * Cache lifetime for status data: until one schedule interval after the
 * latest check, when the next one should have landed; `no-cache` (revalidate
 * with the ETag) once that moment has passed.
 */
function statusCacheControl(deps: RouteDeps, asOf: number | null): string {
  const scope = deps.apiIsPrivate ? 'private' : 'public';
  const nowSeconds = Math.floor(deps.nowMs() / 1000);
  const maxAge = asOf === null ? 0 : Math.min(deps.intervalSeconds, asOf + deps.intervalSeconds - nowSeconds);
  return maxAge > 0 ? `${scope}, max-age=${maxAge}` : `${scope}, no-cache`;
}

async function statusAll(deps: RouteDeps): Promise<Reply> {
  const snapshot = await deps.status.snapshot();
  return jsonReply(
    200,
    {
      asOf: iso(snapshot.asOf),
      pollIntervalSeconds: deps.intervalSeconds,
      products: snapshot.products.map((product) => productStatusJson(product, iso)),
    },
    { etag: true, headers: { 'Cache-Control': statusCacheControl(deps, snapshot.asOf) } },
  );
}

async function statusOne(deps: RouteDeps, code: string): Promise<Reply> {
  if (!PRODUCT_PARAM.test(code)) return errorReply(400, 'bad_request', 'a product code is 1-32 letters, digits, _ or -');
  const snapshot = await deps.status.snapshot();
  const product = snapshot.products.find((candidate) => candidate.row.code === code);
  if (!product) return errorReply(404, 'not_found', `no status recorded for product ${code}`);
  return jsonReply(
    200,
    { asOf: iso(snapshot.asOf), pollIntervalSeconds: deps.intervalSeconds, ...productStatusJson(product, iso) },
    { etag: true, headers: { 'Cache-Control': statusCacheControl(deps, snapshot.asOf) } },
  );
}

/**
 * `from`, `to`, `tz` (malaysia | utc), `product` and `sort` mean what
 * `netwatch report`'s `--from`, `--to`, `--utc`, `--product` and `--sort`
 * mean; `product` may repeat or hold a comma-separated list. The body is
 * `netwatch report [--outages] --format json`.
 */
async function reportEndpoint(deps: RouteDeps, request: RouteRequest, kind: 'outages' | 'report'): Promise<Reply> {
  const nowSeconds = Math.floor(deps.nowMs() / 1000);
  let window: ParsedReportWindow;
  let products: string[] | undefined;
  try {
    const tz = request.query.get('tz') ?? 'malaysia';
    if (tz !== 'malaysia' && tz !== 'utc') throw new ReportInputError(`tz: expected malaysia or utc, got "${tz}"`);
    window = parseReportWindow(
      { zone: tz as ReportTimeZone, ...optional('from', request.query.get('from')), ...optional('to', request.query.get('to')) },
      nowSeconds,
    );
    const listed = request.query
      .getAll('product')
      .flatMap((value) => value.split(','))
      .map((value) => value.trim())
      .filter((value) => value !== '');
    for (const code of listed) {
      if (!PRODUCT_PARAM.test(code))
        throw new ReportInputError(`product: a product code is 1-32 letters, digits, _ or -; got "${code.slice(0, 40)}"`);
    }
    products = listed.length > 0 ? [...new Set(listed)] : undefined;
    const sort = request.query.get('sort') ?? 'code';
    if (sort !== 'code' && sort !== 'uptime' && sort !== 'downtime')
      throw new ReportInputError(`sort: expected code, uptime or downtime, got "${sort.slice(0, 40)}"`);
    const query = {
      from: window.from,
      to: Math.min(window.to, nowSeconds),
      now: nowSeconds,
      zone: tz as ReportTimeZone,
      ...(products ? { products } : {}),
    };
    const body = kind === 'outages' ? await deps.history.outages(query) : await deps.history.report({ ...query, sort });
    return jsonReply(200, body);
  } catch (error) {
    if (error instanceof ReportInputError) return errorReply(400, 'bad_request', error.message.replace(/--(from|to)\b/g, '$1'));
    throw error;
  }
}

function optional(key: 'from' | 'to', value: string | null): { from?: string; to?: string } {
  return value === null || value.trim() === '' ? {} : { [key]: value };
}

async function statusPage(deps: RouteDeps): Promise<Reply> {
  const assets = statusPageAssets();
  const model = await deps.status.pageModel();
  return {
    status: 200,
    contentType: HTML_TYPE,
    body: renderStatusPage(model, assets),
    headers: { 'Content-Security-Policy': pageContentSecurityPolicy({ scripts: [assets.script], styles: [assets.style] }) },
  };
}
