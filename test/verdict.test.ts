import { describe, it, expect } from 'vitest';
import type { Analysis, PolicyResult, ZoneResult } from '../src/core/analysis.js';
import { computeVerdict, THRESHOLDS } from '../src/core/verdict.js';
import { countText, durText, pctText, secText, verdictText } from '../src/report/verdict.js';
import type { Fidelity, Platform } from '../src/records.js';

// The verdict on hand-made reports: each case is a sentence the verdict used to print that was
// not true of the numbers beside it, and what it says now.

const WINDOW = 40;

function zone(name: string, p99: number | null, ops = 1000): ZoneResult {
  return {
    zone: name, weight: 1, ops, read_ops: ops, write_ops: 0, bytes: ops * 4096, iops: ops / WINDOW, bytes_per_s: null,
    latency_us: { mean: null, p50: null, p90: null, p99, p999: null, max: null },
    device_time_s: 1, device_share: 0.5, fair_share: 0.5, deviation: 0,
  };
}

interface PolSpec {
  idle?: [string, number][];
  lost?: number;
  p99?: [string, number | null][];
  backlog?: [string, number][];
  params?: Record<string, unknown>;
  window?: number;
}

function pol(policy: string, o: PolSpec = {}): PolicyResult {
  const idle = o.idle ?? [['sd0', 0]];
  const lost = o.lost ?? 0;
  const window = o.window ?? WINDOW;
  return {
    policy, params: o.params ?? {}, loop: 'open', throughput_loss: lost,
    idle_while_waiting_s: idle.reduce((s, [, x]) => s + x, 0),
    idle_while_waiting_frac: Math.max(...idle.map(([, x]) => x / window)),
    devices: idle.map(([device, x]) => ({ device, idle_while_waiting_s: x, idle_while_waiting_frac: x / window })),
    makespan_s: window, jain: 0.99,
    in_window: { ops: 1000 * (1 - lost), bytes: 4096e3 * (1 - lost), device_s: 20 * (1 - lost) },
    backlog: { ops: 1000 * lost, bytes: 4096e3 * lost, device_s: 20 * lost },
    work_lost: { ops: lost, bytes: lost, device_s: lost },
    zones: (o.p99 ?? []).map(([z, p99]) => ({
      zone: z, ops_completed: 1000, latency_us: { mean: null, p50: null, p99, max: null }, slowdown: 1,
      backlog_ops: o.backlog?.find(([b]) => b === z)?.[1] ?? 0, finish_s: WINDOW, issue_lag_us: null,
    })),
  };
}

function report(zones: ZoneResult[], policies: PolicyResult[], o: { jain?: number | null; platform?: Platform; fidelity?: Fidelity; window?: number } = {}): Analysis {
  return {
    schema_version: 1,
    tool: { name: 'iofair', version: 'test' },
    input: {
      sources: ['t'], format: 't', platform: o.platform ?? 'neutral', fidelity: o.fidelity ?? 'events', records: 1, skipped: 0,
      skipped_by_reason: {}, events_lost: 0, start_s: 0, end_s: o.window ?? WINDOW, duration_s: o.window ?? WINDOW, partial: false,
    },
    devices: [], zones, fairness: { jain: o.jain === undefined ? 0.8 : o.jain, min_max_ratio: null },
    policies, cap_ladder: null, verdict: null, warnings: [],
  };
}

const say = (a: Analysis) => verdictText(computeVerdict(a));
const all = (v: ReturnType<typeof say>) => [v.capping.summary, v.throttling.summary, v.fair?.summary ?? '', v.cap_ladder ?? '', v.loop ?? '', v.recommendation].join('\n');

