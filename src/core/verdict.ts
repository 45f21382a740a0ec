// The verdict's findings: for each replayed policy, whether it costs performance and whose p99 it
// doubles or halves; whether the disk was already shared fairly; what the cap ladder concluded;
// and which policy, if any, to prefer. Everything here is selected from numbers the report
// carries (the policies, the zones, the cap ladder, the measured fairness), against the
// thresholds in ./thresholds.ts; src/report/verdict.ts only words it.
//
// "Costs performance" is defined once (THRESHOLDS.cost): a policy costs performance when it left a
// device idle while IO it could have served waited, for more than 1 % of the window (first
// arrival to last observed completion). That IO, and the work queued behind it, then finished
// later than under any order that keeps the device busy; how much later shows in the work left
// undone at the window's end (ops, bytes, device time, against fifo), the backlog, and each zone's
// finish time. Work-conserving policies (fifo, fair) never cost performance by this definition:
// reordering who is served first changes latencies, not the work done.

import type {
  Analysis,
  CapLadder,
  PolicyDeviceResult,
  PolicyResult,
  WorkAmount,
  WorkFractions,
  ZoneLoop,
  ZoneP99Change,
  ZoneResult,
} from './analysis.js';
import type { Fidelity, Platform } from '../records.js';
import { THRESHOLDS, type Thresholds } from './thresholds.js';

export { THRESHOLDS };

/** What the verdict says of one replayed policy. */
export interface PolicyFindings {
  policy: string;
  params: Record<string, unknown>;
  /** The worst device's idle time while IO waited ÷ the window (idle_while_waiting_frac). */
  cost: number | null;
  /** cost > thresholds.cost; null when there is no window to judge. */
  costs_performance: boolean | null;
  /** The device with the most idle time while IO waited (null: no device). */
  worst_device: PolicyDeviceResult | null;
  throughput_loss: number | null;
  work_lost: WorkFractions | null;
  in_window: WorkAmount | null;
  backlog: WorkAmount | null;
  /** Zones whose p99 at least doubled (largest ratio first) or at least halved (smallest first). */
  raised: ZoneP99Change[];
  cut: ZoneP99Change[];
  /**
   * Open-loop zones with IO still queued at the window's end under a policy that costs
   * performance: their arrivals outpace what the policy lets through, so their latency under it
   * grows with the length of the recording.
   */
  growing: { zone: string; backlog_ops: number; ops: number }[];
  /**
   * Closed-loop zones the policy made issue late: the p99 of how much later than traced their
   * IOs were issued is at least their p99 latency under fifo, and more than fifo's own lag.
   */
  late: { zone: string; lag_p50_us: number; lag_p99_us: number }[];
}

export type RecommendationKind = 'prefer' | 'already-fair' | 'none-helps' | 'cannot-judge';

export interface Recommendation {
  kind: RecommendationKind;
  /** 'prefer': the replayed policy preferred (fair, throttle or cap), else null. */
  policy: string | null;
  /** 'prefer': the zone it helps most (its largest p99 cut), else null. */
  helped: ZoneP99Change | null;
  /** 'prefer' fair: the throttle cut that zone's p99 about as much (within thresholds.protect_tolerance). */
  throttle_as_good: boolean;
}

export interface VerdictFindings {
  fidelity: Fidelity;
  platform: Platform;
  window_s: number | null;
  thresholds: Thresholds;
  /** Jain's index of the measured device-time shares (fairness.jain), not of the replay. */
  measured_jain: number | null;
  already_fair: boolean | null;
  /** Every replayed policy, in report order. */
  policies: PolicyFindings[];
  capping: PolicyFindings | null;
  throttling: PolicyFindings | null;
  fair: PolicyFindings | null;
  ladder: CapLadder | null;
  /** Each zone's loop model in the replay (event input), in zone order. */
  loops: { zone: string; loop: ZoneLoop }[];
  recommendation: Recommendation;
}

/**
 * The zones whose p99 under `p` is at least `factor` times (raised) or at most 1/factor of (cut)
 * fifo's; zones in `unranked` (not tenants: kernel threads, an unknown issuer) are never named.
 */
function p99Changes(p: PolicyResult, before: Map<string, number>, factor: number, unranked: ReadonlySet<string>): { raised: ZoneP99Change[]; cut: ZoneP99Change[] } {
  const raised: ZoneP99Change[] = [];
  const cut: ZoneP99Change[] = [];
  for (const z of p.zones) {
    if (unranked.has(z.zone)) continue;
    const b = before.get(z.zone);
    const a = z.latency_us.p99;
    if (b === undefined || a === null || !(b > 0)) continue;
    const c: ZoneP99Change = { zone: z.zone, before_us: b, after_us: a, ratio: a / b };
    if (c.ratio >= factor) raised.push(c);
    else if (c.ratio <= 1 / factor) cut.push(c);
  }
  raised.sort((x, y) => y.ratio - x.ratio || (x.zone < y.zone ? -1 : 1));
  cut.sort((x, y) => x.ratio - y.ratio || (x.zone < y.zone ? -1 : 1));
  return { raised, cut };
}

