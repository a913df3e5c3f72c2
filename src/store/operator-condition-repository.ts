import type { Kysely } from 'kysely';
import { preparedQuery } from './prepared-query.js';
import type { DatabaseSchema } from './schema-types.js';

/**
 * Monitoring-blind conditions that are currently raised, persisted in `meta`
 * under `operator_condition:<name>` so a restart neither re-alerts an
 * ongoing condition nor forgets to send its "restored" message.
 */
export interface ActiveCondition {
  /** When the condition began (epoch seconds). */
  since: number;
  /** When the alert was raised (epoch seconds). */
  raisedAt: number;
  summary: string;
}

const PREFIX = 'operator_condition:';

const selectConditions = preparedQuery((db, pattern: string) =>
  db.selectFrom('meta').select(['key', 'value']).where('key', 'like', pattern),
);

/** Every raised condition, by name (`api_unreachable`, `auth`, `unknown:TNB`). Runs with every batch of checks. */
export async function loadActiveConditions(db: Kysely<DatabaseSchema>): Promise<Map<string, ActiveCondition>> {
  const rows = await selectConditions(db, `${PREFIX}%`);
  const conditions = new Map<string, ActiveCondition>();
  for (const row of rows) {
    try {
      conditions.set(row.key.slice(PREFIX.length), JSON.parse(row.value) as ActiveCondition);
    } catch {
      // A hand-edited, unreadable row is treated as not raised; the next check re-raises it.
    }
  }
  return conditions;
}

export async function saveCondition(db: Kysely<DatabaseSchema>, name: string, condition: ActiveCondition): Promise<void> {
  await db
    .insertInto('meta')
    .values({ key: `${PREFIX}${name}`, value: JSON.stringify(condition) })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(condition) }))
    .execute();
}

export async function deleteCondition(db: Kysely<DatabaseSchema>, name: string): Promise<void> {
  await db.deleteFrom('meta').where('key', '=', `${PREFIX}${name}`).execute();
}
