// Device time and fair (GPS) time per zone over the trace's time, in a fixed number of buckets:
// what the report draws as "share against fair share over time". Memory is bounded by zones, not
// by the trace's length: buckets start 1 ms wide and, when the trace outgrows them, neighbours are
// merged in pairs and the width doubles, so a trace of any length fits in TIMELINE_BUCKETS.
//
// Times are the observe pass's (ns, relative to its time base), and they only move forward (the
// sweep is in time order), so a bucket never needs to be reopened once the width has grown.

import type { Timeline } from './analysis.js';

export const TIMELINE_BUCKETS = 120;
const FIRST_WIDTH_NS = 1e6;

export class ShareTimeline {
  /** Start of bucket 0 (ns); NaN until the first time is seen. */
  origin = NaN;
  width = FIRST_WIDTH_NS;
  /** Buckets in use: 1 + the highest index written. */
  used = 0;
  /** End of the last bucket the current width covers: a time at or beyond it needs reach(). */
  end = NaN;
  private actual: Float64Array[] = [];
  private fair: Float64Array[] = [];
  private busy = new Float64Array(TIMELINE_BUCKETS);
  /**
   * The bucket the latest device time went to, [curLo, curHi]: almost every IO's device time
   * falls inside it (times move forward), and adding it there is the whole cost per IO.
   */
  private cur = 0;
  private curLo = Infinity;
  private curHi = -Infinity;

  /** Start the timeline at t (the first issue swept); later calls are ignored. */
  start(t: number): void {
    if (Number.isNaN(this.origin)) {
      this.origin = t;
      this.end = t + TIMELINE_BUCKETS * this.width;
    }
  }

  /** Widen the buckets until time t falls inside the last one. */
  reach(t: number): void {
    while (t >= this.end) this.halve();
  }

  /** The first bucket boundary strictly after t (t inside the timeline). */
  boundaryAfter(t: number): number {
    return this.origin + (Math.floor((t - this.origin) / this.width) + 1) * this.width;
  }

  private zone(z: number): void {
    while (this.actual.length <= z) {
      this.actual.push(new Float64Array(TIMELINE_BUCKETS));
      this.fair.push(new Float64Array(TIMELINE_BUCKETS));
    }
  }

  private halve(): void {
    const merge = (a: Float64Array) => {
      for (let i = 0; i < TIMELINE_BUCKETS / 2; i++) a[i] = a[2 * i] + a[2 * i + 1];
      a.fill(0, TIMELINE_BUCKETS / 2);
    };
    for (const a of this.actual) merge(a);
    for (const a of this.fair) merge(a);
    merge(this.busy);
    this.width *= 2;
    this.end = this.origin + TIMELINE_BUCKETS * this.width;
    this.used = Math.ceil(this.used / 2);
    this.curLo = Infinity;
    this.curHi = -Infinity;
  }

  /** The bucket that holds the instant just before t (an interval ending at t belongs there). */
  private before(t: number): number {
    const i = Math.ceil((t - this.origin) / this.width) - 1;
    return i < 0 ? 0 : i;
  }

  private touch(i: number): void {
    if (i >= this.used) this.used = i + 1;
  }

  /** `ns` of zone z's device time, spread evenly over [from, to] (to inside the timeline). */
  addDeviceTime(z: number, ns: number, from: number, to: number): void {
    this.ns = ns;
    this.from = from;
    this.to = to;
    this.addDeviceTimeOf(z);
  }

  /**
   * addDeviceTime's arguments as fields, for the observe pass's loop: a double passed to a call
   * V8 does not inline is boxed (an allocation per IO); a double field is updated in place.
   */
  ns = 0;
  from = 0;
  to = 0;

  /** addDeviceTime(z, this.ns, this.from, this.to). */
  addDeviceTimeOf(z: number): void {
    if (!(this.ns > 0)) return;
    const a = this.actual[z];
    if (this.to <= this.curHi && this.from >= this.curLo && this.to > this.curLo && a !== undefined) {
      a[this.cur] += this.ns;
      this.busy[this.cur] += this.ns;
      return;
    }
    this.zone(z);
    const last = this.before(this.to);
    this.cur = last;
    this.curLo = this.origin + last * this.width;
    this.curHi = this.curLo + this.width;
    this.spread(this.actual[z], this.ns, this.from, this.to);
    this.spread(this.busy, this.ns, this.from, this.to);
  }

  /** `ns` of zone z's fair time, accrued evenly over [from, to] (to inside the timeline). */
  addFairTime(z: number, ns: number, from: number, to: number): void {
    this.ns = ns;
    this.from = from;
    this.to = to;
    this.addFairTimeOf(z);
  }

  /** addFairTime(z, this.ns, this.from, this.to) (see addDeviceTimeOf). */
  addFairTimeOf(z: number): void {
    if (!(this.ns > 0)) return;
    const f = this.fair[z];
    if (this.to <= this.curHi && this.from >= this.curLo && this.to > this.curLo && f !== undefined) {
      f[this.cur] += this.ns;
      return;
    }
    this.zone(z);
    this.spread(this.fair[z], this.ns, this.from, this.to);
  }

  private spread(a: Float64Array, ns: number, from: number, to: number): void {
    const w = this.width;
    if (from < this.origin) from = this.origin;
    const last = this.before(to);
    this.touch(last);
    let i = Math.floor((from - this.origin) / w);
    if (i >= last || !(to > from)) {
      a[last] += ns;
      return;
    }
    const rate = ns / (to - from);
    for (; i <= last; i++) {
      const lo = Math.max(from, this.origin + i * w);
      const hi = Math.min(to, this.origin + (i + 1) * w);
      if (hi > lo) a[i] += (hi - lo) * rate;
    }
  }

  /** The figures, `names[z]` being zone z's name; its start is on the pass's clock (see atSeconds). */
  result(names: string[]): TimelineNs | null {
    if (Number.isNaN(this.origin)) return null;
    // IO that took no time still has a window: one bucket of zeros
    const n = Math.max(1, this.used);
    const s = (a: Float64Array | undefined) => Array.from({ length: n }, (_, i) => roundNs((a?.[i] ?? 0) / 1e9));
    return {
      start_ns: this.origin,
      bucket_s: this.width / 1e9,
      busy_s: s(this.busy),
      zones: names.map((zone, z) => ({ zone, device_time_s: s(this.actual[z]), fair_time_s: s(this.fair[z]) })),
    };
  }
}

/** A timeline whose start is still in the observe pass's nanoseconds. */
export type TimelineNs = Omit<Timeline, 'start_s'> & { start_ns: number };

/** The report's Timeline: the start on the report's clock (`toSeconds`). */
export function atSeconds(t: TimelineNs | null, toSeconds: (ns: number) => number): Timeline | null {
  if (!t) return null;
  const { start_ns, ...rest } = t;
  return { start_s: toSeconds(start_ns), ...rest };
}

/** Seconds rounded to the nanosecond: the JSON carries no more digits than the data has. */
function roundNs(s: number): number {
  return Math.round(s * 1e9) / 1e9;
}

/**
 * Per bucket, each zone's device share and fair share of the time the devices were busy in it
 * (null where they were idle): what the report plots.
 */
export function timelineShares(t: Timeline): { zone: string; share: (number | null)[]; fair: (number | null)[] }[] {
  return t.zones.map((z) => ({
    zone: z.zone,
    share: z.device_time_s.map((v, i) => (t.busy_s[i] > 0 ? v / t.busy_s[i] : null)),
    fair: z.fair_time_s.map((v, i) => (t.busy_s[i] > 0 ? v / t.busy_s[i] : null)),
  }));
}
