import { type Compilable, CompiledQuery, type Kysely } from 'kysely';
import { keepPrepared } from './database.js';
import type { DatabaseSchema } from './schema-types.js';

/**
 * A small query that runs with every batch of checks, built with Kysely once
 * and kept prepared (see `keepPrepared`). For such queries, building,
 * compiling and preparing cost several times SQLite's own work; a few of them
 * per batch were a tenth of the write path (docs/performance.md).
 *
 * `build` runs once, on the first call, with a placeholder for each argument;
 * later calls bind their own arguments where the placeholders went. So every
 * argument must be used as a query value, never to shape the SQL, and the
 * SQL is compiled for the first database it runs on (every database here is
 * SQLite).
 *
 * @throws Error on the first call if an argument does not appear as a value.
 */
export function preparedQuery<A extends readonly unknown[], R>(
  build: (db: Kysely<DatabaseSchema>, ...args: A) => Compilable<R>,
): (db: Kysely<DatabaseSchema>, ...args: A) => Promise<R[]> {
  let compiled: { sql: string; bind: (args: A) => unknown[] } | null = null;
  return async (db, ...args) => {
    compiled ??= compile(db, build, args.length);
    const result = await db.executeQuery<R>(CompiledQuery.raw(compiled.sql, compiled.bind(args)));
    return result.rows;
  };
}

function compile<A extends readonly unknown[], R>(
  db: Kysely<DatabaseSchema>,
  build: (db: Kysely<DatabaseSchema>, ...args: A) => Compilable<R>,
  arity: number,
): { sql: string; bind: (args: A) => unknown[] } {
  const placeholders = Array.from({ length: arity }, (_, i) => `\u0000argument ${i}\u0000`);
  const query = build(db, ...(placeholders as unknown as A)).compile();
  const slots = query.parameters.map((value) => {
    const index = placeholders.indexOf(value as string);
    return index === -1 ? { constant: value } : { index };
  });
  for (let i = 0; i < arity; i++) {
    if (!slots.some((slot) => slot.index === i))
      throw new Error(`preparedQuery: argument ${i} is not a value of ${query.sql.slice(0, 80)}`);
  }
  return {
    sql: keepPrepared(query.sql),
    bind: (args) => slots.map((slot) => (slot.index === undefined ? slot.constant : args[slot.index])),
  };
}
