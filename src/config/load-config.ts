import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { parseDocument, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from './config-error.js';
import { effectiveRequestRate, explainBudgetProblem, isLoopbackUrl } from './request-budget.js';
import { describeInvalidSchedule, shortestIntervalSeconds } from './schedule.js';
import { configSchema, type ParsedConfig, SECRET_PATHS } from './schema.js';
import { joinPath, substituteEnv } from './substitute-env.js';

type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The validated, frozen configuration passed to every component. */
export type Config = DeepReadonly<ParsedConfig> & {
  /** Where it was loaded from, for logs. */
  readonly source: string;
  /** Requests per second actually enforced (non-loopback APIs are capped). */
  readonly requestRate: number;
  /** Shortest gap between two scheduled cycles, in seconds. */
  readonly scheduleIntervalSeconds: number;
  /** Non-fatal notes worth logging once at start-up (e.g. a channel disabled because its env var is unset). */
  readonly warnings: readonly string[];
};

export const DEFAULT_CONFIG_PATH = 'config/netwatch.yaml';

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** `run` and `check` need API credentials; `migrate`, `status` and `report` do not. */
  requireCredentials?: boolean;
}

/** `--config FILE`, else `$NETWATCH_CONFIG`, else `config/netwatch.yaml`. */
export function resolveConfigPath(cliPath: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return cliPath ?? (env.NETWATCH_CONFIG || DEFAULT_CONFIG_PATH);
}

/** Reads and validates a config file. Throws ConfigError with one line per problem; never exits. */
export function loadConfig(path: string, options: LoadOptions = {}): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ConfigError(
      [`${path}: ${reason}; pass --config FILE, set NETWATCH_CONFIG, or copy config/netwatch.example.yaml to ${DEFAULT_CONFIG_PATH}`],
      'config_missing',
    );
  }
  return parseConfigText(text, path, options);
}

/** Validates YAML text as a config. Throws ConfigError; pure apart from reading `options.env`. */
export function parseConfigText(text: string, source: string, options: LoadOptions = {}): Config {
  const env = options.env ?? process.env;
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    // Later YAML errors are usually echoes of the first; one precise line helps more.
    throw new ConfigError([`${source}: YAML ${describeYamlError(document.errors[0] as YAMLError)}`]);
  }
  const raw = document.toJS() as unknown;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError([`${source}: expected a YAML mapping with keys such as api, schedule and products`]);
  }

  const problems: string[] = [];
  const warnings: string[] = [];
  const { value, fromEnvironment, unset } = substituteEnv(raw, env, isSecretPath);
  const input = value as Record<string, unknown>;

  for (const path of findSecretPaths(input)) {
    if (!fromEnvironment.has(path)) {
      problems.push(`${path}: secrets must come from the environment; write a reference such as \${${suggestedVariable(path)}}`);
    }
  }
  applySecretDefaults(input, env);
  disableUnsetChannels(input, unset, warnings);
  for (const { path, name } of unset) {
    if (!isSecretPath(path)) problems.push(`${path}: environment variable ${name} is not set`);
  }

  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    problems.push(...parsed.error.issues.map(formatIssue));
    throw new ConfigError(problems);
  }
  const config = parsed.data;

  const scheduleProblem = describeInvalidSchedule(config.schedule);
  const interval = scheduleProblem === null ? shortestIntervalSeconds(config.schedule) : null;
  if (scheduleProblem !== null) problems.push(`schedule: ${scheduleProblem}`);

  const requestRate = effectiveRequestRate(config.api.baseUrl, config.api.maxRequestsPerSecond);
  if (requestRate < config.api.maxRequestsPerSecond) {
    warnings.push(
      `api.maxRequestsPerSecond: ${config.api.maxRequestsPerSecond}/s is above the ${requestRate}/s ceiling for a non-loopback API; using ${requestRate}/s`,
    );
  }
  if (interval !== null && Array.isArray(config.products)) {
    const budgetProblem = explainBudgetProblem(new Set(config.products).size, interval, requestRate);
    if (budgetProblem) problems.push(`products: ${budgetProblem}`);
  }

  if (config.api.hmacSecret !== '' && !isBase64(config.api.hmacSecret)) {
    problems.push('api.hmacSecret: expected the Base64-encoded secret from the IIMMPACT dashboard');
  }
  if (!isLoopbackHost(config.http.host) && config.http.enabled && !config.http.token) {
    problems.push(
      `http.token: required because http.host ${config.http.host} is not loopback; set NETWATCH_HTTP_TOKEN (or bind http.host to 127.0.0.1)`,
    );
  }
  if (options.requireCredentials) {
    const missing = [
      config.api.apiKey === '' ? 'IIMMPACT_API_KEY' : null,
      config.api.hmacSecret === '' ? 'IIMMPACT_HMAC_SECRET' : null,
    ].filter((name) => name !== null);
    if (missing.length > 0) {
      problems.push(
        `api: IIMMPACT credentials are not set; export ${missing.join(' and ')}, or run \`npm run demo\` to try netwatch against its built-in simulator`,
      );
      if (problems.length === 1) throw new ConfigError(problems, 'credentials_missing');
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);

  return deepFreeze({
    ...config,
    source,
    requestRate,
    scheduleIntervalSeconds: interval ?? 60,
    warnings,
  }) as Config;
}

