import Database from 'better-sqlite3';
import { INITIAL_PRODUCT_STATE, type ProductState } from '../../src/domain/product-state.js';
import { statusFromCode } from '../../src/domain/status.js';
import { transition } from '../../src/domain/transition.js';

/**
 * What must hold in a netwatch database at ANY moment, including right after
 * a kill -9: SQLite's own integrity, at most one open outage per product and
 * no overlapping outages, and every outage carrying exactly the alert events
 * its transitions produced (one interruption; one recovery once closed).
 * Returns human-readable problems; empty means all good. Opens the file
 * read-only and closes it again.
 */
export function storeInvariantProblems(dbPath: string): string[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const problems: string[] = [];
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);
    if (!tableExists(db, 'outages') || !tableExists(db, 'alert_events')) return problems;

    const outages = db
      .prepare('select id, product_id, started_at, ended_at from outages order by product_id, started_at, id')
      .all() as Array<{ id: number; product_id: number; started_at: number; ended_at: number | null }>;
    const open = new Map<number, number>();
    for (const [i, outage] of outages.entries()) {
      if (outage.ended_at === null) open.set(outage.product_id, (open.get(outage.product_id) ?? 0) + 1);
      else if (outage.ended_at < outage.started_at) problems.push(`outage ${outage.id} ends before it starts`);
      const next = outages[i + 1];
      if (next && next.product_id === outage.product_id && (outage.ended_at === null || outage.ended_at > next.started_at)) {
        problems.push(`outages ${outage.id} and ${next.id} of product ${outage.product_id} overlap`);
      }
    }
    for (const [product, count] of open) if (count > 1) problems.push(`product ${product} has ${count} open outages`);

    const events = db
      .prepare(
        "select outage_id, kind, count(*) as n from alert_events where kind in ('interruption', 'recovery') group by outage_id, kind",
      )
      .all() as Array<{ outage_id: number | null; kind: string; n: number }>;
    const count = (id: number, kind: string) => events.find((e) => e.outage_id === id && e.kind === kind)?.n ?? 0;
    for (const outage of outages) {
      if (count(outage.id, 'interruption') !== 1)
        problems.push(`outage ${outage.id} has ${count(outage.id, 'interruption')} interruption events`);
      const recoveries = count(outage.id, 'recovery');
      if (recoveries !== (outage.ended_at === null ? 0 : 1))
        problems.push(`outage ${outage.id} (ended ${outage.ended_at}) has ${recoveries} recovery events`);
    }
    const orphans = events.filter((e) => e.outage_id === null || !outages.some((o) => o.id === e.outage_id));
    if (orphans.length > 0) problems.push(`alert events without an outage: ${JSON.stringify(orphans)}`);
    return problems;
  } finally {
    db.close();
  }
}

/**
 * Replays every recorded check of every product through the pure state
 * machine and compares the outages it yields with the stored ones. Checks
 * and state commit in one transaction, so after any crash the two agree
 * exactly: no confirmed transition lost, none invented. Returns problems.
 */
export function replayProblems(dbPath: string, confirmAfter: number): string[] {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const problems: string[] = [];
    const products = db.prepare('select id, code from products order by id').all() as Array<{ id: number; code: string }>;
    for (const product of products) {
      const checks = db.prepare('select checked_at, status from checks where product_id = ? order by checked_at').all(product.id) as Array<{
        checked_at: number;
        status: number;
      }>;
      let state: ProductState = INITIAL_PRODUCT_STATE;
      const expected: string[] = [];
      for (const check of checks) {
        const { next, events } = transition(state, statusFromCode(check.status), check.checked_at, confirmAfter);
        state = next;
        for (const event of events) {
          if (event.type === 'outage_opened') expected.push(`${event.startedAt}-open`);
          if (event.type === 'outage_closed') expected[expected.length - 1] = `${event.outageStartedAt}-${event.endedAt}`;
        }
      }
      const stored = (
        db.prepare('select started_at, ended_at from outages where product_id = ? order by started_at').all(product.id) as Array<{
          started_at: number;
          ended_at: number | null;
        }>
      ).map((o) => `${o.started_at}-${o.ended_at ?? 'open'}`);
      if (JSON.stringify(stored) !== JSON.stringify(expected)) {
        problems.push(`${product.code}: outages ${JSON.stringify(stored)} but its checks replay to ${JSON.stringify(expected)}`);
      }
    }
    return problems;
  } finally {
    db.close();
  }
}

function tableExists(db: Database.Database, name: string): boolean {
  return db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(name) !== undefined;
}
