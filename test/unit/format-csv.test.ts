import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCsv, formatCsvField } from '../../src/report/format-csv.js';

describe('formatCsvField', () => {
  it('quotes only when RFC 4180 needs it, doubling quotes', () => {
    expect(formatCsvField('TNB')).toBe('TNB');
    expect(formatCsvField('Air Selangor, Syabas')).toBe('"Air Selangor, Syabas"');
    expect(formatCsvField('say "hi"')).toBe('"say ""hi"""');
    expect(formatCsvField('two\nlines')).toBe('"two\nlines"');
    expect(formatCsvField(' padded')).toBe('" padded"');
    expect(formatCsvField(42)).toBe('42');
    expect(formatCsvField(99.1234)).toBe('99.1234');
    expect(formatCsvField(null)).toBe('');
  });

  it.each(['=1+1', '+60123', '-2', '@SUM(A1)', '\tx'])('guards "%s" against formula injection with a leading apostrophe', (text) => {
    expect(formatCsvField(text).replace(/^"/, '').startsWith(`'${text[0]}`)).toBe(true);
  });

  it('leaves ISO times and numbers unguarded', () => {
    expect(formatCsvField('2024-10-01T08:00:00+08:00')).toBe('2024-10-01T08:00:00+08:00');
    expect(formatCsvField(0)).toBe('0');
  });
});

describe('formatCsv', () => {
  it('ends every record with CRLF', () => {
    expect(formatCsv(['a', 'b'], [['x', 1]])).toBe('a,b\r\nx,1\r\n');
  });

  it('round-trips arbitrary text through a real CSV parser (guarded cells come back with their apostrophe)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { minLength: 3, maxLength: 3 }), { maxLength: 8 }),
        (rows) => {
          const parsed = parse(formatCsv(['a', 'b', 'c'], rows), { columns: false, relax_column_count: false, bom: false }) as string[][];
          const expected = rows.map((row) => row.map((cell) => (/^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell)));
          expect(parsed.slice(1)).toEqual(expected);
        },
      ),
    );
  });
});
