/**
 * What a silence's end owes, pure. During a silence, matching product alerts
 * are recorded but not sent. When it ends:
 * - a product still in Interruption whose latest alert was silenced gets ONE
 *   alert: an `interruption` if nobody was ever told about this outage, else a
 *   `reminder` with the running duration;
 * - a product that recovered during the silence gets nothing (its recovery
 *   was silenced too, and so is any recovery of an outage never notified);
 * - a product still covered by another silence is left to that one's end.
 */

export interface OutageAtSilenceEnd {
  productCode: string;
  outageId: number;
  /** The latest alert event of this outage occurred while a matching silence was active. */
  latestEventSilenced: boolean;
  /** Some interruption/reminder for this outage was NOT silenced (someone was told). */
  everNotified: boolean;
}

export interface OwedAlert {
  productCode: string;
  outageId: number;
  kind: 'interruption' | 'reminder';
}

/**
 * @param openOutages outages still open at the end, for products matching the silence
 * @param coveredByAnotherSilence whether a different silence still covers the code now
 */
export function decideSilenceEnd(
  openOutages: readonly OutageAtSilenceEnd[],
  coveredByAnotherSilence: (productCode: string) => boolean,
): OwedAlert[] {
  const owed: OwedAlert[] = [];
  for (const outage of openOutages) {
    if (!outage.latestEventSilenced || coveredByAnotherSilence(outage.productCode)) continue;
    owed.push({ productCode: outage.productCode, outageId: outage.outageId, kind: outage.everNotified ? 'reminder' : 'interruption' });
  }
  return owed;
}
