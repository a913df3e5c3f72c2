import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createTempDir, DaemonProcess } from '../helpers/daemon-process.js';

describe('npm run demo', () => {
  it('runs the daemon against the simulator and shows the scripted ASTRO interruption, with no credentials', {
    timeout: 90_000,
  }, async () => {
    const database = join(createTempDir('netwatch-demo-'), 'demo.db');
    const demo = new DaemonProcess(['demo', '--for', '28s', '--database', database], {
      IIMMPACT_API_KEY: '',
      IIMMPACT_HMAC_SECRET: '',
      NETWATCH_DEMO_HTTP_PORT: '0',
    });
    expect(await demo.exited).toBe(0);
    const output = demo.lines.map((line) => line.msg).join('\n');
    expect(output).toMatch(/ALERT INTERRUPTION ASTRO - Astro: since .* confirmed by 2 consecutive checks/);
    expect(output).not.toMatch(/ALERT INTERRUPTION (MAXIS|CELCOM|DIGI)/);

    const db = new Database(database, { readonly: true });
    try {
      const outages = db.prepare('select product_code, ended_at from v_outages').all();
      expect(outages).toEqual([{ product_code: 'ASTRO', ended_at: null }]);
      const products = db.prepare('select count(*) as n from products').get() as { n: number };
      expect(products.n).toBe(12);
    } finally {
      db.close();
    }
  });
});
