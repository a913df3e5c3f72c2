import type { Kysely } from 'kysely';
import type { CheckStatus, KnownStatus } from '../domain/status.js';
import { DAY_SECONDS, dayStart } from '../report/time-buckets.js';
import { MALAYSIA_OFFSET_SECONDS } from '../shared/clock.js';
import type { DatabaseSchema } from '../store/schema-types.js';
import { type ProductStatusRow, queryProductStatus } from '../store/status-query.js';
import { type HistorySource, uptimePercent } from './history-source.js';
import type { PageProduct, StatusPageModel } from './status-page-model.js';

/** Uptime windows reported by `/api/v1/status`, in seconds. */
export const UPTIME_WINDOWS = Object.freeze({ '24h': DAY_SECONDS, '7d': 7 * DAY_SECONDS, '30d': 30 * DAY_SECONDS });

export interface ProductSnapshot {
  row: ProductStatusRow;
  /** Percent (4 decimals) per window of UPTIME_WINDOWS; null when nothing was monitored. */
  uptime: { '24h': number | null; '7d': number | null; '30d': number | null };
}

/** Every product's current picture, as of `asOf`. */
export interface StatusSnapshot {
  /** The latest check of any product (epoch s): the data is "as of" then. Null before the first check. */
  asOf: number | null;
  /** Ordered by code. */
  products: ProductSnapshot[];
}

export interface StatusServiceOptions {
  db: Kysely<DatabaseSchema>;
  history: HistorySource;
  /** Epoch ms. */
  nowMs: () => number;
  pageTitle?: string;
  /** How often the page's script polls, in seconds (default 30). */
  pageRefreshSeconds?: number;
  /** Day segments on the status page (default 90). */
  pageDays?: number;
  /** How far back the page lists incidents, in days (default 30), and at most how many (default 25). */
  incidentDays?: number;
  maxIncidents?: number;
  /**
   * Shortest time between two recomputations, in ms (default 5000). Checks land in
   * micro-batches all through a cycle; without this, a client polling during a long
   * cycle over hundreds of products would recompute the uptimes after every batch.
   */
  minRecomputeMs?: number;
}

export interface StatusService {
  snapshot(): Promise<StatusSnapshot>;
  pageModel(): Promise<StatusPageModel>;
}

/**
 * Reads the store and the report module for the status API and page. Uptime
 * windows end at the latest recorded check (`asOf`), not at the wall clock,
 * so the figures change only when new checks land: responses between two
 * cycles are byte-identical and their ETag lets clients revalidate for free.
 * The expensive part is memoised on a fingerprint of `product_state` and
 * recomputed at most every `minRecomputeMs`.
 */
