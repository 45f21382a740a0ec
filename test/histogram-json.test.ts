import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Histogram, bucketLow } from '../src/core/histogram.js';

const values = fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { minLength: 1, maxLength: 300 });

function hist(vs: number[]): Histogram {
  const h = new Histogram();
  for (const v of vs) h.record(v);
  return h;
}

describe('Histogram JSON form', () => {
  it('round-trips: the same count, sum, min, max and every quantile', () => {
    fc.assert(
      fc.property(values, (vs) => {
        const h = hist(vs);
        const j = JSON.parse(JSON.stringify(h.toJson()));
        const back = Histogram.fromJson(j);
        expect(back.toJson()).toEqual(h.toJson());
        for (const q of [0, 0.5, 0.9, 0.99, 0.999, 1]) expect(back.quantile(q)).toBe(h.quantile(q));
      }),
    );
  });

  it('lists only nonzero buckets, in increasing index, whose counts add up to count', () => {
    fc.assert(
      fc.property(values, (vs) => {
        const j = hist(vs).toJson()!;
        expect(j.buckets.every(([, c]) => c > 0)).toBe(true);
        for (let k = 1; k < j.buckets.length; k++) expect(j.buckets[k][0]).toBeGreaterThan(j.buckets[k - 1][0]);
        expect(j.buckets.reduce((s, [, c]) => s + c, 0)).toBe(vs.length);
        // each value falls in the bucket its index says (the documented layout)
        for (const v of vs) expect(j.buckets.some(([i]) => bucketLow(i) <= v && v < bucketLow(i + 1))).toBe(true);
      }),
    );
  });

  it('merging the JSON of two halves gives the JSON of the whole', () => {
    fc.assert(
      fc.property(values, values, (a, b) => {
        const m = Histogram.fromJson(hist(a).toJson()!);
        m.merge(Histogram.fromJson(hist(b).toJson()!));
        expect(m.toJson()).toEqual(hist([...a, ...b]).toJson());
      }),
    );
  });

  it('is null when empty, and refuses another layout or counts that do not add up', () => {
    expect(new Histogram().toJson()).toBeNull();
    const j = hist([1000, 2000]).toJson()!;
    expect(() => Histogram.fromJson({ ...j, sub_bucket_bits: 5 as 7 })).toThrow(/layout/);
    expect(() => Histogram.fromJson({ ...j, count: 3 })).toThrow(/count 3/);
    expect(() => Histogram.fromJson({ ...j, buckets: [[-1, 2]] })).toThrow(/out of range/);
    expect(() => Histogram.fromJson({ ...j, buckets: [[1.5, 2]] })).toThrow(/out of range/);
  });
});

describe('Histogram.cumulativeAt', () => {
  it('counts the values at or below each bound, off only for values within 1/128 of it', () => {
    fc.assert(
      fc.property(values, fc.array(fc.integer({ min: 1, max: 2 ** 41 }), { minLength: 1, maxLength: 20 }), (vs, bs) => {
        const bounds = [...new Set(bs)].sort((x, y) => x - y);
        const cum = hist(vs).cumulativeAt(bounds);
        bounds.forEach((b, k) => {
          const surely = vs.filter((v) => v <= b * (1 - 1 / 128) - 1).length;
          const maybe = vs.filter((v) => v <= b * (1 + 1 / 128) + 1).length;
          expect(cum[k]).toBeGreaterThanOrEqual(surely);
          expect(cum[k]).toBeLessThanOrEqual(maybe);
        });
        for (let k = 1; k < cum.length; k++) expect(cum[k]).toBeGreaterThanOrEqual(cum[k - 1]);
      }),
    );
  });

  it('is exact below 256 ns and for bounds far from every value', () => {
    const h = hist([5, 5, 100, 255, 10_000, 1e6, 1e6, 3e9]);
    expect(h.cumulativeAt([4, 5, 99, 100, 255, 5e3, 2e4, 5e5, 2e6, 1e9, 1e10])).toEqual([0, 2, 2, 3, 4, 4, 5, 5, 7, 7, 8]);
  });
});
