import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCountWaiter } from './count-waiter.js';

/**
 * A local HTTP server that behaves like a Slack incoming webhook: it answers
 * `ok`, or HTTP 400 with Slack's error strings when the payload breaks Block
 * Kit limits, and plays scripted responses (429 with Retry-After, 500, 404
 * no_service, or a hang) before its normal behaviour.
 *
 * The limit checks are written independently of the renderer on purpose.
 */
export type ScriptedResponse =
  | { status: number; body?: string; retryAfter?: string }
  /** Accept the request and never answer (until the server closes). */
  | 'hang';

export interface ReceivedMessage {
  path: string;
  receivedAtMs: number;
  payload: SlackPayload;
  /** What the fake answered. */
  status: number;
}

export interface SlackPayload {
  text?: string;
  blocks?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

export interface FakeSlack {
  /** Base URL; post to `${url}/services/T000/B000/XXX`. */
  url: string;
  webhookUrl(name?: string): string;
  /** Every request, including rejected ones. */
  requests: ReceivedMessage[];
  /** Only the messages answered 200 ok. */
  delivered(): ReceivedMessage[];
  /** Queues responses for the next requests (FIFO), before normal behaviour resumes. */
  script(...responses: ScriptedResponse[]): void;
  /** Resolves when `count` requests (any outcome) have arrived. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const SLACK_ERROR = {
  invalidBlocks: 'invalid_blocks',
  invalidPayload: 'invalid_payload',
  noText: 'no_text',
  noService: 'no_service',
} as const;

/** Slack's Block Kit limits for messages, as the fake enforces them. */
const LIMITS = { blocks: 50, section: 3000, header: 150, fields: 10, field: 2000, context: 10, total: 12_000 };

/** Returns the Slack error string for a payload that breaks a limit, or null when it is acceptable. */
export function validateSlackPayload(payload: unknown): string | null {
  if (payload === null || typeof payload !== 'object') return SLACK_ERROR.invalidPayload;
  const { text, blocks } = payload as SlackPayload;
  if ((typeof text !== 'string' || text.trim() === '') && (!Array.isArray(blocks) || blocks.length === 0)) return SLACK_ERROR.noText;
  if (blocks === undefined) return null;
  if (!Array.isArray(blocks) || blocks.length > LIMITS.blocks) return SLACK_ERROR.invalidBlocks;
  let total = 0;
  for (const block of blocks) {
    const type = block.type;
    if (type === 'header') {
      const t = (block.text as { type?: string; text?: string } | undefined) ?? {};
      if (t.type !== 'plain_text' || typeof t.text !== 'string' || t.text.length === 0 || t.text.length > LIMITS.header)
        return SLACK_ERROR.invalidBlocks;
      total += t.text.length;
    } else if (type === 'section') {
      const t = block.text as { text?: string } | undefined;
      const fields = block.fields as Array<{ text?: string }> | undefined;
      if (!t && !fields) return SLACK_ERROR.invalidBlocks;
      if (t && (typeof t.text !== 'string' || t.text.length === 0 || t.text.length > LIMITS.section)) return SLACK_ERROR.invalidBlocks;
      total += t?.text?.length ?? 0;
      if (fields) {
        if (fields.length > LIMITS.fields) return SLACK_ERROR.invalidBlocks;
        for (const field of fields) {
          if (typeof field.text !== 'string' || field.text.length === 0 || field.text.length > LIMITS.field)
            return SLACK_ERROR.invalidBlocks;
          total += field.text.length;
        }
      }
      const accessory = block.accessory as { type?: string; image_url?: string; alt_text?: string } | undefined;
      if (accessory && (accessory.type !== 'image' || !accessory.image_url || !accessory.alt_text || accessory.image_url.length > 3000)) {
        return SLACK_ERROR.invalidBlocks;
      }
    } else if (type === 'context') {
      const elements = block.elements as Array<{ text?: string }> | undefined;
      if (!elements || elements.length === 0 || elements.length > LIMITS.context) return SLACK_ERROR.invalidBlocks;
      for (const element of elements) total += element.text?.length ?? 0;
    } else if (type !== 'divider') {
      return SLACK_ERROR.invalidBlocks;
    }
  }
  return total > LIMITS.total ? SLACK_ERROR.invalidBlocks : null;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const requests: ReceivedMessage[] = [];
  const scripted: ScriptedResponse[] = [];
  const hanging = new Set<ServerResponse>();

  const arrivals = createCountWaiter(requests, 'fake Slack (requests)');
  const notify = arrivals.notify;

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    // A client killed mid-request resets the socket; that is expected here, not a test failure.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let payload: SlackPayload = {};
      let parseError = false;
      try {
        payload = JSON.parse(raw) as SlackPayload;
      } catch {
        parseError = true;
      }
      const record: ReceivedMessage = { path: req.url ?? '/', receivedAtMs: Date.now(), payload, status: 0 };
      requests.push(record);
      const answer = (status: number, body: string, headers: Record<string, string> = {}) => {
        record.status = status;
        res.writeHead(status, { 'content-type': 'text/html', ...headers });
        res.end(body);
      };
      const next = scripted.shift();
      if (next === 'hang') {
        record.status = -1;
        hanging.add(res);
        notify();
        return;
      }
      if (next) {
        answer(
          next.status,
          next.body ?? (next.status === 429 ? 'rate_limited' : next.status >= 500 ? 'internal_error' : SLACK_ERROR.noService),
          {
            ...(next.retryAfter !== undefined ? { 'retry-after': next.retryAfter } : {}),
          },
        );
      } else if (req.method !== 'POST' || parseError) {
        answer(400, SLACK_ERROR.invalidPayload);
      } else {
        const problem = validateSlackPayload(payload);
        if (problem) answer(400, problem);
        else answer(200, 'ok');
      }
      notify();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    webhookUrl: (name = 'XXXXSECRETXXXX') => `${url}/services/T000/B000/${name}`,
    requests,
    delivered: () => requests.filter((request) => request.status === 200),
    script: (...responses) => scripted.push(...responses),
    waitForRequests: (count, timeoutMs) => arrivals.waitFor(count, timeoutMs),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
