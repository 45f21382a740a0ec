// Analysis at histogram fidelity (DTrace quantize/lquantize/printa, iosnoop-counts).
//
// Per zone: ops (sum of bucket counts), read/write split when a subkey names the op (R/W,
// read/write), and latency mean/p50/p90/p99/p99.9/max interpolated linearly within buckets
// (Prometheus histogram_quantile style: rank = q·N, the first bucket whose cumulative count
// reaches the rank, value = lo + (hi − lo)·(rank − below)/count). Mean uses bucket midpoints.
// Max is the upper edge of the highest non-empty bucket. When every histogram of a zone carries
// the exact sum of its values (biolatency -e), the mean is exact instead. Everything that needs timestamps
// (bytes/s, IOPS, device time, shares, fairness, replay) is null, and a warning says why.
//
// The same key seen twice (a printa repeated every interval) is merged by summing the counts of
// identical buckets.

import { perIoTracer, type LatencyHistogram, type Platform } from '../records.js';
import type { LatencySummaryUs, ZoneResult } from './analysis.js';

interface ZoneAcc {
  /** "lo hi" → [lo, hi, count] */
  buckets: Map<string, [number, number, number]>;
  /** Ops from count-only histograms (one unbounded bucket: printa counts, iosnoop without timing). */
  countOnly: number;
  readOps: number;
  writeOps: number;
  opKnown: boolean;
  /** Σ sumNs and Σ counts of the histograms that carried a sum; exact mean when every one did. */
  sumNs: number;
  sumCount: number;
  allSummed: boolean;
}

const READ_RE = /^(?:r|read|reads|zfs_read)$/i;
const WRITE_RE = /^(?:w|write|writes|zfs_write)$/i;

export interface HistogramSummary {
  /** Latency summary in µs; null fields where the histogram cannot tell. */
  latency: LatencySummaryUs;
  ops: number;
  /** Quantiles that fell in an unbounded bucket (value = its finite edge, a bound). */
  bounded: string[];
}

/** Interpolated quantile (ns) of sorted, non-overlapping buckets, or null. `side` reports a bound. */
export function quantileOf(
  buckets: [number, number, number][],
  total: number,
  q: number,
): { v: number | null; bound: '' | 'at least' | 'at most' } {
  if (total <= 0) return { v: null, bound: '' };
  const rank = q * total;
  let below = 0;
  for (const [lo, hi, c] of buckets) {
    if (c <= 0) continue;
    if (below + c >= rank) {
      if (lo === -Infinity && hi === Infinity) return { v: null, bound: '' };
      if (lo === -Infinity) return { v: hi, bound: 'at most' };
      if (hi === Infinity) return { v: lo, bound: 'at least' };
      const f = Math.max(0, (rank - below) / c);
      return { v: lo + (hi - lo) * f, bound: '' };
    }
    below += c;
  }
  // q·N beyond the total (rounding): the top edge.
  const last = [...buckets].reverse().find((b) => b[2] > 0);
  if (!last) return { v: null, bound: '' };
  return last[1] === Infinity ? { v: last[0], bound: 'at least' } : { v: last[1], bound: '' };
}

const QS: [keyof LatencySummaryUs, number, string][] = [
  ['p50', 0.5, 'p50'],
  ['p90', 0.9, 'p90'],
  ['p99', 0.99, 'p99'],
  ['p999', 0.999, 'p99.9'],
];

/** Summary of one zone's merged buckets (ns in, µs out). */
export function summarize(buckets: [number, number, number][]): HistogramSummary {
  const sorted = [...buckets].filter((b) => b[2] > 0).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const total = sorted.reduce((s, b) => s + b[2], 0);
  const lat: LatencySummaryUs = { mean: null, p50: null, p90: null, p99: null, p999: null, max: null };
  const bounded: string[] = [];
  if (total > 0) {
    for (const [k, q, label] of QS) {
      const r = quantileOf(sorted, total, q);
      lat[k] = r.v === null ? null : r.v / 1000;
      if (r.bound) bounded.push(`${label} ${r.bound}`);
    }
    const top = sorted[sorted.length - 1];
    lat.max = top[1] === Infinity ? null : top[1] / 1000;
    if (sorted.every((b) => Number.isFinite(b[0]) && Number.isFinite(b[1]))) {
      lat.mean = sorted.reduce((s, b) => s + ((b[0] + b[1]) / 2) * b[2], 0) / total / 1000;
    }
  }
  return { latency: lat, ops: total, bounded };
}

export class HistogramAnalyzer {
  private zones = new Map<string, ZoneAcc>();
  private resolutions = new Set<string>();
  private keyRepeats = 0;
  private seenKeys = new Set<string>();
  private mixedCounts = new Set<string>();
  private exactMeans = 0;

