/** One row of the benchmark table. */
export interface FigureRow {
  /** Stable key, used by bench/baseline.json. */
  id: string;
  figure: string;
  /** Median over runs; null when not measured. */
  value: number | null;
  unit: string;
  /** Every run's value, in run order. */
  runs: number[];
  /** The target: value must be >= limit ('higher') or <= / < limit ('lower'). */
  better: 'higher' | 'lower';
  limit: number;
  /** True when the target is a strict inequality ("under 200 ms"). */
  strict?: boolean;
  /** Target as printed, e.g. `>= 10,000/s`. */
  target: string;
  /** Digits after the decimal point when printed. */
  digits?: number;
  /** Printed under the table, e.g. why a row was not measured. */
  note?: string;
}

export interface FigureContext {
  quick: boolean;
  /** Repetitions per figure (the median is reported). */
  runs: number;
  log(message: string): void;
}

/** Pass/fail of a measured row against its target; null when not measured. */
export function passes(row: FigureRow): boolean | null {
  if (row.value === null || !Number.isFinite(row.value)) return null;
  if (row.better === 'higher') return row.strict ? row.value > row.limit : row.value >= row.limit;
  return row.strict ? row.value < row.limit : row.value <= row.limit;
}

/** A row for a figure that could not be measured (its prerequisite is missing), with the reason. */
export function notMeasured(row: Omit<FigureRow, 'value' | 'runs'>, reason: string): FigureRow {
  return { ...row, value: null, runs: [], note: reason };
}
