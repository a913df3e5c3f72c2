import { setMaxListeners } from 'node:events';
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../shared/logger.js';

export interface SchedulerOptions {
  expression: string;
  logger: Logger;
  /** Runs one cycle. Its promise is tracked so `stop` can wait for it. */
  run: (signal: AbortSignal) => Promise<void>;
  /** Called when a tick is skipped because the previous cycle is still running. */
  onOverrun?: () => void;
}

/**
 * node-cron with the guarantees the daemon needs: cycles never overlap (a
 * tick that finds a cycle running is skipped with a warning), the first cycle
 * can run at once, and `stop` waits for the cycle in flight. node-cron's own
 * `stop()` does not wait, so the in-flight promise is tracked here.
 */
export class Scheduler {
  private task: ScheduledTask | null = null;
  private inFlight: Promise<void> | null = null;
  private controller = new AbortController();

  constructor(private readonly options: SchedulerOptions) {
    // Every in-flight request listens on this one signal; thousands is normal, not a leak.
    setMaxListeners(0, this.controller.signal);
  }

  /** Starts ticking; with `runNow` the first cycle starts immediately. Idempotent. */
  start(runNow = true): void {
    if (this.task) return;
    // Overlap is prevented by `tick` rather than node-cron's noOverlap, because the first
    // cycle is started by hand and node-cron would not know it is running.
    this.task = cron.schedule(this.options.expression, () => void this.tick(), { name: 'netwatch-poll' });
    if (runNow) void this.tick();
  }

  /** Starts a cycle unless one is running. Returns the running cycle's promise. */
  tick(): Promise<void> {
    if (this.inFlight) {
      this.options.onOverrun?.();
      this.options.logger.warn(
        'previous cycle still running; skipping this tick (the schedule is too tight for the product count or the API is slow)',
      );
      return this.inFlight;
    }
    const cycle = this.options
      .run(this.controller.signal)
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'poll cycle failed'))
      .finally(() => {
        this.inFlight = null;
      });
    this.inFlight = cycle;
    return cycle;
  }

  get running(): boolean {
    return this.inFlight !== null;
  }

  /**
   * Stops the schedule and waits up to `graceMs` for the cycle in flight; after
   * that, in-flight requests are aborted and the cycle is awaited once more.
   */
  async stop(graceMs = 5000): Promise<void> {
    if (this.task) {
      await this.task.destroy();
      this.task = null;
    }
    const cycle = this.inFlight;
    if (!cycle) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      cycle.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), graceMs);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.controller.abort();
      await cycle;
    }
  }
}
