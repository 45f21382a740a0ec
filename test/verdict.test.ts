import { describe, it, expect } from 'vitest';
import type { PolicyResult } from '../src/core/analysis.js';
import { computeVerdict, LOSS_THRESHOLD } from '../src/core/verdict.js';
import { durText, pctText, verdictText } from '../src/report/verdict.js';

const pol = (policy: string, loss: number, idle: number, p99: [string, number][], loop: 'open' | 'closed' = 'open', params: Record<string, unknown> = {}): PolicyResult => ({
  policy, params, loop, throughput_loss: loss, idle_while_waiting_s: idle, makespan_s: 40, jain: 0.9,
  zones: p99.map(([zone, p]) => ({ zone, ops_completed: 1, latency_us: { mean: p / 3, p50: p / 4, p99: p, max: p * 2 }, slowdown: 1 })),
});

describe('verdict', () => {
  const fifo = pol('fifo', 0, 0, [['db01', 180e3], ['web', 3e3]]);
  const cap = pol('cap', 0.41, 12.3, [['db01', 150e3], ['web', 2.1e6]], 'open', { spec: 'auto' });
  const thr = pol('throttle', 0.002, 0, [['db01', 22e3], ['web', 3.1e3]]);
  const fair = pol('fair', 0, 0, [['db01', 20e3], ['web', 3.5e3]]);

  it('numbers: cost flags against the threshold, worst-hit and best-helped zones by p99 ratio', () => {
    const v = computeVerdict([fifo, cap, thr, fair], null, [], 'open');
    expect(v.capping!.costs_performance).toBe(0.41 > LOSS_THRESHOLD);
    expect(v.throttling!.costs_performance).toBe(false);
    expect(v.capping!.worst_hit).toEqual({ zone: 'web', p99_before_us: 3e3, p99_after_us: 2.1e6, ratio: 700 });
    expect(v.capping!.best_helped!.zone).toBe('db01');
    expect(v.throttling!.best_helped).toEqual({ zone: 'db01', p99_before_us: 180e3, p99_after_us: 22e3, ratio: 22 / 180 });
    expect(v.capping!.loops_disagree).toBe(false);
    expect(v.capping!.extra_makespan_s).toBe(0);
  });

  it('text: the sentences of the issue, with the loop model', () => {
    const t = verdictText(computeVerdict([fifo, cap, thr, fair], null, [], 'open'));
    expect(t.capping.summary).toBe(
      "Capping each zone at its fair share of the median capacity would have cost 41 % of throughput: the disk sat idle 12.3 s while capped IO waited, and cut db01's p99 from 180 ms to 150 ms and raised web's p99 from 3 ms to 2.1 s.",
    );
    expect(t.throttling.summary).toBe("Throttling would have cost 0.2 % and cut db01's p99 from 180 ms to 22 ms.");
    expect(t.capping.throughput_loss).toBe(0.41);
    expect(t.recommendation).toMatch(/prefer fair queuing/);
    expect(t.recommendation).toMatch(/Open-loop replay/);
  });

  it('says when open and closed loop disagree', () => {
    const closedCap = pol('cap', 0.004, 0.1, [['db01', 150e3], ['web', 3e3]], 'closed', { spec: 'auto' });
    const v = computeVerdict([fifo, cap], [pol('fifo', 0, 0, [], 'closed'), closedCap], [], 'open');
    expect(v.capping!.loops_disagree).toBe(true);
    expect(v.capping!.other_loop).toEqual({ loop: 'closed', costs_performance: false, throughput_loss: 0.004 });
    const t = verdictText(v);
    expect(t.capping.summary).toMatch(/The closed-loop replay disagrees: there capping would cost no throughput\.$/);
    expect(t.recommendation).toMatch(/Open and closed loop disagree/);
    expect(t.throttling.costs_performance).toBeNull();
  });

  it('formats percentages and durations', () => {
    expect(pctText(0.41)).toBe('41 %');
    expect(pctText(0.002)).toBe('0.2 %');
    expect(durText(180e3)).toBe('180 ms');
    expect(durText(2.1e6)).toBe('2.1 s');
    expect(durText(850)).toBe('850 µs');
  });
});
