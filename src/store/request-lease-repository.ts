import type { Kysely } from 'kysely';
import type { DatabaseSchema } from './schema-types.js';

/**
 * Renews this process's lease and returns how many leases (this one included)
 * are live at `nowMs`. Expired leases of crashed processes are deleted on the
 * way. One short write transaction; throws on DB errors.
 */
export async function renewRequestLease(
  db: Kysely<DatabaseSchema>,
  lease: { holder: string; pid: number; role: string; ttlMs: number },
  nowMs: number,
): Promise<number> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('request_leases').where('expires_at_ms', '<', nowMs).execute();
    await trx
      .insertInto('request_leases')
      .values({ holder: lease.holder, pid: lease.pid, role: lease.role, expires_at_ms: nowMs + lease.ttlMs })
      .onConflict((oc) => oc.column('holder').doUpdateSet({ expires_at_ms: nowMs + lease.ttlMs }))
      .execute();
    const row = await trx
      .selectFrom('request_leases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  });
}

/** Gives the share back at once, so the others speed up without waiting for expiry. Idempotent. */
export async function releaseRequestLease(db: Kysely<DatabaseSchema>, holder: string): Promise<void> {
  await db.deleteFrom('request_leases').where('holder', '=', holder).execute();
}
