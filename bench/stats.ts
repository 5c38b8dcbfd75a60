// Summaries of repeated measurements, and the figure record that the table and the JSON
// (bench/results/latest.json) are made of.

/** One row of the results: the JSON form, field for field. */
export interface Figure {
  readonly name: string;
  readonly unit: string;
  /** The figure's value: the median of its runs (null when it could not be measured). */
  readonly median: number | null;
  /** The 99th percentile of the runs, when there are enough of them (≥ 20); else null. */
  readonly p99: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** How many runs (samples) the figure summarises. */
  readonly runs: number;
  /** The floor figure this one is compared with. */
  readonly floor: string | null;
  /** median / the floor's median. */
  readonly ratio: number | null;
}

/** The q-quantile (0..1) of sorted values, by linear interpolation between closest ranks. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function sortNumbers(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

export function median(values: readonly number[]): number {
  return quantile(sortNumbers(values), 0.5);
}

export interface Summary {
  readonly median: number;
  readonly p99: number | null;
  readonly min: number;
  readonly max: number;
  readonly runs: number;
}

/** Below this many samples a p99 means nothing: min–max says more. */
const P99_MIN_SAMPLES = 20;

export function summarize(values: readonly number[]): Summary {
  const s = sortNumbers(values);
  return {
    median: quantile(s, 0.5),
    p99: s.length >= P99_MIN_SAMPLES ? quantile(s, 0.99) : null,
    min: s[0] ?? Number.NaN,
    max: s[s.length - 1] ?? Number.NaN,
    runs: s.length,
  };
}

/** A figure from raw samples. Its floor (if any) is attached later by `compare`. */
export function figure(name: string, unit: string, values: readonly number[]): Figure {
  if (values.length === 0) return missing(name, unit);
  const s = summarize(values);
  return { name, unit, median: s.median, p99: s.p99, min: s.min, max: s.max, runs: s.runs, floor: null, ratio: null };
}

/** A figure that could not be measured (the reason goes to the notes). */
export function missing(name: string, unit: string, floor: string | null = null): Figure {
  return { name, unit, median: null, p99: null, min: null, max: null, runs: 0, floor, ratio: null };
}

/** `f` compared with `floor`: names it and sets ratio = f.median / floor.median. */
export function compare(f: Figure, floor: Figure | undefined): Figure {
  if (!floor) return f;
  const ratio = f.median !== null && floor.median !== null && floor.median !== 0 ? f.median / floor.median : null;
  return { ...f, floor: floor.name, ratio };
}

/** Milliseconds between two process.hrtime.bigint() readings. */
export function msBetween(start: bigint, end: bigint): number {
  return Number(end - start) / 1e6;
}
