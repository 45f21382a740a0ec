import { describe, it, expect } from 'vitest';
import { ladderSpec, runReplays, type CapSpec, type LoopModel } from '../src/core/replay/index.js';
import { build, dev, MS, noCap, opts, rng, simulate, type TIo } from './replay-helpers.js';

// The replay pairs each IO's model latency under a policy with the baseline fifo's (same loop
// model) per zone and device. Check runReplays against a second, naive pairing: each device
// simulated alone on its device simulation, IOs paired by their index, reported = obs + (policy − fifo)
// floored at min(obs, policy), then per-zone count / max / mean over both devices.
describe('replay pairing (per zone and device)', () => {
  const r = rng(11);
  const ios: TIo[] = [];
  // zone 0 hogs both devices (2× a 1000 IOPS device for 3 s); zone 1 light on device 0, zone 2 on device 1
  for (let k = 0; k < 6000; k++) ios.push({ zone: 0, device: k % 2, arrival: k * 0.25 * MS, cost: MS });
  for (const [zone, device] of [
    [1, 0],
    [2, 1],
  ]) {
    let t = 0;
    while (t < 3e9) {
      t += -Math.log(1 - r()) * 8 * MS;
      ios.push({ zone, device, arrival: Math.round(t), cost: 0.5 * MS + r() * MS });
    }
  }
  const all = build(ios, 500);
  const zones = [
    { name: 'hog', weight: 1 },
    { name: 'a', weight: 1 },
    { name: 'b', weight: 2 },
  ];
  const cap: CapSpec = { ...noCap, all: { iops: 400, bytesPerS: null }, text: '400' };
  const perDevice = [0, 1].map((d) => build(ios.filter((x) => x.device === d)));

  type Loops = LoopModel | 'mixed';
  /** 'mixed': the hog closed loop, the light zones open. */
  const zoneLoops = (loop: Loops): LoopModel[] => (loop === 'mixed' ? ['closed', 'open', 'open'] : [loop, loop, loop]);
  const simLoop = (loop: Loops) => (loop === 'mixed' ? { closed: [0] } : { loop });

  function naive(policy: string, loop: Loops): { count: number; max: number; mean: number }[] {
    const vals: number[][] = zones.map(() => []);
    for (const b of perDevice) {
      const base = simulate(b, 'fifo', zones, { cap, ...simLoop(loop) }).ios;
      const pol = simulate(b, policy, zones, { cap, ...simLoop(loop) }).ios;
      b.ios.forEach((io, i) => {
        const l = pol[i].latency;
        const rep = Math.max(io.latency + (l - base[i].latency), Math.min(io.latency, l));
        vals[io.zone].push(rep);
      });
    }
    return vals.map((v) => ({ count: v.length, max: Math.max(...v), mean: v.reduce((s, x) => s + x, 0) / v.length }));
  }

  for (const loop of ['open', 'closed', 'mixed'] as Loops[]) {
    it(`${loop} loop: fifo, cap and fair match the naive pairing on two devices`, () => {
      const res = runReplays(all.store, zones, [dev(1000), dev(1000)], all.span, opts({ policies: ['fifo', 'cap', 'fair'], cap, zoneLoops: zoneLoops(loop) }));
      for (const p of res.policies) {
        const want = naive(p.policy, loop);
        for (let z = 0; z < zones.length; z++) {
          const got = p.zones.find((x) => x.zone === zones[z].name)!;
          expect(got.ops_completed).toBeGreaterThan(0);
          expect(got.latency_us.max! * 1e3).toBeCloseTo(want[z].max, 3);
          expect(got.latency_us.mean! * 1e3).toBeCloseTo(want[z].mean, 3);
        }
      }
      // the hog is held back under fair and cap: the pairing spans a long backlog
      expect(res.policies[2].zones.find((x) => x.zone === 'hog')!.latency_us.max!).toBeGreaterThan(1e5);
    });
  }

  it("a policy's results do not depend on the other policies or ladder levels replayed alongside (to the last digit)", () => {
    for (const loop of ['open', 'closed', 'mixed'] as Loops[]) {
      const run = (policies: string[], ladder: boolean) =>
        runReplays(all.store, zones, [dev(1000), dev(1000)], all.span, opts({ policies, cap, zoneLoops: zoneLoops(loop), ladder: ladder ? ladderSpec('iops', 3) : null })).policies;
      const alone = run(['cap'], false)[0];
      const together = run(['fair', 'fifo', 'cap'], true)[2];
      expect(together).toEqual(alone);
    }
  });
});
