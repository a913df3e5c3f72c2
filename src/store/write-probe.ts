import { type Kysely, sql } from 'kysely';
import type { DatabaseSchema } from './schema-types.js';

/**
 * Proves the database can take a write right now, without writing anything:
 * `BEGIN IMMEDIATE` takes SQLite's write (RESERVED) lock, which fails on a
 * file opened or remounted read-only and when another process holds the lock;
 * `ROLLBACK` releases it at once. Nothing reaches the file or the WAL, so the
 * probe is cheap enough for a readiness check every few seconds.
 *
 * It runs on Kysely's single connection, so it queues behind (never inside)
 * a check-batch transaction. The busy timeout is lowered to `waitMs` while it
 * runs, because better-sqlite3 waits synchronously and a long wait would stall
 * the event loop, polling included.
 *
 * @throws the SQLite error when the lock cannot be taken within `waitMs`.
 */
export async function probeWritable(db: Kysely<DatabaseSchema>, waitMs = 250): Promise<void> {
  await db.connection().execute(async (conn) => {
    const current = await sql<{ timeout: number }>`pragma busy_timeout`.execute(conn);
    const previous = Number(current.rows[0]?.timeout ?? 5000);
    await sql.raw(`pragma busy_timeout = ${Math.max(0, Math.floor(waitMs))}`).execute(conn);
    try {
      await sql`begin immediate`.execute(conn);
      await sql`rollback`.execute(conn);
    } finally {
      await sql.raw(`pragma busy_timeout = ${previous}`).execute(conn);
    }
  });
}
