import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { runReplays } from '../src/core/replay/index.js';
import { computeVerdict } from '../src/core/verdict.js';
import { verdictText } from '../src/report/verdict.js';
import { build, noCap, opts, type TIo } from './replay-helpers.js';

// fixtures/story.csv (scripts/gen-story.mjs): db01 random 4 KiB at ~60 % of the disk, backup
// flushing 3000 sequential 128 KiB writes six times. Costs are recovered here by the busy-period
// decomposition, independently of src/core/observe.ts.
function loadStory() {
  const lines = readFileSync(new URL('../fixtures/story.csv', import.meta.url), 'utf8').trim().split('\n').slice(1);
  const rows = lines.map((l) => {
    const [i, d, zone] = l.split(',');
    return { issue: Number(BigInt(i) - 1717400000000000000n), done: Number(BigInt(d) - 1717400000000000000n), zone };
  });
  const byDone = [...rows].sort((a, b) => a.done - b.done);
  let prev = -Infinity;
  const cost = new Map<(typeof rows)[number], number>();
  for (const x of byDone) {
    cost.set(x, x.done - Math.max(prev, x.issue));
    prev = x.done;
  }
  const ios: TIo[] = rows.map((x) => ({ zone: x.zone === 'db01' ? 0 : 1, arrival: x.issue, cost: cost.get(x)!, latency: x.done - x.issue }));
  // delivered IOPS per busy second (seconds ≥ 50 % busy), as the observe pass defines capacity
  const secs = new Map<number, { ops: number; busy: number }>();
  for (const x of byDone) {
    const s = Math.floor(x.done / 1e9);
    const e = secs.get(s) ?? { ops: 0, busy: 0 };
    e.ops++;
    e.busy += cost.get(x)!;
    secs.set(s, e);
  }
  const iops = [...secs.values()].filter((e) => e.busy >= 0.5e9).map((e) => (e.ops * 1e9) / e.busy).sort((a, b) => a - b);
  return { ios, iops };
}

describe('the story fixture', () => {
  const { ios, iops } = loadStory();
  const b = build(ios, 4096);
  const median = iops[iops.length >> 1];
  const zones = [{ name: 'db01', weight: 1 }, { name: 'backup', weight: 1 }];

  it('delivered IOPS per busy second vary ~40-50×', () => {
    expect(iops[iops.length - 1] / iops[0]).toBeGreaterThan(30);
  });

  it('capping at the fair share of median capacity costs a lot; fair queuing costs ~0 and protects db01', () => {
    const res = runReplays(b.store, zones, [{ name: 'sd0', medianIops: median, medianBytesPerS: null }], b.span, opts({ compareLoops: true }));
    const [fifo, cap, throttle, fair] = res.policies;
    expect(res.fidelity.rms_pct!).toBeLessThan(1); // the fixture is a FIFO single server
    expect(cap.throughput_loss!).toBeGreaterThan(0.1);
    expect(cap.idle_while_waiting_s!).toBeGreaterThan(5);
    expect(fair.throughput_loss!).toBeLessThan(0.001);
    expect(throttle.throughput_loss!).toBeLessThan(0.01);
    const p99 = (p: typeof fifo, z: string) => p.zones.find((x) => x.zone === z)!.latency_us.p99!;
    expect(p99(fair, 'db01')).toBeLessThan(p99(fifo, 'db01') / 3);
    const v = verdictText(computeVerdict(res.policies, res.other_loop, [], 'open'));
    expect(v.capping.costs_performance).toBe(true);
    expect(v.capping.summary).toMatch(/^Capping each zone at its fair share of the median capacity would have cost [\d.]+ % of throughput: the disk sat idle [\d.]+ s while capped IO waited/);
    expect(v.throttling.costs_performance).toBe(false);
    expect(v.recommendation).toMatch(/Open-loop/);
    expect(v.throttling.summary).toMatch(/cut db01's p99 from [\d.]+ ms to [\d.]+ ms/);
  });
});
