// EventObserver.ioIds (names interned once by the caller, as the parse worker's batches do) must
// give exactly what io() gives with the names: the same results, late count, and replay blocks.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { EventObserver } from '../src/core/observe.js';
import { MemoryReplayStore } from '../src/core/replay/types.js';

interface Rec {
  zone: string;
  device: string;
  write: boolean;
  bytes: number;
  issue: number;
  lat: number;
  weight?: number;
}

const rec = fc.record({
  zone: fc.constantFrom('a', 'b', 'c', 'zero'),
  device: fc.constantFrom('sd0', 'sd1', 'a'), // a name may be a zone and a device
  write: fc.boolean(),
  bytes: fc.integer({ min: 0, max: 1 << 20 }),
  // coarse times: many ties, and records out of order by more than the reorder window
  issue: fc.integer({ min: 0, max: 40 }).map((t) => t * 250_000_000),
  lat: fc.integer({ min: 0, max: 8 }).map((t) => t * 125_000_000),
  weight: fc.option(fc.constantFrom(0, 1, 3), { nil: undefined }),
});

function run(recs: Rec[], byIds: boolean, replay: boolean) {
  const store = new MemoryReplayStore();
  const o = new EventObserver({
    weightOf: (z) => (z === 'zero' ? 0 : undefined),
    reorderWindowNs: 1e9,
    store: replay ? store : null,
  });
  const zoneOf = new Map<string, number>();
  const devOf = new Map<string, number>();
  for (const r of recs) {
    if (!byIds) {
      o.io(r.zone, r.device, r.write ? 'W' : 'R', r.bytes, r.issue, r.issue + r.lat, r.weight);
      continue;
    }
    let z = zoneOf.get(r.zone);
    if (z === undefined) zoneOf.set(r.zone, (z = o.zoneIdOf(r.zone, r.weight)));
    let d = devOf.get(r.device);
    if (d === undefined) devOf.set(r.device, (d = o.deviceIdOf(r.device)));
    o.ioIds(z, d, r.write ? 1 : 0, r.bytes, r.issue, r.issue + r.lat);
  }
  const res = o.finish();
  const blocks = [...store.blocks()].map(([b, n]) => Array.from(b.subarray(0, n)));
  return { res, blocks };
}

describe('EventObserver.ioIds', () => {
  it('gives exactly the results of io() with names, with and without a replay store', () => {
    fc.assert(
      fc.property(fc.array(rec, { minLength: 1, maxLength: 300 }), fc.boolean(), (recs, replay) => {
        expect(run(recs, true, replay)).toEqual(run(recs, false, replay));
      }),
      { numRuns: 200 },
    );
  });

  it('ids are dense, in first-use order, and zones keep their first weight', () => {
    const o = new EventObserver({ weightOf: () => undefined, reorderWindowNs: 0, store: null });
    expect(o.zoneIdOf('x', 2)).toBe(0);
    expect(o.zoneIdOf('y')).toBe(1);
    expect(o.zoneIdOf('x', 5)).toBe(0);
    expect(o.deviceIdOf('d0')).toBe(0);
    o.ioIds(0, 0, 1, 4096, 0, 1000);
    o.ioIds(1, 0, 0, 512, 500, 2000);
    const r = o.finish();
    expect(r.zones.map((z) => [z.zone, z.weight, z.ops, z.write_ops, z.bytes])).toEqual([
      ['x', 2, 1, 1, 4096],
      ['y', 1, 1, 0, 512],
    ]);
    expect(r.devices[0].busy_s).toBe(2000 / 1e9);
  });
});
