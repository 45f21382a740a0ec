import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { EventObserver } from '../src/core/observe.js';
import { atSeconds, ShareTimeline, TIMELINE_BUCKETS, timelineShares } from '../src/core/timeline.js';
import type { Timeline } from '../src/core/analysis.js';
import { simulate } from '../scripts/gen-parallel.mjs';

interface Io {
  zone: string;
  device: string;
  issue: number;
  done: number;
}

const MS = 1e6;

function timelineOf(ios: Io[], weights: Record<string, number> = {}): Timeline {
  const obs = new EventObserver({ weightOf: (z) => weights[z], reorderWindowNs: 2e9, store: null });
  for (const io of ios) obs.io(io.zone, io.device, 'R', 4096, io.issue, io.done);
  return atSeconds(obs.finish().timeline, (ns) => ns / 1e9)!;
}

/**
 * The same figures by brute force: every instant where anything changes (an issue, a completion,
 * a bucket boundary) splits time into pieces with a constant backlog; per piece, each backlogged
 * zone accrues w / Σw of it as fair time. Device time is the busy-period decomposition in
 * completion order, spread evenly over [max(previous done, busy start), done].
 */
function bruteForce(ios: Io[], weights: Record<string, number>, origin: number, width: number, n: number) {
  const zones = [...new Set(ios.map((i) => i.zone))];
  const fair = new Map(zones.map((z) => [z, new Array<number>(n).fill(0)]));
  const actual = new Map(zones.map((z) => [z, new Array<number>(n).fill(0)]));
  const spread = (a: number[], amount: number, from: number, to: number) => {
    if (to <= from) {
      a[Math.max(0, Math.ceil((to - origin) / width) - 1)] += amount;
      return;
    }
    for (let i = 0; i < n; i++) {
      const lo = Math.max(from, origin + i * width);
      const hi = Math.min(to, origin + (i + 1) * width);
      if (hi > lo) a[i] += (amount * (hi - lo)) / (to - from);
    }
  };
  for (const device of new Set(ios.map((i) => i.device))) {
    const mine = ios.filter((i) => i.device === device);
    const times = new Set<number>();
    for (const io of mine) times.add(io.issue).add(io.done);
    for (let i = 0; i <= n; i++) times.add(origin + i * width);
    const ts = [...times].sort((a, b) => a - b);
    for (let k = 0; k + 1 < ts.length; k++) {
      const [a, b] = [ts[k], ts[k + 1]];
      const backlogged = zones.filter((z) => mine.some((io) => io.zone === z && io.issue <= a && io.done >= b));
      const wsum = backlogged.reduce((s, z) => s + (weights[z] ?? 1), 0);
      for (const z of backlogged) spread(fair.get(z)!, ((weights[z] ?? 1) / wsum) * (b - a), a, b);
    }
    const byDone = [...mine].sort((x, y) => x.done - y.done);
    let prevDone = -Infinity;
    for (const io of byDone) {
      // the busy period's start: the earliest issue of the IOs outstanding without a gap before io
      const busyStart = Math.min(...mine.filter((o) => o.issue <= io.done && o.done >= io.issue && o.done > prevDone - 0).map((o) => o.issue), io.issue);
      const from = Math.max(prevDone, prevDone >= io.issue ? prevDone : busyStart);
      spread(actual.get(io.zone)!, io.done - from, from, io.done);
      prevDone = io.done;
    }
  }
  return { fair, actual };
}

