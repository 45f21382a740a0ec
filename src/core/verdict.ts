// The verdict's numbers: did capping / throttling cost performance on this trace, and whom did
// they hurt or help? Drawn from the replayed PolicyResults (and, when both loop models were run,
// whether they disagree). The sentences are composed in src/report/verdict.ts.

import type { PolicyResult, ZoneResult } from './analysis.js';

/** A policy "costs performance" when it loses more than this share of the baseline's device work. */
export const LOSS_THRESHOLD = 0.01;

export interface ZoneChange {
  zone: string;
  p99_before_us: number;
  p99_after_us: number;
  /** after / before */
  ratio: number;
}

export interface PolicyVerdict {
  policy: string;
  params: Record<string, unknown>;
  loop: 'open' | 'closed';
  costs_performance: boolean | null;
  throughput_loss: number | null;
  idle_while_waiting_s: number | null;
  makespan_s: number | null;
  /** Makespan − the baseline's makespan (s). */
  extra_makespan_s: number | null;
  jain: number | null;
  /** Zone whose p99 rose most (ratio > 1), or null. */
  worst_hit: ZoneChange | null;
  /** Zone whose p99 fell most (ratio < 1), or null. */
  best_helped: ZoneChange | null;
  /** The same policy under the other loop model, when it was run. */
  other_loop: { loop: 'open' | 'closed'; costs_performance: boolean | null; throughput_loss: number | null } | null;
  /** True when open and closed loop disagree on costs_performance. */
  loops_disagree: boolean;
}

export interface VerdictNumbers {
  loop: 'open' | 'closed';
  capping: PolicyVerdict | null;
  throttling: PolicyVerdict | null;
  fair: PolicyVerdict | null;
  /** Jain's index of the baseline (what happened). */
  baseline_jain: number | null;
  loss_threshold: number;
}

function costs(loss: number | null): boolean | null {
  return loss === null ? null : loss > LOSS_THRESHOLD;
}

function changes(p: PolicyResult, before: Map<string, number>, unranked: ReadonlySet<string>): { worst: ZoneChange | null; best: ZoneChange | null } {
  let worst: ZoneChange | null = null;
  let best: ZoneChange | null = null;
  for (const z of p.zones) {
    if (unranked.has(z.zone)) continue;
    const b = before.get(z.zone);
    const a = z.latency_us.p99;
    if (b === undefined || a === null || !(b > 0)) continue;
    const c: ZoneChange = { zone: z.zone, p99_before_us: b, p99_after_us: a, ratio: a / b };
    if (c.ratio > 1 && (!worst || c.ratio > worst.ratio)) worst = c;
    if (c.ratio < 1 && (!best || c.ratio < best.ratio)) best = c;
  }
  return { worst, best };
}

/**
 * `policies`: the replay under the chosen loop model; `otherLoop`: the same under the other one
 * (or null); `zones`: the observed per-zone results (p99 "before" when fifo was not reported);
 * `unranked`: zones the verdict never names (those that are not tenants, e.g. 'kernel').
 */
export function computeVerdict(
  policies: PolicyResult[],
  otherLoop: PolicyResult[] | null,
  zones: ZoneResult[],
  loop: 'open' | 'closed',
  unranked: ReadonlySet<string> = new Set(),
): VerdictNumbers {
  const fifo = policies.find((p) => p.policy === 'fifo');
  const before = new Map<string, number>();
  if (fifo) {
    for (const z of fifo.zones) if (z.latency_us.p99 !== null) before.set(z.zone, z.latency_us.p99);
  } else {
    for (const z of zones) if (z.latency_us.p99 !== null) before.set(z.zone, z.latency_us.p99);
  }
  const one = (name: string): PolicyVerdict | null => {
    const p = policies.find((x) => x.policy === name);
    if (!p) return null;
    const o = otherLoop?.find((x) => x.policy === name) ?? null;
    const { worst, best } = changes(p, before, unranked);
    const c = costs(p.throughput_loss);
    const oc = o ? costs(o.throughput_loss) : null;
    return {
      policy: p.policy,
      params: p.params,
      loop: p.loop,
      costs_performance: c,
      throughput_loss: p.throughput_loss,
      idle_while_waiting_s: p.idle_while_waiting_s,
      makespan_s: p.makespan_s,
      extra_makespan_s: fifo && fifo.makespan_s !== null && p.makespan_s !== null ? p.makespan_s - fifo.makespan_s : null,
      jain: p.jain,
      worst_hit: worst,
      best_helped: best,
      other_loop: o ? { loop: o.loop, costs_performance: oc, throughput_loss: o.throughput_loss } : null,
      loops_disagree: o !== null && c !== null && oc !== null && c !== oc,
    };
  };
  return {
    loop,
    capping: one('cap'),
    throttling: one('throttle'),
    fair: one('fair'),
    baseline_jain: fifo?.jain ?? null,
    loss_threshold: LOSS_THRESHOLD,
  };
}
