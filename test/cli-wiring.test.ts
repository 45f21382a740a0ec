import { describe, it, expect } from 'vitest';
import { fixture, runCli } from './helpers.js';
import { SpoolReplayStore } from '../src/cli/spool.js';

const json = (args: string[]) => {
  const r = runCli(['analyze', '--json', ...args]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe('analyze: replay, verdict and thresholds wired end to end', () => {
  it('the story fixture: capping costs throughput, fair queuing costs ~0 and protects db01', () => {
    const a = json([fixture('story.csv')]);
    const p = Object.fromEntries(a.policies.map((x: { policy: string }) => [x.policy, x]));
    expect(p.fifo.throughput_loss).toBe(0);
    expect(p.cap.throughput_loss).toBeGreaterThan(0.1);
    expect(p.cap.idle_while_waiting_s).toBeGreaterThan(5);
    expect(p.fair.throughput_loss).toBeLessThan(0.005);
    expect(p.fair.idle_while_waiting_s).toBe(0);
    expect(p.fair.makespan_s).toBeCloseTo(p.fifo.makespan_s, 9);
    const db = (pol: { zones: { zone: string; latency_us: { p99: number } }[] }) => pol.zones.find((z) => z.zone === 'db01')!.latency_us.p99;
    expect(db(p.fair)).toBeLessThan(db(p.fifo) / 3);
    expect(a.verdict.capping.costs_performance).toBe(true);
    expect(a.verdict.throttling.costs_performance).toBe(false);
    expect(a.verdict.capping.summary).toMatch(/Capping/);
    // the device's delivered IOPS per busy second varied by more than an order of magnitude
    expect(a.devices[0].capacity_ratio).toBeGreaterThan(10);
  });

  it('--policy none skips the replay; --policy picks and orders policies', () => {
    const none = json(['--policy', 'none', fixture('noisy-neighbor.csv')]);
    expect(none.policies).toEqual([]);
    expect(none.verdict).toBeNull();
    const two = json(['--policy', 'fair,fifo', fixture('noisy-neighbor.csv')]);
    expect(two.policies.map((x: { policy: string }) => x.policy)).toEqual(['fair', 'fifo']);
    const bad = runCli(['analyze', '--policy', 'lottery', fixture('noisy-neighbor.csv')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown policy 'lottery'/);
  });

  it('--fail-on exits 1 naming the crossed threshold, 0 when none is crossed', () => {
    // noisy-neighbor: batch deviation +0.275 (hand-computed in the fixture)
    const hit = runCli(['analyze', '--json', '--fail-on', 'deviation>0.2', fixture('noisy-neighbor.csv')]);
    expect(hit.status).toBe(1);
    expect(hit.stderr).toMatch(/--fail-on: .*batch.*deviation/);
    expect(JSON.parse(hit.stdout).zones.length).toBe(2); // the report is still printed
    const miss = runCli(['analyze', '--json', '--fail-on', 'deviation>0.3', fixture('noisy-neighbor.csv')]);
    expect(miss.status).toBe(0);
    const bad = runCli(['analyze', '--fail-on', 'happiness>3', fixture('noisy-neighbor.csv')]);
    expect(bad.status).toBe(2);
  });

  it('interval input: fidelity intervals, zones from vfsstat, a fluid replay', () => {
    const a = json([fixture('intervals/vfsstat-Z.txt')]);
    expect(a.input.fidelity).toBe('intervals');
    expect(a.input.format).toBe('vfsstat');
    expect(a.zones.length).toBeGreaterThan(1);
    expect(a.policies.map((x: { policy: string }) => x.policy)).toEqual(['fifo', 'cap', 'throttle', 'fair']);
    expect(a.warnings.join('\n')).toMatch(/since boot/);
  });

  it('histogram input: fidelity histograms, percentiles but no replay, and it says why', () => {
    const a = json([fixture('dtrace/agg-quantize.txt')]);
    expect(a.input.fidelity).toBe('histograms');
    expect(a.policies).toEqual([]);
    expect(a.zones.every((z: { device_share: unknown }) => z.device_share === null)).toBe(true);
    expect(a.warnings.join('\n')).toMatch(/no replay/);
    expect(a.input.events_lost).toBeGreaterThan(0);
  });

  it('DTrace per-IO output gives events and replays', () => {
    const a = json([fixture('dtrace/iofair-zio.txt')]);
    expect(a.input.format).toBe('dtrace-iofair');
    expect(a.input.fidelity).toBe('events');
    expect(a.policies.length).toBe(4);
  });
});

describe('SpoolReplayStore', () => {
  it('returns every block in order, from memory and from the spill file', () => {
    const store = new SpoolReplayStore(3 * 8 * 4); // room for 3 blocks of 4 numbers in memory
    const blocks: Float64Array[] = [];
    for (let i = 0; i < 7; i++) {
      const b = Float64Array.from([i, i + 0.5, -i, 1e18 + i]);
      blocks.push(Float64Array.from(b));
      store.append(b, i === 6 ? 2 : 4); // the last one partial
    }
    for (let pass = 0; pass < 2; pass++) {
      // a block is valid until the next is taken: copy each as it comes
      const got = Array.from(store.blocks(), ([b, len]) => [Float64Array.from(b), len] as const);
      expect(got.length).toBe(7);
      got.forEach(([b, len], i) => {
        expect(len).toBe(i === 6 ? 2 : 4);
        expect(Array.from(b.subarray(0, len))).toEqual(Array.from(blocks[i].subarray(0, len)));
      });
    }
    store.dispose();
  });
});
