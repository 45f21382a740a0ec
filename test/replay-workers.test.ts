import { describe, it, expect, afterAll } from 'vitest';
import { runReplays, type ReplayResult } from '../src/core/replay/index.js';
import { parallelReplayRunner, splitDevices } from '../src/cli/replay-workers.js';
import { SpoolReplayStore } from '../src/cli/spool.js';
import { REPLAY_STRIDE } from '../src/core/replay/types.js';
import { build, opts, rng, simulate, MS, type TIo } from './replay-helpers.js';

// The worker (dist/cli/replay-worker.js) runs the built code: `npm test` builds first.

/**
 * Two devices (`onDevice0` of the IO on device 0), five zones (weights 1, 2, 3, 0, 1), a hog on
 * device 0 (offered ~2× what it can serve at an even split), and fractional costs, so that cap,
 * throttle and fair all act and every latency sum depends on the order of its additions: the
 * parallel result can only equal the single-thread one if each histogram sees the same values in
 * the same order.
 */
function trace(n: number, onDevice0 = 0.5) {
  const r = rng(7);
  const ios: TIo[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += r() * 0.1 * MS;
    const device = r() < onDevice0 ? 0 : 1;
    const zone = device === 0 && r() < 0.6 ? 0 : 1 + Math.floor(r() * 4);
    const cost = (zone === 0 ? 0.25 : 0.05 + r() * 0.2) * MS * (1 + r() * 1e-3);
    ios.push({ zone, device, arrival: t, cost, bytes: zone === 0 ? 131072 : 4096, write: r() < 0.3 });
  }
  const b = build(ios, 512);
  const zones = [1, 2, 3, 0, 1].map((weight, i) => ({ name: `z${i}`, weight }));
  const devices = [
    { name: 'sd0', medianIops: 3000, medianBytesPerS: null },
    { name: 'sd1', medianIops: 9000, medianBytesPerS: null },
  ];
  // the cli's store, with most blocks spilled to its file
  const spool = new SpoolReplayStore(40 * 512 * REPLAY_STRIDE * 8);
  for (const [blk, len] of b.store.blocks()) spool.append(blk, len);
  return { b, zones, devices, spool };
}

const t = trace(60_000);
afterAll(() => t.spool.dispose());

function single(): ReplayResult {
  return runReplays(t.b.store, t.zones, t.devices, t.b.span, opts({ compareLoops: true }));
}

describe('replay on two threads, two devices (split between the threads)', () => {
  it('the store really spills, and the trace exercises every policy', () => {
    const lay = t.spool.layout();
    expect(lay.file).not.toBeNull();
    expect(lay.spilled.length).toBeGreaterThan(10);
    expect(lay.memory.length).toBe(40);
    const r = single();
    const byName = new Map(r.policies.map((p) => [p.policy, p]));
    // the cap and the throttle change something; fair reorders (jain differs from fifo's)
    expect(byName.get('cap')!.throughput_loss!).toBeGreaterThan(0);
    expect(byName.get('cap')!.idle_while_waiting_s!).toBeGreaterThan(0);
    expect(byName.get('fair')!.jain).not.toBe(byName.get('fifo')!.jain);
    expect(r.other_loop).not.toBeNull();
    expect(r.other_loop!.map((p) => p.loop)).toEqual(['closed', 'closed', 'closed', 'closed']);
  });

  it('gives exactly the single-thread result (each thread replays both loop models on its devices)', () => {
    const how: string[] = [];
    const par = parallelReplayRunner({ minIos: 0, report: (h, split) => how.push(`${h}/${split}`) });
    const got = par(t.spool, t.zones, t.devices, t.b.span, opts({ compareLoops: true }));
    expect(how).toEqual(['worker/devices']);
    expect(got).toEqual(single());
  });

  it('and with the closed loop chosen', () => {
    const how: string[] = [];
    const par = parallelReplayRunner({ minIos: 0, report: (h, split) => how.push(`${h}/${split}`) });
    const o = opts({ compareLoops: true, loop: 'closed' });
    const got = par(t.spool, t.zones, t.devices, t.b.span, o);
    expect(how).toEqual(['worker/devices']);
    expect(got).toEqual(runReplays(t.b.store, t.zones, t.devices, t.b.span, o));
  });

  it('devices too unequal to split (80 % of the IO on one): a loop model each, the same result', () => {
    const skew = trace(20_000, 0.8);
    try {
      const how: string[] = [];
      const par = parallelReplayRunner({ minIos: 0, report: (h, split) => how.push(`${h}/${split}`) });
      const o = opts({ compareLoops: true });
      expect(par(skew.spool, skew.zones, skew.devices, skew.b.span, o)).toEqual(runReplays(skew.b.store, skew.zones, skew.devices, skew.b.span, o));
      expect(how).toEqual(['worker/loops']);
    } finally {
      skew.spool.dispose();
    }
  });

  it('a worker started ahead (while the input is read) gives the same result; unused, it is let go', () => {
    const how: string[] = [];
    const par = parallelReplayRunner({ minIos: 0, prestart: true, report: (h) => how.push(h) });
    expect(par(t.spool, t.zones, t.devices, t.b.span, opts({ compareLoops: true }))).toEqual(single());
    const unused = parallelReplayRunner({ minIos: 1e6, prestart: true, report: (h) => how.push(h) });
    expect(unused(t.spool, t.zones, t.devices, t.b.span, opts({ compareLoops: true }))).toEqual(single());
    expect(how).toEqual(['worker', 'single']);
  });

  it('stays on one thread below minIos or without the other loop', () => {
    const how: string[] = [];
    const par = parallelReplayRunner({ minIos: 1e6, report: (h) => how.push(h) });
    expect(par(t.spool, t.zones, t.devices, t.b.span, opts({ compareLoops: true }))).toEqual(single());
    const par0 = parallelReplayRunner({ minIos: 0, report: (h) => how.push(h) });
    const o = opts({ compareLoops: false });
    expect(par0(t.spool, t.zones, t.devices, t.b.span, o)).toEqual(runReplays(t.b.store, t.zones, t.devices, t.b.span, o));
    expect(how).toEqual(['single', 'single']);
  });

  it('does the worker half itself when the worker cannot start', () => {
    const how: string[] = [];
    const par = parallelReplayRunner({
      minIos: 0,
      stallMs: 300,
      workerUrl: new URL('./no-such-worker.js', import.meta.url),
      report: (h) => how.push(h),
    });
    const got = par(t.spool, t.zones, t.devices, t.b.span, opts({ compareLoops: true }));
    expect(how.length).toBe(1);
    expect(['single', 'fallback']).toContain(how[0]);
    expect(got).toEqual(single());
  });
});

