import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Simulator } from './simulator-server.js';
import { generateProducts, SIMULATOR_CREDENTIALS, startSimulator } from './simulator-server.js';

const USAGE = `usage: run-simulator [--host 127.0.0.1] [--port 0] [--products N] [--latency-ms MS]
                     [--scenario demo] [--base-path /prefix] [--api-key KEY] [--hmac-secret BASE64]
                     [--log-capacity N]

Starts the fake IIMMPACT API in this process and prints one JSON line
{"url": "..."} to stdout once it is listening. Stops on SIGINT/SIGTERM, or when
the parent's IPC channel closes.
--products N     serve N synthetic products P0001... instead of the default catalogue
--api-key/--hmac-secret default to $IIMMPACT_API_KEY/$IIMMPACT_HMAC_SECRET, then
                 to the simulator's built-in demo credentials.
--log-capacity   request-log entries kept in memory (default 0: only counters,
                 see GET /__simulator/stats)`;

function integerFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Parses `argv` (without node and script), starts the simulator, and writes the
 * `{"url": ...}` line with `write`. Resolves with the running simulator.
 * @throws Error for invalid flags (the message includes usage).
 */
export async function runSimulator(argv: readonly string[], write: (line: string) => void): Promise<Simulator> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        products: { type: 'string' },
        'latency-ms': { type: 'string' },
        scenario: { type: 'string' },
        'base-path': { type: 'string' },
        'api-key': { type: 'string' },
        'hmac-secret': { type: 'string' },
        'log-capacity': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  if (values.help === true) throw new Error(USAGE);
  const str = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  const scenario = str('scenario');
  if (scenario !== undefined && scenario !== 'demo' && scenario !== 'none') throw new Error(`--scenario must be demo or none\n${USAGE}`);
  const productCount = integerFlag(str('products'), 'products', 0);

  const simulator = await startSimulator({
    host: str('host') ?? '127.0.0.1',
    port: integerFlag(str('port'), 'port', 0),
    latencyMs: integerFlag(str('latency-ms'), 'latency-ms', 0),
    scenario: scenario === 'demo' ? 'demo' : null,
    basePath: str('base-path') ?? '',
    apiKey: str('api-key') ?? process.env.IIMMPACT_API_KEY ?? SIMULATOR_CREDENTIALS.apiKey,
    hmacSecret: str('hmac-secret') ?? process.env.IIMMPACT_HMAC_SECRET ?? SIMULATOR_CREDENTIALS.hmacSecret,
    // A benchmark process serves millions of requests; nobody reads its log.
    logCapacity: integerFlag(str('log-capacity'), 'log-capacity', 0),
    ...(productCount > 0 ? { products: generateProducts(productCount) } : {}),
  });
  write(`${JSON.stringify({ url: simulator.url })}\n`);
  return simulator;
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  let simulator: Simulator;
  try {
    simulator = await runSimulator(process.argv.slice(2), (line) => process.stdout.write(line));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
    return;
  }
  // Close the server rather than exiting, so in-flight writes finish and the
  // process ends on its own once nothing is left open.
  const stop = (): void => {
    void simulator.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.off('disconnect', stop);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  // Launched by a benchmark with an IPC channel: don't outlive the parent.
  if (process.connected) process.on('disconnect', stop);
}

// Only run when executed directly, so importing the module (tests) has no side effects.
const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  void main();
}
