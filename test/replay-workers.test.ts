import { describe, it, expect, afterAll } from 'vitest';
import { ladderSpec, runReplays, type ReplayOptions, type ReplayResult } from '../src/core/replay/index.js';
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
    { name: 'sd0', medianIops: 3000, medianBytesPerS: null, capacityRange: { iops: [1000, 8000] as [number, number], bytes: null } },
    { name: 'sd1', medianIops: 9000, medianBytesPerS: null, capacityRange: { iops: [3000, 20000] as [number, number], bytes: null } },
  ];
  // the cli's store, with most blocks spilled to its file
  const spool = new SpoolReplayStore(40 * 512 * REPLAY_STRIDE * 8);
  for (const [blk, len] of b.store.blocks()) spool.append(blk, len);
  return { b, zones, devices, spool };
}

const t = trace(60_000);
afterAll(() => t.spool.dispose());

/** The analysis's options: the default policies, the ladder, the hog closed loop and the rest open. */
const full = (over: Partial<ReplayOptions> = {}): ReplayOptions =>
  opts({ zoneLoops: ['closed', 'open', 'open', 'open', 'open'], ladder: ladderSpec('iops'), reference: true, ...over });

function single(): ReplayResult {
  return runReplays(t.b.store, t.zones, t.devices, t.b.span, full());
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
    expect(r.policies.map((p) => p.loop)).toEqual(['per-zone', 'per-zone', 'per-zone', 'per-zone']);
    expect(r.ladder.map((l) => l.params.level)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(r.ladder[0].backlog!.ops).toBeGreaterThan(0);
  });

  it('gives exactly the single-thread result (each thread replays every simulation on its devices)', () => {
    const how: string[] = [];
    const par = parallelReplayRunner({ minIos: 0, report: (h, split) => how.push(`${h}/${split}`) });
    const got = par(t.spool, t.zones, t.devices, t.b.span, full());
    expect(how).toEqual(['worker/devices']);
    expect(got).toEqual(single());
  });

  it('and with every zone closed loop', () => {
    const how: string[] = [];
    const par = parallelReplayRunner({ minIos: 0, report: (h, split) => how.push(`${h}/${split}`) });
    const o = full({ zoneLoops: Array(5).fill('closed') });
    const got = par(t.spool, t.zones, t.devices, t.b.span, o);
    expect(how).toEqual(['worker/devices']);
    expect(got).toEqual(runReplays(t.b.store, t.zones, t.devices, t.b.span, o));
  });

  it('and with the devices as 4 and 16 slots (services calibrated on each thread)', () => {
    const how: string[] = [];
    const par = parallelReplayRunner({ minIos: 0, report: (h, split) => how.push(`${h}/${split}`) });
    const o = full({ parallelism: new Map([['sd0', 4], ['sd1', 16]]) });
    const got = par(t.spool, t.zones, t.devices, t.b.span, o);
    expect(how).toEqual(['worker/devices']);
    const one = runReplays(t.b.store, t.zones, t.devices, t.b.span, o);
    expect(got).toEqual(one);
    // the slots changed the replay: not the single servers' result
    expect(one.policies.map((p) => p.makespan_s)).not.toEqual(single().policies.map((p) => p.makespan_s));
    expect(one.fidelity.devices).toEqual([
      { device: 'sd0', parallelism: 4 },
      { device: 'sd1', parallelism: 16 },
    ]);
  });

  it('devices too unequal to split (80 % of the IO on one): ladder levels split between the threads, the same result', () => {
    const skew = trace(20_000, 0.8);
    try {
      const how: string[] = [];
      const par = parallelReplayRunner({ minIos: 0, report: (h, split) => how.push(`${h}/${split}`) });
      const o = full();
      expect(par(skew.spool, skew.zones, skew.devices, skew.b.span, o)).toEqual(runReplays(skew.b.store, skew.zones, skew.devices, skew.b.span, o));
      expect(how).toEqual(['worker/simulations']);
    } finally {
      skew.spool.dispose();
    }
  });

  it('a worker started ahead (while the input is read) gives the same result; unused, it is let go', () => {
    const how: string[] = [];
    const par = parallelReplayRunner({ minIos: 0, prestart: true, report: (h) => how.push(h) });
    expect(par(t.spool, t.zones, t.devices, t.b.span, full())).toEqual(single());
    const unused = parallelReplayRunner({ minIos: 1e6, prestart: true, report: (h) => how.push(h) });
    expect(unused(t.spool, t.zones, t.devices, t.b.span, full())).toEqual(single());
    expect(how).toEqual(['worker', 'single']);
  });

  it('stays on one thread below minIos, or on one device without a ladder to split', () => {
    const how: string[] = [];
    const par = parallelReplayRunner({ minIos: 1e6, report: (h) => how.push(h) });
    expect(par(t.spool, t.zones, t.devices, t.b.span, full())).toEqual(single());
    const par0 = parallelReplayRunner({ minIos: 0, report: (h) => how.push(h) });
    const one = build(t.b.ios.filter((io) => io.device === 0), 512);
    const spool = new SpoolReplayStore(4 * 512 * REPLAY_STRIDE * 8);
    for (const [blk, len] of one.store.blocks()) spool.append(blk, len);
    try {
      const o = full({ ladder: null });
      expect(par0(spool, t.zones, [t.devices[0]], one.span, o)).toEqual(runReplays(one.store, t.zones, [t.devices[0]], one.span, o));
    } finally {
      spool.dispose();
    }
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
    const got = par(t.spool, t.zones, t.devices, t.b.span, full());
    expect(how.length).toBe(1);
    expect(['single', 'fallback']).toContain(how[0]);
    expect(got).toEqual(single());
  });
});

