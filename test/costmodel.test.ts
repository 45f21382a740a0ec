// The per-device linear cost model: recovered from a generated serial disk whose IOs cost exactly
// base(op, seq|rand) + pages × page(op) (times a noise factor of mean 1), and turned into Linux
// io.cost.model parameters as blk-iocost's calc_lcoefs would read them back.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { simulate, DEFAULT_MODEL, type ZoneKind, type GenIo } from '../scripts/gen-parallel.mjs';
import { EventObserver } from '../src/core/observe.js';
import {
  CLASS_SUMS,
  F_READ_PAGES,
  F_READ_RAND,
  F_READ_SEQ,
  F_WRITE_PAGES,
  F_WRITE_RAND,
  F_WRITE_SEQ,
  FIT_STRIDE,
  NFEAT,
  addIo,
  ioCostModelLine,
  pagesOf,
  solveSums,
  toIoCostModel,
  type LinearFit,
} from '../src/core/costmodel.js';

/** Every class of IO at 4 KiB and at one larger size, so all six coefficients are determined. */
const MIX: ZoneKind[] = [
  { zone: 'rr4', op: 'R', bytes: 4096, seq: false, fraction: 1 },
  { zone: 'rr64', op: 'R', bytes: 65536, seq: false, fraction: 1 },
  { zone: 'rs4', op: 'R', bytes: 4096, seq: true, fraction: 1 },
  { zone: 'rs256', op: 'R', bytes: 262144, seq: true, fraction: 1 },
  { zone: 'wr4', op: 'W', bytes: 4096, seq: false, fraction: 1 },
  { zone: 'wr128', op: 'W', bytes: 131072, seq: false, fraction: 1 },
  { zone: 'ws4', op: 'W', bytes: 4096, seq: true, fraction: 1 },
  { zone: 'ws512', op: 'W', bytes: 524288, seq: true, fraction: 1 },
].map((z) => ({ ...z, fraction: 1 / 8 }) as ZoneKind);

function run(ios: GenIo[], device = 'sd0', opts: { costBy?: 'model' | 'service'; k?: number } = {}) {
  const obs = new EventObserver({
    weightOf: () => undefined,
    reorderWindowNs: 2e9,
    store: null,
    costBy: opts.costBy,
    parallelismOf: opts.k ? () => opts.k : undefined,
  });
  for (const io of ios) obs.io(io.zone, device, io.op, io.bytes, io.issue, io.done, undefined, io.offset);
  return obs.finish();
}