/** True for the loopback addresses and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 0) return false;
  return isLoopbackUrl(`http://${isIP(host) === 6 ? `[${host}]` : host}/`);
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return `${path}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  }
  if (issue.code === 'invalid_union' && path === 'products') {
    return 'products: expected a list of product codes (e.g. [TNB, UNIFI]) or the word all';
  }
  const message = issue.message.replace(/^Invalid input: /, '').replace(/, received undefined$/, ' (missing)');
  return `${path}: ${message}`;
}

function describeYamlError(error: YAMLError): string {
  const firstLine = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
  const position = error.linePos?.[0];
  return position ? `line ${position.line}, column ${position.col}: ${firstLine}` : firstLine;
}

function findSecretPaths(input: Record<string, unknown>): string[] {
  const found: string[] = [];
  const walk = (node: unknown, pattern: readonly (string | number)[], path: string): void => {
    if (pattern.length === 0) {
      if (node !== undefined) found.push(path);
      return;
    }
    const [head, ...rest] = pattern;
    if (node === null || typeof node !== 'object') return;
    if (head === '*') {
      if (Array.isArray(node)) for (const [index, item] of node.entries()) walk(item, rest, joinPath(path, index));
      return;
    }
    walk((node as Record<string, unknown>)[head as string], rest, joinPath(path, head as string));
  };
  for (const pattern of SECRET_PATHS) walk(input, pattern, '');
  return found;
}

function isSecretPath(path: string): boolean {
  return /^(api\.apiKey|api\.hmacSecret|alerting\.slack\.webhookUrl|alerting\.email\.smtpUrl|alerting\.routes\.\d+\.slack\.webhookUrl|http\.token)$/.test(
    path,
  );
}

function suggestedVariable(path: string): string {
  if (path === 'api.apiKey') return 'IIMMPACT_API_KEY';
  if (path === 'api.hmacSecret') return 'IIMMPACT_HMAC_SECRET';
  if (path === 'alerting.email.smtpUrl') return 'SMTP_URL';
  if (path === 'http.token') return 'NETWATCH_HTTP_TOKEN';
  return 'SLACK_WEBHOOK_URL';
}

/** Secrets left out of the file are read from their standard variables. */
function applySecretDefaults(input: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  const api = objectAt(input, 'api');
  if (api.apiKey === undefined && env.IIMMPACT_API_KEY) api.apiKey = env.IIMMPACT_API_KEY;
  if (api.hmacSecret === undefined && env.IIMMPACT_HMAC_SECRET) api.hmacSecret = env.IIMMPACT_HMAC_SECRET;
  const http = objectAt(input, 'http');
  if (http.token === undefined && env.NETWATCH_HTTP_TOKEN) http.token = env.NETWATCH_HTTP_TOKEN;
}

/** A channel whose secret variable is unset is switched off, with a warning, rather than failing start-up. */
function disableUnsetChannels(
  input: Record<string, unknown>,
  unset: ReadonlyArray<{ path: string; name: string }>,
  warnings: string[],
): void {
  const alerting = input.alerting as Record<string, unknown> | undefined;
  if (!alerting || typeof alerting !== 'object') return;
  for (const { path, name } of unset) {
    if (path === 'alerting.slack.webhookUrl') {
      delete alerting.slack;
      warnings.push(`alerting.slack: ${name} is not set; Slack alerts are off`);
    } else if (path === 'alerting.email.smtpUrl') {
      delete alerting.email;
      warnings.push(`alerting.email: ${name} is not set; email alerts are off`);
    } else if (/^alerting\.routes\.\d+\.slack\.webhookUrl$/.test(path)) {
      const index = Number(path.split('.')[2]);
      const route = (alerting.routes as Array<Record<string, unknown>>)[index];
      if (route) delete route.slack;
      warnings.push(`alerting.routes[${index}].slack: ${name} is not set; that route's Slack alerts are off`);
    }
  }
}

function objectAt(parent: Record<string, unknown>, key: string): Record<string, unknown> {
  const existing = parent[key];
  if (existing !== null && typeof existing === 'object' && !Array.isArray(existing)) return existing as Record<string, unknown>;
  if (existing !== undefined) return {};
  const created: Record<string, unknown> = {};
  parent[key] = created;
  return created;
}

function isBase64(text: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return false;
  return Buffer.from(text, 'base64').length > 0;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
