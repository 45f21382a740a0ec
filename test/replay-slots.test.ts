// The replay of a device of K slots behind the policy's dispatch queue (src/core/replay/device-sim.ts)
// and the calibration of each IO's service from its trace (src/core/replay/fifo-slots.ts), against
// ground truths computed independently: traces generated from known FIFO K-server and
// processor-sharing devices (scripts/gen-parallel.mjs), closed-form queueing results (Erlang C),
// SFQ's weighted shares, token-bucket arithmetic and hand-worked schedules.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { runReplays } from '../src/core/replay/index.js';
import { FifoSlots, SlotCalibration } from '../src/core/replay/fifo-slots.js';
import { fidelityWarning } from '../src/core/replay/fidelity.js';
import { EventObserver } from '../src/core/observe.js';
import { FIDELITY_LIMITS } from '../src/core/thresholds.js';
import { MemoryReplayStore, R_ARRIVAL, R_COST, R_LATENCY, REPLAY_STRIDE } from '../src/core/replay/types.js';
import { simulate as generate, runFifo, type GenIo } from '../scripts/gen-parallel.mjs';
import { analyzeEvents } from './analysis-helpers.js';
import { build, dev, MS, noCap, opts, rng, S, simulate, zonesOf, type TIo } from './replay-helpers.js';

/** A generated trace as replay input: zones by index, the observed latency, the true service as cost. */
function asReplay(gen: GenIo[], blockIos = 512) {
  const names = [...new Set(gen.map((g) => g.zone))];
  const ios: TIo[] = gen.map((g) => ({ zone: names.indexOf(g.zone), arrival: g.issue, latency: g.done - g.issue, cost: g.service, bytes: g.bytes, write: g.op === 'W' }));
  return { b: build(ios, blockIos), zones: names.map((name) => ({ name, weight: 1 })), names };
}

/** Each IO's calibrated service for a device of k slots (arrival order). */
function calibrate(ios: { arrival: number; latency: number }[], k: number, origin: number): number[] {
  const c = new SlotCalibration(k);
  return ios.map((io) => {
    c.next(io.arrival - origin, io.latency);
    return c.service;
  });
}

