import type { Kysely, Selectable } from 'kysely';
import { preparedQuery } from './prepared-query.js';
import type { DatabaseSchema, SilencesTable } from './schema-types.js';

/** Silences as stored. Times are epoch seconds; a silence covers [created_at, ends_at). */
export type SilenceRow = Selectable<SilencesTable>;

export interface NewSilence {
  pattern: string;
  reason: string;
  createdBy: string | null;
  now: number;
  endsAt: number;
}

/** Adds a silence starting now. Returns its id. Throws on DB errors. */
export async function addSilence(db: Kysely<DatabaseSchema>, silence: NewSilence): Promise<number> {
  const row = await db
    .insertInto('silences')
    .values({
      pattern: silence.pattern,
      reason: silence.reason,
      created_by: silence.createdBy,
      created_at: silence.now,
      ends_at: silence.endsAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Silences active at `now`, or with `includeEnded` every silence; newest first. */
export async function listSilences(db: Kysely<DatabaseSchema>, now: number, includeEnded = false): Promise<SilenceRow[]> {
  let query = db.selectFrom('silences').selectAll().orderBy('id', 'desc');
  if (!includeEnded) query = query.where('created_at', '<=', now).where('ends_at', '>', now);
  return query.execute();
}

export type RemoveResult = 'removed' | 'not_found' | 'already_ended';

/**
 * Ends a silence now by moving `ends_at` to `now` (the row is kept as history).
 * The daemon then sends any alert owed for products still in Interruption. Idempotent.
 */
export async function removeSilence(db: Kysely<DatabaseSchema>, id: number, now: number): Promise<RemoveResult> {
  const row = await db.selectFrom('silences').select(['id', 'ends_at']).where('id', '=', id).executeTakeFirst();
  if (!row) return 'not_found';
  if (row.ends_at <= now) return 'already_ended';
  await db.updateTable('silences').set({ ends_at: now, removed_at: now }).where('id', '=', id).where('ends_at', '>', now).execute();
  return 'removed';
}

/**
 * Silences that have ended (by time or removal) and whose end the daemon has
 * not handled yet, oldest end first. Runs with every batch of checks.
 */
export const selectUnhandledEndedSilences: (db: Kysely<DatabaseSchema>, now: number) => Promise<SilenceRow[]> = preparedQuery(
  (db, now: number) =>
    db.selectFrom('silences').selectAll().where('end_handled_at', 'is', null).where('ends_at', '<=', now).orderBy('ends_at').orderBy('id'),
);

/** Every silence that was active at some time at or after `from` (for deciding what was silenced). */
export async function selectSilencesSince(db: Kysely<DatabaseSchema>, from: number): Promise<SilenceRow[]> {
  return db.selectFrom('silences').selectAll().where('ends_at', '>', from).orderBy('id').execute();
}

export async function markSilenceEndHandled(db: Kysely<DatabaseSchema>, id: number, now: number): Promise<void> {
  await db.updateTable('silences').set({ end_handled_at: now }).where('id', '=', id).execute();
}
