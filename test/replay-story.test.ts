import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import type { Analysis } from '../src/core/analysis.js';
import { analyzeEvents, type Ev } from './analysis-helpers.js';
import { ladderFor } from '../src/core/replay/index.js';

// fixtures/story.csv (scripts/gen-story.mjs): one FIFO disk shared by db01 (random 4 KiB reads,
// Poisson ~60/s, ~90 IOPS when busy) and backup (five flushes of 5000 sequential 128 KiB writes,
// ~5000 IOPS when busy), 40 s.
const BASE = 1717400000000000000n;
const story: Ev[] = readFileSync(new URL('../fixtures/story.csv', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => {
    const [i, d, zone, , op, bytes] = l.split(',');
    return { zone, issue: Number(BigInt(i) - BASE), done: Number(BigInt(d) - BASE), write: op === 'W', bytes: Number(bytes) };
  });

const p99 = (a: Analysis, policy: string, zone: string) => a.policies.find((p) => p.policy === policy)!.zones.find((z) => z.zone === zone)!.latency_us.p99!;

describe('the story fixture, whole analysis', () => {
  const { analysis: a } = analyzeEvents(story);

  it('both zones are replayed open loop: db01 is request-driven, backup\'s flushes are issued at once', () => {
    expect(a.zones.map((z) => [z.zone, z.loop!.model, z.loop!.source])).toEqual([
      ['db01', 'open', 'trace'],
      ['backup', 'open', 'trace'],
    ]);
    expect(a.policies.map((p) => p.loop)).toEqual(['open', 'open', 'open', 'open']);
  });

  it('the cap left the disk idle while IO waited and most of the IOs and bytes undone at the window\'s end', () => {
    const [fifo, cap, throttle, fair] = a.policies;
    expect(fifo.work_lost).toEqual({ ops: 0, bytes: 0, device_s: 0 });
    expect(fifo.backlog!.ops).toBe(0);
    // 1,765 + 25,000 IOs; the cap lets backup through at ~46 IOPS: ~1,900 of its 25,000 in 40 s
    expect(cap.in_window!.ops + cap.backlog!.ops).toBe(26_765);
    expect(cap.work_lost!.ops!).toBeGreaterThan(0.85);
    expect(cap.work_lost!.bytes!).toBeGreaterThan(0.9);
    expect(cap.work_lost!.device_s).toBe(cap.throughput_loss);
    expect(cap.throughput_loss!).toBeGreaterThan(0.15);
    expect(cap.throughput_loss!).toBeLessThan(0.3);
    // one device: its idle time is the total, and the cost is its share of the 40 s window
    expect(cap.devices).toHaveLength(1);
    expect(cap.devices![0].idle_while_waiting_s).toBe(cap.idle_while_waiting_s);
    expect(cap.idle_while_waiting_frac).toBeCloseTo(cap.idle_while_waiting_s! / a.input.duration_s!, 12);
    for (const p of [throttle, fair]) {
      expect(p.work_lost!.ops!).toBeLessThan(0.001);
      expect(p.idle_while_waiting_frac!).toBeLessThan(0.01);
    }
    // fair queuing protects db01 (p99 862 ms under fifo) and finishes the same work by the same
    // time; backup, which yielded to db01, finishes its last flush a little later
    expect(p99(a, 'fair', 'db01')).toBeLessThan(p99(a, 'fifo', 'db01') / 3);
    expect(fair.makespan_s).toBe(fifo.makespan_s);
    const finish = (p: typeof fifo, z: string) => p.zones.find((x) => x.zone === z)!.finish_s!;
    expect(finish(fair, 'db01')).toBe(finish(fifo, 'db01'));
    expect(finish(fair, 'backup')).toBeGreaterThan(finish(fifo, 'backup'));
    expect(finish(fair, 'backup')).toBeLessThan(fifo.makespan_s!);
  });

  it('the verdict: the cap costs performance and raises both zones\' p99; fair queuing is preferred', () => {
    const v = a.verdict!;
    expect(v.capping.costs_performance).toBe(true);
    expect(v.throttling.costs_performance).toBe(false);
    expect(v.fair!.costs_performance).toBe(false);
    expect(v.capping.raised!.map((c) => c.zone).sort()).toEqual(['backup', 'db01']);
    expect(v.fair!.cut!.map((c) => c.zone)).toEqual(['db01']);
    expect(v.recommended_policy).toBe('fair');
    expect(v.capping.summary).toMatch(/^Capping each zone at its weight's share of the median 92 IOPS per busy second of sd0 \(--cap auto\) costs performance: sd0 sat idle [\d.]+ s of the 40 s window \(\d+ %\) while capped IO waited\./);
  });

  it('the cap ladder: 7 levels from the least to the most sd0 delivered per busy second, db01 protected', () => {
    const L = a.cap_ladder!;
    const cap = a.devices[0].capacity_iops;
    expect(L.unit).toBe('iops');
    expect(L.levels).toHaveLength(7);
    L.levels.forEach((l, k) => {
      expect(l.level).toBe(k + 1);
      expect(l.capacity_per_s[0].per_s!).toBeCloseTo(cap.min! * (cap.max! / cap.min!) ** (k / 6), 6);
      // two zones of weight 1: each gets half
      expect(l.protected_limit_per_s[0].per_s!).toBeCloseTo(l.capacity_per_s[0].per_s! / 2, 6);
    });
    // the zone fifo hurts most against fair queuing
    const ratio = (z: string) => p99(a, 'fifo', z) / p99(a, 'fair', z);
    expect(L.protected_zone).toBe(ratio('db01') > ratio('backup') ? 'db01' : 'backup');
    expect(L.protected_zone).toBe('db01');
    expect(L.protected_fair_p99_us).toBe(p99(a, 'fair', 'db01'));
    // no level protects db01 as well as fair queuing without idling the disk
    expect(L.protects_without_cost).toBe(false);
    for (const l of L.levels) {
      expect(l.costs_performance).toBe(l.idle_while_waiting_frac! > 0.01);
      expect(l.protects).toBe(l.protected_p99_us! <= L.protected_fair_p99_us! * 1.1);
    }
    expect(L.levels.every((l) => l.costs_performance)).toBe(true);
  });

  it('a ladder level is the cap row at that level\'s limit (one device, equal weights)', () => {
    const L = a.cap_ladder!;
    for (const k of [1, 4, 6]) {
      const limit = L.levels[k].protected_limit_per_s[0].per_s!;
      const { analysis: b } = analyzeEvents(story, { policy: 'fifo,cap', cap: `${limit}iops`, capLadder: 'none' });
      const row = b.policies[1];
      expect(b.cap_ladder).toBeNull();
      expect(L.levels[k].in_window).toEqual(row.in_window);
      expect(L.levels[k].idle_while_waiting_s).toBe(row.idle_while_waiting_s);
      expect(L.levels[k].protected_p99_us).toBe(row.zones.find((z) => z.zone === 'db01')!.latency_us.p99);
    }
  });

  it('the recommendation does not flip with the length of the recording (cut at 10, 20, 30, 40 s)', () => {
    const verdicts = [10, 20, 30, 40].map((s) => analyzeEvents(story.filter((io) => io.issue < s * 1e9)).analysis);
    for (const b of verdicts) {
      const v = b.verdict!;
      expect([b.input.duration_s! > 0, v.recommended_policy, v.capping.costs_performance, v.fair!.costs_performance, b.cap_ladder!.protected_zone, b.cap_ladder!.protects_without_cost]).toEqual([
        true,
        'fair',
        true,
        false,
        'db01',
        false,
      ]);
    }
    // and with every zone replayed closed loop (the recommendation used to flip there between
    // the throttle and fair queuing): the preferred policy comes in a fixed order
    const closed = [10, 20, 30, 40].map((s) => analyzeEvents(story.filter((io) => io.issue < s * 1e9), { loop: 'closed' }).analysis.verdict!);
    expect(closed.map((v) => v.recommended_policy)).toEqual(Array(4).fill(closed[3].recommended_policy));
    // backup's latency under the cap grows with the recording, and the verdict says so each time
    const grows = verdicts.map((b) => b.policies[1].zones.find((z) => z.zone === 'backup')!.latency_us.p99!);
    expect(grows[3]).toBeGreaterThan(grows[0] * 2);
    for (const b of verdicts) expect(b.verdict!.capping.summary).toMatch(/backup.*still.*queued when the trace ended.*grows with the length of the recording/);
  });
});

describe('the ladder\'s levels', () => {
  const dev = (name: string, iops: [number, number] | null) => ({ name, medianIops: null, medianBytesPerS: null, capacityRange: { iops, bytes: null } });
  it('seven, geometric from the least to the most a device delivered; one when no device varied', () => {
    expect(ladderFor('iops', [dev('sd0', [80, 4880])]).positions).toEqual([0, 1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6, 1]);
    expect(ladderFor('iops', [dev('sd0', [100, 100]), dev('sd1', [50, 60])]).positions).toHaveLength(7);
    expect(ladderFor('iops', [dev('sd0', [100, 100]), dev('sd1', null)]).positions).toEqual([1]);
    expect(ladderFor('bytes', [dev('sd0', [80, 4880])]).positions).toEqual([1]); // no bytes/s range known
  });
});
