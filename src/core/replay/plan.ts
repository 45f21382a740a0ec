// What a replay is asked for (ReplayOptions), what it returns (ReplayResult), and the
// simulations it runs for that (planOf): the baseline fifo, each other policy asked for, fair
// when the cap ladder needs it as its reference, then the ladder's levels. Every simulation
// replays each zone under its own loop model (ReplayOptions.zoneLoops).

import type { PolicyResult } from '../analysis.js';
import type { LoopModel, PolicyFactory, PolicyOptions } from './contract.js';
import type { ReplayFidelity } from './fidelity.js';
import { ladderCapSpec, type LadderSpec } from './ladder.js';
import type { LoopSpec } from './loop-class.js';
import type { DeviceUse } from './run.js';
import type { CapSpec } from './policies/cap.js';
import { findPolicy, policies as allPolicies } from './policies/index.js';
import type { ThrottleTunables } from './policies/throttle.js';
import type { DeviceInfo, ReplayStore, Span, SpillArea, ZoneInfo } from './types.js';

export interface ReplayOptions {
  /** Policy names in report order; fifo (the baseline) is always simulated, reported only if listed. */
  policies: string[];
  cap: CapSpec;
  throttle: ThrottleTunables;
  /** How each zone's loop model is chosen (--loop); the analysis resolves it into zoneLoops. Missing: auto. */
  loopSpec?: LoopSpec;
  /** Per zone index, its loop model (src/core/replay/loop-class.ts decides them); missing: open. */
  zoneLoops?: LoopModel[];
  /** The cap ladder's unit (--cap-ladder), or none; the analysis resolves it into `ladder` when cap is replayed. Missing: iops. */
  capLadder?: 'iops' | 'bytes' | 'none';
  /** The static-cap ladder; null or missing: none. */
  ladder?: LadderSpec | null;
  /** The ladder levels this call replays, [from, to) (default: all); the cli's worker replays a slice. */
  ladderSlice?: [number, number];
  /**
   * Also simulate fair when it is not among `policies` (the ladder's reference: the zone a cap is
   * meant to protect is the one fifo hurts most against fair queuing). Reported in `hidden`.
   */
  reference?: boolean;
  /**
   * Per device name, its parallelism K: the replay runs it as K slots behind the policy's dispatch
   * queue, each IO's service calibrated so that fifo reproduces a FIFO K-slot device
   * (./fifo-slots.ts). Missing or unlisted: 1, a single server with the observe pass's device time.
   */
  parallelism?: Map<string, number>;
  /** false: skip the model's fidelity (its histograms; `fidelity` then says nothing was measured). */
  fidelity?: boolean;
  /** Called after each block of the store has been replayed (progress, liveness). */
  onBlock?: () => void;
  /** Where simulations put queued IO beyond what they keep in memory (default: nowhere, all in memory). */
  spill?: () => SpillArea;
  /**
   * Summary only: no per-IO latencies (results with `zones: []`), only the work done, idle time,
   * makespan and Jain's index.
   */
  summaryOnly?: boolean;
}

/**
 * Runs the replays; `runReplays` or a drop-in that spreads them over threads
 * (src/cli/replay-workers.ts). `use`: which zones use which device, when the caller has it.
 */
export type ReplayRunner = (store: ReplayStore, zones: ZoneInfo[], devices: DeviceInfo[], span: Span, opts: ReplayOptions, use?: DeviceUse) => ReplayResult;

export interface ReplayResult {
  /** In opts.policies order. */
  policies: PolicyResult[];
  /** Simulated but not asked for: fifo when not listed, fair when only the ladder needs it. */
  hidden: PolicyResult[];
  /** The ladder levels replayed (opts.ladderSlice), in level order: `cap` results with params.level. */
  ladder: PolicyResult[];
  fidelity: ReplayFidelity;
  warnings: string[];
}

/** The parallelism a replay gives a device (ReplayOptions.parallelism; 1 when unlisted). */
export function slotsOf(opts: ReplayOptions, device: string): number {
  return opts.parallelism?.get(device) ?? 1;
}

export function knownPolicyNames(): string[] {
  return allPolicies.map((p) => p.name);
}

/** One simulation (per device) of the plan. */
export interface SimGroup {
  factory: PolicyFactory;
  popts: PolicyOptions;
  /** Reported in `policies`, simulated for the verdict only (`hidden`), or a ladder level. */
  role: 'policy' | 'hidden' | 'ladder';
  /** Ladder level index (0-based, into ladder.positions), else -1. */
  level: number;
}

/** The simulations one call runs: fifo first (the baseline every other pairs with), then the rest. */
export function planOf(opts: ReplayOptions) {
  const names = [...new Set(opts.policies)];
  const factories: PolicyFactory[] = [];
  for (const n of names) {
    const f = findPolicy(n);
    if (!f) throw new Error(`unknown policy "${n}" (known: ${knownPolicyNames().join(', ')})`);
    factories.push(f);
  }
  const popts: PolicyOptions = { cap: opts.cap, throttle: opts.throttle };
  const fifoF = findPolicy('fifo')!;
  const groups: SimGroup[] = [{ factory: fifoF, popts, role: names.includes('fifo') ? 'policy' : 'hidden', level: -1 }];
  for (const f of factories) if (f !== fifoF) groups.push({ factory: f, popts, role: 'policy', level: -1 });
  if (opts.reference && !names.includes('fair')) groups.push({ factory: findPolicy('fair')!, popts, role: 'hidden', level: -1 });
  const ladder = opts.ladder ?? null;
  if (ladder) {
    const [from, to] = opts.ladderSlice ?? [0, ladder.positions.length];
    const capF = findPolicy('cap')!;
    for (let k = from; k < to; k++) groups.push({ factory: capF, popts: { cap: ladderCapSpec(ladder, k, opts.cap.burstS), throttle: opts.throttle }, role: 'ladder', level: k });
  }
  /** Per zone: 1 when replayed closed loop. */
  const closed = opts.zoneLoops ? Uint8Array.from(opts.zoneLoops, (l) => (l === 'closed' ? 1 : 0)) : null;
  return { names, groups, closed: closed && closed.some((c) => c === 1) ? closed : null, summary: opts.summaryOnly === true, popts };
}