/** The most values of a sorted list inside any closed window of length w. */
function mostInWindow(sorted: number[], w: number): number {
  let j = 0;
  let most = 0;
  for (let i = 0; i < sorted.length; i++) {
    while (sorted[i] - sorted[j] > w) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

const slots = (k: number) => new Map([['sd0', k]]);

describe('per-IO service calibration', () => {
  it('at K = 1 is the observe pass\'s busy-period decomposition, IO for IO, on a serial FIFO trace', () => {
    // a single FIFO server with idle gaps and back-to-back runs; integer times
    const r = rng(21);
    let t = 0;
    let free = 0;
    const recs: { zone: string; issue: number; done: number }[] = [];
    for (let i = 0; i < 3000; i++) {
      t += Math.round(-Math.log(1 - r()) * 0.9 * MS);
      const done = Math.max(t, free) + Math.round((0.2 + r()) * MS);
      free = done;
      recs.push({ zone: `z${i % 3}`, issue: t, done });
    }
    const store = new MemoryReplayStore();
    const o = new EventObserver({ weightOf: () => undefined, reorderWindowNs: 1e9, store });
    for (const x of recs) o.io(x.zone, 'sd0', 'R', 4096, x.issue, x.done);
    o.finish();
    const observed: { arrival: number; latency: number; cost: number }[] = [];
    for (const [b, len] of store.blocks())
      for (let i = 0; i < len; i += REPLAY_STRIDE) observed.push({ arrival: b[i + R_ARRIVAL], latency: b[i + R_LATENCY], cost: b[i + R_COST] });
    expect(observed.length).toBe(recs.length);
    const cal = calibrate(observed, 1, observed[0].arrival);
    observed.forEach((x, i) => expect(cal[i]).toBe(x.cost));
    // and both are the true services
    observed.forEach((x, i) => expect(x.cost).toBe(recs[i].done - Math.max(recs[i].issue, i ? recs[i - 1].done : -Infinity)));
  });

  for (const k of [1, 4, 8, 16]) {
    it(`recovers every service of a FIFO ${k}-server trace (to the ns of rounding) and the model reproduces every latency exactly`, () => {
      const gen = generate({ k, discipline: 'fifo', load: 0.85, ios: 6000, seed: 100 + k });
      const origin = gen[0].issue;
      const c = new SlotCalibration(k);
      for (const g of gen) {
        c.next(g.issue - origin, g.done - g.issue);
        expect(Math.abs(c.service - g.service)).toBeLessThanOrEqual(1);
        expect(c.modelLatency).toBe(g.done - g.issue);
      }
      // the fifo simulation of k slots with those services: every completion as observed
      const { b, zones } = asReplay(gen);
      const cal = calibrate(b.ios, k, b.span.startNs);
      const withCal = build(b.ios.map((io, i) => ({ ...io, cost: cal[i] })));
      const { ios: out, sim } = simulate(withCal, 'fifo', zones, { k });
      withCal.ios.forEach((io, i) => expect(out[i].latency).toBe(io.latency));
      expect(sim.idleWaiting).toBe(0);
    });
  }

  it('through runReplays: fifo reproduces every zone (fidelity 0, no warning), open and closed loop', () => {
    const gen = generate({ k: 8, discipline: 'fifo', load: 0.8, ios: 8000, seed: 5 });
    const { b, zones } = asReplay(gen);
    for (const loop of ['open', 'closed'] as const) {
      const res = runReplays(b.store, zones, [dev(null)], b.span, opts({ policies: ['fifo'], loop, parallelism: slots(8) }));
      expect(res.fidelity.rms_pct).toBe(0);
      expect(res.fidelity.devices).toEqual([{ device: 'sd0', parallelism: 8 }]);
      expect(res.fidelity.zones.map((z) => z.zone).sort()).toEqual([...zones.map((z) => z.name)].sort());
      for (const z of res.fidelity.zones) {
        expect(z.p50_error_pct).toBe(0);
        expect(z.p99_error_pct).toBe(0);
      }
      expect(fidelityWarning(res.fidelity, FIDELITY_LIMITS.rms_pct, FIDELITY_LIMITS.zone_error_pct)).toBeNull();
      const fifo = res.policies[0];
      expect(fifo.idle_while_waiting_s).toBe(0);
      // the model's last completion is the observed one
      expect(fifo.makespan_s).toBe((b.span.endNs - b.span.startNs) / S);
      for (const z of fifo.zones) {
        expect(z.slowdown).toBeCloseTo(1, 12);
        if (loop === 'closed') expect(z.issue_lag_us!.p99).toBe(0);
      }
    }
  });

  it('FifoSlots is a min-heap of free times (property: against a sorted list)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 60 }), (k, ends) => {
        const h = new FifoSlots(k);
        const list: number[] = Array(k).fill(-Infinity);
        for (const e of ends) {
          expect(h.earliest).toBe(list[0]);
          list[0] = e;
          list.sort((a, c) => a - c);
          h.occupy(e);
        }
        expect(h.earliest).toBe(list[0]);
      }),
    );
  });
});

describe('queueing oracle: M/M/K (Erlang C)', () => {
  /** Erlang C: the probability an arrival waits, K servers, offered load a = λ/μ. */
  function erlangC(k: number, a: number): number {
    let term = 1;
    let sum = 1; // Σ_{n<k} a^n/n!
    for (let n = 1; n < k; n++) {
      term *= a / n;
      sum += term;
    }
    const last = ((term * a) / k) * (k / (k - a)); // a^k/k! · k/(k−a)
    return last / (sum + last);
  }

  for (const k of [4, 16]) {
    it(`K = ${k}, ρ = 0.8: mean wait = C(K, a) / (Kμ − λ) within sampling error`, () => {
      const N = 300_000;
      const rho = 0.8;
      const lambda = rho * k; // per ms, μ = 1 per ms
      const r = rng(40 + k);
      const ios: TIo[] = [];
      let t = 0;
      for (let i = 0; i < N; i++) {
        t += (-Math.log(1 - r()) / lambda) * MS;
        const cost = -Math.log(1 - r()) * MS;
        ios.push({ zone: 0, arrival: t, cost, latency: cost }); // the observation plays no part here
      }
      const b = build(ios, 4096);
      const { ios: out } = simulate(b, 'fifo', zonesOf(1), { k });
      // batch means: 30 consecutive batches, each far longer than a busy period
      const batches = 30;
      const per = N / batches;
      const means: number[] = [];
      for (let j = 0; j < batches; j++) {
        let s = 0;
        for (let i = j * per; i < (j + 1) * per; i++) s += out[i].latency - b.ios[i].cost;
        means.push(s / per / MS);
      }
      const w = means.reduce((a, c) => a + c, 0) / batches;
      const sd = Math.sqrt(means.reduce((a, c) => a + (c - w) ** 2, 0) / (batches - 1));
      const se = sd / Math.sqrt(batches);
      const expected = erlangC(k, lambda) / (k - lambda);
      expect(Math.abs(w - expected)).toBeLessThan(4 * se);
      // and the sampling error is small enough for that to mean something
      expect(se / expected).toBeLessThan(0.05);
    });
  }
});

