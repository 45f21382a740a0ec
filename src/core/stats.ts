// Small summary statistics shared by the event, interval and replay analyses.

/** Median (mean of the two middle values for an even count); null for none. */
export function median(xs: number[]): number | null {
  return minMedianMax(xs).p50;
}

/** Min, median and max of a list (not modified); nulls for an empty one. */
export function minMedianMax(xs: number[]): { min: number | null; p50: number | null; max: number | null } {
  if (xs.length === 0) return { min: null, p50: null, max: null };
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return { min: s[0], p50: s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2, max: s[s.length - 1] };
}

/** Jain's fairness index (Σx)² / (n Σx²): 1 when all are equal, 1/n when one takes everything; null for none or all zero. */
export function jain(xs: ArrayLike<number>): number | null {
  const n = xs.length;
  if (n === 0) return null;
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    s += x;
    s2 += x * x;
  }
  return s2 > 0 ? (s * s) / (n * s2) : null;
}

/** x, or null when it is NaN or infinite (numbers JSON cannot carry). */
export function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
