import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { describeError, NetwatchError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { type AccessPolicy, createTokenChecker, isLoopbackAddress, isLoopbackHostHeader, mayAccess } from './auth.js';
import { errorReply, etagOf, ifNoneMatchHits, type Reply } from './reply.js';
import { createRouter, type Route } from './router.js';
import { SECURITY_HEADERS } from './security-headers.js';

const gzipAsync = promisify(gzip);

/** Request limits. Every route is a GET without a body, so these can be tight. */
export const REQUEST_LIMITS = Object.freeze({
  /** Longer URLs get 414. */
  maxUrlLength: 2048,
  /** Node answers 431 above this many bytes of headers. */
  maxHeaderBytes: 8192,
  /** The whole request (headers included) must arrive within this, in ms; else 408. */
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
  /** Concurrent connections; more are refused at accept. */
  maxConnections: 256,
});

/** Replies larger than this are gzip-compressed when the client accepts it. */
const COMPRESS_ABOVE_BYTES = 1024;

export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  policy: AccessPolicy;
  routes: readonly Route[];
  logger: Logger;
}

export interface HttpServer {
  /**
   * Binds and starts serving. Resolves with the bound address.
   * @throws NetwatchError `config_invalid` when the address is in use or cannot be bound.
   */
  start(): Promise<{ host: string; port: number; url: string }>;
  /** Stops accepting, lets requests in flight finish (at most `graceMs`), then closes every socket. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * The daemon's HTTP transport on node:http: method and size limits, access
 * control, security headers, ETag/304, gzip and HEAD, around a table of
 * routes whose handlers return plain `Reply` values. It never writes to the
 * database itself; see the routes for what each one reads.
 *
 * @throws NetwatchError `config_invalid` at construction for a non-loopback
 *   host without a token (config validation normally catches this first).
 */
export function createHttpServer(options: HttpServerOptions): HttpServer {
  const { policy, logger } = options;
  if (policy.token === null && !isLoopbackAddress(options.host)) {
    throw new NetwatchError('config_invalid', `http.token is required because http.host ${options.host} is not loopback`);
  }
  const route = createRouter(options.routes);
  const checkToken = policy.token === null ? null : createTokenChecker(policy.token);
  let server: Server | null = null;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') {
      return send(req, res, errorReply(405, 'method_not_allowed', 'only GET and HEAD are supported', { Allow: 'GET, HEAD' }));
    }
    if (hasBody(req)) {
      res.setHeader('Connection', 'close');
      return send(req, res, errorReply(413, 'body_not_allowed', 'requests to netwatch carry no body'));
    }
    const target = req.url ?? '/';
    if (target.length > REQUEST_LIMITS.maxUrlLength) {
      return send(req, res, errorReply(414, 'uri_too_long', `the URL is longer than ${REQUEST_LIMITS.maxUrlLength} characters`));
    }
    if (checkToken === null && !isLoopbackHostHeader(req.headers.host)) {
      // Without a token only loopback names are served: see isLoopbackHostHeader (DNS rebinding).
      return send(
        req,
        res,
        errorReply(421, 'misdirected_request', 'this netwatch serves only requests addressed to localhost or 127.0.0.1'),
      );
    }
    let url: URL;
    try {
      url = new URL(target, 'http://netwatch.invalid');
    } catch {
      return send(req, res, errorReply(400, 'bad_request', 'the request target is not a valid URL'));
    }
    const match = route(url.pathname);
    if (!match) return send(req, res, errorReply(404, 'not_found', `no such endpoint: ${url.pathname}`));

