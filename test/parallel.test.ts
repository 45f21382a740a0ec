// Devices that serve several IOs at once, against generated devices whose ground truth is known
// (scripts/gen-parallel.mjs): K servers behind a FIFO queue, and K-unit processor sharing, with
// four zones of different IO sizes, Poisson arrivals, and every IO's service demand known.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { simulate, trueDemand, type GenIo } from '../scripts/gen-parallel.mjs';
import { EventObserver, type ObserveOptions } from '../src/core/observe.js';
import { OvertakeProfile, ParallelismEvidence, chooseAttribution } from '../src/core/parallelism.js';
import { SLOT_F64, S_BYTES, S_ISSUE, Slots } from '../src/core/iotable.js';

function observe(ios: GenIo[], opts: Partial<ObserveOptions> = {}, weights: Record<string, number> = {}) {
  const obs = new EventObserver({ weightOf: (z) => weights[z], reorderWindowNs: 2e9, store: null, ...opts });
  for (const io of ios) obs.io(io.zone, 'nvme0', io.op, io.bytes, io.issue, io.done, undefined, io.offset);
  return obs.finish();
}

/** Issue and completion events in the sweep's order: time, then completions before issues. */
function events(ios: { issue: number; done: number }[]): [number, 0 | 1, number][] {
  const ev: [number, 0 | 1, number][] = [];
  ios.forEach((io, i) => ev.push([io.issue, 0, i], [io.done, 1, i]));
  return ev.sort((a, b) => a[0] - b[0] || b[1] - a[1] || a[2] - b[2]);
}

/** ∫ min(n, K) dt over the trace, computed directly. */
function delivered(ios: { issue: number; done: number }[], k: number): number {
  let n = 0;
  let last = 0;
  let total = 0;
  for (const [t, kind] of events(ios)) {
    if (n > 0) total += (t - last) * Math.min(n, k);
    last = t;
    n += kind ? -1 : 1;
  }
  return total;
}

/** Per IO, ∫ over its flight of min(n, K)/n dt (shared-slot attribution), by brute force. */
function sharedCharges(ios: { issue: number; done: number }[], k: number): number[] {
  const pts = [...new Set(ios.flatMap((i) => [i.issue, i.done]))].sort((a, b) => a - b);
  const out = ios.map(() => 0);
  for (let j = 0; j + 1 < pts.length; j++) {
    const a = pts[j];
    const b = pts[j + 1];
    const live = ios.map((io, i) => (io.issue <= a && b <= io.done ? i : -1)).filter((i) => i >= 0);
    for (const i of live) out[i] += ((b - a) * Math.min(live.length, k)) / live.length;
  }
  return out;
}

const CASES: { k: number; discipline: 'fifo' | 'ps'; load: number }[] = [];
for (const discipline of ['fifo', 'ps'] as const)
  for (const k of [1, 4, 16, 64]) for (const load of [0.3, 0.6, 0.9]) CASES.push({ k, discipline, load });

