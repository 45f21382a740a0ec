// The cap ladder: does any static cap protect the zone fifo hurts most as well as fair queuing
// does, without leaving the disk idle while IO waits?
//
// A static cap that is right for one workload mix is wrong for another, because what a device
// delivers per busy second varies with the mix (random 4 KiB reads against sequential 128 KiB
// writes: two orders of magnitude). So rather than one cap, the replay tries a ladder of them:
// LADDER_LEVELS levels spanning what each device delivered per busy second, from the least to the
// most (capacity_iops min to max, or bytes/s), spaced geometrically; at each level every zone is
// capped at its weight's share of the level on each device it uses (`cap auto` with the level in
// place of the median). Each level is one more simulation of the cap policy.
//
// The zone a cap is meant to protect is the one fifo hurts most against fair queuing: the largest
// ratio of its p99 under fifo to its p99 under fair. When no zone's p99 under fifo is at least
// THRESHOLDS.p99_factor times its p99 under fair, no zone needs protecting and the ladder shows
// only what each level costs. A level protects the zone as well as fair queuing when its p99 is
// within THRESHOLDS.protect_tolerance of fair's; it costs performance as any policy does (see
// src/core/verdict.ts): when a device sat idle while IO waited for more than THRESHOLDS.cost of
// the window.

import type { CapLadder, CapLadderLevel, PolicyDeviceResult, PolicyResult, ZoneResult } from '../analysis.js';
import type { CapSpec } from './policies/cap.js';
import { levelCapacity } from './policies/cap.js';
import type { DeviceInfo, ZoneInfo } from './types.js';
import { THRESHOLDS } from '../thresholds.js';

export const LADDER_LEVELS = 7;

/** What the ladder replays: its unit, and each level's position between the least and most a device delivered. */
export interface LadderSpec {
  unit: 'iops' | 'bytes';
  /** 0 = the least per busy second, 1 = the most; geometric in between. */
  positions: number[];
}

/**
 * The ladder's levels in `unit`: LADDER_LEVELS of them, or one when no device delivered different
 * amounts per busy second (a trace of one busy second: every level would be the same cap).
 */
export function ladderFor(unit: 'iops' | 'bytes', devices: readonly DeviceInfo[]): LadderSpec {
  const spread = devices.some((d) => {
    const r = d.capacityRange?.[unit];
    return r != null && r[1] > r[0];
  });
  return ladderSpec(unit, spread ? LADDER_LEVELS : 1);
}

export function ladderSpec(unit: 'iops' | 'bytes', levels = LADDER_LEVELS): LadderSpec {
  return { unit, positions: Array.from({ length: levels }, (_, k) => (levels === 1 ? 1 : k / (levels - 1))) };
}

/** Level k of the ladder as a cap spec: `auto` at that level, with the user's burst. */
export function ladderCapSpec(spec: LadderSpec, k: number, burstS: number): CapSpec {
  return {
    auto: true,
    level: { unit: spec.unit, position: spec.positions[k], index: k, count: spec.positions.length },
    all: null,
    perZone: new Map(),
    burstS,
    text: `ladder level ${k + 1} of ${spec.positions.length}`,
  };
}

/**
 * The frontier, from the ladder's results (in level order) and the baseline's and fair's:
 * per level what it cost and the protected zone's p99, then which level comes closest.
 * `onDevice[d][z]` is 1 when zone z has IO on device d (its share of a level is among those zones).
 */
