import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { PointQueue } from '../src/core/pointqueue.js';

/** The order the sweep needs: time, done (odd) before issue (even), then the record's arrival (setOrder, by slot = id >> 1), then id. */
const orderBy = (arrived: Map<number, number>) => (a: [number, number], b: [number, number]) =>
  a[0] - b[0] || (b[1] & 1) - (a[1] & 1) || (arrived.get(a[1] >> 1) ?? 0) - (arrived.get(b[1] >> 1) ?? 0) || a[1] - b[1];
const cmp = orderBy(new Map());

describe('PointQueue', () => {
  it('pops exactly what a sorted list would, for any interleaving of pushes and bounded pops', () => {
    const op = fc.oneof(
      // keys spread over ~10 s so points land in the FIFO, the calendar and the heap, and keys
      // from a handful of instants so that issue and done points tie
      fc.record({ push: fc.integer({ min: -2e9, max: 1e10 }) }),
      fc.record({ push: fc.constantFrom(0, 1000, 3e9) }),
      fc.record({ popTo: fc.integer({ min: -2e9, max: 1.2e10 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const q = new PointQueue();
        const ref: [number, number][] = [];
        let nextId = 0;
        for (const o of ops) {
          if ('push' in o) {
            const id = nextId++;
            q.push(o.push, id);
            ref.push([o.push, id]);
          } else {
            ref.sort(cmp);
            for (;;) {
              const got = q.popUpTo(o.popTo);
              const want = ref.length && ref[0][0] <= o.popTo ? ref.shift()! : null;
              if (!want) {
                expect(got).toBe(-1);
                break;
              }
              expect([q.poppedKey, got]).toEqual(want);
            }
          }
          expect(q.size).toBe(ref.length);
        }
        ref.sort(cmp);
        for (const want of ref) {
          expect(q.popUpTo(Infinity)).toBe(want[1]);
          expect(q.poppedKey).toBe(want[0]);
        }
        expect(q.popUpTo(Infinity)).toBe(-1);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps order for a completion-ordered trace (the common case: FIFO for done, calendar for issue)', () => {
    const q = new PointQueue();
    const ref: [number, number][] = [];
    let id = 0;
    let t = 0;
    for (let i = 0; i < 20000; i++) {
      t += 1000 + ((i * 7919) % 5000);
      const lat = 100_000 + ((i * 104729) % 3_000_000);
      q.push(t - lat, id * 2);
      q.push(t, id * 2 + 1);
      ref.push([t - lat, id * 2], [t, id * 2 + 1]);
      id++;
    }
    ref.sort(cmp);
    for (const want of ref) {
      expect(q.popUpTo(Infinity)).toBe(want[1]);
    }
  });

  it('many points at one instant (identical records, 1 s timestamps) pop in order, in O(n log n)', () => {
    // insertion-sorting a bucket of 100k ties took ~15 s (the test's 5 s timeout catches that)
    for (const keyOf of [() => 5e9, (i: number) => Math.floor(i / 20000) * 1e9]) {
      const q = new PointQueue();
      const ref: [number, number][] = [];
      for (let i = 0; i < 100_000; i++) {
        // a completion-ordered trace: the done point first (in order), the issue point out of order
        q.push(keyOf(i) + 1e6, 2 * i + 1);
        q.push(keyOf(i), 2 * i);
        ref.push([keyOf(i) + 1e6, 2 * i + 1], [keyOf(i), 2 * i]);
      }
      ref.sort(cmp);
      for (const want of ref) {
        const got = q.popUpTo(Infinity);
        if (got !== want[1] || q.poppedKey !== want[0]) expect([q.poppedKey, got]).toEqual(want);
      }
      expect(q.popUpTo(Infinity)).toBe(-1);
    }
  });
});

describe('PointQueue: points at one instant', () => {
  it('go done first, then by their records\' arrival (setOrder), in the FIFO, the calendar, a big bucket and the heap', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.constantFrom(5e8, 5e8 + 1, 9e9), kind: fc.integer({ min: 0, max: 1 }), arrival: fc.integer({ min: 0, max: 3 }) }), { minLength: 100, maxLength: 400 }), // over 64 in one calendar bucket: sorted as a big bucket
        (pts) => {
          const q = new PointQueue();
          const arrived = new Map<number, number>();
          const ref: [number, number][] = [];
          // a first point far later sends everything after it out of order (the calendar and, beyond it, the heap)
          q.push(1e9, 1_000_001);
          pts.forEach((p, i) => {
            const id = i * 2 + p.kind;
            arrived.set(i, p.arrival);
            q.setOrder(i, p.arrival);
            q.push(p.at, id);
            ref.push([p.at, id]);
          });
          ref.push([1e9, 1_000_001]);
          ref.sort(orderBy(arrived));
          for (const want of ref) {
            expect(q.popUpTo(Infinity)).toBe(want[1]);
            expect(q.poppedKey).toBe(want[0]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
