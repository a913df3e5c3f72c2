import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { parseConfigText } from '../../src/config/load-config.js';

const SECRET = Buffer.from('secret-secret-secret-secret').toString('base64');
const env = { IIMMPACT_API_KEY: 'iimm_test_key_123', IIMMPACT_HMAC_SECRET: SECRET };

function problemsOf(text: string, extraEnv: Record<string, string> = {}): string[] {
  try {
    parseConfigText(text, 'test.yaml', { env: { ...env, ...extraEnv }, requireCredentials: true });
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('config loading', () => {
  it('accepts the shipped example and applies defaults', () => {
    const text = readFileSync('config/netwatch.example.yaml', 'utf8');
    const config = parseConfigText(text, 'example', {
      env: { ...env, SLACK_WEBHOOK_URL: 'https://hooks.slack.test/T/B/x', SMTP_URL: 'smtp://u:p@127.0.0.1:2525' },
      requireCredentials: true,
    });
    expect(config.api.apiKey).toBe('iimm_test_key_123');
    expect(config.alerting.groupWait).toBe(30_000);
    expect(config.alerting.remindEvery).toBe(3_600_000);
    expect(config.scheduleIntervalSeconds).toBe(60);
    expect(config.products).toEqual(['TNB', 'UNIFI', 'ASTRO']);
    expect(Object.isFrozen(config.api)).toBe(true);
  });

  it('switches a channel off with a warning when its variable is unset', () => {
    const text = readFileSync('config/netwatch.example.yaml', 'utf8');
    const config = parseConfigText(text, 'example', { env, requireCredentials: true });
    expect(config.alerting.slack).toBeUndefined();
    expect(config.warnings.join('\n')).toMatch(/SLACK_WEBHOOK_URL is not set/);
  });

  it('reports one readable line per problem, naming the key path', () => {
    const problems = problemsOf(`
api: { timeoutMs: "fast", concurrency: 0, bogus: 1 }
schedule: "every minute"
products: [TNB, "bad code!"]
alerting: { groupWait: soon }
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^api\.timeoutMs: expected number/),
        expect.stringMatching(/^api\.concurrency: /),
        expect.stringMatching(/^api: unknown key "bogus"/),
        expect.stringMatching(/^products\.1: expected a product code/),
        expect.stringMatching(/^alerting\.groupWait: expected a duration/),
      ]),
    );
    for (const problem of problems) expect(problem).not.toMatch(/\n|at .*\.ts:\d+/);
  });

  it('rejects an invalid cron expression', () => {
    expect(problemsOf('products: [TNB]\nschedule: "61 * * * *"')).toEqual([
      expect.stringMatching(/^schedule: expected a node-cron expression/),
    ]);
  });

  it('refuses secrets written into the file', () => {
    const problems = problemsOf(`products: [TNB]\napi: { apiKey: iimm_prod_literal }`);
    expect(problems).toEqual([expect.stringContaining('api.apiKey: secrets must come from the environment')]);
  });

  it('explains missing credentials and points to the demo', () => {
    let error: unknown;
    try {
      parseConfigText('products: [TNB]', 'x', { env: {}, requireCredentials: true });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('credentials_missing');
    expect((error as ConfigError).problems[0]).toMatch(/IIMMPACT_API_KEY and IIMMPACT_HMAC_SECRET.*npm run demo/);
  });

  it('refuses a product list that cannot fit the schedule at the request budget, with the numbers', () => {
    const codes = Array.from({ length: 1000 }, (_, i) => `P${i}`);
    const problems = problemsOf(`products: [${codes.join(',')}]\napi: { maxRequestsPerSecond: 10 }\nschedule: "*/1 * * * *"`);
    expect(problems).toEqual([
      expect.stringMatching(/^products: 1000 products at 10 requests\/s need 100\.0 s per cycle.*every 60 s.*at most 480 products/),
    ]);
  });

  it('caps a non-loopback API at 50 requests/s but lets a loopback simulator go faster', () => {
    const remote = parseConfigText('products: [TNB]\napi: { maxRequestsPerSecond: 500 }', 'x', { env });
    expect(remote.requestRate).toBe(50);
    expect(remote.warnings.join()).toMatch(/ceiling/);
    const local = parseConfigText('products: [TNB]\napi: { baseUrl: "http://127.0.0.1:9", maxRequestsPerSecond: 500 }', 'x', { env });
    expect(local.requestRate).toBe(500);
  });

  it('requires a token when HTTP binds beyond loopback', () => {
    expect(problemsOf('products: [TNB]\nhttp: { host: 0.0.0.0 }')).toEqual([expect.stringMatching(/^http\.token: required/)]);
    expect(problemsOf('products: [TNB]\nhttp: { host: 0.0.0.0 }', { NETWATCH_HTTP_TOKEN: 'a-long-token' })).toEqual([]);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own ${VAR} syntax is under test.
  it('substitutes ${VAR} with typed scalars and fallbacks', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: as above.
    const config = parseConfigText('products: [TNB]\nhttp: { port: "${PORT:-9999}" }\nlog:\n  level: ${LEVEL}', 'x', {
      env: { ...env, LEVEL: 'debug' },
    });
    expect(config.http.port).toBe(9999);
    expect(config.log.level).toBe('debug');
  });

  it('reports YAML syntax errors with a position', () => {
    expect(problemsOf('products: [TNB\napi: {')[0]).toMatch(/^test\.yaml: YAML line \d+/);
  });
});
