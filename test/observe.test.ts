import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { fifoDevice, observe, rng, exactQuantile, type SimIo } from './helpers.js';
import { fairness } from '../src/core/analyze.js';
import { jain } from '../src/core/stats.js';

/** Length of the union of [issue, done] intervals: the device's busy time, computed directly. */
function unionLength(ios: SimIo[]): number {
  const iv = ios.map((i) => [i.issue, i.done]).sort((a, b) => a[0] - b[0]);
  let total = 0;
  let cs = -Infinity;
  let ce = -Infinity;
  for (const [s, e] of iv) {
    if (s > ce) {
      if (ce > cs) total += ce - cs;
      cs = s;
      ce = e;
    } else if (e > ce) ce = e;
  }
  if (ce > cs) total += ce - cs;
  return total;
}

/**
 * GPS fair time per zone by brute force, a second implementation: cut time at every issue/done
 * point; in each slice, the backlogged zones (any IO with issue ≤ t < done, or issue = done = t
 * ignored) share the slice by weight.
 */
function gpsReference(ios: SimIo[], w: (z: string) => number): Map<string, number> {
  const pts = [...new Set(ios.flatMap((i) => [i.issue, i.done]))].sort((a, b) => a - b);
  const fair = new Map<string, number>();
  for (let k = 0; k + 1 < pts.length; k++) {
    const a = pts[k];
    const b = pts[k + 1];
    const mid = (a + b) / 2;
    const back = new Set(ios.filter((i) => i.issue <= mid && mid < i.done).map((i) => i.zone));
    if (!back.size) continue;
    const sw = [...back].reduce((s, z) => s + w(z), 0);
    for (const z of back) fair.set(z, (fair.get(z) ?? 0) + ((b - a) * w(z)) / sw);
  }
  return fair;
}

describe('busy-period device-time cost', () => {
  it('Σ cost equals busy time (union of outstanding intervals) on arbitrary traces', () => {
    const ioArb = fc.record({
      zone: fc.constantFrom('a', 'b', 'c'),
      issue: fc.integer({ min: 0, max: 1_000_000 }),
      lat: fc.integer({ min: 0, max: 200_000 }),
    });
    fc.assert(
      fc.property(fc.array(ioArb, { minLength: 1, maxLength: 60 }), (raw) => {
        const ios: SimIo[] = raw.map((r) => ({ zone: r.zone, device: 'd', op: 'R', bytes: 1, issue: r.issue, done: r.issue + r.lat, service: 0 }));
        const res = observe(ios);
        const sumCost = res.zones.reduce((s, z) => s + (z.device_time_s ?? 0), 0);
        expect(sumCost * 1e9).toBeCloseTo(unionLength(ios), 3);
        expect(res.devices[0].busy_s * 1e9).toBeCloseTo(unionLength(ios), 3);
      }),
      { numRuns: 300 },
    );
  });

  it('on a FIFO single server, each zone\'s device time is the sum of its service times', () => {
    const r = rng(11);
    const arrivals = Array.from({ length: 2000 }, (_, i) => ({
      zone: i % 3 === 0 ? 'light' : 'heavy',
      device: 'sd0',
      op: 'R' as const,
      bytes: 4096,
      issue: Math.floor(r() * 2e9),
      service: 100_000 + Math.floor(r() * 900_000),
    }));
    const ios = fifoDevice(arrivals);
    const res = observe(ios);
    for (const z of res.zones) {
      const expected = ios.filter((i) => i.zone === z.zone).reduce((s, i) => s + i.service, 0);
      expect(z.device_time_s! * 1e9).toBeCloseTo(expected, 0);
    }
  });
});

