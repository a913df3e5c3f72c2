import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BenchChild } from './child.js';
import { buildPath, RESULTS_DIR } from './paths.js';

/** A fresh scratch directory under bench-results/ for one run's files. */
export function scratchDir(name: string): string {
  const dir = join(RESULTS_DIR, 'runs', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface SimulatorHandle {
  child: BenchChild;
  url: string;
}

/** Starts bench/simulator-process in its own process and waits for its URL. */
export async function startSimulatorProcess(spec: {
  products: number;
  latencyMs: number;
  logCapacity?: number;
  maxSkewSeconds?: number;
}): Promise<SimulatorHandle> {
  const child = new BenchChild(buildPath('bench', 'simulator-process.js'), {
    args: [JSON.stringify({ logCapacity: 0, ...spec })],
  });
  const ready = await child.next('ready', 30_000);
  return { child, url: String(ready.url) };
}
