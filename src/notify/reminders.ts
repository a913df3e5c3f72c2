/**
 * Reminder policy, pure. While an outage stays open, one reminder is due
 * every `remindEverySeconds` after the later of the confirmation and the last
 * reminder. The last reminder time is persisted with the reminder itself, so
 * a restart neither sends early (the clock is in the DB) nor skips (a reminder
 * overdue during downtime is sent by the first check after the restart, once,
 * not once per missed interval).
 */
export interface OpenOutageView {
  productId: number;
  outageId: number;
  /** When the interruption was confirmed (epoch seconds). */
  confirmedAt: number;
  /** Last reminder (or after-silence alert) for this outage, or null. */
  lastReminderAt: number | null;
}

export interface ReminderDue {
  productId: number;
  outageId: number;
  /** When it became due (epoch seconds); `now` is when it is raised. */
  dueAt: number;
}

/** Which open outages need a reminder at `now` (epoch seconds). 0 turns reminders off. Pure. */
export function decideReminders(outages: readonly OpenOutageView[], now: number, remindEverySeconds: number): ReminderDue[] {
  if (!(remindEverySeconds > 0)) return [];
  const due: ReminderDue[] = [];
  for (const outage of outages) {
    const dueAt = nextReminderAt(outage, remindEverySeconds);
    if (now >= dueAt) due.push({ productId: outage.productId, outageId: outage.outageId, dueAt });
  }
  return due;
}

/** When the next reminder for `outage` is due (epoch seconds). Pure. */
export function nextReminderAt(outage: Pick<OpenOutageView, 'confirmedAt' | 'lastReminderAt'>, remindEverySeconds: number): number {
  return Math.max(outage.confirmedAt, outage.lastReminderAt ?? outage.confirmedAt) + remindEverySeconds;
}