describe('GPS fair share', () => {
  const both = (n: number, svc: number, zones: string[]) =>
    fifoDevice(zones.flatMap((z) => Array.from({ length: n }, () => ({ zone: z, device: 'd', op: 'R' as const, bytes: 1, issue: 0, service: svc }))));

  it('two zones 1:1, both backlogged throughout → 50/50', () => {
    // both issue everything at 0; FIFO serves a's then b's; both stay backlogged until a's last done
    const ios = fifoDevice(
      Array.from({ length: 200 }, (_, i) => ({ zone: i % 2 ? 'a' : 'b', device: 'd', op: 'R' as const, bytes: 1, issue: i * 1000, service: 1000 })).concat(
        [{ zone: 'a', device: 'd', op: 'R', bytes: 1, issue: 0, service: 1 }, { zone: 'b', device: 'd', op: 'R', bytes: 1, issue: 0, service: 1 }],
      ),
    );
    const res = observe(ios);
    for (const z of res.zones) expect(z.fair_share!).toBeCloseTo(0.5, 2);
  });

  it('weights 1:3 with both saturating → 25/75 while both are backlogged', () => {
    // interleaved arrivals at 2× the device rate keep both zones backlogged nearly all the time
    const arrivals = [];
    for (let i = 0; i < 1200; i++) arrivals.push({ zone: i % 2 ? 'w3' : 'w1', device: 'd', op: 'R' as const, bytes: 1, issue: i * 500, service: 1000 });
    const ios = fifoDevice(arrivals);
    const res = observe(ios, { w1: 1, w3: 3 });
    const ref = gpsReference(ios, (z) => (z === 'w3' ? 3 : 1));
    const busy = unionLength(ios);
    const f = new Map(res.zones.map((z) => [z.zone, z.fair_share!]));
    expect(f.get('w1')!).toBeCloseTo(ref.get('w1')! / busy, 6);
    expect(f.get('w3')!).toBeCloseTo(ref.get('w3')! / busy, 6);
    // and the reference itself is ≈ 25/75 (both backlogged until the end of arrivals at 2 s, then the queue drains)
    expect(ref.get('w1')! / busy).toBeGreaterThan(0.25);
    expect(ref.get('w1')! / busy).toBeLessThan(0.26);
  });

  it('one zone alone → 100 %', () => {
    const res = observe(both(10, 1000, ['solo']));
    expect(res.zones[0].fair_share).toBe(1);
    expect(res.zones[0].device_share).toBe(1);
    expect(res.zones[0].deviation).toBe(0);
  });

  it('matches the brute-force GPS reference on random FIFO traces (within 0.005), with weights', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const r = rng(seed);
      const zones = ['a', 'b', 'c', 'd'];
      const weights: Record<string, number> = { a: 1, b: 2, c: 0.5, d: 4 };
      const arrivals = Array.from({ length: 400 }, () => ({
        zone: zones[Math.floor(r() * zones.length)],
        device: r() < 0.7 ? 'sd0' : 'sd1',
        op: (r() < 0.5 ? 'R' : 'W') as 'R' | 'W',
        bytes: 4096,
        issue: Math.floor(r() * 1e8),
        service: Math.floor(r() * 600_000),
      }));
      const ios = fifoDevice(arrivals);
      const res = observe(ios, weights);
      let busy = 0;
      const fair = new Map<string, number>();
      for (const dev of ['sd0', 'sd1']) {
        const on = ios.filter((i) => i.device === dev);
        busy += unionLength(on);
        for (const [z, v] of gpsReference(on, (z) => weights[z])) fair.set(z, (fair.get(z) ?? 0) + v);
      }
      for (const z of res.zones) {
        expect(Math.abs(z.fair_share! - fair.get(z.zone)! / busy)).toBeLessThan(0.005);
        const actual = ios.filter((i) => i.zone === z.zone).reduce((s, i) => s + i.service, 0) / busy;
        expect(z.device_share!).toBeCloseTo(actual, 9);
        expect(z.deviation!).toBeCloseTo(z.device_share! - z.fair_share!, 12);
      }
      expect(res.zones.reduce((s, z) => s + z.deviation!, 0)).toBeCloseTo(0, 9);
    }
  });
});

