import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Migration, MigrationProvider } from 'kysely';

/**
 * Loads `migrations/NNNN_name.{ts,js}` with a plain dynamic import of a file
 * URL. Kysely's own FileMigrationProvider imports from inside node_modules,
 * which bypasses vitest's transform; this one works for compiled JS, tsx and
 * vitest alike. Compiled code finds `dist/migrations` by the same relative path.
 */
export function createMigrationProvider(folder: string = defaultMigrationsFolder()): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      const files = (await readdir(folder)).filter((file) => /^\d{4}_[\w-]+\.(js|ts)$/.test(file) && !file.endsWith('.d.ts'));
      const migrations: Record<string, Migration> = {};
      for (const file of files.sort()) {
        const module = (await import(pathToFileURL(join(folder, file)).href)) as Migration;
        migrations[file.replace(/\.(js|ts)$/, '')] = module;
      }
      return migrations;
    },
  };
}

function defaultMigrationsFolder(): string {
  // src/store -> ../../migrations, and dist/src/store -> ../../migrations (= dist/migrations).
  return fileURLToPath(new URL('../../migrations/', import.meta.url));
}
