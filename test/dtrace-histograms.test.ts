import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { HistogramAnalyzer, quantileOf } from '../src/core/histograms.js';
import { dtraceAggFormat } from '../src/parsers/dtrace-agg.js';
import { iosnoopCountsFormat } from '../src/parsers/iosnoop.js';
import { fixture, run } from './dtrace-helpers.js';
import type { LatencyHistogram } from '../src/records.js';

function analyze(hs: LatencyHistogram[]) {
  const a = new HistogramAnalyzer();
  for (const h of hs) a.add(h);
  return a.finish();
}

describe('HistogramAnalyzer', () => {
  const h: LatencyHistogram = {
    key: 'web01',
    buckets: [
      { lo: 0, hi: 10, count: 2 },
      { lo: 10, hi: 20, count: 6 },
      { lo: 20, hi: 40, count: 2 },
    ],
    resolution: 'linear, 10 ns steps (lquantize)',
  };

  it('interpolates percentiles within buckets (hand arithmetic)', () => {
    const { zones, warnings } = analyze([h]);
    const z = zones[0];
    expect(z.ops).toBe(10);
    // p50: rank 5; 2 below [10,20) holding 6 → 10 + 10·(5−2)/6 = 15 ns
    expect(z.latency_us.p50).toBeCloseTo(0.015, 12);
    // p90: rank 9; 8 below [20,40) holding 2 → 20 + 20·(9−8)/2 = 30 ns
    expect(z.latency_us.p90).toBeCloseTo(0.03, 12);
    // p99: rank 9.9 → 20 + 20·1.9/2 = 39 ns; p99.9: rank 9.99 → 20 + 20·1.99/2 = 39.9 ns
    expect(z.latency_us.p99).toBeCloseTo(0.039, 12);
    expect(z.latency_us.p999).toBeCloseTo(0.0399, 12);
    // mean of midpoints: (5·2 + 15·6 + 30·2)/10 = 16 ns; max = upper edge 40 ns
    expect(z.latency_us.mean).toBeCloseTo(0.016, 12);
    expect(z.latency_us.max).toBeCloseTo(0.04, 12);
    for (const k of ['iops', 'bytes_per_s', 'device_time_s', 'device_share', 'fair_share', 'deviation'] as const) {
      expect(z[k]).toBeNull();
    }
    expect(warnings.some((w) => /no replay and no device-time share/.test(w) && /no timestamps/.test(w))).toBe(true);
    expect(warnings.some((w) => /bucket resolution: linear, 10 ns steps/.test(w))).toBe(true);
  });

  it('merges a repeated key by summing counts (same percentiles, twice the ops)', () => {
    const once = analyze([h]).zones[0];
    const { zones, warnings } = analyze([h, h]);
    expect(zones[0].ops).toBe(20);
    expect(zones[0].latency_us).toEqual(once.latency_us);
    expect(warnings.some((w) => /1 repeated histogram key/.test(w))).toBe(true);
  });

  it('open-ended buckets give bounds; count-only gives null latency', () => {
    const { zones, warnings } = analyze([
      { key: 'a', buckets: [{ lo: 0, hi: 10, count: 1 }, { lo: 40, hi: Infinity, count: 1 }], resolution: 'linear' },
      { key: 'b', buckets: [{ lo: -Infinity, hi: Infinity, count: 7 }], resolution: 'count only (printa)' },
    ]);
    const a = zones.find((z) => z.zone === 'a')!;
    const b = zones.find((z) => z.zone === 'b')!;
    // p50: rank 1 → 0 + 10·1/1 = 10 ns; p90 rank 1.8 → in [40, ∞): at least 40 ns
    expect(a.latency_us.p50).toBeCloseTo(0.01, 12);
    expect(a.latency_us.p90).toBeCloseTo(0.04, 12);
    expect(a.latency_us.max).toBeNull();
    expect(a.latency_us.mean).toBeNull();
    expect(b.ops).toBe(7);
    expect(b.latency_us).toEqual({ mean: null, p50: null, p90: null, p99: null, p999: null, max: null });
    expect(warnings.some((w) => /a: p90 at least/.test(w))).toBe(true);
    expect(warnings.some((w) => /no latency for 1 zone\(s\) \(b\)/.test(w))).toBe(true);
  });

  it('quantize fixture end to end (hand arithmetic)', () => {
    const { sink } = run(dtraceAggFormat, fixture('agg-quantize.txt'));
    const { zones } = analyze(sink.hists);
    const web = zones.find((z) => z.zone === 'web01')!;
    const db = zones.find((z) => z.zone === 'db01')!;
    // web01 merged: [-1,0)×1 [0,1)×2 [1024,2048)×6 [2048,4096)×10 [4096,8192)×3 = 22
    expect(web.ops).toBe(22);
    // p50 rank 11: 9 below [2048,4096) → 2048 + 2048·2/10 = 2457.6 ns
    expect(web.latency_us.p50).toBeCloseTo(2.4576, 9);
    // p90 rank 19.8: 19 below [4096,8192) → 4096 + 4096·0.8/3
    expect(web.latency_us.p90).toBeCloseTo((4096 + (4096 * 0.8) / 3) / 1000, 9);
    // mean (-0.5 + 0.5·2 + 1536·6 + 3072·10 + 6144·3)/22 = 58368.5/22 ns
    expect(web.latency_us.mean).toBeCloseTo(58368.5 / 22 / 1000, 9);
    expect(web.latency_us.max).toBeCloseTo(8.192, 9);
    // db01: [65536,131072)×4 [131072,262144)×4; p50 rank 4 → top of the first bucket
    expect(db.ops).toBe(8);
    expect(db.latency_us.p50).toBeCloseTo(131.072, 9);
    expect(db.latency_us.p90).toBeCloseTo(235.9296, 9); // 131072·1.8
    expect(db.latency_us.mean).toBeCloseTo(147.456, 9); // (98304 + 196608)/2
    expect(zones.map((z) => z.zone)).toEqual(['web01', 'db01']); // by ops
  });

  it('iosnoop-counts: read/write split from the op subkey', () => {
    const { sink } = run(iosnoopCountsFormat, fixture('iosnoop-viD.txt'));
    const { zones } = analyze(sink.hists);
    const n = zones.find((z) => z.zone === 'nginx')!;
    expect([n.ops, n.read_ops, n.write_ops]).toEqual([3, 2, 1]);
    // buckets [120,121) [1500,1510) [2600,2610) µs; p50 rank 1.5 → 1500 + 10·0.5 = 1505 µs
    expect(n.latency_us.p50).toBeCloseTo(1505, 9);
    expect(n.latency_us.mean).toBeCloseTo((120.5 + 1505 + 2605) / 3, 9);
    expect(n.latency_us.max).toBeCloseTo(2610, 9);
  });

  it('quantiles agree with a brute-force reference on uniform buckets', () => {
    // Reference: expand each bucket into `count` points evenly at lo + (i+1)·w/count; the
    // interpolated quantile at rank r (r = q·N) is then exactly the r-th point when r is an integer.
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 1000 }), (counts, width) => {
        const buckets: [number, number, number][] = counts.map((c, i) => [i * width, (i + 1) * width, c]);
        const total = counts.reduce((s, c) => s + c, 0);
        const points: number[] = [];
        buckets.forEach(([lo, hi, c]) => {
          for (let i = 0; i < c; i++) points.push(lo + ((i + 1) * (hi - lo)) / c);
        });
        for (let r = 1; r <= total; r++) {
          const got = quantileOf(buckets, total, r / total).v!;
          expect(got).toBeCloseTo(points[r - 1], 6);
        }
      }),
      { numRuns: 100 },
    );
  });
});