    const authorized = checkToken === null || checkToken(req.headers.authorization);
    const access = match.route.access;
    if (!mayAccess(policy, access, authorized) && access !== 'probe') {
      // A browser opening a protected page gets its own login prompt (any user name, the token as password).
      const challenge = access === 'page' ? 'Basic realm="netwatch", charset="UTF-8"' : 'Bearer realm="netwatch"';
      return send(
        req,
        res,
        errorReply(401, 'unauthorized', 'send the netwatch token as "Authorization: Bearer TOKEN"', { 'WWW-Authenticate': challenge }),
      );
    }
    const reply = await match.route.handle({
      params: match.params,
      query: url.searchParams,
      headers: req.headers,
      authorized,
      mayViewPage: mayAccess(policy, 'page', authorized),
    });
    return send(req, res, reply);
  }

  async function send(req: IncomingMessage, res: ServerResponse, reply: Reply): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    res.setHeader('Content-Type', reply.contentType);
    if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Vary', 'Accept-Encoding');

    if (reply.etag && reply.status === 200) {
      const etag = etagOf(reply.body);
      res.setHeader('ETag', etag);
      if (ifNoneMatchHits(req.headers['if-none-match'], etag)) {
        res.removeHeader('Content-Type');
        res.writeHead(304);
        res.end();
        return;
      }
    }
    let body = Buffer.from(reply.body, 'utf8');
    if (body.length > COMPRESS_ABOVE_BYTES && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      body = await gzipAsync(body);
      res.setHeader('Content-Encoding', 'gzip');
    }
    res.setHeader('Content-Length', body.length);
    res.writeHead(reply.status);
    // For HEAD, node:http sends the headers only.
    res.end(body);
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    handle(req, res)
      .catch(async (error: unknown) => {
        logger.error({ err: describeError(error), path: safePath(req.url) }, 'HTTP handler failed');
        if (res.headersSent) {
          res.destroy();
          return;
        }
        await send(req, res, errorReply(500, 'internal', 'internal error; see the netwatch log'));
      })
      .catch(() => res.destroy())
      .finally(() => {
        logger.debug(
          { method: req.method, path: safePath(req.url), status: res.statusCode, ms: Math.round(performance.now() - started) },
          'http request',
        );
      });
  }

  return {
    async start() {
      const created = createServer(
        {
          maxHeaderSize: REQUEST_LIMITS.maxHeaderBytes,
          requestTimeout: REQUEST_LIMITS.requestTimeoutMs,
          headersTimeout: REQUEST_LIMITS.headersTimeoutMs,
        },
        onRequest,
      );
      created.keepAliveTimeout = REQUEST_LIMITS.keepAliveTimeoutMs;
      created.maxConnections = REQUEST_LIMITS.maxConnections;
      await new Promise<void>((resolve, reject) => {
        const onError = (error: NodeJS.ErrnoException) => {
          const why =
            error.code === 'EADDRINUSE'
              ? 'the address is already in use (is another netwatch running?); stop it or choose another http.port'
              : error.code === 'EADDRNOTAVAIL'
                ? 'no network interface has that address; check http.host'
                : error.code === 'EACCES'
                  ? 'permission denied (ports below 1024 need privileges)'
                  : describeError(error);
          reject(new NetwatchError('config_invalid', `http: cannot listen on ${options.host}:${options.port}: ${why}`, { cause: error }));
        };
        created.once('error', onError);
        created.listen(options.port, options.host, () => {
          created.off('error', onError);
          resolve();
        });
      });
      created.on('error', (error) => logger.error({ err: describeError(error) }, 'HTTP server error'));
      created.on('clientError', (error: NodeJS.ErrnoException, socket) => {
        // Oversized headers, timeouts and malformed requests: answer if the socket still can, never crash.
        const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
        if (socket.writable)
          socket.end(
            `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
          );
        else socket.destroy();
      });
      server = created;
      const address = created.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return { host: address.address, port: address.port, url: `http://${shownHost}:${address.port}/` };
    },

    async stop(graceMs = 2000) {
      const current = server;
      server = null;
      if (!current) return;
      const closed = new Promise<void>((resolve) => current.close(() => resolve()));
      current.closeIdleConnections();
      const timer = setTimeout(() => current.closeAllConnections(), graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
    },
  };
}

function hasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** The path without the query string, which may carry nothing secret but is noise in logs. */
function safePath(url: string | undefined): string {
  return (url ?? '').split('?')[0]?.slice(0, 200) ?? '';
}
