import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Histogram, bucketOf, bucketLow } from '../src/core/histogram.js';
import { exactQuantile, rng } from './helpers.js';

describe('Histogram', () => {
  it('percentiles are within 1 % of exact sorting on a lognormal sample with a heavy tail', () => {
    const r = rng(7);
    const values: number[] = [];
    const h = new Histogram();
    for (let i = 0; i < 200000; i++) {
      // Box-Muller lognormal around 2 ms, 0.1 % of values ×50
      const z = Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r());
      let v = Math.round(2e6 * Math.exp(0.8 * z));
      if (r() < 0.001) v *= 50;
      values.push(v);
      h.record(v);
    }
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const exact = exactQuantile(values, q);
      expect(Math.abs(h.quantile(q) - exact) / exact).toBeLessThan(0.01);
    }
    expect(h.max).toBe(values.reduce((a, b) => Math.max(a, b)));
    expect(h.mean()).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 3);
  });

  it('is exact below 256 and never off by more than 1/256 above', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 52 }), (v) => {
        const i = bucketOf(v);
        const lo = bucketLow(i);
        expect(lo).toBeLessThanOrEqual(v);
        if (v < 256) expect(lo).toBe(v);
        else expect((v - lo) / v).toBeLessThan(1 / 128);
        // next bucket starts above v
        expect(bucketLow(i + 1)).toBeGreaterThan(v);
      }),
    );
  });

  it('grows its bucket span both ways: any recording order gives the same quantiles', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 200 }), (vs) => {
        const up = new Histogram();
        const down = new Histogram();
        for (const v of [...vs].sort((a, b) => a - b)) up.record(v);
        for (const v of [...vs].sort((a, b) => b - a)) down.record(v);
        for (const q of [0, 0.25, 0.5, 0.9, 0.99, 1]) expect(down.quantile(q)).toBe(up.quantile(q));
        const exact = exactQuantile(vs, 0.5);
        expect(Math.abs(up.quantile(0.5) - exact)).toBeLessThanOrEqual(exact / 128 + 1);
      }),
    );
  });

  it('merging equals recording everything in one', () => {
    const r = rng(3);
    const a = new Histogram();
    const b = new Histogram();
    const all = new Histogram();
    for (let i = 0; i < 10000; i++) {
      const v = Math.floor(r() * 1e8);
      (i % 3 ? a : b).record(v);
      all.record(v);
    }
    a.merge(b);
    for (const q of [0.1, 0.5, 0.99]) expect(a.quantile(q)).toBe(all.quantile(q));
    expect(a.count).toBe(all.count);
  });
});
