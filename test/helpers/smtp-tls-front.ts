import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';

/**
 * An implicit-TLS (smtps://) front for the plain fake SMTP server, on a fixed
 * 127.0.0.1 port, whose behaviour can be switched while a daemon uses it:
 * - `forward`: TLS with a self-signed certificate for 127.0.0.1 (trust it in
 *   the daemon with NODE_EXTRA_CA_CERTS=`certPath`), plaintext to the fake;
 * - `refuse`: nothing listens (ECONNREFUSED) and open connections are cut;
 * - `tlsFail`: connections reach the fake SMTP without TLS, so the client's
 *   handshake fails, as with a broken certificate or TLS setup.
 */
export type SmtpFrontMode = 'forward' | 'refuse' | 'tlsFail';

export interface SmtpTlsFront {
  port: number;
  /** PEM of the self-signed certificate (for NODE_EXTRA_CA_CERTS). */
  certPath: string;
  /** An smtps:// URL for this front. */
  url(credentials: { user: string; pass: string }): string;
  setMode(mode: SmtpFrontMode): Promise<void>;
  close(): Promise<void>;
}

/** Writes a throwaway key and certificate for 127.0.0.1 into `dir` with the openssl CLI. */
function createCertificate(dir: string): { key: Buffer; cert: Buffer; certPath: string } {
  const keyPath = join(dir, 'smtp-test-key.pem');
  const certPath = join(dir, 'smtp-test-cert.pem');
  const run = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0)
    throw new Error(`openssl could not create a test certificate (is the openssl CLI installed?): ${run.stderr ?? run.error}`);
  return { key: readFileSync(keyPath), cert: readFileSync(certPath), certPath };
}

export async function startSmtpTlsFront(dir: string, backendPort: number): Promise<SmtpTlsFront> {
  const { key, cert, certPath } = createCertificate(dir);
  let mode: SmtpFrontMode = 'forward';
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;

  const pipeToBackend = (client: Socket) => {
    const backend = connect(backendPort, '127.0.0.1');
    sockets.add(backend);
    backend.once('close', () => sockets.delete(backend));
    client.pipe(backend).pipe(client);
    const end = () => {
      client.destroy();
      backend.destroy();
    };
    client.once('error', end);
    client.once('close', end);
    backend.once('error', end);
    backend.once('close', end);
  };

  const listen = async () => {
    server = createServer((raw) => {
      sockets.add(raw);
      raw.once('close', () => sockets.delete(raw));
      raw.on('error', () => raw.destroy());
      if (mode === 'tlsFail') {
        pipeToBackend(raw);
        return;
      }
      const secure = new TLSSocket(raw, { isServer: true, key, cert });
      secure.on('error', () => raw.destroy());
      pipeToBackend(secure as unknown as Socket);
    });
    await new Promise<void>((resolve, reject) => {
      server?.once('error', reject);
      server?.listen(port, '127.0.0.1', () => resolve());
    });
    port = (server.address() as { port: number }).port;
  };

  const unlisten = async () => {
    const current = server;
    server = null;
    for (const socket of sockets) socket.destroy();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();
  return {
    port,
    certPath,
    url: ({ user, pass }) => `smtps://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${port}`,
    async setMode(next) {
      if (next === mode) return;
      mode = next;
      // Every switch cuts open connections, so pooled ones see the new behaviour at once.
      await unlisten();
      if (next !== 'refuse') await listen();
    },
    close: unlisten,
  };
}