describe('fair as SFQ(D) on a device of 8 slots', () => {
  it('two saturating zones weighted 1:3 get 25 % / 75 % of the device time (fifo: 50 / 50)', () => {
    // 8 slots deliver 8 ms of service per ms. Zone 0 offers 16 IOs of 1 ms per ms, zone 1 8 IOs
    // of 2 ms per ms: 16 ms of work each, both backlogged from the start. SFQ(D) serves start
    // tags in order, tags advancing by cost / weight: device time 1:3 while both are backlogged.
    const ios: TIo[] = [];
    for (let t = 0; t < 2000; t++) {
      // (the observed latency plays no part here)
      for (let j = 0; j < 16; j++) ios.push({ zone: 0, arrival: t * MS + j, cost: MS, latency: MS });
      for (let j = 0; j < 8; j++) ios.push({ zone: 1, arrival: t * MS + 16 + j, cost: 2 * MS, latency: 2 * MS });
    }
    const b = build(ios, 4096);
    const zones = zonesOf(2, [1, 3]);
    const shareOf1 = (policy: string) => {
      const { ios: out } = simulate(b, policy, zones, { k: 8 });
      const work = [0, 0];
      out.forEach((x, i) => x.completion <= 2 * S && (work[x.zone] += b.ios[i].cost));
      expect(work[0] + work[1]).toBeGreaterThan(0.99 * 8 * 2 * S); // the slots were kept busy
      return work[1] / (work[0] + work[1]);
    };
    expect(Math.abs(shareOf1('fair') - 0.75)).toBeLessThan(0.02);
    expect(Math.abs(shareOf1('fifo') - 0.5)).toBeLessThan(0.02);
  });
});