export function capLadderOf(
  spec: LadderSpec,
  burstS: number,
  levels: PolicyResult[],
  fifo: PolicyResult | null,
  fair: PolicyResult | null,
  zones: ZoneInfo[],
  observed: ZoneResult[],
  devices: DeviceInfo[],
  onDevice: Uint8Array[],
): CapLadder {
  const T = THRESHOLDS;
  // the zone fifo hurts most against fair queuing (fifo's reported p99 is the observed one)
  let protectedZone: string | null = null;
  let fifoP99: number | null = null;
  let fairP99: number | null = null;
  let hurt = 0;
  if (fair) {
    for (const fz of fair.zones) {
      // a zone that is not a tenant (kernel threads, an unknown issuer) is never the one to protect
      const kind = observed.find((z) => z.zone === fz.zone)?.kind;
      if (kind !== undefined && kind !== 'tenant') continue;
      const before = (fifo?.zones.find((z) => z.zone === fz.zone)?.latency_us.p99 ?? observed.find((z) => z.zone === fz.zone)?.latency_us.p99) ?? null;
      const after = fz.latency_us.p99;
      if (before === null || after === null || !(after > 0)) continue;
      const r = before / after;
      if (r >= T.p99_factor && r > hurt) {
        hurt = r;
        protectedZone = fz.zone;
        fifoP99 = before;
        fairP99 = after;
      }
    }
  }
  const zi = protectedZone === null ? -1 : zones.findIndex((z) => z.name === protectedZone);
  const out: CapLadderLevel[] = levels.map((p) => {
    const level = (p.params.level as number) ?? 0;
    const k = level - 1;
    const capacity = devices.map((d) => ({ device: d.name, per_s: levelCapacity(d, { unit: spec.unit, position: spec.positions[k], index: k, count: spec.positions.length }) }));
    const limits: { device: string; per_s: number | null }[] = [];
    if (zi >= 0)
      devices.forEach((d, di) => {
        if (!onDevice[di]?.[zi]) return;
        let sumW = 0;
        let n = 0;
        for (let z = 0; z < zones.length; z++)
          if (onDevice[di][z]) {
            n++;
            if (zones[z].weight > 0) sumW += zones[z].weight;
          }
        const c = capacity[di].per_s;
        const w = zones[zi].weight;
        limits.push({ device: d.name, per_s: c === null ? null : sumW > 0 ? (w > 0 ? (c * w) / sumW : null) : c / Math.max(1, n) });
      });
    const pz = protectedZone === null ? null : (p.zones.find((z) => z.zone === protectedZone) ?? null);
    const p99 = pz?.latency_us.p99 ?? null;
    const frac = p.idle_while_waiting_frac;
    let worst: PolicyDeviceResult | null = null;
    for (const d of p.devices) if (d.idle_while_waiting_s > (worst?.idle_while_waiting_s ?? 0)) worst = d;
    return {
      level,
      capacity_per_s: capacity,
      protected_limit_per_s: limits,
      in_window: p.in_window,
      work_lost: p.work_lost,
      throughput_loss: p.throughput_loss,
      idle_while_waiting_s: p.idle_while_waiting_s,
      idle_while_waiting_frac: frac,
      worst_device: worst,
      protected_p99_us: p99,
      protected_backlog_ops: pz?.backlog_ops ?? null,
      protects: p99 === null || fairP99 === null ? null : p99 <= fairP99 * (1 + T.protect_tolerance),
      costs_performance: frac === null ? null : frac > T.cost,
    };
  });
  let cheapest: CapLadderLevel | null = null;
  let bestFree: CapLadderLevel | null = null;
  for (const l of out) {
    if (l.protects && l.idle_while_waiting_frac !== null && (!cheapest || l.idle_while_waiting_frac < cheapest.idle_while_waiting_frac!)) cheapest = l;
    if (l.costs_performance === false && l.protected_p99_us !== null && (!bestFree || l.protected_p99_us < bestFree.protected_p99_us!)) bestFree = l;
  }
  return {
    unit: spec.unit,
    burst_s: burstS,
    protected_zone: protectedZone,
    protected_fifo_p99_us: fifoP99,
    protected_fair_p99_us: fairP99,
    levels: out,
    cheapest_protecting_level: cheapest?.level ?? null,
    best_free_level: bestFree?.level ?? null,
    protects_without_cost: protectedZone === null ? null : out.some((l) => l.protects === true && l.costs_performance === false),
  };
}
