// A mergeable log-linear latency histogram over non-negative values (ns).
//
// Why not a library: hdr-histogram-js takes ~140 ns per value in pure-JS mode
// (~30 ns with its WebAssembly build, which needs an explicit destroy() per histogram) and
// DDSketch at ~40 ns. iofair records each IO once for the observe pass and once per replayed
// policy (5 records per IO with the default policies), so at 10M IOs even DDSketch would cost
// ~2 s of the ~2.3 s budget. This structure is HDR's bucket layout with 2^7 linear sub-buckets
// per power of two: one clz32, a shift and an array increment, ~5 ns per value on this machine
// (npm run bench prints the measurement), relative error ≤ 1/256 ≈ 0.39 % (bucket midpoint),
// mergeable by adding counts, bounded memory (≤ 7.5k counters, allocated as values need them).

const SUB_BITS = 7;
const SUB = 1 << SUB_BITS; // 128 sub-buckets per octave
const EXACT = SUB * 2; // values below 256 are counted exactly
const MAX_EXP = 63;
const NBUCKETS = EXACT + (MAX_EXP - 8 + 1) * SUB;
const TWO32 = 4294967296;
/** 2^-(e - SUB_BITS) by exponent: multiplying by an exact power of two equals dividing by its
 * inverse, bit for bit, and avoids `2 ** x` (Math.pow, ~50 ns) on the hot path. */
const SCALE = new Float64Array(MAX_EXP + 1);
for (let e = 0; e <= MAX_EXP; e++) SCALE[e] = 2 ** -(e - SUB_BITS);

/** Bucket index of a value (non-negative; rounded down to an integer). */
export function bucketOf(v: number): number {
  if (v < EXACT) return v > 0 ? Math.floor(v) : 0;
  let e: number;
  if (v < TWO32) e = 31 - Math.clz32(v);
  else {
    e = 32 + 31 - Math.clz32(Math.floor(v / TWO32));
    if (e > MAX_EXP) return NBUCKETS - 1;
  }
  // sub in [128, 255]: the top 8 bits of v
  const sub = Math.floor(v * SCALE[e]);
  return EXACT + (e - 8) * SUB + (sub - SUB);
}

/** Lowest value of a bucket. */
export function bucketLow(i: number): number {
  if (i < EXACT) return i;
  const k = i - EXACT;
  const e = 8 + Math.floor(k / SUB);
  const sub = (k % SUB) + SUB;
  return sub * 2 ** (e - SUB_BITS);
}

function bucketWidth(i: number): number {
  if (i < EXACT) return 1;
  return 2 ** (8 + Math.floor((i - EXACT) / SUB) - SUB_BITS);
}

/**
 * A histogram in the JSON report: its nonzero buckets as [index, count] pairs, in increasing index.
 * Bucket i holds values (ns) in [low(i), low(i) + width(i)): below 256 (i < 256) the bucket is the
 * integer i itself; above, with k = i − 256, e = 8 + ⌊k / 128⌋ and sub = 128 + k mod 128,
 * low = sub · 2^(e − 7) and width = 2^(e − 7) (HdrHistogram's layout with 128 linear sub-buckets per
 * power of two: relative width ≤ 1/128). Two histograms merge by adding the counts of equal indices.
 */
export interface HistogramJson {
  unit: 'ns';
  sub_bucket_bits: typeof SUB_BITS;
  count: number;
  sum_ns: number;
  min_ns: number | null;
  max_ns: number | null;
  buckets: [number, number][];
}

export interface HistogramData {
  counts: Float64Array;
  base: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

export class Histogram {
  /**
   * counts[j] is bucket base + j. Only the span of buckets actually used is allocated (a
   * histogram per zone per replayed policy: thousands of zones stay cheap); it grows by doubling.
   */
  private counts = new Float64Array(0);
  private base = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  /** Highest bucket index used + 1: percentile walks stop here. */
  private top = 0;

  /** Make bucket i addressable. */
  private fit(i: number): void {
    const len = this.counts.length;
    let lo: number;
    let hi: number;
    if (len === 0) {
      lo = Math.max(0, i - 8);
      hi = Math.min(NBUCKETS, lo + 64);
    } else {
      const want = Math.max(len * 2, (Math.max(i + 1, this.base + len) - Math.min(i, this.base)) * 2);
      lo = i < this.base ? Math.max(0, this.base + len - want) : this.base;
      hi = Math.min(NBUCKETS, lo + want);
      if (i >= hi) hi = i + 1;
    }
    this.span(lo, hi);
  }

  /** Make buckets [lo, hi) addressable at once (a merge: one allocation, not one per doubling). */
  private cover(lo: number, hi: number): void {
    const len = this.counts.length;
    if (len === 0) this.span(lo, hi);
    else if (lo < this.base || hi > this.base + len) this.span(Math.min(lo, this.base), Math.max(hi, this.base + len));
  }

  /** Reallocate the counts as buckets [lo, hi), which hold the ones there are. */
  private span(lo: number, hi: number): void {
    const c = new Float64Array(hi - lo);
    if (this.counts.length) c.set(this.counts, this.base - lo);
    this.counts = c;
    this.base = lo;
  }

