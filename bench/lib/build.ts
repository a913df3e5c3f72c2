import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BUILD_DIR, ROOT } from './paths.js';

/**
 * Compiles src/, migrations/ and bench/ into bench-results/build with the
 * project's own tsconfig, so the measured processes run plain compiled
 * JavaScript exactly like `dist/` in production, and `dist/` itself is left
 * alone. Returns the compiler's diagnostics (empty when clean); throws only
 * if nothing usable was emitted.
 */
export function compileForBench(): string {
  rmSync(BUILD_DIR, { recursive: true, force: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'bench', 'tsconfig.json')], { cwd: ROOT, encoding: 'utf8' });
  const diagnostics = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
  if (!existsSync(join(BUILD_DIR, 'bench', 'daemon-under-test.js'))) {
    throw new Error(`compiling for the benchmark emitted nothing:\n${diagnostics}`);
  }
  return run.status === 0 ? '' : diagnostics;
}