  add(h: LatencyHistogram): void {
    let z = this.zones.get(h.key);
    if (!z) {
      z = { buckets: new Map(), countOnly: 0, readOps: 0, writeOps: 0, opKnown: false, sumNs: 0, sumCount: 0, allSummed: true };
      this.zones.set(h.key, z);
    }
    const full = [h.key, ...(h.subkeys ?? [])].join('\u0000') + '\u0001' + h.resolution;
    if (this.seenKeys.has(full)) this.keyRepeats++;
    else this.seenKeys.add(full);
    let n = 0;
    let countOnly = true;
    for (const b of h.buckets) {
      if (!(b.count > 0)) continue;
      n += b.count;
      if (b.lo === -Infinity && b.hi === Infinity) {
        z.countOnly += b.count;
      } else {
        countOnly = false;
        const k = `${b.lo} ${b.hi}`;
        const e = z.buckets.get(k);
        if (e) e[2] += b.count;
        else z.buckets.set(k, [b.lo, b.hi, b.count]);
      }
    }
    if (!countOnly || h.buckets.every((b) => !(b.lo === -Infinity && b.hi === Infinity))) {
      this.resolutions.add(h.resolution);
    }
    if (h.sumNs !== undefined && Number.isFinite(h.sumNs) && h.sumNs >= 0) {
      z.sumNs += h.sumNs;
      z.sumCount += n;
    } else if (n > 0) z.allSummed = false;
    const op = (h.subkeys ?? []).find((s) => READ_RE.test(s) || WRITE_RE.test(s));
    if (op !== undefined) {
      z.opKnown = true;
      if (READ_RE.test(op)) z.readOps += n;
      else z.writeOps += n;
    }
  }

  finish(platform: Platform): { zones: ZoneResult[]; warnings: string[] } {
    this.exactMeans = 0;
    const warnings: string[] = [];
    const zones: ZoneResult[] = [];
    const boundNotes: string[] = [];
    let anyLatency = false;
    const noLatency: string[] = [];
    for (const [name, z] of this.zones) {
      const buckets = [...z.buckets.values()];
      const s = summarize(buckets);
      if (z.allSummed && z.sumCount > 0 && s.ops === z.sumCount) {
        s.latency.mean = z.sumNs / z.sumCount / 1000;
        this.exactMeans++;
      }
      let ops = s.ops + z.countOnly;
      if (s.ops > 0 && z.countOnly > 0) {
        // Both a distribution and a plain count for the same zone (two aggregations printed
        // together): the distribution's count is the op count; don't add them.
        this.mixedCounts.add(name);
        ops = Math.max(s.ops, z.countOnly);
      }
      if (s.ops > 0) anyLatency = true;
      else noLatency.push(name);
      if (s.bounded.length) boundNotes.push(`${name}: ${s.bounded.join(', ')}`);
      zones.push({
        zone: name,
        weight: 1,
        ops,
        read_ops: z.opKnown ? z.readOps : 0,
        write_ops: z.opKnown ? z.writeOps : 0,
        bytes: 0,
        iops: null,
        bytes_per_s: null,
        latency_us: s.latency,
        device_time_s: null,
        fair_time_s: null,
        device_share: null,
        fair_share: null,
        deviation: null,
        latency_histogram: null,
      });
    }
    zones.sort((a, b) => b.ops - a.ops || (a.zone < b.zone ? -1 : a.zone > b.zone ? 1 : 0));

    warnings.push(
      'histogram input: no replay and no device-time share are possible. Histograms carry no timestamps, ' +
        'so busy periods, outstanding IO, per-IO device-time cost and the fair-share (GPS) yardstick cannot be ' +
        'computed; bytes, IOPS and throughput are unknown. Trace per-IO events (' + perIoTracer(platform) + ') for those.',
    );
    if (anyLatency) {
      const res = [...this.resolutions].filter((r) => !/^count only/.test(r));
      warnings.push(
        `latency percentiles are interpolated linearly within histogram buckets (bucket resolution: ${res.join('; ') || 'unknown'}); ` +
          'each is only known to within its bucket, the mean uses bucket midpoints' +
          (this.exactMeans ? ` (exact for ${this.exactMeans} zone(s) whose totals the tool printed)` : '') +
          ' and max is the upper edge of the highest non-empty bucket',
      );
    }
    if (boundNotes.length) {
      warnings.push(
        `some percentiles fell in an open-ended bucket (< N or >= N) and are only bounds: ${boundNotes.slice(0, 5).join('; ')}` +
          (boundNotes.length > 5 ? ` (+${boundNotes.length - 5} more)` : ''),
      );
    }
    if (noLatency.length && this.zones.size) {
      warnings.push(
        `no latency for ${noLatency.length} zone(s) (${noLatency.slice(0, 5).join(', ')}${noLatency.length > 5 ? ', …' : ''}): their input had counts only`,
      );
    }
    if (this.mixedCounts.size) {
      warnings.push(
        `zone(s) ${[...this.mixedCounts].slice(0, 5).join(', ')} had both a distribution and a plain count: ops taken as the larger, not the sum`,
      );
    }
    if (zones.length && zones.every((z) => z.read_ops === 0 && z.write_ops === 0)) {
      warnings.push('read/write split unknown: the histograms were not keyed by op (read_ops and write_ops are 0)');
    }
    if (this.keyRepeats) {
      warnings.push(`${this.keyRepeats} repeated histogram key(s) merged by summing their bucket counts`);
    }
    return { zones, warnings };
  }
}