  private add(i: number, n: number): void {
    let j = i - this.base;
    if (j < 0 || j >= this.counts.length) {
      this.fit(i);
      j = i - this.base;
    }
    this.counts[j] += n;
    if (i >= this.top) this.top = i + 1;
  }

  record(v: number): void {
    if (!(v >= 0)) v = 0;
    this.add(bucketOf(v), 1);
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** Record `n` equal values at once (histogram inputs: one bucket at a time). */
  recordMany(v: number, n: number): void {
    if (n <= 0) return;
    if (!(v >= 0)) v = 0;
    this.add(bucketOf(v), n);
    this.count += n;
    this.sum += v * n;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  /** The histogram as plain data (structured-clonable: to and from worker threads). */
  toData(): HistogramData {
    return { counts: this.counts.slice(0, this.top - this.base), base: this.base, count: this.count, sum: this.sum, min: this.min, max: this.max };
  }

  /** The histogram in its JSON form (HistogramJson), or null when it is empty. */
  toJson(): HistogramJson | null {
    if (!this.count) return null;
    const buckets: [number, number][] = [];
    for (let j = 0; j < this.top - this.base; j++) if (this.counts[j]) buckets.push([this.base + j, this.counts[j]]);
    return { unit: 'ns', sub_bucket_bits: SUB_BITS, count: this.count, sum_ns: this.sum, min_ns: this.min, max_ns: this.max, buckets };
  }

  /**
   * The histogram of a HistogramJson. Throws on a layout other than this one's or on bucket
   * indices or counts that are not non-negative integers (the JSON may come from a file).
   */
  static fromJson(j: HistogramJson): Histogram {
    if (j.unit !== 'ns' || j.sub_bucket_bits !== SUB_BITS) throw new Error(`histogram layout ${j.unit}/${j.sub_bucket_bits} is not ns/${SUB_BITS}`);
    const h = new Histogram();
    let n = 0;
    for (const pair of j.buckets) {
      const [i, c] = pair;
      if (!Number.isInteger(i) || i < 0 || i >= NBUCKETS || !(c >= 0) || !Number.isFinite(c)) throw new Error(`histogram bucket [${pair}] is out of range`);
      if (c > 0) h.add(i, c);
      n += c;
    }
    if (n !== j.count) throw new Error(`histogram count ${j.count} is not the sum of its buckets (${n})`);
    h.count = j.count;
    h.sum = j.sum_ns;
    h.min = j.min_ns ?? Infinity;
    h.max = j.max_ns ?? -Infinity;
    return h;
  }

  /**
   * Cumulative counts at upper bounds (ns, increasing), Prometheus `le` style: how many values
   * are ≤ each bound. A bucket counts below a bound when its midpoint is (the same point quantile()
   * reports), so a bound inside a bucket is off by at most that bucket's width (≤ 1/128 of it).
   */
  cumulativeAt(boundsNs: readonly number[]): number[] {
    const out: number[] = [];
    let j = 0;
    let seen = 0;
    const end = this.top - this.base;
    for (const bound of boundsNs) {
      while (j < end) {
        const i = this.base + j;
        const mid = i < EXACT ? i : bucketLow(i) + bucketWidth(i) / 2;
        if (mid > bound) break;
        seen += this.counts[j];
        j++;
      }
      out.push(seen);
    }
    return out;
  }

  static fromData(d: HistogramData): Histogram {
    const h = new Histogram();
    h.counts = Float64Array.from(d.counts);
    h.base = d.base;
    h.top = d.base + d.counts.length;
    h.count = d.count;
    h.sum = d.sum;
    h.min = d.min;
    h.max = d.max;
    return h;
  }

  merge(o: Histogram): void {
    if (o.top > o.base) this.cover(o.base, o.top);
    for (let j = 0; j < o.top - o.base; j++) if (o.counts[j]) this.add(o.base + j, o.counts[j]);
    this.count += o.count;
    this.sum += o.sum;
    if (o.min < this.min) this.min = o.min;
    if (o.max > this.max) this.max = o.max;
  }

  /** How many values were at most v (to the bucket: values in v's bucket count when its midpoint is ≤ v). */
  countAtMost(v: number): number {
    if (!this.count || !(v >= this.min)) return 0;
    if (v >= this.max) return this.count;
    const iv = bucketOf(v);
    let n = 0;
    const end = Math.min(this.top, iv + 1) - this.base;
    for (let j = 0; j < end; j++) {
      const i = this.base + j;
      if (i === iv && i >= EXACT && bucketLow(i) + bucketWidth(i) / 2 > v) break;
      n += this.counts[j];
    }
    return n;
  }

  mean(): number {
    return this.count ? this.sum / this.count : NaN;
  }

  /**
   * The value at quantile q (0..1): the nearest-rank sample's bucket midpoint, clamped to the
   * exact min and max. Relative error ≤ 1/256 for values ≥ 256 (exact below).
   */
  quantile(q: number): number {
    if (!this.count) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    const end = this.top - this.base;
    for (let j = 0; j < end; j++) {
      seen += this.counts[j];
      if (seen >= rank) {
        const i = this.base + j;
        const mid = i < EXACT ? i : bucketLow(i) + bucketWidth(i) / 2;
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }
}
