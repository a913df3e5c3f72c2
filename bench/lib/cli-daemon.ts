import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BenchChild } from './child.js';
import { type DaemonConfigOptions, daemonConfigYaml, daemonEnv } from './daemon-config.js';
import { productionNodeFlags } from './node-flags.js';
import { buildPath } from './paths.js';

/**
 * `netwatch run` exactly as `npm start` starts it (`node [flags]
 * dist/src/cli/main.js run`, from the bench's compiled copy, with `--config`
 * naming a file written into `dir`). Its stdout (the JSON log) is discarded.
 */
export function startCliDaemon(dir: string, options: Omit<DaemonConfigOptions, 'database'>, env: Record<string, string> = {}): BenchChild {
  const configPath = join(dir, 'netwatch.yaml');
  writeFileSync(configPath, daemonConfigYaml({ ...options, database: join(dir, 'netwatch.db') }));
  return new BenchChild(buildPath('src', 'cli', 'main.js'), {
    args: ['run', '--config', configPath],
    env: daemonEnv(env),
    execArgv: productionNodeFlags(),
  });
}

/** Polls `probe` every `intervalMs` until it returns true; throws after `timeoutMs`. */
export async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, what: string, intervalMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
