import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real `netwatch` CLI for fault-injection tests, compiled once per test
 * file into a temp folder (type-checking is `npm test`'s job, so emit only).
 * Compiled JavaScript starts in about a third of the time tsx needs, which is
 * what lets one test restart the daemon thirty times. The build is made from
 * the working tree as it is, exactly like `dist/` in production.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let built: Promise<string> | null = null;

/** Path of the compiled `src/cli/main.js`. Compiles on the first call in this process. */
export function compiledCli(): Promise<string> {
  built ??= new Promise((resolvePath, reject) => {
    const out = mkdtempSync(join(tmpdir(), 'netwatch-cli-build-'));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const child = spawn(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.json'), '--outDir', out, '--noCheck', '--sourceMap', 'false'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', () => {
      const main = join(out, 'src', 'cli', 'main.js');
      if (!existsSync(main)) {
        reject(new Error(`compiling the CLI emitted nothing:\n${output}`));
        return;
      }
      // Packages resolve from the build folder upwards; packageRoot() looks for package.json.
      symlinkSync(join(ROOT, 'node_modules'), join(out, 'node_modules'), 'dir');
      copyFileSync(join(ROOT, 'package.json'), join(out, 'package.json'));
      resolvePath(main);
    });
  });
  return built;
}

export interface LogLine {
  level: string;
  msg: string;
  [key: string]: unknown;
}

export interface CliChildOptions {
  env?: NodeJS.ProcessEnv;
  /** Run as this user id (root only); used to make permission checks bite. */
  uid?: number;
  gid?: number;
}

/**
 * One CLI process with everything it printed: raw stdout and stderr (for
 * secret scans), and stdout parsed as JSON log lines (for assertions).
 */
export class CliChild {
  readonly lines: LogLine[] = [];
  /** Lines of stdout that were not JSON (a forged or broken log line would land here). */
  readonly nonJsonLines: string[] = [];
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  readonly startedAtMs = Date.now();
  private readonly child: ChildProcess;
  private waiters: Array<() => void> = [];
  private exitCode: number | null | undefined;

  constructor(entry: string, args: readonly string[], options: CliChildOptions = {}) {
    this.child = spawn(process.execPath, [entry, ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
    });
    let buffered = '';
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      buffered += chunk;
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) {
        if (part.trim() === '') continue;
        try {
          this.lines.push(JSON.parse(part) as LogLine);
        } catch {
          this.nonJsonLines.push(part);
        }
      }
      this.wake();
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.wake();
    });
    // 'close' rather than 'exit': it comes after stdout and stderr are fully read.
    this.exited = new Promise((resolveExit) =>
      this.child.once('close', (code) => {
        this.exitCode = code;
        this.wake();
        resolveExit(code);
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Log lines whose `msg` is exactly `msg`. */
  linesWith(msg: string): LogLine[] {
    return this.lines.filter((line) => line.msg === msg);
  }

  /**
   * Resolves with the first log line (from index `from` on) matching
   * `predicate`, or when `predicate` is a plain condition that holds. Rejects
   * after `timeoutMs` or when the process exits first.
   */
  async waitFor(predicate: (line: LogLine) => boolean, timeoutMs = 20_000, from = 0): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.lines.length; i++) {
        const line = this.lines[i] as LogLine;
        if (predicate(line)) return line;
      }
      if (!this.running) throw new Error(`process exited (${this.exitCode}) before the awaited log line\n${this.tail()}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for a log line\n${this.tail()}`);
      await this.nextOutput(Math.min(remaining, 250));
    }
  }

  /** Polls `condition` on every output and at least every 100 ms. */
  async until(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'a condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.tail()}`);
      await this.nextOutput(100);
    }
  }

  /** Sends a signal (no-op once exited) and resolves with the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }

  /** The last lines of output, for failure messages. */
  tail(count = 12): string {
    const lines = this.lines.slice(-count).map((line) => JSON.stringify(line));
    return `last log lines:\n${lines.join('\n')}\nstderr: ${this.stderr.slice(-2000)}`;
  }

  private nextOutput(maxWaitMs: number): Promise<void> {
    return new Promise((resolveWait) => {
      const timer = setTimeout(resolveWait, maxWaitMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolveWait();
      });
    });
  }

  private wake(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/**
 * Runs a CLI command to completion (e.g. `status --json`) and returns its
 * output. Asynchronous on purpose: the simulator and fakes share this event loop.
 */
export async function runCli(
  entry: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = new CliChild(entry, args, { env });
  const status = await child.exited;
  return { status, stdout: child.stdout, stderr: child.stderr };
}

/** Polls `condition` every `intervalMs` until it holds; throws after `timeoutMs`. */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, intervalMs));
  }
}
