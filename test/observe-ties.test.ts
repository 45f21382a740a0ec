import { describe, it, expect } from 'vitest';
import { EventObserver } from '../src/core/observe.js';
import { MemoryReplayStore, R_COST, R_DEPTH, R_LATENCY, REPLAY_STRIDE } from '../src/core/replay/types.js';
import { analyzeEvents } from './analysis-helpers.js';

// A completion at the nanosecond of an issue counts before it: a zone doing one IO at a time,
// each issued the moment the previous one completes, has one IO outstanding, not two.

/** The IOs of one device observed in this order; the replay store's depth, cost and latency per IO, in its order. */
function depths(ios: { zone: string; issue: number; done: number }[], reorderWindowNs = 2e9) {
  const store = new MemoryReplayStore();
  const obs = new EventObserver({ weightOf: () => undefined, reorderWindowNs, store });
  for (const io of ios) obs.io(io.zone, 'sd0', 'R', 4096, io.issue, io.done);
  const r = obs.finish();
  const d: number[] = [];
  const c: number[] = [];
  const l: number[] = [];
  for (const [b, len] of store.blocks())
    for (let i = 0; i < len; i += REPLAY_STRIDE) {
      d.push(b[i + R_DEPTH]);
      c.push(b[i + R_COST]);
      l.push(b[i + R_LATENCY]);
    }
  return { depth: d, cost: c, latency: l, result: r };
}

describe('observe: a completion and an issue at the same nanosecond', () => {
  it('one IO at a time, back to back: depth 1 for every IO, busy time = Σ service', () => {
    const ios = Array.from({ length: 50 }, (_, k) => ({ zone: 'a', issue: k * 2e6, done: (k + 1) * 2e6 }));
    const { depth, cost, result } = depths(ios);
    expect(depth).toEqual(Array(50).fill(1));
    expect(cost).toEqual(Array(50).fill(2e6));
    expect(result.devices[0].busy_s).toBeCloseTo(0.1, 12);
  });

  it('the same in completion order (as DTrace prints it)', () => {
    const ios = Array.from({ length: 50 }, (_, k) => ({ zone: 'a', issue: k * 2e6, done: (k + 1) * 2e6 }));
    const obs = depths([...ios].sort((x, y) => x.done - y.done));
    expect(obs.depth).toEqual(Array(50).fill(1));
  });

  it('an IO that completes at its own issue time: counted once, costs nothing, waits for its issue', () => {
    const ios = [
      { zone: 'a', issue: 0, done: 2e6 },
      { zone: 'b', issue: 2e6, done: 2e6 },
      { zone: 'a', issue: 2e6, done: 4e6 },
      { zone: 'b', issue: 3e6, done: 3e6 },
    ];
    const { depth, cost, result } = depths(ios);
    expect(result.records).toBe(4);
    expect(result.zones.map((z) => z.ops)).toEqual([2, 2]);
    // store order is issue order; at 2 ms, b's zero-length IO and a's second IO arrive after a's first completed
    expect(depth).toEqual([1, 1, 1, 1]);
    expect(cost.reduce((s, x) => s + x, 0)).toBe(4e6);
    expect(result.devices[0].busy_s).toBeCloseTo(0.004, 12);
  });

  it('closed loop under a cap: one IO at a time is replayed with one outstanding (hand-computed latencies)', () => {
    // 400 IOs of 2 ms back to back (500 IOPS); capped at 250 IOPS with a 100 ms bucket (25 tokens,
    // full at the start). Closed loop, no think time: the next IO issues when the previous
    // completes. While the bucket lasts an IO waits for nothing (2 ms); then for a token every 4 ms.
    const ios = Array.from({ length: 400 }, (_, k) => ({ zone: 'a', issue: k * 2e6, done: (k + 1) * 2e6 }));
    const { analysis } = analyzeEvents(ios, { policy: 'fifo,cap', cap: '250iops', loop: 'closed', capLadder: 'none' });
    // the hand simulation of the token bucket: tokens += 250/s × dt (≤ 25), an IO takes one
    let tokens = 25;
    let t = 0;
    let last = 0;
    let sum = 0;
    for (let k = 0; k < 400; k++) {
      tokens = Math.min(25, tokens + (t - last) * 250e-9);
      last = t;
      let start = t;
      if (tokens < 1) {
        start = t + (1 - tokens) / 250e-9;
        tokens = 1;
        last = start;
      }
      tokens -= 1;
      const done = start + 2e6;
      sum += done - t;
      t = done;
    }
    const cap = analysis.policies[1].zones[0];
    expect(analysis.zones[0].loop!.model).toBe('closed');
    expect(cap.latency_us.mean! * 1e3).toBeCloseTo(sum / 400, 0);
    expect(cap.finish_s! * 1e9).toBeCloseTo(t, 0);
    // fifo reproduces the trace: nothing is issued late
    expect(analysis.policies[0].zones[0].issue_lag_us!.p99).toBe(0);
  });
});

describe('observe: IOs issued at the same nanosecond', () => {
  it('enter the replay in the order their records arrived, whatever slots they reuse', () => {
    // 20,000 IOs of zone w, five in flight at a time, leave many slots to reuse; then five IOs
    // issued together at 30 s complete 1 ms apart and are printed in that order (a tool printing
    // at completion). Served first come, first served, each cost 1 ms: in record order the store
    // holds latencies 1..5 ms and costs of 1 ms, so the baseline fifo reproduces them; in the order
    // of the slots they happen to reuse it would not.
    const MS = 1e6;
    const warm = 20_000;
    const ios = Array.from({ length: warm }, (_, k) => ({ zone: 'w', issue: k * MS, done: k * MS + 5 * MS }));
    for (let k = 1; k <= 5; k++) ios.push({ zone: `z${k}`, issue: 30_000 * MS, done: (30_000 + k) * MS });
    const { latency: lat, cost } = depths(ios, 1e6);
    expect(lat.slice(warm)).toEqual([1, 2, 3, 4, 5].map((k) => k * MS));
    expect(cost.slice(warm)).toEqual(Array(5).fill(MS));
  });
});
