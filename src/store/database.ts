import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';
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
    // better-sqlite3 builds SQLite with a 16 MiB page cache per connection. The
    // daemon writes a few hot pages (product state, current rollups, the end of
    // `checks`), so a cache that size only ever fills with pages of a table that
    // keeps growing: +13 MB RSS over 400 back-to-back cycles of 1,000 products
    // (bench, docs/performance.md). 2 MiB holds the working set; reads that miss
    // it are served from the OS page cache.
    sqlite.pragma('cache_size = -2048');
    if (!options.readonly) {
      // Must precede the first write of a new file; on an existing file it is a no-op without VACUUM.
      // It lets the retention job hand freed pages back to the file system in small steps.
      sqlite.pragma('auto_vacuum = INCREMENTAL');
      sqlite.pragma('journal_mode = WAL');
      // NORMAL is durable across process crashes in WAL mode; only an OS crash can lose the last commit.
      sqlite.pragma('synchronous = NORMAL');
    }
  } catch (error) {
    throw new NetwatchError('db_unavailable', `cannot open database ${path}: ${(error as Error).message}${directoryHint(path, options)}`, {
      cause: error,
    });
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

/** Why SQLite's terse "unable to open database file" happened, when it is the directory's fault. Never throws. */
function directoryHint(path: string, options: OpenOptions): string {
  if (options.readonly || path === ':memory:') return '';
  try {
    accessSync(dirname(path), constants.W_OK);
    return '';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EROFS')
      return ` (${dirname(path)} is on a read-only file system; the database and its -wal/-shm files need a writable directory)`;
    if (code === 'EACCES')
      return ` (${dirname(path)} is not writable by this user; the database and its -wal/-shm files need a writable directory)`;
    return '';
  }
}

/** Marks SQL that stays prepared; see `keepPrepared`. A comment, so any dialect accepts it. */
const KEEP_PREPARED = '/* keep prepared */ ';
/** Safety bound on statements kept prepared; the batch writer uses sixteen, the per-batch queries (`preparedQuery`) a few more. */
const STATEMENT_CACHE_SIZE = 64;

/**
 * Marks a query that runs again and again with new parameters (the batch
 * writer's multi-row inserts), so the SQLite connection keeps it prepared
 * instead of compiling it on every execution. Returns the SQL to execute.
 * Pure; the marker is an SQL comment, harmless to any dialect.
 */
export function keepPrepared(sql: string): string {
  return sql.startsWith(KEEP_PREPARED) ? sql : `${KEEP_PREPARED}${sql}`;
}

/**
 * Kysely's SqliteDriver calls `prepare` for every query, and better-sqlite3
 * compiles the SQL each time. For the batch writer's statements, with
 * hundreds of parameters, compiling cost more than executing: `prepare` was
 * 24% of the write path's CPU in a profile (docs/performance.md). Statements
 * marked with `keepPrepared` are kept by SQL text; everything else is
 * prepared per execution as before, because caching every distinct text
 * (e.g. `in (...)` lists of every length) held tens of MB of compiled
 * statements. A kept statement is safe to reuse: Kysely runs one query at a
 * time on this single connection, parameters are bound afresh on every call,
 * and SQLite re-prepares it itself if a migration changes the schema.
 */
function withStatementCache(sqlite: SQLite.Database, size: number): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      // After SQLITE_FULL, SQLITE_IOERR and the like, SQLite has already rolled the
      // transaction back itself. Kysely's own ROLLBACK would then throw "cannot rollback
      // - no transaction is active" and replace the real error (a full disk) in every log.
      if (sql === 'rollback' && !sqlite.inTransaction) return ALREADY_ROLLED_BACK;
      if (!sql.startsWith(KEEP_PREPARED)) return sqlite.prepare(sql);
      let statement = cache.get(sql);
      if (statement !== undefined) return statement;
      statement = sqlite.prepare(sql);
      if (cache.size >= size) cache.delete(cache.keys().next().value as string);
      cache.set(sql, statement);
      return statement;
    },
  };
}

/** Stands in for a ROLLBACK that SQLite already performed; see `withStatementCache`. */
const ALREADY_ROLLED_BACK: SqliteStatement = {
  reader: false,
  all: () => [],
  run: () => ({ changes: 0, lastInsertRowid: 0 }),
  iterate: () => [][Symbol.iterator](),
};

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