describe('ShareTimeline from the observe pass', () => {
  it('splits fair time where it accrued: two zones sharing a disk, then one alone (worked by hand)', () => {
    // A and B issue at 0; FIFO, 10 ms each: A done at 10 ms, B at 20 ms. Buckets are 1 ms.
    // Fair: both backlogged over [0, 10) → 0.5 ms per bucket each; B alone over [10, 20) → 1 ms.
    // Device time: A over [0, 10], B over [10, 20], 1 ms per bucket.
    const t = timelineOf([
      { zone: 'A', device: 'sd0', issue: 0, done: 10 * MS },
      { zone: 'B', device: 'sd0', issue: 0, done: 20 * MS },
    ]);
    expect(t.bucket_s).toBe(0.001);
    expect(t.start_s).toBe(0);
    expect(t.busy_s).toEqual(new Array(20).fill(0.001));
    const [a, b] = t.zones;
    expect(a.zone).toBe('A');
    expect(a.fair_time_s).toEqual([...new Array(10).fill(0.0005), ...new Array(10).fill(0)]);
    expect(b.fair_time_s).toEqual([...new Array(10).fill(0.0005), ...new Array(10).fill(0.001)]);
    expect(a.device_time_s).toEqual([...new Array(10).fill(0.001), ...new Array(10).fill(0)]);
    expect(b.device_time_s).toEqual([...new Array(10).fill(0), ...new Array(10).fill(0.001)]);
    const s = timelineShares(t);
    expect(s[0].share[0]).toBe(1);
    expect(s[0].fair[0]).toBe(0.5);
    expect(s[1].fair[15]).toBe(1);
  });

  it('is not computed when not asked for (the formats that do not show it)', () => {
    const obs = new EventObserver({ weightOf: () => undefined, reorderWindowNs: 2e9, store: null, timeline: false });
    obs.io('a', 'd', 'R', 4096, 0, 10 * MS);
    const r = obs.finish();
    expect(r.timeline).toBeNull();
    expect(r.zones[0].device_time_s).toBe(0.01);
  });

  it('keeps at most 120 buckets however long the trace, doubling their width', () => {
    // one IO per second for an hour: 2^k ms buckets with 120 of them covering 3600 s → 32.768 s
    const ios: Io[] = [];
    for (let s = 0; s < 3600; s++) ios.push({ zone: 'z', device: 'd', issue: s * 1e9, done: s * 1e9 + 5 * MS });
    const t = timelineOf(ios);
    expect(t.bucket_s).toBe(32.768);
    expect(t.busy_s.length).toBeLessThanOrEqual(TIMELINE_BUCKETS);
    expect(t.busy_s.length).toBe(Math.ceil(3600.005 / 32.768));
    const total = t.busy_s.reduce((x, y) => x + y, 0);
    expect(total).toBeCloseTo(3600 * 0.005, 9);
  });

  it('matches a brute-force computation per bucket on random traces (two devices, weights)', () => {
    const io = fc
      .record({ zone: fc.constantFrom('a', 'b', 'c'), device: fc.constantFrom('d0', 'd1'), issue: fc.integer({ min: 0, max: 300 }), lat: fc.integer({ min: 0, max: 40 }) })
      .map((x) => ({ zone: x.zone, device: x.device, issue: x.issue * 0.5 * MS, done: (x.issue * 0.5 + x.lat) * MS }));
    fc.assert(
      fc.property(fc.array(io, { minLength: 1, maxLength: 25 }), fc.constantFrom({}, { a: 3 }, { b: 2, c: 0.5 }), (ios, weights) => {
        const t = timelineOf(ios, weights);
        const origin = Math.min(...ios.map((i) => i.issue));
        const n = t.busy_s.length;
        const width = t.bucket_s * 1e9;
        const last = Math.max(...ios.map((i) => i.done));
        // the width is the first 1 ms × 2^k whose 120 buckets reach past the last completion
        expect(last < origin + TIMELINE_BUCKETS * width).toBe(true);
        if (width > MS) expect(last >= origin + (TIMELINE_BUCKETS * width) / 2).toBe(true);
        const bf = bruteForce(ios, weights, origin, width, n);
        for (const z of t.zones) {
          z.fair_time_s.forEach((v, i) => expect(v).toBeCloseTo(bf.fair.get(z.zone)![i] / 1e9, 8));
          z.device_time_s.forEach((v, i) => expect(v).toBeCloseTo(bf.actual.get(z.zone)![i] / 1e9, 8));
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('ShareTimeline', () => {
  it('spreads an interval over the buckets it covers, in proportion', () => {
    const t = new ShareTimeline();
    t.start(0);
    t.reach(3.5 * MS);
    t.addDeviceTime(0, 3 * MS, 0.5 * MS, 3.5 * MS);
    t.addFairTime(0, 1.5 * MS, 0.5 * MS, 3.5 * MS);
    const r = atSeconds(t.result(['z']), (ns) => ns / 1e9)!;
    expect(r.zones[0].device_time_s).toEqual([0.0005, 0.001, 0.001, 0.0005]);
    expect(r.zones[0].fair_time_s).toEqual([0.00025, 0.0005, 0.0005, 0.00025]);
    expect(r.busy_s).toEqual(r.zones[0].device_time_s);
  });

  it('is null before anything was added; one bucket of zeros when the IO took no time', () => {
    expect(new ShareTimeline().result([])).toBeNull();
    const t = timelineOf([{ zone: 'a', device: 'd', issue: 5, done: 5 }]);
    expect(t.busy_s).toEqual([0]);
    expect(t.zones).toEqual([{ zone: 'a', device_time_s: [0], fair_time_s: [0] }]);
  });
});

describe('ShareTimeline on devices serving several IOs at once', () => {
  /**
   * Fair time per zone and bucket by brute force: every instant where anything changes (an issue,
   * a completion, a bucket boundary) splits time into pieces; in each, the min(n, K) units are
   * water-filled among the backlogged zones by weight, no zone getting more units than it has IOs
   * in flight, weight-0 zones sharing what the others cannot use.
   */
  function fairByBucket(ios: Io[], k: number, weights: Record<string, number>, origin: number, width: number, n: number) {
    const w = (z: string) => weights[z] ?? 1;
    const fair = new Map<string, number[]>();
    const times = new Set<number>();
    for (const io of ios) times.add(io.issue).add(io.done);
    for (let i = 0; i <= n; i++) times.add(origin + i * width);
    const ts = [...times].sort((a, b) => a - b);
    for (let j = 0; j + 1 < ts.length; j++) {
      const [a, b] = [ts[j], ts[j + 1]];
      const inFlight = new Map<string, number>();
      for (const io of ios) if (io.issue <= a && b <= io.done) inFlight.set(io.zone, (inFlight.get(io.zone) ?? 0) + 1);
      let total = 0;
      for (const m of inFlight.values()) total += m;
      if (!total) continue;
      let units = Math.min(total, k);
      const fill = (open: string[], weight: (z: string) => number) => {
        while (open.length && units > 0) {
          const sw = open.reduce((s, z) => s + weight(z), 0);
          const capped = open.filter((z) => inFlight.get(z)! < (weight(z) * units) / sw);
          if (!capped.length) {
            for (const z of open) add(z, (weight(z) * units) / sw);
            units = 0;
            return;
          }
          for (const z of capped) {
            add(z, inFlight.get(z)!);
            units -= inFlight.get(z)!;
          }
          open = open.filter((z) => !capped.includes(z));
        }
      };
      const bucket = Math.floor((a - origin) / width);
      const add = (z: string, u: number) => {
        if (!fair.has(z)) fair.set(z, new Array<number>(n).fill(0));
        fair.get(z)![bucket] += u * (b - a);
      };
      fill([...inFlight.keys()].filter((z) => w(z) > 0), w);
      fill([...inFlight.keys()].filter((z) => !(w(z) > 0)), () => 1);
    }
    return fair;
  }

  function timelineAt(ios: Io[], k: number, weights: Record<string, number>) {
    const obs = new EventObserver({ weightOf: (z) => weights[z], reorderWindowNs: 2e9, store: null, parallelismOf: () => k });
    for (const io of ios) obs.io(io.zone, 'nvme0', 'R', 4096, io.issue, io.done);
    const r = obs.finish();
    return { t: atSeconds(r.timeline, (ns) => ns / 1e9)!, r };
  }

  it('splits fair time where it accrued, units water-filled by weight (random traces, K given, a weight-0 zone)', () => {
    const io = fc
      .record({ zone: fc.constantFrom('a', 'b', 'c', 'z0'), issue: fc.integer({ min: 0, max: 300 }), lat: fc.integer({ min: 0, max: 40 }) })
      .map((x) => ({ zone: x.zone, device: 'nvme0', issue: x.issue * 0.5 * MS, done: (x.issue * 0.5 + x.lat) * MS }));
    const weights = { a: 1, b: 2, c: 0.5, z0: 0 };
    fc.assert(
      fc.property(fc.array(io, { minLength: 1, maxLength: 30 }), fc.integer({ min: 1, max: 5 }), (ios, k) => {
        const { t, r } = timelineAt(ios, k, weights);
        const origin = Math.min(...ios.map((i) => i.issue));
        const ref = fairByBucket(ios, k, weights, origin, t.bucket_s * 1e9, t.busy_s.length);
        for (const z of t.zones) {
          z.fair_time_s.forEach((v, i) => expect(v).toBeCloseTo((ref.get(z.zone)?.[i] ?? 0) / 1e9, 8));
          // every zone's buckets add up to its figures in the report (each bucket is rounded to the ns)
          const zr = r.zones.find((x) => x.zone === z.zone)!;
          const rounding = (t.busy_s.length / 2) * 1e-9;
          expect(Math.abs(z.device_time_s.reduce((s, v) => s + v, 0) - zr.device_time_s!)).toBeLessThanOrEqual(rounding + 1e-12);
          expect(Math.abs(z.fair_time_s.reduce((s, v) => s + v, 0) - zr.fair_time_s!)).toBeLessThanOrEqual(rounding + 1e-12);
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a FIFO queue in front of K units: each IO\'s device time where it held a unit, per bucket', () => {
    // K = 8 servers behind one FIFO queue at 70 % load: an IO holds a unit over [done − service, done]
    const gen = simulate({ k: 8, discipline: 'fifo', load: 0.7, ios: 3000, seed: 11 });
    const ios: Io[] = gen.map((g) => ({ zone: g.zone, device: 'nvme0', issue: g.issue, done: g.done }));
    const { t, r } = timelineAt(ios, 8, {});
    expect(r.devices[0].attribution).toBe('fifo_slots');
    const origin = Math.min(...ios.map((i) => i.issue));
    const width = t.bucket_s * 1e9;
    expect(t.busy_s.length).toBeGreaterThan(20);
    const want = new Map(t.zones.map((z) => [z.zone, new Array<number>(t.busy_s.length).fill(0)]));
    for (const g of gen) {
      const a = want.get(g.zone)!;
      const [from, to] = [g.done - g.service, g.done];
      for (let i = 0; i < a.length; i++) {
        const lo = Math.max(from, origin + i * width);
        const hi = Math.min(to, origin + (i + 1) * width);
        if (hi > lo) a[i] += (hi - lo) / 1e9;
      }
    }
    // the generator's service times are not rounded to the nanosecond like its issue and done times
    for (const z of t.zones) z.device_time_s.forEach((v, i) => expect(Math.abs(v - want.get(z.zone)![i])).toBeLessThan(1e-6));
  });
});
