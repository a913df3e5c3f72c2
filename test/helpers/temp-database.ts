import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase, type StoreDatabase } from '../../src/store/database.js';

export interface TempDatabase {
  store: StoreDatabase;
  dir: string;
  path: string;
  /** Closes the database and deletes its folder. */
  cleanup(): Promise<void>;
}

/** A real, migrated SQLite file in its own temp folder, one per test. */
export async function createTempDatabase(prefix = 'netwatch-history-'): Promise<TempDatabase> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const path = join(dir, 'netwatch.db');
  const store = openDatabase(path);
  await migrateToLatest(store.db);
  return {
    store,
    dir,
    path,
    async cleanup() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
