import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, type SqliteDatabase } from 'kysely';
import { NetwatchError } from '../shared/errors.js';
import { createMigrationProvider } from './migration-provider.js';
import type { DatabaseSchema } from './schema-types.js';

/**
 * Everything SQLite-specific lives here: pragmas and the file handling. The
 * rest of the store speaks Kysely, so another dialect can be added later.
 */
export interface StoreDatabase {
  db: Kysely<DatabaseSchema>;
  /** The raw handle, for pragmas, integrity checks and the synchronous hot path. */
  sqlite: SQLite.Database;
  path: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  readonly?: boolean;
  /** How long a writer waits for a lock before SQLITE_BUSY, in ms. */
  busyTimeoutMs?: number;
}

/**
 * Opens (creating if needed) the database file in WAL mode, so an analyst's
 * `sqlite3` session can read while the daemon writes. Throws NetwatchError
 * `db_unavailable` with a readable message when the file or directory is unusable.
 */
export function openDatabase(path: string, options: OpenOptions = {}): StoreDatabase {
  let sqlite: SQLite.Database;
  try {
    if (!options.readonly && path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    sqlite = new SQLite(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    if (!options.readonly) {
      // Must precede the first write of a new file; on an existing file it is a no-op without VACUUM.
      // It lets the retention job hand freed pages back to the file system in small steps.
      sqlite.pragma('auto_vacuum = INCREMENTAL');
      sqlite.pragma('journal_mode = WAL');
      // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commit.
      sqlite.pragma('synchronous = NORMAL');
    }
  } catch (error) {
    throw new NetwatchError('db_unavailable', `cannot open database ${path}: ${(error as Error).message}`, { cause: error });
  }
  const db = new Kysely<DatabaseSchema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite, STATEMENT_CACHE_SIZE) }) });
  return {
    db,
    sqlite,
    path,
    async close() {
      await db.destroy();
    },
  };
}

/** Distinct SQL texts kept prepared; the poll path uses a few dozen. */
const STATEMENT_CACHE_SIZE = 200;

/**
 * Kysely's SqliteDriver calls `prepare` for every query, and better-sqlite3
 * compiles the SQL each time. The poll path runs the same statements every
 * batch, some with thousands of parameters (multi-row inserts), where
 * compiling cost more than executing: `prepare` was 24% of the write path's
 * CPU in a profile (bench/, docs/performance.md). So statements are kept by
 * SQL text, least recently used dropped first. A cached statement is safe to
 * reuse: Kysely runs one query at a time on this single connection, binds
 * fresh parameters on every call, and SQLite re-prepares it itself if a
 * migration changes the schema.
 */
function withStatementCache(sqlite: SQLite.Database, size: number): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement !== undefined) {
        // Re-insert to mark it most recently used (a Map iterates in insertion order).
        cache.delete(sql);
      } else {
        statement = sqlite.prepare(sql);
        if (cache.size >= size) cache.delete(cache.keys().next().value as string);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

/** Applies every pending migration. Idempotent. Throws NetwatchError on failure. */
export async function migrateToLatest(db: Kysely<DatabaseSchema>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: createMigrationProvider() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
    throw new NetwatchError('db_unavailable', `migration ${failed} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
  }
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