describe('replay on two threads, one device (a loop model each)', () => {
  const one = build(t.b.ios.filter((io) => io.device === 0), 512);
  const devices = [t.devices[0]];
  const spool = new SpoolReplayStore(4 * 512 * REPLAY_STRIDE * 8);
  for (const [blk, len] of one.store.blocks()) spool.append(blk, len);
  afterAll(() => spool.dispose());

  for (const loop of ['open', 'closed'] as const) {
    it(`gives exactly the single-thread result (${loop} loop chosen)`, () => {
      const how: string[] = [];
      const par = parallelReplayRunner({ minIos: 0, report: (h, split) => how.push(`${h}/${split}`) });
      const o = opts({ compareLoops: true, loop });
      const got = par(spool, t.zones, devices, one.span, o);
      expect(how).toEqual(['worker/loops']);
      expect(got).toEqual(runReplays(one.store, t.zones, devices, one.span, o));
      expect(got.other_loop!.map((p) => p.loop)).toEqual(Array(4).fill(loop === 'open' ? 'closed' : 'open'));
    });
  }
});

describe('splitDevices', () => {
  it('balances IO counts, busiest first, ties to this thread', () => {
    expect(splitDevices(Float64Array.from([10, 10]))).toEqual([false, true]);
    // 50 | 30 + 20 → this thread gets the 50
    expect(splitDevices(Float64Array.from([20, 50, 30]))).toEqual([true, false, true]);
    // one dominant device alone on one side
    expect(splitDevices(Float64Array.from([1, 1, 100, 1]))).toEqual([true, true, false, true]);
    expect(splitDevices(Float64Array.from([5]))).toEqual([false]);
  });
});

describe('replay with many zones (picks look only at zones with IO queued)', () => {
  it('fifo over 500 zones, most idle at any moment, is Lindley’s recursion per device', () => {
    const r = rng(11);
    const ios: TIo[] = [];
    let t = 0;
    for (let i = 0; i < 20_000; i++) {
      t += r() * 0.05 * MS;
      ios.push({ zone: Math.floor(r() * 500), device: r() < 0.5 ? 0 : 1, arrival: t, cost: (0.01 + r() * 0.08) * MS });
    }
    const b = build(ios, 256);
    const zones = Array.from({ length: 500 }, (_, i) => ({ name: `z${i}`, weight: 1 + (i % 3) }));
    for (const policy of ['fifo', 'fair']) {
      const sim = simulate(b, policy, zones, { device: { name: 'sd0', medianIops: null, medianBytesPerS: null } });
      // the harness feeds every IO to one device: Lindley over the whole sorted list
      let free = -Infinity;
      let work = 0;
      for (let i = 0; i < b.ios.length; i++) {
        const io = b.ios[i];
        free = Math.max(free, io.arrival) + io.cost;
        work += io.cost;
        if (policy === 'fifo') expect(sim.ios[i].completion).toBe(free);
      }
      // fair is work-conserving: same busy time and the same last completion (makespan)
      expect(sim.sim.busyTotal).toBeCloseTo(work, 0);
      expect(sim.sim.lastCompletion).toBeCloseTo(free, 0);
    }
  });
});
