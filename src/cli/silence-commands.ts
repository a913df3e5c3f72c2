import { userInfo } from 'node:os';
import type { Config } from '../config/load-config.js';
import { matchesProductPattern } from '../notify/routing.js';
import { isoFromSeconds, malaysiaTimeFromSeconds } from '../shared/clock.js';
import { formatDurationSeconds, parseDuration } from '../shared/duration.js';
import { migrateToLatest, openDatabase } from '../store/database.js';
import { listProducts } from '../store/product-repository.js';
import { addSilence, listSilences, removeSilence, type SilenceRow } from '../store/silence-repository.js';
import { EXIT } from './exit-codes.js';
import { formatTable } from './format-table.js';

/**
 * `netwatch silence add|list|remove`. A silence is stored in the database the
 * daemon reads, so it takes effect for the running daemon at once, survives
 * restarts, and its end is handled by the daemon (one alert for a product
 * still in Interruption; nothing for one that recovered meanwhile).
 */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Epoch seconds. */
  now: () => number;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  now: () => Math.floor(Date.now() / 1000),
};

const PATTERN = /^[A-Za-z0-9_*?-]{1,32}$/;
/** Long enough for a planned maintenance; a forgotten silence must not hide outages for months. */
const MAX_SILENCE_SECONDS = 30 * 86_400;

export async function runSilenceAdd(
  config: Config,
  pattern: string,
  options: { for: string; reason: string },
  io: CliIo = processIo,
): Promise<number> {
  const problems: string[] = [];
  if (!PATTERN.test(pattern)) problems.push(`product: expected a product code or glob like TNB, ASTRO* or "*" (quoted), got "${pattern}"`);
  const ms = parseDuration(options.for);
  if (ms === null || ms <= 0) problems.push(`--for: expected a duration like 30m, 2h or 1d, got "${options.for}"`);
  else if (ms / 1000 > MAX_SILENCE_SECONDS) problems.push('--for: at most 30d');
  const reason = options.reason.trim();
  if (reason === '') problems.push('--reason: say why, for whoever wonders where the alerts went');
  if (reason.length > 300) problems.push('--reason: at most 300 characters');
  if (problems.length > 0 || ms === null) {
    for (const problem of problems) io.err(`netwatch: ${problem}\n`);
    return EXIT.config;
  }
  const store = openDatabase(config.database);
  try {
    await migrateToLatest(store.db);
    const now = io.now();
    const endsAt = now + Math.ceil(ms / 1000);
    const id = await addSilence(store.db, { pattern, reason, createdBy: currentUser(), now, endsAt });
    const known = (await listProducts(store.db)).filter((product) => matchesProductPattern(pattern, product.code));
    io.out(
      [
        `Silence #${id} added: alerts for ${pattern === '*' ? 'every product' : pattern} are recorded but not sent until ${when(endsAt)}, ${formatDurationSeconds(endsAt - now)} from now.`,
        `Reason: ${reason}`,
        'If a product it covers is still in Interruption when it ends, one alert goes out then; one that recovered meanwhile stays quiet.',
        known.length === 0
          ? `Note: no product polled so far matches "${pattern}".`
          : `Matches ${known.length} known product${known.length === 1 ? '' : 's'}: ${names(known.map((p) => p.code))}.`,
        '',
      ].join('\n'),
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

export async function runSilenceList(config: Config, options: { all?: boolean; json?: boolean }, io: CliIo = processIo): Promise<number> {
  const store = openDatabase(config.database);
  try {
    await migrateToLatest(store.db);
    const now = io.now();
    const rows = await listSilences(store.db, now, options.all ?? false);
    if (options.json) {
      io.out(`${JSON.stringify({ silences: rows.map((row) => silenceJson(row, now)) }, null, 2)}\n`);
    } else if (rows.length === 0) {
      io.out(options.all ? 'No silences recorded.\n' : 'No active silences. (`netwatch silence list --all` shows ended ones.)\n');
    } else {
      io.out(
        `${formatTable(
          ['ID', 'PRODUCTS', 'STATE', 'UNTIL (MYT)', 'LEFT', 'REASON', 'BY'],
          rows.map((row) => [
            String(row.id),
            row.pattern,
            state(row, now),
            `${malaysiaTimeFromSeconds(row.ends_at)}`,
            row.ends_at > now ? formatDurationSeconds(row.ends_at - now) : '-',
            row.reason,
            row.created_by ?? '',
          ]),
        )}\n`,
      );
    }
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

export async function runSilenceRemove(config: Config, idText: string, io: CliIo = processIo): Promise<number> {
  const id = Number(idText.replace(/^#/, ''));
  if (!Number.isInteger(id) || id <= 0) {
    io.err(`netwatch: expected a silence id like 3 (see \`netwatch silence list\`), got "${idText}"\n`);
    return EXIT.config;
  }
  const store = openDatabase(config.database);
  try {
    await migrateToLatest(store.db);
    const result = await removeSilence(store.db, id, io.now());
    if (result === 'not_found') {
      io.err(`netwatch: there is no silence #${id} (see \`netwatch silence list --all\`)\n`);
      return EXIT.config;
    }
    io.out(
      result === 'removed'
        ? `Silence #${id} removed. Alerts flow again; if a product it covered is still in Interruption, the daemon sends one alert at its next check.\n`
        : `Silence #${id} had already ended; nothing to do.\n`,
    );
    return EXIT.ok;
  } finally {
    await store.close();
  }
}

function when(seconds: number): string {
  return `${malaysiaTimeFromSeconds(seconds)} MYT (${isoFromSeconds(seconds)})`;
}

function names(codes: readonly string[]): string {
  return codes.length <= 10 ? codes.join(', ') : `${codes.slice(0, 10).join(', ')} and ${codes.length - 10} more`;
}

function state(row: SilenceRow, now: number): string {
  if (row.removed_at !== null) return 'removed';
  return row.ends_at > now ? 'active' : 'ended';
}

function silenceJson(row: SilenceRow, now: number) {
  return {
    id: row.id,
    products: row.pattern,
    reason: row.reason,
    state: state(row, now),
    createdBy: row.created_by,
    createdAt: isoFromSeconds(row.created_at),
    endsAt: isoFromSeconds(row.ends_at),
    removedAt: row.removed_at === null ? null : isoFromSeconds(row.removed_at),
  };
}

function currentUser(): string | null {
  try {
    return process.env.SUDO_USER || process.env.USER || userInfo().username || null;
  } catch {
    return null;
  }
}