describe('cap on a device of 8 slots', () => {
  // Poisson 6000/s of 1 ms IOs for 5 s on 8 slots (75 % load), capped at 2000 IOPS with a
  // 100 ms bucket (200 tokens). The observation is the FIFO 8-server's; calibration recovers
  // the 1 ms services.
  const r = rng(17);
  const gen: { issue: number; service: number; done: number }[] = [];
  let t = 0;
  for (;;) {
    t += -Math.log(1 - r()) * (S / 6000);
    if (t >= 5 * S) break;
    gen.push({ issue: Math.round(t), service: MS, done: 0 });
  }
  runFifo(gen as GenIo[], 8);
  const b = build(gen.map((g) => ({ zone: 0, arrival: g.issue, cost: g.service, latency: g.done - g.issue })), 1024);
  const cap = { ...noCap, all: { iops: 2000, bytesPerS: null }, text: '2000iops' };

  it('starts at most r·t + burst IOs in any window, and with equal services completes at most that many', () => {
    const { ios: out } = simulate(b, 'cap', zonesOf(1), { cap, k: 8 });
    const starts = out.map((x) => x.completion - MS).sort((a, c) => a - c);
    const done = out.map((x) => x.completion).sort((a, c) => a - c);
    for (const w of [0.001, 0.01, 0.1, 1, 3]) {
      // +1: a closed window holds both edges
      expect(mostInWindow(starts, w * S)).toBeLessThanOrEqual(2000 * w + 200 + 1);
      expect(mostInWindow(done, w * S)).toBeLessThanOrEqual(2000 * w + 200 + 1);
    }
    // the bucket really binds: over 1 s windows it is near the rate
    expect(mostInWindow(done, S)).toBeGreaterThan(2000);
  });

  it('with unequal services the starts keep the bound, completions are bounded by r·(t + the longest service) + burst', () => {
    // the same arrivals, services alternating 0.2 ms and 5 ms: IOs started before a window may end in it
    const mixed = build(b.ios.map((io, i) => ({ ...io, cost: i % 2 ? 5 * MS : 0.2 * MS })), 1024);
    const { ios: out } = simulate(mixed, 'cap', zonesOf(1), { cap, k: 8 });
    const starts = out.map((x, i) => x.completion - mixed.ios[i].cost).sort((a, c) => a - c);
    const done = out.map((x) => x.completion).sort((a, c) => a - c);
    for (const w of [0.001, 0.002, 0.01, 0.1, 1]) {
      expect(mostInWindow(starts, w * S)).toBeLessThanOrEqual(2000 * w + 200 + 1);
      expect(mostInWindow(done, w * S)).toBeLessThanOrEqual(2000 * (w + 0.005) + 200 + 1);
    }
  });

  it('two slots: completions can bunch beyond r·t + burst (one server cannot)', () => {
    // 1 IOPS, one token. A (1 s) starts at 0; B (1 ms) gets the next token at 1 s and, with a
    // second slot, completes at 1.001 s with A: 2 completions in a window of length 0, where
    // r·0 + burst = 1. On one server B starts only when A is done.
    const b2 = build([
      { zone: 0, arrival: 0, cost: S + MS, latency: S + MS },
      { zone: 0, arrival: 0, cost: MS, latency: S + 2 * MS },
    ]);
    const one = { ...noCap, all: { iops: 1, bytesPerS: null }, burstS: 1, text: '1iops' };
    // (B's token arrives at 1 s to within the rounding of the bucket's arithmetic)
    const two = simulate(b2, 'cap', zonesOf(1), { cap: one, k: 2 }).ios.map((x) => x.completion);
    expect(two[0]).toBe(S + MS);
    expect(Math.abs(two[1] - (S + MS))).toBeLessThan(1e-3);
    const serial = simulate(b2, 'cap', zonesOf(1), { cap: one, k: 1 }).ios.map((x) => x.completion);
    expect(serial[0]).toBe(S + MS);
    expect(serial[1]).toBe(S + 2 * MS);
  });

  it('leaves 3/4 of the slot time idle while capped IO waits, and loses what the bucket holds back', () => {
    const res = runReplays(b.store, zonesOf(1), [dev(null)], b.span, opts({ policies: ['fifo', 'cap'], cap, parallelism: slots(8) }));
    const [fifo, c] = res.policies;
    const spanS = (b.span.endNs - b.span.startNs) / S;
    expect(fifo.idle_while_waiting_s).toBe(0);
    expect(fifo.throughput_loss).toBe(0);
    // The bucket (200 tokens, +2 per ms) empties after ≈50 ms of arrivals at 6 per ms; from then
    // on IO always waits while 2000/s × 1 ms = 2 of the 8 slots are busy on average: 6/8 idle.
    const expected = 0.75 * (spanS - 0.05);
    expect(Math.abs(c.idle_while_waiting_s! / expected - 1)).toBeLessThan(0.02);
    // work within the span: ≈ 2000·span + 200 of the ≈ 6000·5 IOs fifo completed
    const n = gen.length;
    expect(Math.abs(c.throughput_loss! - (1 - (2000 * spanS + 200) / n))).toBeLessThan(0.01);
  });
});

