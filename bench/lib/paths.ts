import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in bench/lib, or in bench-results/build/bench/lib when compiled). */
function findRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const marker = `${join('bench-results', 'build')}`;
  const index = here.indexOf(marker);
  return index === -1 ? join(here, '..', '..') : here.slice(0, index);
}

export const ROOT = findRoot();
/** Scratch space for databases and the compiled copy; git-ignored. */
export const RESULTS_DIR = join(ROOT, 'bench-results');
/** The compiled copy of src/, migrations/ and bench/ that every measured child process runs. */
export const BUILD_DIR = join(RESULTS_DIR, 'build');

export function buildPath(...parts: string[]): string {
  return join(BUILD_DIR, ...parts);
}
