import { z } from 'zod';
import { parseDuration } from '../shared/duration.js';

/**
 * The configuration contract. Every key is documented here and, with an
 * example, in `config/netwatch.example.yaml`. Durations are strings such as
 * `30s`, `10m`, `1h`, or `0`; they are parsed to milliseconds.
 */

const PRODUCT_CODE = /^[A-Za-z0-9_-]{1,32}$/;

const duration = (fallback: string) =>
  z
    .union([z.string(), z.literal(0)])
    .default(fallback)
    .transform((value, ctx) => {
      const ms = parseDuration(String(value));
      if (ms === null) {
        ctx.addIssue({ code: 'custom', message: `expected a duration like 30s, 10m, 1h or 0, got "${value}"` });
        return z.NEVER;
      }
      return ms;
    });

const productCode = z.string().regex(PRODUCT_CODE, 'expected a product code of 1-32 letters, digits, _ or -');

/** A product code or a glob over codes (`*` any run, `?` one character), used by routes and silences. */
const productPattern = z.string().regex(/^[A-Za-z0-9_*?-]{1,32}$/, 'expected a product code or glob like TNB or ASTRO*');

const emailAddress = z.email('expected an email address');

const slackTarget = z.object({
  /** Slack incoming-webhook URL. Secret: write `${SLACK_WEBHOOK_URL}` or another env var. */
  webhookUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) webhook URL' }),
});

export const configSchema = z.object({
  api: z
    .object({
      /** IIMMPACT base URL; staging is https://staging.iimmpact.com. */
      baseUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }).default('https://api.iimmpact.com'),
      /** API key. Secret: only from the environment (IIMMPACT_API_KEY). */
      apiKey: z.string().default(''),
      /** Base64 HMAC secret. Secret: only from the environment (IIMMPACT_HMAC_SECRET). */
      hmacSecret: z.string().default(''),
      /** Per-attempt timeout in ms. IIMMPACT's own gateway gives up at 29 s. */
      timeoutMs: z.number().int().min(100).max(29_000).default(10_000),
      /** Requests in flight at once. */
      concurrency: z.number().int().min(1).max(64).default(8),
      /** Hard ceiling on requests per second, retries and product listing included. */
      maxRequestsPerSecond: z.number().positive().max(100_000).default(10),
      /** Extra attempts for a failed idempotent request (network, 5xx, 429). */
      retries: z.number().int().min(0).max(5).default(2),
    })
    .strict()
    .prefault({}),
  /** node-cron expression; six fields means the first is seconds. */
  schedule: z.string().default('*/1 * * * *'),
  /** Product codes to poll, or `all` for every Active product from /v2/product-list (refreshed hourly). */
  products: z.union([z.literal('all'), z.array(productCode).min(1, 'expected at least one product code')]),
  /** SQLite file; its directory is created if missing. */
  database: z.string().min(1).default('./data/netwatch.db'),
  alerting: z
    .object({
      /** Consecutive observations of the other state needed to confirm a change. */
      confirmAfter: z.number().int().min(1).max(100).default(2),
      /** Re-notify an open outage at this interval; 0 turns reminders off. */
      remindEvery: duration('1h'),
      /** Collect transitions for this long into one message per channel; 0 sends at once. */
      groupWait: duration('30s'),
      /** Operator alert when a product has returned only Unknown for longer than this. */
      unknownAfter: duration('10m'),
      /** Keep retrying a temporarily failing delivery for this long, then mark it failed. */
      retryFor: duration('24h'),
      /** Timeout for one Slack or SMTP send. */
      sendTimeout: duration('10s'),
      /** Default Slack destination. Omit to disable Slack. */
      slack: slackTarget.strict().optional(),
      /** Default email destination. Omit to disable email. */
      email: z
        .object({
          /** smtp://user:pass@host:587 (STARTTLS) or smtps://host:465. Secret: only from SMTP_URL. */
          smtpUrl: z.url({ protocol: /^smtps?$/, error: 'expected an smtp:// or smtps:// URL' }),
          from: emailAddress,
          to: z.array(emailAddress).min(1, 'expected at least one recipient'),
        })
        .strict()
        .optional(),
      /** Product-specific destinations, checked in order; unmatched products use the defaults above. */
      routes: z
        .array(
          z
            .object({
              /** Product codes or globs this route takes. */
              products: z.array(productPattern).min(1),
              slack: slackTarget.strict().optional(),
              email: z
                .object({ to: z.array(emailAddress).min(1) })
                .strict()
                .optional(),
            })
            .strict(),
        )
        .default([]),
    })
    .strict()
    .prefault({}),
  http: z
    .object({
      /** Set false to run without the HTTP server. */
      enabled: z.boolean().default(true),
      /** Bind address. Loopback by default; any other address requires `token`. */
      host: z.string().min(1).default('127.0.0.1'),
      /** 0 picks a free port. */
      port: z.number().int().min(0).max(65_535).default(9464),
      /** Bearer token for /api/* and /metrics. Secret: only from NETWATCH_HTTP_TOKEN. */
      token: z.string().optional(),
      /** Serve /, /healthz and /readyz without the token on a non-loopback host. */
      publicStatusPage: z.boolean().default(false),
    })
    .strict()
    .prefault({}),
  log: z
    .object({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .strict()
    .prefault({}),
  retention: z
    .object({
      /** Raw checks older than this many days are pruned daily; outages and rollups are kept forever. */
      checksDays: z.number().int().min(1).max(36_500).default(90),
    })
    .strict()
    .prefault({}),
});

export type ConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

/** Paths whose values are secrets: they must be `${ENV}` references, and are redacted everywhere. */
export const SECRET_PATHS: readonly (readonly (string | number | '*')[])[] = [
  ['api', 'apiKey'],
  ['api', 'hmacSecret'],
  ['alerting', 'slack', 'webhookUrl'],
  ['alerting', 'email', 'smtpUrl'],
  ['alerting', 'routes', '*', 'slack', 'webhookUrl'],
  ['http', 'token'],
];
