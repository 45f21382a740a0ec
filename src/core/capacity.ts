// Delivered capacity per busy second of one device: for each second of the trace, the IOs
// completed in it ÷ the device's busy time in it, i.e. the IOPS (and bytes/s) the device achieved
// on that second's mix of work, scaled to a fully busy second.
//
// "Busy" is the share of the device's capacity in use: with n IOs in flight on a device of
// parallelism K, min(n, K)/K of it (for a serial disk, whether any IO is in flight). Capacity is
// taken over the seconds at least half busy, or over every second with busy time and a
// completion when none is.
//
// Memory does not grow with the trace's span: time is added per interval between events in
// O(1) however many seconds the interval covers (the whole seconds inside it have no completion,
// so they only tell whether some second was at least half busy), and the per-second samples are
// kept exactly for the first EXACT_SECONDS seconds with a completion, then in log-linear
// histograms (medians within 0.4 %; min and max stay exact).

import { Histogram } from './histogram.js';
import { minMedianMax } from './stats.js';

const NS_PER_S = 1e9;
const HALF = 0.5 * NS_PER_S;
/** Seconds kept exactly (3 numbers each) before switching to histograms. */
export const EXACT_SECONDS = 4096;
/** IOPS are recorded in thousandths so values from 0.256 IOPS up keep 0.4 % resolution. */
const IOPS_SCALE = 1000;

export interface CapacityStats {
  iops: { min: number | null; p50: number | null; max: number | null };
  bytes: { min: number | null; p50: number | null; max: number | null };
  /** Seconds the statistics are over. */
  n: number;
}

export class CapacitySeconds {
  /**
   * Where second 0 starts (ns): the trace's first arrival, so that shifting every timestamp does
   * not move the boundaries. Second s is [origin + s·1e9, origin + (s+1)·1e9).
   */
  origin = 0;
  private sec = NaN;
  /**
   * The current second as [secStart, secEnd) ns, and its completions, bytes and busy time so far.
   * Callers on the hot path add to them directly while an interval or completion falls inside
   * it (see DeviceAccount), and call busyOver / completion otherwise.
   */
  secStart = NaN;
  secEnd = NaN;
  ops = 0;
  bytes = 0;
  busy = 0;
  private anyHalf = false;
  /** [ops, bytes, busyNs] per second with a completion and busy time, until EXACT_SECONDS of them. */
  private exact: Float64Array | null = new Float64Array(48);
  private exactLen = 0;
  /** After EXACT_SECONDS: IOPS and bytes/s of every second, and of the half-busy ones. */
  private iopsAll: Histogram | null = null;
  private iopsHalf: Histogram | null = null;
  private bytesAll: Histogram | null = null;
  private bytesHalf: Histogram | null = null;

  /** Busy fraction `frac` (0..1) of the device over [from, to) (ns, on the pass's clock). */
  busyOver(from: number, to: number, frac: number): void {
    if (!(to > from) || !(frac > 0)) return;
    from -= this.origin;
    to -= this.origin;
    const s0 = Math.floor(from / NS_PER_S);
    if (s0 !== this.sec) this.moveTo(s0);
    const end0 = (s0 + 1) * NS_PER_S;
    if (to <= end0) {
      this.busy += (to - from) * frac;
      return;
    }
    this.busy += (end0 - from) * frac;
    // the second holding the last busy instant (a completion at `to` belongs to it); the seconds
    // between are busy at `frac` throughout and have no completion
    const s1 = Math.ceil(to / NS_PER_S) - 1;
    if (s1 - s0 > 1 && frac * NS_PER_S >= HALF) this.anyHalf = true;
    this.moveTo(s1);
    this.busy += (to - s1 * NS_PER_S) * frac;
  }

  /** A completion of `bytes` in second `s` (counted from origin; the second holding the last busy instant before it). */
  completion(s: number, bytes: number): void {
    // busy already attributed to a later second: the completion joins the current one
    if (s > this.sec || this.sec !== this.sec) this.moveTo(s);
    this.ops++;
    this.bytes += bytes;
  }

  private moveTo(s: number): void {
    if (s < this.sec) return;
    this.flush();
    this.sec = s;
    this.secStart = this.origin + s * NS_PER_S;
    this.secEnd = this.secStart + NS_PER_S;
  }

  private flush(): void {
    const busy = this.busy;
    if (busy >= HALF) this.anyHalf = true;
    if (this.ops > 0 && busy > 0) this.record(this.ops, this.bytes, busy);
    this.ops = 0;
    this.bytes = 0;
    this.busy = 0;
  }

  private record(ops: number, bytes: number, busy: number): void {
    const ex = this.exact;
    if (ex) {
      if (this.exactLen + 3 > ex.length) {
        if (ex.length < EXACT_SECONDS * 3) {
          const g = new Float64Array(Math.min(EXACT_SECONDS * 3, ex.length * 2));
          g.set(ex);
          this.exact = g;
        } else {
          this.toHistograms();
          this.record(ops, bytes, busy);
          return;
        }
      }
      const e = this.exact!;
      e[this.exactLen] = ops;
      e[this.exactLen + 1] = bytes;
      e[this.exactLen + 2] = busy;
      this.exactLen += 3;
      return;
    }
    const iops = (ops * NS_PER_S) / busy;
    const bps = (bytes * NS_PER_S) / busy;
    this.iopsAll!.record(iops * IOPS_SCALE);
    this.bytesAll!.record(bps);
    if (busy >= HALF) {
      this.iopsHalf!.record(iops * IOPS_SCALE);
      this.bytesHalf!.record(bps);
    }
  }

  private toHistograms(): void {
    const ex = this.exact!;
    const n = this.exactLen;
    this.exact = null;
    this.exactLen = 0;
    this.iopsAll = new Histogram();
    this.iopsHalf = new Histogram();
    this.bytesAll = new Histogram();
    this.bytesHalf = new Histogram();
    for (let i = 0; i < n; i += 3) this.record(ex[i], ex[i + 1], ex[i + 2]);
  }

  /**
   * The statistics so far, the current second included (in histogram mode a second still in
   * progress is left out); the accumulator is not changed.
   */
  stats(): CapacityStats {
    const anyHalf = this.anyHalf || this.busy >= HALF;
    if (this.exact) {
      const ex = this.exact;
      const iops: number[] = [];
      const bps: number[] = [];
      const take = (ops: number, bytes: number, busy: number) => {
        if (anyHalf && busy < HALF) return;
        iops.push((ops * NS_PER_S) / busy);
        bps.push((bytes * NS_PER_S) / busy);
      };
      for (let i = 0; i < this.exactLen; i += 3) take(ex[i], ex[i + 1], ex[i + 2]);
      if (this.ops > 0 && this.busy > 0) take(this.ops, this.bytes, this.busy);
      return { iops: minMedianMax(iops), bytes: minMedianMax(bps), n: iops.length };
    }
    const hi = anyHalf ? this.iopsHalf! : this.iopsAll!;
    const hb = anyHalf ? this.bytesHalf! : this.bytesAll!;
    const summary = (h: Histogram, scale: number) =>
      h.count ? { min: h.min / scale, p50: h.quantile(0.5) / scale, max: h.max / scale } : { min: null, p50: null, max: null };
    return { iops: summary(hi, IOPS_SCALE), bytes: summary(hb, 1), n: hi.count };
  }
}