describe('cost model fitted to a serial disk', () => {
  const ios = simulate({ k: 1, discipline: 'fifo', load: 0.5, ios: 24000, seed: 31, noise: 'uniform', mix: MIX });
  const res = run(ios);
  const m = res.devices[0].cost_model!;

  it('recovers the per-IO and per-page costs within 3 %', () => {
    expect(res.devices[0].attribution).toBe('busy_period');
    const close = (got: number | null, want: number) => expect(Math.abs(got! - want / 1000) / (want / 1000)).toBeLessThan(0.03);
    close(m.read_rand_io_us, DEFAULT_MODEL.readRand);
    close(m.read_seq_io_us, DEFAULT_MODEL.readSeq);
    close(m.read_page_us, DEFAULT_MODEL.readPage);
    close(m.write_rand_io_us, DEFAULT_MODEL.writeRand);
    close(m.write_seq_io_us, DEFAULT_MODEL.writeSeq);
    close(m.write_page_us, DEFAULT_MODEL.writePage);
    expect(m.offsets_known).toBe(true);
    expect(m.ios).toBe(24000);
    expect(m.r2!).toBeGreaterThan(0.8);
  });

  it('prints io.cost.model parameters within 3 % of the ones worked out by hand', () => {
    // page = 1 s / (bps / 4096); seqio = 1 s / seqiops − page; randio = 1 s / randiops − page
    const hand = {
      rbps: (4096 * 1e9) / 5000, // 819,200,000 B/s
      rseqiops: 1e9 / (20000 + 5000), // 40,000
      rrandiops: 1e9 / (80000 + 5000), // 11,765
      wbps: (4096 * 1e9) / 10000, // 409,600,000 B/s
      wseqiops: 1e9 / (15000 + 10000), // 40,000
      wrandiops: 1e9 / (60000 + 10000), // 14,286
    };
    for (const [k, v] of Object.entries(hand)) expect(Math.abs(m.io_cost_model[k as keyof typeof hand]! - v) / v).toBeLessThan(0.03);
    expect(m.io_cost_model_line).toMatch(/^sd0 ctrl=user model=linear rbps=\d+ rseqiops=\d+ rrandiops=\d+ wbps=\d+ wseqiops=\d+ wrandiops=\d+$/);
  });

  it('--cost model charges each IO its modelled cost: shares follow the model, Σ deviation stays 0', () => {
    const byModel = run(ios, 'sd0', { costBy: 'model' });
    expect(byModel.devices[0].attribution).toBe('cost_model');
    expect(byModel.shareMeasure).toBe('cost_model');
    // the model's cost summed over a zone ≈ its measured service (the fit has the same class means)
    for (const z of byModel.zones) {
      const measured = res.zones.find((x) => x.zone === z.zone)!;
      expect(Math.abs(z.device_share! - measured.device_share!)).toBeLessThan(0.01);
    }
    expect(byModel.zones.reduce((s, z) => s + z.deviation!, 0)).toBeCloseTo(0, 9);
    expect(byModel.warnings.join()).toMatch(/--cost model/);
  });
});