export function createStatusService(options: StatusServiceOptions): StatusService {
  const { db, history } = options;
  const refreshSeconds = options.pageRefreshSeconds ?? 30;
  const pageDays = options.pageDays ?? 90;
  const incidentDays = options.incidentDays ?? 30;
  const maxIncidents = options.maxIncidents ?? 25;
  const minRecomputeMs = options.minRecomputeMs ?? 5000;
  let memo: { key: string; computedAtMs: number; snapshot: Promise<StatusSnapshot>; page: Promise<PageHistory> | null } | null = null;

  interface PageHistory {
    firstDay: number;
    days: Map<string, Array<[number, number]>>;
    incidents: StatusPageModel['incidents'];
  }

  async function current(): Promise<NonNullable<typeof memo>> {
    const rows = await queryProductStatus(db);
    const key = fingerprint(rows);
    const nowMs = options.nowMs();
    // Serve the previous picture (consistent with itself, a few seconds old) rather than recompute per batch.
    const fresh = memo !== null && Math.abs(nowMs - memo.computedAtMs) < minRecomputeMs;
    if (memo?.key !== key && !fresh) {
      const snapshot = buildSnapshot(rows);
      memo = { key, computedAtMs: nowMs, snapshot, page: null };
      // A failed computation must not stick.
      snapshot.catch(() => {
        if (memo?.snapshot === snapshot) memo = null;
      });
    }
    return memo as NonNullable<typeof memo>;
  }

  async function buildSnapshot(rows: ProductStatusRow[]): Promise<StatusSnapshot> {
    const asOf = latestCheck(rows);
    const end = asOf ?? Math.floor(options.nowMs() / 1000);
    const codes = rows.map((row) => row.code);
    const [day, week, month] = await Promise.all(
      Object.values(UPTIME_WINDOWS).map((seconds) => history.uptime({ from: end - seconds, to: end, now: end, products: codes })),
    );
    return {
      asOf,
      products: rows.map((row) => ({
        row,
        uptime: {
          '24h': uptimePercent(day?.get(row.code)),
          '7d': uptimePercent(week?.get(row.code)),
          '30d': uptimePercent(month?.get(row.code)),
        },
      })),
    };
  }

  async function buildPageHistory(snapshot: StatusSnapshot): Promise<PageHistory> {
    const end = snapshot.asOf ?? Math.floor(options.nowMs() / 1000);
    const firstDay = dayStart(end) - (pageDays - 1) * DAY_SECONDS;
    const codes = snapshot.products.map((product) => product.row.code);
    const [daily, outages] = await Promise.all([
      history.daily({ firstDay, days: pageDays, now: end, products: codes }),
      history.recentOutages({ from: end - incidentDays * DAY_SECONDS, now: end, limit: maxIncidents }),
    ]);
    const days = new Map<string, Array<[number, number]>>();
    for (const code of codes) {
      const values = daily.get(code) ?? [];
      days.set(
        code,
        Array.from({ length: pageDays }, (_, i) => [values[i]?.upS ?? 0, values[i]?.downS ?? 0] as [number, number]),
      );
    }
    return {
      firstDay,
      days,
      incidents: outages.map((outage) => ({
        code: outage.productCode,
        name: outage.productName,
        startedAt: outage.startedAt,
        endedAt: outage.endedAt,
      })),
    };
  }

  return {
    async snapshot() {
      return (await current()).snapshot;
    },

    async pageModel() {
      const entry = await current();
      const snapshot = await entry.snapshot;
      if (entry.page === null) {
        const page = buildPageHistory(snapshot);
        entry.page = page;
        page.catch(() => {
          if (entry.page === page) entry.page = null;
        });
      }
      const page = await entry.page;
      const products: PageProduct[] = snapshot.products.map(({ row, uptime }) => ({
        code: row.code,
        name: row.name,
        state: row.state,
        since: row.since,
        lastCheckedAt: row.lastCheckedAt,
        lastStatus: row.lastStatus,
        unknownSince: row.unknownSince,
        uptime24h: uptime['24h'] === null ? null : uptime['24h'] / 100,
        uptime30d: uptime['30d'] === null ? null : uptime['30d'] / 100,
        days: page.days.get(row.code) ?? [],
      }));
      products.sort((a, b) => severity(a.state) - severity(b.state) || compareLabels(a, b));
      return {
        title: options.pageTitle ?? 'IIMMPACT network status',
        generatedAt: Math.floor(options.nowMs() / 1000),
        lastCheckAt: snapshot.asOf,
        refreshSeconds,
        tzOffsetSeconds: MALAYSIA_OFFSET_SECONDS,
        tzLabel: 'MYT',
        firstDay: page.firstDay,
        dayCount: pageDays,
        products,
        incidents: page.incidents,
        incidentDays,
      };
    },
  };
}

function latestCheck(rows: readonly ProductStatusRow[]): number | null {
  let latest: number | null = null;
  for (const row of rows) if (row.lastCheckedAt !== null && (latest === null || row.lastCheckedAt > latest)) latest = row.lastCheckedAt;
  return latest;
}

/** Changes whenever a check lands (or a name changes): the memo key. */
function fingerprint(rows: readonly ProductStatusRow[]): string {
  return JSON.stringify(rows.map((row) => [row.code, row.name, row.state, row.since, row.lastCheckedAt, row.lastStatus, row.unknownSince]));
}

function severity(state: KnownStatus | null): number {
  return state === 'Interruption' ? 0 : state === null ? 1 : 2;
}

function compareLabels(a: { code: string; name: string | null }, b: { code: string; name: string | null }): number {
  const left = (a.name ?? a.code).toLowerCase();
  const right = (b.name ?? b.code).toLowerCase();
  return left < right ? -1 : left > right ? 1 : 0;
}

/** JSON for one product, as `/api/v1/status` serves it. Times are ISO-8601 UTC. Pure. */
export function productStatusJson(product: ProductSnapshot, iso: (seconds: number | null) => string | null) {
  const { row } = product;
  return {
    code: row.code,
    name: row.name,
    state: row.state,
    since: iso(row.since),
    /** True while the confirmed state is Interruption: show the customer a warning (never block payment). */
    warning: row.state === 'Interruption',
    lastCheck:
      row.lastCheckedAt === null
        ? null
        : {
            at: iso(row.lastCheckedAt),
            status: row.lastStatus as CheckStatus,
            httpStatus: row.lastHttpStatus,
            error: row.lastError,
          },
    unknownSince: iso(row.unknownSince),
    uptimePct: product.uptime,
  };
}
