import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { DestinationStream } from 'pino';
import { App } from '../app.js';
import { loadConfig } from '../config/load-config.js';
import { parseDuration } from '../shared/duration.js';
import { createLogger } from '../shared/logger.js';
import { packageRoot } from '../shared/package-root.js';
import { createScrubber } from '../shared/secret-scrubber.js';
import { startSimulator } from '../simulator/simulator-server.js';
import { runDaemon } from './commands.js';
import { EXIT } from './exit-codes.js';

/**
 * `npm run demo`: starts the built-in IIMMPACT simulator (the same fake the
 * tests use) with scripted outages, then runs the real daemon against it
 * through the normal config path (`config/demo.yaml`). No credentials needed:
 * a throwaway key and secret are generated for this run.
 */
export async function runDemo(options: { for?: string; database: string }): Promise<number> {
  const stopAfterMs = options.for === undefined ? null : parseDuration(options.for);
  if (options.for !== undefined && (stopAfterMs === null || stopAfterMs <= 0)) {
    process.stderr.write(`netwatch: --for: expected a duration like 90s or 5m, got "${options.for}"\n`);
    return EXIT.config;
  }
  const apiKey = `iimm_demo_${randomBytes(8).toString('hex')}`;
  const hmacSecret = randomBytes(24).toString('base64');
  const simulator = await startSimulator({ apiKey, hmacSecret, scenario: 'demo' });
  try {
    const env = {
      ...process.env,
      NETWATCH_DEMO_API_URL: simulator.url,
      NETWATCH_DEMO_API_KEY: apiKey,
      NETWATCH_DEMO_HMAC_SECRET: hmacSecret,
      NETWATCH_DEMO_DATABASE: options.database,
    };
    const logger = createLogger({ level: 'info', scrub: createScrubber([apiKey, hmacSecret]), ...(await readableDestination()) });
    const createApp = () => new App(loadConfig(join(packageRoot(), 'config', 'demo.yaml'), { env, requireCredentials: true }), { logger });
    if (stopAfterMs !== null) {
      setTimeout(() => process.kill(process.pid, 'SIGTERM'), stopAfterMs).unref();
    }
    process.stdout.write(
      `netwatch demo: simulator at ${simulator.url}, database ${options.database}.\n` +
        'ASTRO goes into Interruption about 20 s in and recovers about a minute later; watch for ALERT lines. Ctrl-C to stop.\n',
    );
    return await runDaemon(createApp);
  } finally {
    await simulator.close();
  }
}

/**
 * The demo is read by a person, so its log lines are pretty-printed when
 * pino-pretty (a development dependency) is installed, as it is after `npm ci`.
 * Without it (a production install) the demo logs JSON lines like the daemon.
 */
async function readableDestination(): Promise<{ destination?: DestinationStream }> {
  try {
    const { default: pretty } = await import('pino-pretty');
    return {
      destination: pretty({
        colorize: process.stdout.isTTY,
        translateTime: 'SYS:HH:MM:ss',
        ignore: 'pid,hostname,service',
        singleLine: true,
      }),
    };
  } catch {
    return {};
  }
}