describe('idle while IO waited and busy time on K slots, by hand', () => {
  it('two slots, one capped zone: ½ of the slot time while one slot serves, all of it while none does', () => {
    // three IOs at t = 0, 0.1 s each; 1 IOPS with a bucket of one token. IO 0 starts at 0, the
    // others wait for tokens at 1 s and 2 s. The span (first arrival to the last observed
    // completion, the FIFO single server's: 0.3 s): [0, 0.1) one slot of two idle = 0.05 s,
    // [0.1, 0.3] both idle = 0.2 s; 0.25 s in all.
    const b = build([0, 1, 2].map(() => ({ zone: 0, arrival: 0, cost: 0.1 * S })));
    expect(b.span.endNs).toBe(0.3 * S);
    const cap = { ...noCap, all: { iops: 1, bytesPerS: null }, burstS: 1, text: '1iops' };
    const { ios: out, sim } = simulate(b, 'cap', zonesOf(1), { cap, k: 2 });
    expect(out.map((x) => x.completion)).toEqual([0.1 * S, 1.1 * S, 2.1 * S]);
    expect(sim.idleWaiting).toBe(0.25 * S);
    // at K = 1 the same trace idles the whole span minus the first service: 0.2 s
    expect(simulate(b, 'cap', zonesOf(1), { cap, k: 1 }).sim.idleWaiting).toBe(0.2 * S);
  });

  it('busy time counts time with at least one IO in service (the throttle\'s %busy); device time counts slot time', () => {
    // [0, 2) and [1, 3) ms overlap: busy 3 ms, device time 4 ms; then [10, 11): busy 4, device 5
    const b = build([
      { zone: 0, arrival: 0, cost: 2 * MS, latency: 2 * MS },
      { zone: 1, arrival: 1 * MS, cost: 2 * MS, latency: 2 * MS },
      { zone: 0, arrival: 10 * MS, cost: MS, latency: MS },
    ]);
    const { sim } = simulate(b, 'fifo', zonesOf(2), { k: 2 });
    expect(sim.busyTime(Infinity)).toBe(4 * MS);
    expect(sim.busyTotal).toBe(5 * MS);
    expect(sim.actual[0] + sim.actual[1]).toBe(5 * MS);
  });
});

describe('work conservation on K slots', () => {
  const K = 8;
  function trace(seed: number, cost: (r: () => number) => number): TIo[] {
    const r = rng(seed);
    const ios: TIo[] = [];
    let t = 0;
    for (let i = 0; i < 6000; i++) {
      t += -Math.log(1 - r()) * (MS / 7.5); // 7.5 IOs per ms: near saturation with 1 ms services
      ios.push({ zone: Math.floor(r() * 3), arrival: Math.round(t), cost: cost(r), latency: 0 });
    }
    return ios;
  }
  const zones = zonesOf(3, [1, 2, 5]);

  it('equal services: fair completes IOs at exactly fifo\'s times (only who completes differs), so the same makespan', () => {
    // every IO is alike to the slots, so any order that never idles a slot with IO queued starts
    // and ends IOs at the same instants
    const b = build(trace(31, () => MS));
    const f = simulate(b, 'fifo', zones, { k: K });
    const g = simulate(b, 'fair', zones, { k: K });
    const times = (x: typeof f) => x.ios.map((io) => io.completion).sort((a, c) => a - c);
    expect(times(g)).toEqual(times(f));
    expect(g.sim.lastCompletion).toBe(f.sim.lastCompletion);
    expect(f.ios.some((x, i) => x.completion !== g.ios[i].completion)).toBe(true); // fair did reorder
  });

  it('unequal services: the same device time and no idle slot while IO waits, but makespans may differ, by at most 2(1 − 1/K)·the longest service', () => {
    const b = build(trace(32, (r) => Math.round((0.1 + 2 * -Math.log(1 - r())) * MS * 0.5)));
    const f = simulate(b, 'fifo', zones, { k: K }).sim;
    const g = simulate(b, 'fair', zones, { k: K }).sim;
    expect(g.busyTotal).toBe(f.busyTotal);
    expect(f.idleWaiting).toBe(0);
    expect(g.idleWaiting).toBe(0);
    const longest = Math.max(...b.ios.map((io) => io.cost));
    expect(Math.abs(g.lastCompletion - f.lastCompletion)).toBeLessThanOrEqual(2 * (1 - 1 / K) * longest);
  });

  it('a schedule where they do differ (two slots): fifo 11 ms, fair 10 ms', () => {
    // at t = 0: A1 (1 ms), A2 (1 ms), B1 (10 ms). fifo runs A1 and A2, then B1 from 1 ms to 11.
    // SFQ tags: A1 S=0, A2 S=1, B1 S=0, so A1 and B1 go first; A2 runs 1–2 ms; B1 ends at 10.
    const b = build([
      { zone: 0, arrival: 0, cost: MS, latency: MS },
      { zone: 0, arrival: 0, cost: MS, latency: MS },
      { zone: 1, arrival: 0, cost: 10 * MS, latency: 10 * MS },
    ]);
    expect(simulate(b, 'fifo', zonesOf(2), { k: 2 }).sim.lastCompletion).toBe(11 * MS);
    expect(simulate(b, 'fair', zonesOf(2), { k: 2 }).sim.lastCompletion).toBe(10 * MS);
  });
});