describe('verdict: what the report says is true of its numbers', () => {
  it('"already fair" reads the measured fairness, not the replay baseline\'s Jain', () => {
    // the replayed fifo has Jain 0.99 (pol()), the measured shares 0.53
    const zs = [zone('a', 1000), zone('b', 1000)];
    const quiet = [pol('fifo', { p99: [['a', 1000], ['b', 1000]] }), pol('fair', { p99: [['a', 900], ['b', 1100]] })];
    const unfair = say(report(zs, quiet, { jain: 0.53 }));
    expect(unfair.already_fair).toBe(false);
    expect(all(unfair)).not.toMatch(/already shared fairly/);
    expect(unfair.recommendation).toBe("No replayed policy halves any zone's p99 without idling the disk (Jain's index 0.530 over the measured device-time shares).");
    const fair = say(report(zs, quiet, { jain: 0.97 }));
    expect(fair.already_fair).toBe(true);
    expect(fair.recommendation).toMatch(/^The disk was already shared fairly \(Jain's index 0\.970 over the measured device-time shares, at least 0\.95\)/);
  });

  it('a cap that idles the disk costs performance, however little device time it loses', () => {
    // cheap IO capped hard: zone log at 10 IOPS, the disk idle 33 s of 40 with IO waiting, 1 % of the device time lost
    const zs = [zone('log', 27.6e3), zone('db', 5e3)];
    const cap = pol('cap', { idle: [['sd0', 33]], lost: 0.01, p99: [['log', 565e6], ['db', 5e3]], backlog: [['log', 300]], params: { spec: 'log=10iops' } });
    const v = say(report(zs, [pol('fifo', { p99: [['log', 27.6e3], ['db', 5e3]] }), cap]));
    expect(v.capping.costs_performance).toBe(true);
    expect(v.capping.cost).toBeCloseTo(33 / 40, 12);
    expect(v.capping.summary).toBe(
      "Capping each zone at --cap log=10iops costs performance: sd0 sat idle 33 s of the 40 s window (82.5 %) while capped IO waited. " +
        'Within the window it left undone 1 % of the IOs, 1 % of the bytes and 1 % of the device time that fifo completed there; 10 IOs were not done when the window ended. ' +
        "It raised log's p99 from 27.6 ms to 565 s. " +
        "log's IOs were still queued when the trace ended (300 of 1,000), so its latency under this policy grows with the length of the recording.",
    );
    expect(all(v)).not.toMatch(/never bound|no throughput/);
  });

  it('names every zone whose p99 at least doubles or halves, and counts the rest beyond three', () => {
    const zs = ['db01', 'backup', 'a', 'b', 'c', 'd'].map((z) => zone(z, 1e3));
    const before = zs.map((z) => [z.zone, 1e3] as [string, number]);
    const v = say(report(zs, [pol('fifo', { p99: before }), pol('cap', { idle: [['sd0', 20]], p99: [['db01', 3.2e3], ['backup', 500e3], ['a', 2e3], ['b', 2.5e3], ['c', 1.9e3], ['d', 0.4e3]] })]));
    // 1.9× is not named; 2× is; the largest ratio first
    expect(v.capping.raised!.map((c) => c.zone)).toEqual(['backup', 'db01', 'b', 'a']);
    expect(v.capping.cut!.map((c) => c.zone)).toEqual(['d']);
    expect(v.capping.summary).toMatch(/It raised the p99 of backup \(1 ms → 500 ms\), db01 \(1 ms → 3\.2 ms\), b \(1 ms → 2\.5 ms\) and 1 more zone and cut d's p99 from 1 ms to 400 µs\./);
  });

  it('the story: a cap that triples db01\'s p99 names db01 as well as backup', () => {
    const zs = [zone('db01', 862e3), zone('backup', 996e3)];
    const v = say(report(zs, [pol('fifo', { p99: [['db01', 862e3], ['backup', 996e3]] }), pol('cap', { idle: [['sd0', 20.8]], lost: 0.22, p99: [['db01', 2.73e6], ['backup', 514e6]] })]));
    expect(v.capping.summary).toMatch(/It raised the p99 of backup \(996 ms → 514 s\) and db01 \(862 ms → 2\.73 s\)\./);
  });

  it('--policy throttle alone: a throttle that halves a p99 without idling is recommended, not "no policy helps"', () => {
    const zs = [zone('db01', 862e3), zone('backup', 996e3)];
    const v = say(report(zs, [pol('throttle', { idle: [['sd0', 0.01]], p99: [['db01', 116e3], ['backup', 1.26e6]] })]));
    expect(v.throttling.summary).toBe(
      "Throttling only under contention (the throttle row) does not cost performance: sd0 sat idle while IO waited for 0.025 % of the window, within the 1 % threshold. It cut db01's p99 from 862 ms to 116 ms.",
    );
    expect(v.recommended_policy).toBe('throttle');
    expect(v.recommendation).toBe("Prefer throttling only under contention to static caps: on this trace it cut db01's p99 from 862 ms to 116 ms without idling the disk.");
    expect(v.capping.summary).toBe('Capping was not replayed.');
  });

  it('idle time is per device: never a sum over devices worded as one disk\'s', () => {
    // four devices idle 20 s each while capped IO waited, in a 50 s window: 80 device-seconds
    const zs = [zone('a', 1e3)];
    const cap = pol('cap', { idle: [['sd0', 19], ['sd1', 20], ['sd2', 21], ['sd3', 20]], p99: [['a', 1e3]], window: 50, params: { spec: '50iops' } });
    const v = say(report(zs, [cap], { window: 50 }));
    expect(cap.idle_while_waiting_s).toBe(80);
    expect(v.capping.summary).toMatch(/^Capping each zone at --cap 50iops costs performance: sd2 sat idle 21 s of the 50 s window \(42 %\) while capped IO waited\./);
    expect(all(v)).not.toMatch(/80 s/);
  });

  it('no loop-model claims: nothing about open and closed loop disagreeing or what a loop overstates', () => {
    const zs = [zone('a', 1e3), zone('b', 1e3)];
    const v = say(report(zs, [pol('fifo', { p99: [['a', 1e3], ['b', 1e3]] }), pol('cap', { idle: [['sd0', 10]], lost: 0.3, p99: [['a', 5e3], ['b', 1e3]] }), pol('throttle', { p99: [['a', 1e3], ['b', 1e3]] })]));
    expect(all(v)).not.toMatch(/see above|overstates|disagree/);
  });

  it('interval input: no p99 claims; a throttle whose row equals fifo is never preferred', () => {
    const zs = [zone('web', null), zone('db', null)];
    const fluid = (p: string, idle = 0) => pol(p, { idle: [['sd0', idle]], p99: [['web', null], ['db', null]] });
    const v = say(report(zs, [fluid('fifo'), fluid('cap', 12), fluid('throttle'), fluid('fair')], { fidelity: 'intervals', jain: 0.53 }));
    expect(all(v)).not.toMatch(/p99/);
    expect(all(v)).not.toMatch(/prefer/i);
    expect(v.recommendation).toMatch(/^Interval input has no per-IO latency, so whom a policy would help cannot be judged \(Jain's index 0\.530/);
    expect(v.throttling.summary).toBe('Throttling only under contention (the throttle row; a fluid approximation at interval fidelity) does not cost performance: no device sat idle while IO waited.');
  });

  it('advice in the input platform\'s terms only', () => {
    const zs = [zone('db01', 862e3), zone('backup', 996e3)];
    const ps = [
      pol('fifo', { p99: [['db01', 862e3], ['backup', 996e3]] }),
      pol('cap', { idle: [['sd0', 20]], lost: 0.2, p99: [['db01', 2e6], ['backup', 500e6]], params: { spec: 'auto', median_iops: [{ device: 'sd0', iops: 92.4 }] } }),
      pol('throttle', { p99: [['db01', 116e3], ['backup', 1.2e6]] }),
      pol('fair', { p99: [['db01', 110e3], ['backup', 1.2e6]] }),
    ];
    const illumos = all(say(report(zs, ps, { platform: 'illumos' })));
    const linux = all(say(report(zs, ps, { platform: 'linux' })));
    const neutral = all(say(report(zs, ps, { platform: 'neutral' })));
    const LINUX = /io\.(max|weight|latency|cost)|iocost|BFQ|cgroup/;
    const ILLUMOS = /SmartOS|zfs_zone|zone throttle|zfs-io-priority/;
    expect(illumos).toMatch(ILLUMOS);
    expect(illumos).not.toMatch(LINUX);
    expect(linux).toMatch(LINUX);
    expect(linux).not.toMatch(ILLUMOS);
    expect(neutral).not.toMatch(LINUX);
    expect(neutral).not.toMatch(ILLUMOS);
    // SmartOS offers the throttle, Linux io.cost's fair queuing: each is preferred where it is offered
    expect(say(report(zs, ps, { platform: 'illumos' })).recommended_policy).toBe('throttle');
    expect(say(report(zs, ps, { platform: 'linux' })).recommended_policy).toBe('fair');
    expect(linux).toMatch(/Prefer io\.cost \(iocost: device-time fair queuing, weights in io\.weight\) to io\.max caps: on this trace fair queuing cut db01's p99 from 862 ms to 110 ms without idling the disk\. A contention-only throttle \(io\.latency works this way\) did about as well\./);
    expect(neutral).toMatch(/Capping each zone at its weight's share of the median 92 IOPS per busy second of sd0 \(--cap auto\) costs performance/);
  });

  it('the thresholds are the documented ones and travel with the verdict', () => {
    const v = say(report([zone('a', 1)], [pol('fifo', { p99: [['a', 1]] })]));
    expect(v.thresholds).toEqual({ cost: 0.01, p99_factor: 2, fair_jain: 0.95, protect_tolerance: 0.1, zones_named: 3 });
    expect(v.thresholds).toBe(THRESHOLDS);
    // just over and just at the cost threshold
    const at = (idle: number) => say(report([zone('a', 1)], [pol('cap', { idle: [['sd0', idle]], p99: [['a', 1]] })])).capping.costs_performance;
    expect(at(0.4)).toBe(false); // 1 % of 40 s
    expect(at(0.41)).toBe(true);
  });

  it('formats percentages, durations, seconds and counts', () => {
    expect(pctText(0.41)).toBe('41 %');
    expect(pctText(0.002)).toBe('0.2 %');
    expect(durText(180e3)).toBe('180 ms');
    expect(durText(2.1e6)).toBe('2.1 s');
    expect(durText(850)).toBe('850 µs');
    expect(secText(20.83)).toBe('20.8 s');
    expect(secText(552.1)).toBe('552 s');
    expect(countText(23586.4)).toBe('23,586');
  });
});
