import { type FetchFunction, IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from '@slack/webhook';
import { parseRetryAfterMs } from '../shared/backoff.js';
import { createScrubber } from '../shared/secret-scrubber.js';
import { DeliveryError, type Notifier, type OutboundMessage, withSendTimeout } from './notifier.js';
import { renderSlackMessage } from './render-slack.js';

export interface SlackNotifierOptions {
  /** Route label (`default`, `routes[0]`, ...) to incoming-webhook URL. The URLs are secrets. */
  webhooks: ReadonlyMap<string, string>;
  /** Per-send timeout in ms. */
  timeoutMs: number;
  /** Epoch ms, for Retry-After given as an HTTP date. */
  now?: () => number;
}

/** Longest excerpt of Slack's response body kept in errors and logs. */
const BODY_EXCERPT = 200;

/**
 * Sends Block Kit messages to Slack incoming webhooks with @slack/webhook.
 *
 * @slack/webhook never retries 429 and drops `Retry-After`, so it runs with
 * no retries of its own and a fetch wrapper that keeps the header; the outbox
 * does the retrying. Errors are rebuilt from the status, Slack's error string
 * and low-level error codes only, and scrubbed, because the library's own
 * errors can embed the webhook URL.
 */
export function createSlackNotifier(options: SlackNotifierOptions): Notifier {
  const scrub = createScrubber([...options.webhooks.values()].flatMap((url) => [url, safePath(url), secretSegment(url)]));
  const now = options.now ?? Date.now;
  return {
    channel: 'slack',
    destinations: [...options.webhooks.keys()],
    async send(message: OutboundMessage, destination: string, signal?: AbortSignal): Promise<void> {
      const url = options.webhooks.get(destination);
      if (!url) throw new DeliveryError(`Slack destination ${destination} is not configured`, false);
      const rendered = renderSlackMessage(message);
      await withSendTimeout(options.timeoutMs, signal, 'Slack', async (sendSignal) => {
        let retryAfter: string | null = null;
        const fetchWithHeaders: FetchFunction = async (input, init) => {
          const response = await fetch(input, { ...(init as RequestInit), signal: sendSignal });
          retryAfter = response.headers.get('retry-after');
          return response;
        };
        const webhook = new IncomingWebhook(url, { fetch: fetchWithHeaders, timeout: 0, retryConfig: { retries: 0 } });
        try {
          await webhook.send({ text: rendered.text, blocks: rendered.blocks, unfurl_links: false, unfurl_media: false });
        } catch (error) {
          throw toDeliveryError(error, retryAfter, now(), scrub, sendSignal);
        }
      });
    },
  };
}

/** Maps @slack/webhook's errors to the outbox's vocabulary, without the URL. */
function toDeliveryError(
  error: unknown,
  retryAfter: string | null,
  nowMs: number,
  scrub: (text: string) => string,
  signal: AbortSignal,
): DeliveryError {
  if (signal.aborted && signal.reason instanceof DeliveryError) return signal.reason;
  if (error instanceof IncomingWebhookHTTPError) {
    const body = scrub(error.body.trim().replace(/\s+/g, ' ')).slice(0, BODY_EXCERPT) || '(empty body)';
    const status = error.statusCode;
    if (status === 429) {
      return new DeliveryError(`Slack rate-limited the webhook: HTTP 429 ${body}`, true, parseRetryAfterMs(retryAfter, nowMs));
    }
    if (status >= 500) return new DeliveryError(`Slack server error: HTTP ${status} ${body}`, true);
    return new DeliveryError(`Slack rejected the message: HTTP ${status} ${body}${hintFor(body)}`, false);
  }
  if (error instanceof IncomingWebhookRequestError) {
    return new DeliveryError(`Slack unreachable: ${scrub(describeNetworkError(error.original))}`, true);
  }
  return new DeliveryError(`Slack send failed: ${scrub(error instanceof Error ? error.message : String(error))}`, true);
}

function hintFor(body: string): string {
  if (/no_service|invalid_token|no_team|team_disabled|no_service_id/.test(body)) return ' (the webhook URL is wrong or was revoked)';
  if (/channel_not_found|channel_is_archived|action_prohibited|posting_to_general_channel_denied/.test(body))
    return ' (the webhook channel cannot be posted to)';
  if (/invalid_blocks|invalid_payload|no_text/.test(body)) return ' (message format rejected)';
  return '';
}

/** `ECONNREFUSED`, `ENOTFOUND`, `timeout`: codes, never URLs. */
function describeNetworkError(error: Error): string {
  const cause = (error as { cause?: unknown }).cause as { code?: unknown; message?: unknown } | undefined;
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return 'request aborted';
  if (cause && typeof cause.code === 'string') return cause.code;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return error.message.replace(/https?:\/\/\S+/g, '[url]');
}

/** The webhook's last path segment: the secret part of `/services/T.../B.../SECRET`, which a server may echo alone. */
function secretSegment(url: string): string {
  try {
    return new URL(url).pathname.split('/').filter(Boolean).at(-1) ?? url;
  } catch {
    return url;
  }
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