describe('shares on generated parallel devices', () => {
  for (const c of CASES) {
    it(`${c.discipline} K=${c.k} at ${c.load * 100} % load: shares within 3 pp of the true demand, K within a factor of 2 of what the trace shows`, () => {
      const ios = simulate({ ...c, ios: 20000, seed: 7 });
      const res = observe(ios);
      const demand = trueDemand(ios);
      const total = [...demand.values()].reduce((a, b) => a + b, 0);
      for (const z of res.zones) expect(Math.abs(z.device_share! - demand.get(z.zone)! / total)).toBeLessThan(0.03);
      const d = res.devices[0];
      const k = d.parallelism!;
      // the trace can show K only up to the most IOs it had in flight
      const visible = Math.min(c.k, d.parallelism_evidence!.max_in_flight);
      expect(k).toBeGreaterThanOrEqual(visible / 2);
      expect(k).toBeLessThanOrEqual(visible * 2);
      if (d.parallelism_evidence!.saturated === false) expect(k).toBeGreaterThanOrEqual(d.parallelism_evidence!.max_in_flight / 2);
      if (c.k === 1 && c.discipline === 'fifo') expect(d.attribution).toBe('busy_period');
      // device time adds up to the service delivered, ∫ min(n, K) dt, exactly
      const sum = res.zones.reduce((s, z) => s + z.device_time_s!, 0);
      expect(sum * 1e9).toBeCloseTo(delivered(ios, k), -1);
      expect(d.service_s! * 1e9).toBeCloseTo(delivered(ios, k), -1);
      expect(res.zones.reduce((s, z) => s + z.deviation!, 0)).toBeCloseTo(0, 9);
      expect(res.zones.reduce((s, z) => s + z.fair_share!, 0)).toBeCloseTo(1, 9);
    });
  }

  it('a serial FIFO disk gives exactly the busy-period decomposition: each zone its Σ service', () => {
    const ios = simulate({ k: 1, discipline: 'fifo', load: 0.8, ios: 5000, seed: 3 });
    const res = observe(ios);
    const demand = trueDemand(ios);
    for (const z of res.zones) expect(z.device_time_s! * 1e9).toBeCloseTo(demand.get(z.zone)!, -2);
    expect(res.devices[0].parallelism_source).toBe('estimated');
    expect(res.devices[0].parallelism_evidence!.lone_overtaken_share).toBe(0);
  });

  it('a disk whose first 2,048 IOs leave no doubt that it is serial is decided on them; a parallel one is not', () => {
    const serial = observe(simulate({ k: 1, discipline: 'fifo', load: 0.5, ios: 20000, seed: 3 }));
    expect(serial.devices[0]).toMatchObject({ parallelism: 1, attribution: 'busy_period' });
    expect(serial.devices[0].parallelism_evidence).toMatchObject({ from_ios: 2048, lone_overtaken_share: 0, saturated: true });
    for (const discipline of ['fifo', 'ps'] as const) {
      const parallel = observe(simulate({ k: 4, discipline, load: 0.5, ios: 20000, seed: 3 }));
      expect(parallel.devices[0].parallelism_evidence!.from_ios).toBe(16384);
      expect(parallel.devices[0].parallelism).toBeGreaterThan(1);
    }
  });

  it('--parallelism overrides the estimate', () => {
    const ios = simulate({ k: 16, discipline: 'ps', load: 0.7, ios: 4000, seed: 5 });
    const res = observe(ios, { parallelismOf: () => 8 });
    expect(res.devices[0].parallelism).toBe(8);
    expect(res.devices[0].parallelism_source).toBe('option');
    expect(res.devices[0].service_s! * 1e9).toBeCloseTo(delivered(ios, 8), -1);
  });

  it('a device that never had two IOs in flight is serial', () => {
    const ios = Array.from({ length: 300 }, (_, i) => ({ zone: 'a', op: 'R' as const, bytes: 4096, offset: 0, seq: false, issue: i * 1000, service: 500, done: i * 1000 + 500 }));
    const d = observe(ios).devices[0];
    expect(d.parallelism).toBe(1);
    expect(d.parallelism_source).toBe('serial');
  });

  it('a device decided on its first IOs: calibration over a window gives the same shares as over the whole trace', () => {
    const ios = simulate({ k: 4, discipline: 'fifo', load: 0.7, ios: 20000, seed: 11 });
    const whole = observe(ios);
    const early = observe(ios, { calibrationIos: 4000 });
    expect(early.devices[0].parallelism).toBe(whole.devices[0].parallelism);
    expect(early.devices[0].parallelism_evidence!.from_ios).toBe(4000);
    for (let i = 0; i < whole.zones.length; i++) expect(early.zones[i].device_time_s).toBeCloseTo(whole.zones[i].device_time_s!, 9);
  });
});

describe('shared-slot attribution', () => {
  it('charges each IO ∫ min(n, K)/n over its own flight, whichever IO gets which completion instant', () => {
    const k = 3;
    const base = simulate({ k, discipline: 'ps', load: 0.8, ios: 300, seed: 21 });
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 40, maxLength: 40 }), (swaps) => {
        // reassign completion instants between IOs: swap the done times of pairs that both
        // remain valid (done ≥ issue), so the sets of issue and completion instants are kept
        const ios = base.map((io) => ({ ...io }));
        for (let j = 0; j + 1 < swaps.length; j += 2) {
          const a = ios[swaps[j] % ios.length];
          const b = ios[swaps[j + 1] % ios.length];
          if (a.done >= b.issue && b.done >= a.issue) [a.done, b.done] = [b.done, a.done];
        }
        const res = observe(ios, { parallelismOf: () => k });
        expect(res.devices[0].attribution).toBe('shared_slots');
        const charges = sharedCharges(ios, k);
        for (const z of res.zones) {
          const want = ios.reduce((s, io, i) => s + (io.zone === z.zone ? charges[i] : 0), 0);
          expect(z.device_time_s! * 1e9).toBeCloseTo(want, 0);
        }
      }),
      { numRuns: 20 },
    );
  });

  it('two IOs issued together on a 2-unit device finishing at 5 and 6 are charged 5 and 6 (the gaps would charge 5 and 1)', () => {
    // padding IOs far away give the device enough IOs to estimate on; K is given to keep the case small
    const ios = [
      { zone: 'a', op: 'R' as const, bytes: 4096, offset: 0, seq: false, issue: 0, service: 5, done: 5 },
      { zone: 'b', op: 'R' as const, bytes: 4096, offset: 0, seq: false, issue: 0, service: 6, done: 6 },
    ];
    const res = observe(ios, { parallelismOf: () => 2 });
    const t = Object.fromEntries(res.zones.map((z) => [z.zone, z.device_time_s! * 1e9]));
    expect(t.a).toBeCloseTo(5, 9);
    expect(t.b).toBeCloseTo(6, 9);
  });
});

