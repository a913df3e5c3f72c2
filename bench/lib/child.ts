import { type ChildProcess, fork } from 'node:child_process';
import { setPriority } from 'node:os';

/** A message from a bench child process. Every message has a `type`. */
export interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

export interface SpawnOptions {
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
  /** Node flags for the child, e.g. `--cpu-prof`. Never inherited from this process (tsx). */
  execArgv?: readonly string[];
}

/**
 * A compiled bench entry point (simulator, daemon, writer) in its own process,
 * talking JSON over the IPC channel. The child's stdout is discarded (the
 * daemon logs there, as in production); stderr is kept for error reports.
 */
export class BenchChild {
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;
  /** performance.timeOrigin + performance.now() just before fork(), epoch ms. */
  readonly spawnedAtMs: number;
  private readonly inbox: ChildMessage[] = [];
  private readonly waiters = new Set<() => void>();
  private stderrText = '';
  private nextId = 1;
  private exitCode: number | null | undefined;

  constructor(modulePath: string, options: SpawnOptions = {}) {
    this.spawnedAtMs = performance.timeOrigin + performance.now();
    this.process = fork(modulePath, [...(options.args ?? [])], {
      execArgv: [...(options.execArgv ?? [])],
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.process.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrText = (this.stderrText + chunk).slice(-20_000);
    });
    this.process.on('message', (message: ChildMessage) => {
      this.inbox.push(message);
      this.wakeAll();
    });
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? 128 : null);
        this.wakeAll();
        resolve(this.exitCode);
      });
    });
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** Resolves with (and consumes) the first message of `type`. Rejects on exit or timeout. */
  async next(type: string, timeoutMs = 120_000): Promise<ChildMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.inbox.findIndex((message) => message.type === type);
      if (index !== -1) return this.inbox.splice(index, 1)[0] as ChildMessage;
      const failed = this.inbox.find((message) => message.type === 'error');
      if (failed) throw new Error(`child failed: ${String(failed.message)}\n${this.stderrText}`);
      if (this.exitCode !== undefined) throw new Error(`child exited (${this.exitCode}) before sending "${type}"\n${this.stderrText}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for "${type}"\n${this.stderrText}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, remaining);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  /** Request/response over IPC: the child answers `{type: 'reply', id, result}`. */
  async call<T>(command: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<T> {
    const id = this.nextId++;
    this.process.send({ type: 'call', id, command, args });
    for (;;) {
      const reply = await this.next('reply', timeoutMs);
      if (reply.id === id) return reply.result as T;
      this.inbox.push(reply);
    }
  }

  /**
   * Lowers (or raises) the child's CPU priority, e.g. 19 for a long background
   * run that must not disturb the timed figures. Ignored where not permitted.
   */
  setNiceness(niceness: number): void {
    if (this.process.pid === undefined) return;
    try {
      setPriority(this.process.pid, niceness);
    } catch {
      // Not permitted (e.g. raising priority without privileges): run as is.
    }
  }

  send(message: ChildMessage): void {
    this.process.send(message);
  }

  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILL after `graceMs`. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<number | null> {
    if (this.exitCode !== undefined) return this.exitCode;
    this.process.kill(signal);
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  private wakeAll(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }
}

/** For child entries: answers `call` messages with `handlers[command](args)`. */
export function serveCalls(handlers: Record<string, (args: Record<string, unknown>) => unknown>): void {
  process.on('message', (message: ChildMessage) => {
    if (message.type !== 'call') return;
    const handler = handlers[String(message.command)];
    void (async () => {
      try {
        if (!handler) throw new Error(`unknown command ${String(message.command)}`);
        const result = await handler((message.args ?? {}) as Record<string, unknown>);
        process.send?.({ type: 'reply', id: message.id, result });
      } catch (error) {
        process.send?.({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    })();
  });
}

/** For child entries: reports a fatal error to the parent and exits 1. */
export function failChild(error: unknown): never {
  process.send?.({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
