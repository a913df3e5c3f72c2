/** What one check saw. `Unknown` covers every error and every unrecognised status value. */
export type CheckStatus = 'Healthy' | 'Interruption' | 'Unknown';

/** A state that can be confirmed: Unknown never is. */
export type KnownStatus = 'Healthy' | 'Interruption';

/** Compact integer codes used on disk. The mapping is part of the schema contract. */
export const STATUS_CODE: Record<CheckStatus, number> = { Unknown: 0, Healthy: 1, Interruption: 2 };
export const STATUS_FROM_CODE: readonly CheckStatus[] = ['Unknown', 'Healthy', 'Interruption'];

export function statusFromCode(code: number): CheckStatus {
  return STATUS_FROM_CODE[code] ?? 'Unknown';
}