describe('observe, other', () => {
  it('counts, bytes, exact percentiles within 1.5 % on a generated FIFO trace', () => {
    const r = rng(99);
    const arrivals = Array.from({ length: 5000 }, () => ({
      zone: r() < 0.2 ? 'db' : 'web',
      device: 'sd0',
      op: (r() < 0.3 ? 'W' : 'R') as 'R' | 'W',
      bytes: r() < 0.5 ? 4096 : 131072,
      issue: Math.floor(r() * 10e9),
      service: 200_000 + Math.floor(r() * 3_000_000),
    }));
    const ios = fifoDevice(arrivals);
    const res = observe(ios);
    for (const z of res.zones) {
      const mine = ios.filter((i) => i.zone === z.zone);
      expect(z.ops).toBe(mine.length);
      expect(z.write_ops).toBe(mine.filter((i) => i.op === 'W').length);
      expect(z.bytes).toBe(mine.reduce((s, i) => s + i.bytes, 0));
      const lat = mine.map((i) => (i.done - i.issue) / 1000);
      for (const [k, q] of [['p50', 0.5], ['p90', 0.9], ['p99', 0.99], ['p999', 0.999]] as const) {
        const exact = exactQuantile(lat, q);
        expect(Math.abs(z.latency_us[k]! - exact) / exact).toBeLessThan(0.015);
      }
    }
  });

  it('out-of-order input within the reorder window gives exactly the in-order result', () => {
    const r = rng(5);
    const ios = fifoDevice(
      Array.from({ length: 3000 }, () => ({ zone: r() < 0.5 ? 'a' : 'b', device: 'sd0', op: 'R' as const, bytes: 1, issue: Math.floor(r() * 3e9), service: 500_000 })),
    );
    const inOrder = observe([...ios].sort((a, b) => a.done - b.done));
    // shuffle within 100 ms windows of completion time (per-CPU buffer dumps)
    const shuffled = [...ios].sort((a, b) => Math.floor(a.done / 1e8) - Math.floor(b.done / 1e8) || r() - 0.5);
    const out = observe(shuffled, {}, 2e8);
    expect(out.late).toBe(0);
    expect(out.zones).toEqual(inOrder.zones);
  });

  it('records later than the window are counted, not lost', () => {
    const ios: SimIo[] = [];
    for (let i = 0; i < 100; i++) ios.push({ zone: 'a', device: 'd', op: 'R', bytes: 1, issue: i * 1e9, done: i * 1e9 + 1e6, service: 1e6 });
    ios.push({ zone: 'b', device: 'd', op: 'R', bytes: 1, issue: 5e9, done: 5e9 + 1e6, service: 1e6 }); // 95 s late
    const res = observe(ios, {}, 1e9);
    expect(res.late).toBe(1);
    expect(res.records).toBe(101);
    expect(res.zones.find((z) => z.zone === 'b')!.ops).toBe(1);
    expect(res.warnings.join()).toMatch(/later than the reorder window/);
  });

  it('__proto__ and constructor are ordinary zones', () => {
    const res = observe(fifoDevice(['__proto__', 'constructor', 'x'].map((zone, i) => ({ zone, device: 'd', op: 'R', bytes: 1, issue: i, service: 10 }))));
    expect(res.zones.map((z) => z.zone).sort()).toEqual(['__proto__', 'constructor', 'x']);
  });

  it('delivered capacity per busy second: 1 ms IOs → 1000 IOPS, 10 ms IOs → 100 IOPS, ratio 10', () => {
    const a = [];
    for (let i = 0; i < 1000; i++) a.push({ zone: 'z', device: 'd', op: 'R' as const, bytes: 1, issue: i * 1e6, service: 1e6 }); // second 0
    for (let i = 0; i < 100; i++) a.push({ zone: 'z', device: 'd', op: 'R' as const, bytes: 1, issue: 1e9 + i * 1e7, service: 1e7 }); // second 1
    const res = observe(fifoDevice(a));
    expect(res.devices[0].capacity_iops.min).toBeCloseTo(100, 6);
    expect(res.devices[0].capacity_iops.max).toBeCloseTo(1000, 6);
    expect(res.devices[0].capacity_ratio).toBeCloseTo(10, 6);
  });
});

describe('Jain', () => {
  it('known vectors', () => {
    expect(jain([1, 1, 1, 1])).toBe(1);
    expect(jain([1, 0, 0, 0])).toBe(0.25);
    expect(jain([1, 2])).toBeCloseTo(9 / 10, 12);
    expect(jain([])).toBeNull();
    expect(jain([0, 0])).toBeNull();
  });
  it('lies in [1/n, 1], ignores scale, and reads typed arrays as arrays', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e12, noNaN: true }), { minLength: 1, maxLength: 50 }), fc.double({ min: 1e-6, max: 1e6, noNaN: true }), (xs, k) => {
        fc.pre(xs.some((x) => x > 1e-100));
        const j = jain(xs)!;
        // (Σx)² ≤ n Σx² (Cauchy–Schwarz) and Σx² ≤ (Σx)² for x ≥ 0
        expect(j).toBeGreaterThanOrEqual(1 / xs.length - 1e-12);
        expect(j).toBeLessThanOrEqual(1 + 1e-12);
        expect(jain(xs.map((x) => x * k))).toBeCloseTo(j, 9);
        expect(jain(Float64Array.from(xs))).toBe(j);
      }),
    );
  });
  it('is computed over actual/fair ratios', () => {
    const z = (device_share: number, fair_share: number) => ({ device_share, fair_share }) as never;
    const f = fairness([z(0.8, 0.525), z(0.2, 0.475)]);
    const x = [0.8 / 0.525, 0.2 / 0.475];
    expect(f.jain).toBeCloseTo((x[0] + x[1]) ** 2 / (2 * (x[0] ** 2 + x[1] ** 2)), 12);
    expect(f.min_max_ratio).toBeCloseTo(x[1] / x[0], 12);
  });
});
