import type { Generated } from 'kysely';

/** Kysely's view of the schema built by `migrations/`. Times are epoch seconds. */
export interface ProductsTable {
  id: Generated<number>;
  code: string;
  name: string | null;
  img: string | null;
  first_seen_at: number;
}

export interface ErrorTextsTable {
  id: Generated<number>;
  text: string;
}

export interface ChecksTable {
  checked_at: number;
  product_id: number;
  /** 0 Unknown, 1 Healthy, 2 Interruption. */
  status: number;
  latency_ms: number;
  http_status: number | null;
  error_id: number | null;
  source_updated_at: number | null;
}

export interface ProductStateTable {
  product_id: number;
  confirmed: number | null;
  confirmed_since: number | null;
  streak_status: number | null;
  streak_count: Generated<number>;
  streak_started_at: number | null;
  unknown_since: number | null;
  last_checked_at: number | null;
  last_status: number | null;
  last_http_status: number | null;
  last_error_id: number | null;
  last_reminder_at: number | null;
}

export interface OutagesTable {
  id: Generated<number>;
  product_id: number;
  started_at: number;
  confirmed_at: number;
  ended_at: number | null;
  recovery_confirmed_at: number | null;
}

export interface AlertEventsTable {
  id: Generated<number>;
  kind: string;
  product_id: number | null;
  outage_id: number | null;
  occurred_at: number;
  /** JSON of the event's facts, enough to render a message without joins. */
  payload: string;
  dispatched_at: number | null;
  /** Why it was recorded but not sent (e.g. a silence), or null. */
  suppressed: string | null;
}

export interface OutboxTable {
  id: Generated<number>;
  idempotency_key: string;
  channel: string;
  /** A route label such as `default` or `routes[1]`; never the webhook URL itself. */
  destination: string;
  payload: string;
  state: Generated<'pending' | 'sent' | 'failed'>;
  attempts: Generated<number>;
  created_at: number;
  next_attempt_at: number;
  give_up_at: number;
  sent_at: number | null;
  last_error: string | null;
}

export interface MetaTable {
  key: string;
  value: string;
}

/** A silence: alerts for matching products are recorded but not sent between created_at and ends_at. */
export interface SilencesTable {
  id: Generated<number>;
  /** A product code or glob (`*` any run, `?` one character), matched case-insensitively. */
  pattern: string;
  reason: string;
  created_by: string | null;
  created_at: number;
  /** Exclusive end; moved to the removal time by `silence remove`. */
  ends_at: number;
  removed_at: number | null;
  /** When the daemon handled the end (sent any alert owed); null until then. */
  end_handled_at: number | null;
}

/**
 * Hourly (`rollup_hourly`, keyed by `hour_start`) or daily (`rollup_daily`,
 * keyed by `day_start`, a Malaysia midnight) history per product. Kept
 * forever. Seconds follow the coverage rules in `src/report/coverage.ts`.
 */
export interface RollupBucketColumns {
  product_id: number;
  healthy_checks: number;
  interruption_checks: number;
  unknown_checks: number;
  /** Seconds outside outages covered by a Healthy or Interruption check. */
  healthy_s: number;
  /** Seconds inside a confirmed outage. */
  interruption_s: number;
}

export interface RollupHourlyTable extends RollupBucketColumns {
  hour_start: number;
}

export interface RollupDailyTable extends RollupBucketColumns {
  day_start: number;
}

/** Per product: the last check folded into the rollups. */
export interface RollupCursorTable {
  product_id: number;
  attributed_from: number;
  last_checked_at: number;
  last_status: number;
  /** 1 when an outage was open as of `last_checked_at`, else 0. */
  in_outage: number;
}

export interface RequestLeasesTable {
  holder: string;
  pid: number;
  role: string;
  /** Epoch milliseconds. */
  expires_at_ms: number;
}

export interface DatabaseSchema {
  products: ProductsTable;
  error_texts: ErrorTextsTable;
  checks: ChecksTable;
  product_state: ProductStateTable;
  outages: OutagesTable;
  alert_events: AlertEventsTable;
  outbox: OutboxTable;
  meta: MetaTable;
  request_leases: RequestLeasesTable;
  silences: SilencesTable;
  rollup_hourly: RollupHourlyTable;
  rollup_daily: RollupDailyTable;
  rollup_cursor: RollupCursorTable;
}
