import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { matchesProductPattern } from '../../src/notify/routing.js';
import { insertAlertEvent } from '../../src/store/check-batch-writer.js';
import { migrateToLatest, openDatabase, type StoreDatabase } from '../../src/store/database.js';
import { dispatchDueEvents } from '../../src/store/outbox-repository.js';
import { type FakeSlack, startFakeSlack } from '../fakes/fake-slack.js';
import { interruption, recovery } from '../helpers/alert-fixtures.js';
import { eventually, nowSeconds } from '../helpers/alert-harness.js';
import { createTempDir } from '../helpers/daemon-process.js';

/**
 * kill -9 during a delivery: the message in flight is delivered after the
 * restart, and the one already acknowledged is never sent again.
 */

let dir: string;
let slack: FakeSlack;
let store: StoreDatabase | null = null;

interface ChildHandle {
  kill(signal: NodeJS.Signals): void;
  exited: Promise<number | null>;
}
const handles: ChildHandle[] = [];

beforeEach(async () => {
  dir = createTempDir('netwatch-crash-');
  slack = await startFakeSlack();
});

afterEach(async () => {
  for (const handle of handles.splice(0)) handle.kill('SIGKILL');
  await store?.close();
  store = null;
  await slack.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('outbox across a crash', () => {
  it('delivers the in-flight message after kill -9 and restart, without re-sending the acknowledged one', async () => {
    const dbPath = join(dir, 'netwatch.db');
    store = openDatabase(dbPath);
    await migrateToLatest(store.db);
    const now = nowSeconds();
    // Two alerts committed by a "poller": the first already queued, the second not even dispatched.
    await insertAlertEvent(store.db, null, null, now - 10, interruption('TNB', { startedAt: now - 70, confirmedAt: now - 10 }));
    await dispatchDueEvents(store.db, {
      now: now - 5,
      groupWaitSeconds: 0,
      retryForSeconds: 3600,
      destinations: [{ channel: 'slack', destination: 'default' }],
      productCount: 10,
      matchesPattern: matchesProductPattern,
    });
    await insertAlertEvent(
      store.db,
      null,
      null,
      now - 2,
      recovery('TNB', { startedAt: now - 70, endedAt: now - 62, confirmedAt: now - 2 }),
    );
    await store.close();
    store = null;

    slack.script({ status: 200, body: 'ok' }, 'hang');
    const first = spawnDeliverer(dbPath);
    await slack.waitForRequests(2, 20_000);
    // The second request is hanging inside the provider: kill the process mid-delivery.
    first.kill('SIGKILL');
    await first.exited;

    store = openDatabase(dbPath);
    const afterCrash = store.sqlite.prepare('select id, state, attempts from outbox order by id').all();
    expect(afterCrash).toEqual([
      { id: 1, state: 'sent', attempts: 1 },
      { id: 2, state: 'pending', attempts: 1 },
    ]);
    await store.close();
    store = null;

    const second = spawnDeliverer(dbPath);
    // The claim of the killed process expires (send timeout + margin), then the row goes out.
    await eventually(() => slack.delivered().length === 2, 30_000, 'redelivery after restart');
    await new Promise((resolve) => setTimeout(resolve, 500));
    second.kill('SIGTERM');
    await second.exited;

    expect(slack.requests.map((request) => request.status)).toEqual([200, -1, 200]);
    const texts = slack.requests.map((request) => request.payload.text ?? '');
    expect(texts[0]).toMatch(/^INTERRUPTION: /);
    expect(texts[1]).toMatch(/^RECOVERED: /);
    expect(texts[2]).toBe(texts[1]);
    store = openDatabase(dbPath);
    expect(store.sqlite.prepare('select id, state, attempts from outbox order by id').all()).toEqual([
      { id: 1, state: 'sent', attempts: 1 },
      { id: 2, state: 'sent', attempts: 2 },
    ]);
  });
});

function spawnDeliverer(dbPath: string): ChildHandle {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/outbox-deliver.ts', dbPath, slack.webhookUrl('CRASHTEST')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const handle: ChildHandle = {
    kill: (signal) => child.kill(signal),
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout.resume();
  child.stderr.resume();
  handles.push(handle);
  return handle;
}
