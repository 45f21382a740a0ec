// What a replay is asked for (ReplayOptions), what it returns (ReplayResult), and the
// simulations it runs for that (planOf): per loop model, the baseline fifo, then each other
// policy asked for.

import type { PolicyResult } from '../analysis.js';
import type { LoopModel, PolicyFactory, PolicyOptions } from './contract.js';
import type { ReplayFidelity } from './fidelity.js';
import type { CapSpec } from './policies/cap.js';
import { findPolicy, policies as allPolicies } from './policies/index.js';
import type { ThrottleTunables } from './policies/throttle.js';
import type { DeviceInfo, ReplayStore, Span, SpillArea, ZoneInfo } from './types.js';

export interface ReplayOptions {
  /** Policy names in report order; fifo (the baseline) is always simulated, reported only if listed. */
  policies: string[];
  cap: CapSpec;
  throttle: ThrottleTunables;
  loop: LoopModel;
  /** Also run every policy under the other loop model (for the verdict's "open and closed disagree"). */
  compareLoops?: boolean;
  /** false: skip the model's fidelity (its histograms; `fidelity` then says nothing was measured). */
  fidelity?: boolean;
  /** Called after each block of the store has been replayed (progress, liveness). */
  onBlock?: () => void;
  /** Where simulations put queued IO beyond what they keep in memory (default: nowhere, all in memory). */
  spill?: () => SpillArea;
  /**
   * Summary only: no per-IO latencies (results with `zones: []`), only throughput, idle time,
   * makespan and Jain's index. Always so for the other loop model of compareLoops, of which the
   * verdict reads only the throughput loss: pairing each IO's latencies there cost about a third
   * of the replay's time (closed loop, 1M benchmark trace).
   */
  summaryOnly?: boolean;
}

/** Runs the replays; `runReplays` or a drop-in that spreads them over threads (src/cli/replay-workers.ts). */
export type ReplayRunner = (store: ReplayStore, zones: ZoneInfo[], devices: DeviceInfo[], span: Span, opts: ReplayOptions) => ReplayResult;

export interface ReplayResult {
  /** Results under opts.loop, in opts.policies order. */
  policies: PolicyResult[];
  /** With compareLoops: the same policies under the other loop model, summary only (`zones: []`); else null. */
  other_loop: PolicyResult[] | null;
  fidelity: ReplayFidelity;
  warnings: string[];
}

export function knownPolicyNames(): string[] {
  return allPolicies.map((p) => p.name);
}

/** The simulations one call runs: loops × (fifo, then the other policies), in this order. */
export function planOf(opts: ReplayOptions) {
  const names = [...new Set(opts.policies)];
  const factories: PolicyFactory[] = [];
  for (const n of names) {
    const f = findPolicy(n);
    if (!f) throw new Error(`unknown policy "${n}" (known: ${knownPolicyNames().join(', ')})`);
    factories.push(f);
  }
  const fifoF = findPolicy('fifo')!;
  const loops: LoopModel[] = opts.compareLoops ? [opts.loop, opts.loop === 'open' ? 'closed' : 'open'] : [opts.loop];
  const list = [fifoF, ...factories.filter((f) => f !== fifoF)];
  const groups: { factory: PolicyFactory; loop: LoopModel; sim: number }[] = [];
  const index = new Map<string, number>(); // `${loop}/${name}` → group
  for (const loop of loops)
    list.forEach((factory, sim) => {
      index.set(`${loop}/${factory.name}`, groups.length);
      groups.push({ factory, loop, sim });
    });
  /** Per loop model: whether its results are summary only (ReplayOptions.summaryOnly). */
  const summary = loops.map((_, li) => opts.summaryOnly === true || li > 0);
  return { names, loops, summary, L: list.length, groups, index, popts: { cap: opts.cap, throttle: opts.throttle } as PolicyOptions };
}
