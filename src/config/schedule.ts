import cron from 'node-cron';

/**
 * The shortest gap, in seconds, between two runs of a cron expression, found by
 * sampling its next runs. Throws nothing; returns null for an invalid expression.
 */
export function shortestIntervalSeconds(expression: string): number | null {
  if (!cron.validate(expression)) return null;
  const task = cron.createTask(expression, () => {});
  try {
    const runs = task.getNextRuns(64).map((date) => date.getTime());
    let shortest = Number.POSITIVE_INFINITY;
    for (let i = 1; i < runs.length; i++) shortest = Math.min(shortest, (runs[i] as number) - (runs[i - 1] as number));
    return Number.isFinite(shortest) ? Math.round(shortest / 1000) : null;
  } finally {
    void task.destroy();
  }
}

/** Why a cron expression is invalid, as one line; null when it is valid. */
export function describeInvalidSchedule(expression: string): string | null {
  const result = cron.validateDetailed(expression);
  if (result.valid) return null;
  const details = result.errors.map((error) => error.message).join('; ');
  return `expected a node-cron expression like "*/1 * * * *" (6 fields = with seconds), got "${expression}"${details ? `: ${details}` : ''}`;
}