describe('replay on two threads, one device (ladder levels split between the threads)', () => {
  const one = build(t.b.ios.filter((io) => io.device === 0), 512);
  const devices = [t.devices[0]];
  const spool = new SpoolReplayStore(4 * 512 * REPLAY_STRIDE * 8);
  for (const [blk, len] of one.store.blocks()) spool.append(blk, len);
  afterAll(() => spool.dispose());

  for (const loop of ['open', 'closed'] as const) {
    for (const [policies, k] of [
      [['fifo', 'cap', 'throttle', 'fair'], 1],
      [['cap'], 1],
      [['fifo', 'cap', 'throttle', 'fair'], 8],
    ] as const) {
      it(`gives exactly the single-thread result (every zone ${loop} loop; policies ${policies.join(',')}; ${k} slot(s))`, () => {
        const how: string[] = [];
        const par = parallelReplayRunner({ minIos: 0, report: (h, split) => how.push(`${h}/${split}`) });
        const o = full({ loop, zoneLoops: undefined, policies: [...policies], parallelism: new Map([['sd0', k]]) } as Partial<ReplayOptions>);
        const got = par(spool, t.zones, devices, one.span, o);
        expect(how).toEqual(['worker/simulations']);
        expect(got).toEqual(runReplays(one.store, t.zones, devices, one.span, o));
        expect(got.ladder.map((l) => l.params.level)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        expect(got.policies.map((p) => p.loop)).toEqual(Array(policies.length).fill(loop));
      });
    }
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
      // the harness feeds every IO to one device: Lindley over the whole sorted list, in the
      // simulation's time (relative to the first arrival)
      let free = -Infinity;
      let work = 0;
      for (let i = 0; i < b.ios.length; i++) {
        const io = b.ios[i];
        free = Math.max(free, io.arrival - b.span.startNs) + io.cost;
        work += io.cost;
        if (policy === 'fifo') expect(sim.ios[i].rel).toBe(free);
      }
      // fair is work-conserving: same busy time and the same last completion (makespan)
      expect(sim.sim.busyTotal).toBeCloseTo(work, 0);
      expect(sim.sim.lastCompletion).toBeCloseTo(free, 0);
    }
  });
});
