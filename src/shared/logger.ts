import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import type { Scrubber } from './secret-scrubber.js';

export type { Logger } from 'pino';

/** Structured paths that may hold secrets anywhere in a log record. */
const REDACT_PATHS = [
  'apiKey',
  'hmacSecret',
  'webhookUrl',
  'smtpUrl',
  'token',
  'password',
  '*.apiKey',
  '*.hmacSecret',
  '*.webhookUrl',
  '*.smtpUrl',
  '*.token',
  '*.password',
  'headers["x-api-key"]',
  'headers["x-signature"]',
  'headers.authorization',
  '*.headers["x-api-key"]',
  '*.headers["x-signature"]',
  '*.headers.authorization',
];

export interface LoggerSettings {
  level: string;
  /** Applied to every serialised line, so a secret inside an error message is caught too. */
  scrub?: Scrubber;
  destination?: DestinationStream;
}

/** Builds the process logger: pino JSON lines, secrets redacted by path and by value. */
export function createLogger(settings: LoggerSettings): Logger {
  const scrub = settings.scrub;
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: 'netwatch' },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    ...(scrub ? { hooks: { streamWrite: (line: string) => scrub(line) } } : {}),
  };
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