describe('FIFO-slot attribution', () => {
  it('recovers every IO\u2019s service on a K-server FIFO device (the FIFO K-unit inversion)', () => {
    const ios = simulate({ k: 4, discipline: 'fifo', load: 0.9, ios: 6000, seed: 4 });
    const res = observe(ios);
    expect(res.devices[0].attribution).toBe('fifo_slots');
    const demand = trueDemand(ios);
    for (const z of res.zones) expect(z.device_time_s! * 1e9 / demand.get(z.zone)!).toBeCloseTo(1, 6);
  });
});

describe('fair share over delivered service', () => {
  /**
   * Fair time per zone by brute force: in each slice between events, the K units (at most n)
   * are water-filled among the backlogged zones by weight, no zone getting more units than it
   * has IOs in flight.
   */
  function fairReference(ios: { zone: string; issue: number; done: number }[], k: number, w: (z: string) => number): Map<string, number> {
    const pts = [...new Set(ios.flatMap((i) => [i.issue, i.done]))].sort((a, b) => a - b);
    const fair = new Map<string, number>();
    for (let j = 0; j + 1 < pts.length; j++) {
      const a = pts[j];
      const b = pts[j + 1];
      const inFlight = new Map<string, number>();
      for (const io of ios) if (io.issue <= a && b <= io.done) inFlight.set(io.zone, (inFlight.get(io.zone) ?? 0) + 1);
      let n = 0;
      for (const m of inFlight.values()) n += m;
      if (!n) continue;
      // weighted zones first; what they cannot use goes to weight-0 zones, equally
      let cap = Math.min(n, k);
      const alloc = new Map<string, number>();
      const fill = (open: string[], weight: (z: string) => number) => {
        for (;;) {
          if (!open.length || cap <= 0) return;
          const sw = open.reduce((s, z) => s + weight(z), 0);
          const capped = open.filter((z) => inFlight.get(z)! < (weight(z) * cap) / sw);
          if (!capped.length) {
            for (const z of open) alloc.set(z, (weight(z) * cap) / sw);
            cap = 0;
            return;
          }
          for (const z of capped) {
            alloc.set(z, inFlight.get(z)!);
            cap -= inFlight.get(z)!;
          }
          open = open.filter((z) => !capped.includes(z));
        }
      };
      fill([...inFlight.keys()].filter((z) => w(z) > 0), w);
      fill([...inFlight.keys()].filter((z) => !(w(z) > 0)), () => 1);
      for (const [z, u] of alloc) fair.set(z, (fair.get(z) ?? 0) + u * (b - a));
    }
    return fair;
  }

  it('two saturating zones weighted 1:3 on a 4-unit device are entitled to 25 % and 75 % of its service', () => {
    // both keep 8 IOs in flight throughout (closed loops), each IO needs 1 ms of a unit
    const ios: GenIo[] = [];
    for (const zone of ['w1', 'w3'])
      for (let lane = 0; lane < 8; lane++)
        for (let i = 0; i < 100; i++) ios.push({ zone, op: 'R', bytes: 4096, offset: 0, seq: false, issue: i * 2e6, service: 1e6, done: (i + 1) * 2e6 });
    const res = observe(ios, { parallelismOf: () => 4 }, { w1: 1, w3: 3 });
    const f = Object.fromEntries(res.zones.map((z) => [z.zone, z.fair_share!]));
    expect(f.w1).toBeCloseTo(0.25, 9);
    expect(f.w3).toBeCloseTo(0.75, 9);
    expect(res.zones.reduce((s, z) => s + z.deviation!, 0)).toBeCloseTo(0, 12);
  });

  it('a zone with one IO in flight is entitled to one unit, not its weight\u2019s share of all', () => {
    // equal weights, K = 4: 'deep' keeps 7 IOs in flight, 'sync' one at a time, so GPS gives sync 1 unit, deep 3
    const ios: GenIo[] = [];
    for (let i = 0; i < 100; i++) {
      ios.push({ zone: 'sync', op: 'R', bytes: 4096, offset: 0, seq: false, issue: i * 1e6, service: 0, done: (i + 1) * 1e6 });
      for (let lane = 0; lane < 7; lane++) ios.push({ zone: 'deep', op: 'R', bytes: 4096, offset: 0, seq: false, issue: i * 1e6, service: 0, done: (i + 1) * 1e6 });
    }
    const res = observe(ios, { parallelismOf: () => 4 });
    const f = Object.fromEntries(res.zones.map((z) => [z.zone, z.fair_share!]));
    expect(f.sync).toBeCloseTo(0.25, 9);
    expect(f.deep).toBeCloseTo(0.75, 9);
  });

  it('matches the brute-force water-filling on random traces, with weights and a weight-0 zone', () => {
    const zones = ['a', 'b', 'c', 'z0'];
    const weights: Record<string, number> = { a: 1, b: 2, c: 0.5, z0: 0 };
    fc.assert(
      fc.property(
        fc.array(fc.record({ zone: fc.constantFrom(...zones), issue: fc.integer({ min: 0, max: 200 }), lat: fc.integer({ min: 1, max: 60 }) }), {
          minLength: 1,
          maxLength: 50,
        }),
        fc.integer({ min: 1, max: 6 }),
        (raw, k) => {
          const ios = raw.map((r) => ({ zone: r.zone, op: 'R' as const, bytes: 4096, offset: 0, seq: false, issue: r.issue * 1000, service: 0, done: (r.issue + r.lat) * 1000 }));
          const res = observe(ios, { parallelismOf: () => k }, weights);
          const ref = fairReference(ios, k, (z) => weights[z]);
          const total = delivered(ios, k);
          for (const z of res.zones) expect(z.fair_share!).toBeCloseTo((ref.get(z.zone) ?? 0) / total, 9);
          expect(res.zones.reduce((s, z) => s + z.deviation!, 0)).toBeCloseTo(0, 9);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('deciding the attribution', () => {
  it('counts overtakes: completions of IOs with K earlier ones still in flight', () => {
    // slots 0..3 issued in order; 3 completes first (3 earlier in flight), then 0, 1, 2
    const codes = Int32Array.from([0, 2, 4, 6, 7, 1, 3, 5]);
    const p = new OvertakeProfile(codes, codes.length);
    expect(p.at(2)).toEqual({ contended: 2, overtaken: 1 });
    expect(p.at(4)).toEqual({ contended: 0, overtaken: 0 });
    expect(p.at(1)).toEqual({ contended: 3, overtaken: 1 });
    expect(p.at(3)).toEqual({ contended: 1, overtaken: 1 });
    // a FIFO queue in front of 4 units allows it: 3 earlier ones may still be in flight
    expect(p.fifoK()).toBe(4);
  });

  it('property: the calibration scan counts in-order completions as the overtake profile does at K = 1', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ issue: fc.integer({ min: 0, max: 100 }), lat: fc.integer({ min: 1, max: 30 }) }), { minLength: 1, maxLength: 60 }), (raw) => {
        const slots = new Slots();
        const ios = raw.map((r) => ({ slot: slots.alloc(), issue: r.issue, done: r.issue + r.lat }));
        for (const io of ios) {
          slots.f[io.slot * SLOT_F64 + S_ISSUE] = io.issue;
          slots.f[io.slot * SLOT_F64 + S_BYTES] = 4096;
        }
        // the sweep's order: time, then completions before issues
        const ev = ios.flatMap((io, i) => [[io.issue, 1, i, io.slot * 2], [io.done, 0, i, io.slot * 2 + 1]] as [number, number, number, number][]);
        ev.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
        const times = Float64Array.from(ev.map((e) => e[0]));
        const codes = Int32Array.from(ev.map((e) => e[3]));
        const evidence = new ParallelismEvidence();
        evidence.collect(times, codes, codes.length, slots);
        const want = new OvertakeProfile(codes, codes.length).at(1);
        expect({ contended: evidence.contended, overtaken: evidence.overtaken }).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('serial devices get the busy-period decomposition, shared ones shared slots, FIFO queues FIFO slots', () => {
    expect(chooseAttribution(1, true, 10, 0)).toBe('busy_period');
    expect(chooseAttribution(1, null, 10, 5)).toBe('busy_period');
    expect(chooseAttribution(1, false, 10, 5)).toBe('shared_slots');
    expect(chooseAttribution(4, null, 0, 0)).toBe('shared_slots');
    expect(chooseAttribution(4, null, 1000, 30)).toBe('fifo_slots');
    expect(chooseAttribution(4, null, 1000, 31)).toBe('shared_slots');
  });
});