function findingsOf(p: PolicyResult, fifo: PolicyResult | null, before: Map<string, number>, zones: ZoneResult[], T: Thresholds): PolicyFindings {
  const unranked = new Set(zones.filter((z) => (z.kind ?? 'tenant') !== 'tenant').map((z) => z.zone));
  const { raised, cut } = p99Changes(p, before, T.p99_factor, unranked);
  const cost = p.idle_while_waiting_frac ?? null;
  const costs = cost === null ? null : cost > T.cost;
  let worst: PolicyDeviceResult | null = null;
  for (const d of p.devices ?? []) if (!worst || d.idle_while_waiting_s > worst.idle_while_waiting_s) worst = d;
  const loopOf = new Map(zones.map((z) => [z.zone, z.loop?.model ?? 'open']));
  const opsOf = new Map(zones.map((z) => [z.zone, z.ops]));
  const growing: PolicyFindings['growing'] = [];
  const late: PolicyFindings['late'] = [];
  for (const z of p.zones) {
    if (unranked.has(z.zone)) continue;
    if (costs && loopOf.get(z.zone) !== 'closed' && z.backlog_ops !== null && z.backlog_ops > 0)
      growing.push({ zone: z.zone, backlog_ops: z.backlog_ops, ops: opsOf.get(z.zone) ?? z.ops_completed + z.backlog_ops });
    const lag = z.issue_lag_us;
    const fifoLag = fifo?.zones.find((x) => x.zone === z.zone)?.issue_lag_us?.p99 ?? 0;
    const slow = before.get(z.zone);
    if (p.policy !== 'fifo' && lag && lag.p50 !== null && lag.p99 !== null && slow !== undefined && lag.p99 >= slow && lag.p99 > (fifoLag ?? 0))
      late.push({ zone: z.zone, lag_p50_us: lag.p50, lag_p99_us: lag.p99 });
  }
  growing.sort((x, y) => y.backlog_ops - x.backlog_ops || (x.zone < y.zone ? -1 : 1));
  late.sort((x, y) => y.lag_p99_us - x.lag_p99_us || (x.zone < y.zone ? -1 : 1));
  return {
    policy: p.policy,
    params: p.params,
    cost,
    costs_performance: costs,
    worst_device: worst,
    throughput_loss: p.throughput_loss,
    work_lost: p.work_lost ?? null,
    in_window: p.in_window ?? null,
    backlog: p.backlog ?? null,
    raised,
    cut,
    growing,
    late,
  };
}

/**
 * The findings on an analysis with its replayed policies (a.policies, and the cap ladder). `fifo`
 * is the baseline's result when it was replayed but not reported (the p99 "before" is fifo's,
 * which reproduces the observation; the observed p99 when fifo is absent).
 */
export function computeVerdict(a: Analysis, hiddenFifo: PolicyResult | null = null): VerdictFindings {
  const T = THRESHOLDS;
  const fifo = a.policies.find((p) => p.policy === 'fifo') ?? hiddenFifo;
  const before = new Map<string, number>();
  for (const z of fifo ? fifo.zones : []) if (z.latency_us.p99 !== null) before.set(z.zone, z.latency_us.p99);
  for (const z of a.zones) if (!before.has(z.zone) && z.latency_us.p99 !== null) before.set(z.zone, z.latency_us.p99);
  const policies = a.policies.map((p) => findingsOf(p, fifo, before, a.zones, T));
  const one = (name: string) => policies.find((p) => p.policy === name) ?? null;
  const measured = a.fairness.jain;
  const alreadyFair = measured === null ? null : measured >= T.fair_jain;
  const findings: VerdictFindings = {
    fidelity: a.input.fidelity,
    platform: a.input.platform,
    window_s: a.input.duration_s,
    thresholds: T,
    measured_jain: measured,
    already_fair: alreadyFair,
    policies,
    capping: one('cap'),
    throttling: one('throttle'),
    fair: one('fair'),
    ladder: a.cap_ladder ?? null,
    loops: a.zones.filter((z) => z.loop).map((z) => ({ zone: z.zone, loop: z.loop! })),
    recommendation: { kind: 'none-helps', policy: null, helped: null, throttle_as_good: false },
  };
  findings.recommendation = recommend(findings, T);
  return findings;
}

/**
 * The policy to prefer: one that halves some zone's p99 without costing performance. Where the
 * platform offers several (Linux: io.cost's fair queuing, io.latency's throttle, io.max's caps),
 * fair queuing first, then the throttle, then a cap; SmartOS offers the zone throttle, so there
 * the throttle comes first. The order is fixed, so the choice does not flip with small changes in
 * the numbers (only a policy crossing a threshold changes it).
 */
function recommend(f: VerdictFindings, T: Thresholds): Recommendation {
  const none: Recommendation = { kind: 'none-helps', policy: null, helped: null, throttle_as_good: false };
  if (f.fidelity !== 'events') return { ...none, kind: f.already_fair ? 'already-fair' : 'cannot-judge' };
  const helps = (p: PolicyFindings | null): p is PolicyFindings => p !== null && p.costs_performance === false && p.cut.length > 0;
  const order = f.platform === 'illumos' ? [f.throttling, f.fair, f.capping] : [f.fair, f.throttling, f.capping];
  const pick = order.find(helps);
  if (!pick) return { ...none, kind: f.already_fair ? 'already-fair' : 'none-helps' };
  const helped = pick.cut[0];
  let asGood = false;
  if (pick.policy === 'fair' && f.throttling && f.throttling.costs_performance === false) {
    const t = f.throttling.cut.find((c) => c.zone === helped.zone) ?? null;
    asGood = t !== null && t.after_us <= helped.after_us * (1 + T.protect_tolerance);
  }
  return { kind: 'prefer', policy: pick.policy, helped, throttle_as_good: asGood };
}