describe('io.cost.model from coefficients', () => {
  /** A fit with exactly these coefficients (ns), every column determined. */
  function exactFit(theta: number[], identified = theta.map(() => true), onePage: [boolean, boolean] = [false, false]): LinearFit {
    return { theta: Float64Array.from(theta), identified, n: 100, sumY: 1, sse: 0, r2: 1, onePage };
  }

  it('inverts calc_lcoefs, per unit of the device divided by its parallelism', () => {
    // read rand 80 µs, write rand 60 µs, read seq 20 µs, write seq 15 µs, pages 5 and 10 µs
    const fit = exactFit([80000, 60000, 20000, 15000, 5000, 10000]);
    expect(toIoCostModel(fit, 1)).toEqual({ rbps: 819200000, rseqiops: 40000, rrandiops: 11765, wbps: 409600000, wseqiops: 40000, wrandiops: 14286 });
    // four units: each IO costs a quarter of the device's capacity
    expect(toIoCostModel(fit, 4)).toEqual({ rbps: 3276800000, rseqiops: 160000, rrandiops: 47059, wbps: 1638400000, wseqiops: 160000, wrandiops: 57143 });
  });

  it('leaves out what the trace does not determine', () => {
    // no sequential IO; write page cost collinear with the write base (one size, not 4 KiB)
    const fit = exactFit([80000, 60000, 0, 0, 5000, 0], [true, true, false, false, true, false]);
    const m = toIoCostModel(fit, 1);
    expect(m).toEqual({ rbps: 819200000, rseqiops: null, rrandiops: 11765, wbps: null, wseqiops: null, wrandiops: null });
    expect(ioCostModelLine('8:16', m)).toBe('8:16 ctrl=user model=linear rbps=819200000 rrandiops=11765');
    expect(ioCostModelLine('259,0', m)).toBe('259:0 ctrl=user model=linear rbps=819200000 rrandiops=11765');
    // writes all 4 KiB: the base is a 4 KiB write's whole cost, so its IOPS is known
    const one = exactFit([80000, 70000, 0, 0, 5000, 0], [true, true, false, false, true, false], [false, true]);
    expect(toIoCostModel(one, 1).wrandiops).toBe(14286);
  });

  it('solves the sums: an exact linear model is recovered exactly', () => {
    const sums = new Float64Array(FIT_STRIDE);
    const theta = [80000, 60000, 20000, 15000, 5000, 10000];
    const by = new Float64Array(2);
    for (const [cls, sizes] of [
      [F_READ_RAND, [4096, 65536]],
      [F_WRITE_RAND, [8192, 131072]],
      [F_READ_SEQ, [4096, 262144]],
      [F_WRITE_SEQ, [16384, 524288]],
    ] as const)
      for (const bytes of sizes) {
        const pc = cls & 1 ? F_WRITE_PAGES : F_READ_PAGES;
        by[0] = bytes;
        by[1] = theta[cls] + pagesOf(bytes) * theta[pc];
        addIo(sums, 0, cls, by);
      }
    const fit = solveSums(sums);
    for (let f = 0; f < NFEAT; f++) expect(fit.theta[f]).toBeCloseTo(theta[f], 6);
    expect(fit.identified.every(Boolean)).toBe(true);
    expect(fit.sse).toBeCloseTo(0, 3);
    expect(sums.length).toBe(4 * CLASS_SUMS);
  });

  it('no cost is negative: larger IOs that came out cheaper get a page cost of 0 and the mean as their base', () => {
    // random reads: 1-page IOs took 10 µs, 4-page IOs 4 µs. Unconstrained, page = −2 µs and base
    // 12 µs; with costs ≥ 0, page = 0 and base = the mean, 7 µs (R² 0: the base alone).
    const sums = new Float64Array(FIT_STRIDE);
    const by = new Float64Array(2);
    for (let i = 0; i < 10; i++)
      for (const [bytes, y] of [
        [4096, 10000],
        [16384, 4000],
      ]) {
        by[0] = bytes;
        by[1] = y;
        addIo(sums, 0, F_READ_RAND, by);
      }
    const fit = solveSums(sums);
    expect(fit.theta[F_READ_RAND]).toBeCloseTo(7000, 9);
    expect(fit.theta[F_READ_PAGES]).toBe(0);
    expect(fit.identified[F_READ_PAGES]).toBe(true);
    expect(fit.sse).toBeCloseTo(20 * 3000 * 3000, 3);
    expect(fit.r2).toBeCloseTo(0, 9);
  });

  it('property: the fit is the non-negative least-squares optimum (its optimality conditions hold)', () => {
    const io = fc.record({ cls: fc.integer({ min: 0, max: 3 }), pages: fc.constantFrom(1, 2, 8, 32), y: fc.integer({ min: 0, max: 200000 }) });
    fc.assert(
      fc.property(fc.array(io, { minLength: 1, maxLength: 40 }), (ios) => {
        const sums = new Float64Array(FIT_STRIDE);
        const by = new Float64Array(2);
        for (const x of ios) {
          by[0] = x.pages * 4096;
          by[1] = x.y;
          addIo(sums, 0, x.cls, by);
        }
        const fit = solveSums(sums);
        // gradient of ½‖Xθ − y‖² per column: Xᵀ(Xθ − y); 0 where θ > 0, ≥ 0 where θ = 0
        const grad = new Array<number>(NFEAT).fill(0);
        let scale = 0;
        for (const x of ios) {
          const pc = x.cls & 1 ? F_WRITE_PAGES : F_READ_PAGES;
          const r = fit.theta[x.cls] + x.pages * fit.theta[pc] - x.y;
          grad[x.cls] += r;
          grad[pc] += r * x.pages;
          scale += x.y * x.pages;
        }
        const tol = 1e-6 * (scale + 1);
        for (let f = 0; f < NFEAT; f++) {
          expect(fit.theta[f]).toBeGreaterThanOrEqual(0);
          if (!fit.identified[f]) continue;
          if (fit.theta[f] > 0) expect(Math.abs(grad[f])).toBeLessThanOrEqual(tol);
          else expect(grad[f]).toBeGreaterThanOrEqual(-tol);
        }
      }),
      { numRuns: 300 },
    );
  });
});
