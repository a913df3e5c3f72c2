import { Agent, createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * An HTTP reverse proxy on 127.0.0.1 that injects faults the upstream fakes
 * cannot produce themselves: a 200 whose body never ends, a connection
 * dropped before any response, or an answer held back for a while (used to
 * widen the window between a provider's acknowledgement and our commit).
 * Everything else is forwarded unchanged, headers included, so signed
 * IIMMPACT requests still verify at the simulator behind it.
 */
export type ProxyAction =
  | { kind: 'forward'; delayRequestMs?: number; delayResponseMs?: number }
  /** 200 with headers and the start of a JSON body, then nothing, ever (until the proxy closes). */
  | { kind: 'endlessBody' }
  /** The TCP connection is destroyed as soon as the request arrives. */
  | { kind: 'drop' };

export interface FaultProxy {
  url: string;
  /** Requests seen, with the action taken. */
  readonly log: Array<{ atMs: number; method: string; url: string; action: ProxyAction['kind']; clientPort: number }>;
  close(): Promise<void>;
}

export async function startFaultProxy(
  target: string,
  decide: (req: IncomingMessage) => ProxyAction = () => ({ kind: 'forward' }),
): Promise<FaultProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = new Set<Socket>();
  const log: FaultProxy['log'] = [];

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, delayResponseMs: number) => {
    const outgoing = request(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: `${upstream.pathname.replace(/\/$/, '')}${req.url ?? '/'}`,
        headers: { ...req.headers, host: upstream.host },
        agent,
      },
      (answer) => {
        if (delayResponseMs <= 0) {
          // Streamed, so an upstream cut mid-body reaches the client as a cut mid-body.
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          answer.on('aborted', () => res.destroy());
          answer.on('error', () => res.destroy());
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () =>
          setTimeout(() => {
            if (res.destroyed) return;
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(chunks));
          }, delayResponseMs),
        );
        answer.on('error', () => res.destroy());
      },
    );
    outgoing.on('error', () => res.destroy());
    // A client that gives up (timeout) must not leave the upstream request hanging.
    res.on('close', () => {
      if (!res.writableFinished) outgoing.destroy();
    });
    outgoing.end(body);
  };

  const server: Server = createServer((req, res) => {
    // Stamped on arrival, before the body: the closest this process gets to the wire.
    const atMs = performance.timeOrigin + performance.now();
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const action = decide(req);
      log.push({ atMs, method: req.method ?? '', url: req.url ?? '', action: action.kind, clientPort: req.socket.remotePort ?? 0 });
      if (action.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (action.kind === 'endlessBody') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100000' });
        res.write('{"data":{"product_code":');
        return;
      }
      const go = () => forward(req, res, Buffer.concat(chunks), action.delayResponseMs ?? 0);
      if (action.delayRequestMs) setTimeout(go, action.delayRequestMs);
      else go();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      agent.destroy();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    },
  };
}
