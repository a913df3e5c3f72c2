import { type Kysely, sql } from 'kysely';
import type { DatabaseSchema } from './schema-types.js';

/** The `meta` key the probe rewrites; its value is the epoch second of the last successful probe. */
export const WRITE_PROBE_KEY = 'http.readyz_probe_at';

/**
 * Proves the database takes a write right now by committing one: it upserts
 * WRITE_PROBE_KEY in `meta` inside `BEGIN IMMEDIATE ... COMMIT`. A lock-only
 * probe (`BEGIN IMMEDIATE; ROLLBACK`) is not enough: SQLite grants that lock
 * even on a read-only connection and never touches the disk, so it misses a
 * read-only file or file system and I/O errors. One tiny row in the WAL
 * (no fsync at `synchronous = NORMAL`) costs tens of microseconds, and the
 * row is overwritten each time, so probes every few seconds do not grow the file.
 *
 * It runs on Kysely's single connection, so it queues behind (never inside)
 * a check-batch transaction. The busy timeout is lowered to `waitMs` while it
 * runs, because better-sqlite3 waits synchronously and a long wait for another
 * process's lock would stall the event loop, polling included.
 *
 * @throws the SQLite error (e.g. `database is locked`, `attempt to write a readonly database`).
 */
export async function probeWritable(db: Kysely<DatabaseSchema>, nowSeconds: number, waitMs = 250): Promise<void> {
  await db.connection().execute(async (conn) => {
    const current = await sql<{ timeout: number }>`pragma busy_timeout`.execute(conn);
    const previous = Number(current.rows[0]?.timeout ?? 5000);
    await sql.raw(`pragma busy_timeout = ${Math.max(0, Math.floor(waitMs))}`).execute(conn);
    try {
      await sql`begin immediate`.execute(conn);
      try {
        await conn
          .insertInto('meta')
          .values({ key: WRITE_PROBE_KEY, value: String(nowSeconds) })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(nowSeconds) }))
          .execute();
        await sql`commit`.execute(conn);
      } catch (error) {
        await sql`rollback`.execute(conn).catch(() => undefined);
        throw error;
      }
    } finally {
      await sql.raw(`pragma busy_timeout = ${previous}`).execute(conn);
    }
  });
}
