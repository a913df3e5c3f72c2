import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding netwatch's package.json, found by walking up from this
 * file; the same answer from `src/` (tsx, vitest) and from `dist/src/`.
 */
export function packageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error('netwatch package.json not found');
    folder = parent;
  }
  return folder;
}
