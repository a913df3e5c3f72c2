import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { preparedQuery } from '../../src/store/prepared-query.js';
import { createTempDatabase, type TempDatabase } from '../helpers/temp-database.js';

let temp: TempDatabase;
beforeEach(async () => {
  temp = await createTempDatabase('netwatch-prepared-');
  await temp.store.db
    .insertInto('meta')
    .values([
      { key: 'a:1', value: 'one' },
      { key: 'a:2', value: 'two' },
      { key: 'b:1', value: 'three' },
    ])
    .execute();
});
afterEach(async () => {
  await temp.cleanup();
});

describe('preparedQuery', () => {
  it('binds each call its own arguments, keeps the constants the builder inlined as values, and works inside transactions', async () => {
    const select = preparedQuery((db, prefix: string, not: string) =>
      db
        .selectFrom('meta')
        .select(['key', 'value'])
        .where('key', 'like', prefix)
        .where('value', '<>', not)
        .where('key', '<>', 'constant')
        .orderBy('key'),
    );
    expect(await select(temp.store.db, 'a:%', 'none')).toEqual([
      { key: 'a:1', value: 'one' },
      { key: 'a:2', value: 'two' },
    ]);
    expect(await select(temp.store.db, 'b:%', 'none')).toEqual([{ key: 'b:1', value: 'three' }]);
    const inTransaction = await temp.store.db.transaction().execute((trx) => select(trx, 'a:%', 'one'));
    expect(inTransaction).toEqual([{ key: 'a:2', value: 'two' }]);
  });

  it('refuses an argument that shapes the SQL instead of being a value', async () => {
    const bad = preparedQuery((db, column: string) => db.selectFrom('meta').select(column as 'key'));
    await expect(bad(temp.store.db, 'key')).rejects.toThrow('argument 0 is not a value');
  });
});
