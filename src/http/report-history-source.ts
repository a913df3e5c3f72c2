import type { Kysely } from 'kysely';
import { buildReport } from '../report/build-report.js';
import { listOutages } from '../report/list-outages.js';
import { outagesJson, sortReportRows, summaryJson } from '../report/render-report.js';
import { DAY_SECONDS, dayStart } from '../report/time-buckets.js';
import { selectDailyRollups } from '../store/daily-rollup-query.js';
import type { DatabaseSchema } from '../store/schema-types.js';
import type { HistorySource, UpDown } from './history-source.js';

/**
 * The HistorySource backed by `src/report`: `buildReport` for uptime over any
 * window and for the current day, `listOutages` for outages, the daily
 * rollups (the rows behind `v_uptime_daily`) for whole past days, and the
 * report's own JSON renderers, so the API says exactly what
 * `netwatch report --format json` says. Read-only.
 */
export function createReportHistorySource(db: Kysely<DatabaseSchema>): HistorySource {
  return {
    async uptime({ from, to, now, products }) {
      if (from >= Math.min(to, now)) return new Map();
      const report = await buildReport(db, { from, to, now, products });
      return new Map(report.rows.map((row) => [row.productCode, { upS: row.upS, downS: row.downtimeS }]));
    },

    async daily({ firstDay, days, now, products }) {
      const end = firstDay + days * DAY_SECONDS;
      const today = dayStart(now);
      const result = new Map<string, UpDown[]>(products.map((code) => [code, Array.from({ length: days }, () => ({ upS: 0, downS: 0 }))]));
      // Whole past days are final in the daily rollup: the daemon writes its folds with the first batch of every hour.
      for (const row of await selectDailyRollups(db, { from: firstDay, to: Math.min(end, today) }, products)) {
        const slot = result.get(row.productCode)?.[Math.round((row.dayStart - firstDay) / DAY_SECONDS)];
        if (slot) {
          slot.upS = row.healthyS;
          slot.downS = row.interruptionS;
        }
      }
      // Today is still growing: ask the report, which adds the time after each latest check and open outages up to now.
      if (today >= firstDay && today < end && now > today) {
        const index = Math.round((today - firstDay) / DAY_SECONDS);
        const report = await buildReport(db, { from: today, to: now, now, products });
        for (const row of report.rows) {
          const slot = result.get(row.productCode)?.[index];
          if (slot) {
            slot.upS = row.upS;
            slot.downS = row.downtimeS;
          }
        }
      }
      return result;
    },

    async outages({ zone, ...query }) {
      const rows = await listOutages(db, query);
      return outagesJson(rows, { from: query.from, to: Math.min(query.to, query.now) }, zone);
    },

    async report({ zone, sort, ...query }) {
      const report = await buildReport(db, query);
      report.rows = sortReportRows(report.rows, sort);
      return summaryJson(report, zone);
    },

    async recentOutages({ from, now, limit }) {
      if (from >= now) return [];
      const rows = await listOutages(db, { from, to: now, now });
      return rows
        .slice()
        .sort((a, b) => b.startedAt - a.startedAt)
        .slice(0, limit)
        .map((row) => ({ productCode: row.productCode, productName: row.productName, startedAt: row.startedAt, endedAt: row.endedAt }));
    },
  };
}
