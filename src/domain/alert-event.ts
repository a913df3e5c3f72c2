/**
 * What the notifier is told. Each event is stored durably in `alert_events`
 * in the same transaction as the check that caused it. Times are epoch seconds.
 */
export type ProductAlertKind = 'interruption' | 'recovery' | 'reminder';
export type OperatorAlertKind = 'monitoring_blind' | 'monitoring_restored';
export type AlertEventKind = ProductAlertKind | OperatorAlertKind | 'test';

export interface ProductAlertPayload {
  kind: ProductAlertKind;
  productCode: string;
  productName: string | null;
  productImg: string | null;
  /** First Interruption observation of the confirming streak. */
  startedAt: number;
  /** The check that confirmed the interruption. */
  confirmedAt: number;
  /** Recovery only: the first Healthy observation of the recovering streak. */
  endedAt: number | null;
  /** Reminder only: the check time at which the reminder was raised (sets the running duration). */
  remindedAt: number | null;
  /** Consecutive observations that confirmed the change. */
  observations: number;
  /**
   * Set when this alert is the one owed after a silence ended while the
   * product was still in Interruption (the alerts during the silence were
   * recorded but not sent).
   */
  afterSilence?: { silenceId: number; reason: string; endedAt: number } | null;
}

export interface OperatorAlertPayload {
  kind: OperatorAlertKind;
  /** A stable key for the condition, e.g. `api_unreachable`, `auth`, `unknown:TNB`. */
  condition: string;
  /** One line for a human, with no secrets. */
  summary: string;
  since: number;
  at: number;
  /** The product concerned, for `unknown:CODE` conditions; absent for API-wide ones. */
  productCode?: string | null;
}

export interface TestAlertPayload {
  kind: 'test';
  at: number;
  requestedBy: string;
}

export type AlertPayload = ProductAlertPayload | OperatorAlertPayload | TestAlertPayload;
