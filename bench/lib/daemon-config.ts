import { SIMULATOR_CREDENTIALS } from '../../src/simulator/simulator-server.js';

export interface DaemonConfigOptions {
  url: string;
  database: string;
  concurrency: number;
  /** api.maxRequestsPerSecond. The daemon-under-test can also turn the limiter off. */
  maxRequestsPerSecond: number;
  schedule?: string;
  confirmAfter?: number;
  /** A duration string, e.g. `0` or `30s`. */
  groupWait?: string;
  /** Adds `alerting.slack.webhookUrl: ${SLACK_WEBHOOK_URL}`. */
  slack?: boolean;
  logLevel?: string;
}

/**
 * A netwatch config file, as an operator would write it: secrets as `${ENV}`
 * references (see `daemonEnv`), `products: all` so the daemon asks the
 * simulator's catalogue, and the HTTP server on a free port so runs in
 * parallel don't collide.
 */
export function daemonConfigYaml(options: DaemonConfigOptions): string {
  // `${NAME}` in the file is netwatch's environment-variable syntax, not a template literal.
  const env = (name: string) => `\${${name}}`;
  return [
    'api:',
    `  baseUrl: ${options.url}`,
    `  apiKey: ${env('IIMMPACT_API_KEY')}`,
    `  hmacSecret: ${env('IIMMPACT_HMAC_SECRET')}`,
    '  timeoutMs: 10000',
    `  concurrency: ${options.concurrency}`,
    `  maxRequestsPerSecond: ${options.maxRequestsPerSecond}`,
    `schedule: "${options.schedule ?? '*/1 * * * *'}"`,
    'products: all',
    `database: ${options.database}`,
    'alerting:',
    `  confirmAfter: ${options.confirmAfter ?? 2}`,
    `  groupWait: ${options.groupWait ?? '30s'}`,
    ...(options.slack ? ['  slack:', `    webhookUrl: ${env('SLACK_WEBHOOK_URL')}`] : []),
    'http:',
    '  host: 127.0.0.1',
    '  port: 0',
    'log:',
    `  level: ${options.logLevel ?? 'info'}`,
    '',
  ].join('\n');
}

/** The environment a daemon under test runs with: the simulator's (non-secret) demo credentials. */
export function daemonEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { IIMMPACT_API_KEY: SIMULATOR_CREDENTIALS.apiKey, IIMMPACT_HMAC_SECRET: SIMULATOR_CREDENTIALS.hmacSecret, ...extra };
}