describe('fidelity on a device that is not FIFO', () => {
  it('a processor-sharing trace gets a warning with its numbers; a FIFO one of the same K does not', () => {
    // At 90 % load on 8 units more than 8 IOs are often in flight: processor sharing then slows
    // every IO in flight where a FIFO queue holds the newest back, and short IOs overtake long
    // ones. (At 70 % load rarely more than 8 are, and the FIFO model is within 10 % per zone.)
    const toEvents = (gen: GenIo[]) => gen.map((g) => ({ zone: g.zone, device: 'nvme0', issue: g.issue, done: g.done, bytes: g.bytes, write: g.op === 'W' }));
    const ps = analyzeEvents(toEvents(generate({ k: 8, discipline: 'ps', load: 0.9, ios: 8000, seed: 9 })), { policy: 'fifo,fair', parallelism: { nvme0: 8 } });
    const f = (ps.json as { replay_fidelity: { rms_pct: number; devices: unknown; zones: { zone: string; p50_error_pct: number; p99_error_pct: number }[] } }).replay_fidelity;
    expect(f.devices).toEqual([{ device: 'nvme0', parallelism: 8 }]);
    const worst = [...f.zones].sort((a, b) => Math.max(Math.abs(b.p50_error_pct), Math.abs(b.p99_error_pct)) - Math.max(Math.abs(a.p50_error_pct), Math.abs(a.p99_error_pct)))[0];
    expect(Math.max(Math.abs(worst.p50_error_pct), Math.abs(worst.p99_error_pct))).toBeGreaterThan(FIDELITY_LIMITS.zone_error_pct);
    const w = ps.analysis.warnings.find((x) => x.startsWith('the replay model'));
    expect(w).toBeDefined();
    // the numbers it prints are the report's
    expect(w).toContain('nvme0 8');
    expect(w).toContain(`RMS distance ${f.rms_pct.toFixed(0)} % of the mean`);
    expect(w).toContain(`zone ${worst.zone}: p50`);
    const signed = (x: number) => `${x > 0 ? '+' : x < 0 ? '-' : ''}${Math.abs(x).toFixed(0)} %`;
    expect(w).toContain(`(${signed(worst.p50_error_pct)})`);
    expect(w).toContain(`(${signed(worst.p99_error_pct)})`);

    const fifo = analyzeEvents(toEvents(generate({ k: 8, discipline: 'fifo', load: 0.9, ios: 8000, seed: 9 })), { policy: 'fifo,fair', parallelism: { nvme0: 8 } });
    expect(fifo.analysis.warnings.filter((x) => /reproduces the observed latencies poorly/.test(x))).toEqual([]);
    expect((fifo.json as { replay_fidelity: { rms_pct: number } }).replay_fidelity.rms_pct).toBe(0);
  });

  it('a parallel device replayed as one server gets a warning per zone even when the RMS distance is under its limit', () => {
    const gen = generate({ k: 8, discipline: 'fifo', load: 0.7, ios: 4000, seed: 2024 });
    const r = analyzeEvents(
      gen.map((g) => ({ zone: g.zone, device: 'nvme0', issue: g.issue, done: g.done, bytes: g.bytes, write: g.op === 'W' })),
      { policy: 'fifo', parallelism: { nvme0: 1 } },
    );
    const f = (r.json as { replay_fidelity: { rms_pct: number } }).replay_fidelity;
    expect(f.rms_pct).toBeLessThan(FIDELITY_LIMITS.rms_pct);
    const w = r.analysis.warnings.find((x) => x.startsWith('the single-server replay model'));
    expect(w).toContain(`RMS distance ${f.rms_pct.toFixed(0)} % of the mean; zone `);
    expect(w).toContain('--parallelism');
  });
});
