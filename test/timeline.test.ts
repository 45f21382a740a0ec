import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { EventObserver } from '../src/core/observe.js';
import { atSeconds, ShareTimeline, TIMELINE_BUCKETS, timelineShares } from '../src/core/timeline.js';
import type { Timeline } from '../src/core/analysis.js';

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
