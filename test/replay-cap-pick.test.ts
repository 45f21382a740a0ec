// The cap policy keeps its queued zones in two heaps (waiting for tokens, eligible) instead of
// comparing every queued zone at each pick. A second, plain implementation of the same io.max
// token buckets checks it: a single server that, whenever it is free, looks at every zone with IO
// queued, computes when each head may start from its buckets at that moment, and starts the one
// that may start first (ties by arrival order), unless an arrival comes first.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CapLimit, CapSpec } from '../src/core/replay/policies/cap.js';
import { build, noCap, simulate, zonesOf, type TIo } from './replay-helpers.js';

interface Bucket {
  rate: number; // per ns
  size: number;
  tokens: number;
  last: number;
}

/** Completion times of a single server under per-zone token buckets, the plain way. */
function plainCap(ios: Required<TIo>[], limits: (CapLimit | null)[], burstS: number): number[] {
  const bucket = (perS: number | null): Bucket | null =>
    perS != null && perS > 0 ? { rate: perS / 1e9, size: Math.max(1, perS * burstS), tokens: Math.max(1, perS * burstS), last: -Infinity } : null;
  const ops = limits.map((l) => bucket(l?.iops ?? null));
  const bytes = limits.map((l) => bucket(l?.bytesPerS ?? null));
  const tokensAt = (b: Bucket, t: number) => Math.min(b.size, b.tokens + (b.last === -Infinity ? 0 : b.rate * (t - b.last)));
  const readyAt = (b: Bucket | null, need: number, t: number) => {
    if (b === null) return t;
    const n = Math.min(need, b.size);
    const have = tokensAt(b, t);
    return have >= n ? t : t + (n - have) / b.rate;
  };
  const queues: number[][] = limits.map(() => []);
  const done = new Array<number>(ios.length);
  let next = 0; // next IO to arrive
  let free = -Infinity; // when the server is free
  let t = -Infinity;
  let left = ios.length;
  while (left > 0) {
    // everything that has arrived by t is queued
    while (next < ios.length && ios[next].arrival <= t) queues[ios[next].zone].push(next++);
    let best = -1;
    let bestAt = Infinity;
    for (let z = 0; z < queues.length; z++) {
      if (queues[z].length === 0) continue;
      const head = queues[z][0];
      const at = Math.max(readyAt(ops[z], 1, t), readyAt(bytes[z], ios[head].bytes, t));
      if (at < bestAt || (at === bestAt && head < queues[best][0])) {
        best = z;
        bestAt = at;
      }
    }
    const nextArrival = next < ios.length ? ios[next].arrival : Infinity;
    if (best < 0 || nextArrival < bestAt) {
      t = Math.max(t, nextArrival);
      continue;
    }
    const io = queues[best].shift()!;
    for (const b of [ops[best], bytes[best]]) {
      if (b === null) continue;
      b.tokens = tokensAt(b, bestAt) - (b === ops[best] ? 1 : ios[io].bytes);
      b.last = bestAt;
    }
    free = bestAt + ios[io].cost;
    done[io] = free;
    t = free;
    left--;
  }
  return done;
}

const MS = 1e6;

describe('cap: the heaps pick what a pass over every queued zone picks', () => {
  it('random zones, limits and arrivals on a single server: the same completions', () => {
    const limit = fc.oneof(
      fc.constant(null),
      fc.record({ iops: fc.integer({ min: 20, max: 2000 }), bytesPerS: fc.constant(null) }),
      fc.record({ iops: fc.constant(null), bytesPerS: fc.integer({ min: 100_000, max: 50_000_000 }) }),
      fc.record({ iops: fc.integer({ min: 20, max: 2000 }), bytesPerS: fc.integer({ min: 100_000, max: 50_000_000 }) }),
    );
    const io = (zones: number) =>
      fc.record({
        zone: fc.integer({ min: 0, max: zones - 1 }),
        // whole microseconds, so that IOs share arrival times and ties are exercised
        arrival: fc.integer({ min: 0, max: 200_000 }).map((us) => us * 1000),
        cost: fc.integer({ min: 1, max: 5000 }).map((us) => us * 1000),
        bytes: fc.constantFrom(512, 4096, 65536, 1 << 20),
      });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(fc.constant(n), fc.array(limit, { minLength: n, maxLength: n }), fc.array(io(n), { minLength: 1, maxLength: 120 }))),
        fc.constantFrom(0.001, 0.01, 0.1),
        ([n, limits, input], burstS) => {
          const b = build(input);
          const perZone = new Map(limits.map((l, z) => [`z${z}`, l] as const));
          const cap: CapSpec = { ...noCap, perZone, burstS, text: 'random' };
          const { ios: out } = simulate(b, 'cap', zonesOf(n), { cap });
          const want = plainCap(b.ios, limits, burstS);
          for (let i = 0; i < want.length; i++) expect(Math.abs(out[i].completion - want[i])).toBeLessThan(1e-3 * MS);
        },
      ),
      { numRuns: 300 },
    );
  });
});
