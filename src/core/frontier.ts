// What the reports show of the cap ladder beyond its conclusion: the frontier (each level's cost
// against how well it protects the zone fifo hurts most, beside fifo and fair queuing for
// reference) and every zone's and device's results at each level. The ladder's levels and its
// protected zone are src/core/replay/ladder.ts's; this adds the figures the renderers draw and
// list, so none of them divides or looks anything up in the replays itself.

import type { CapLadder, PolicyResult } from './analysis.js';

/** p99 ÷ fair's p99, or null when either is unknown (or fair's is 0). */
function vsFair(p99: number | null | undefined, fairP99: number | null): number | null {
  if (p99 === null || p99 === undefined || fairP99 === null || !(fairP99 > 0)) return null;
  return p99 / fairP99;
}

/**
 * The ladder with, per level, the protected zone's p99 relative to fair, each device's idle time
 * and each zone's results (from `levels`, the levels' replays in level order), and the frontier's
 * reference points fifo and fair (from their replays; left out when one was not replayed).
 */
export function withFrontier(ladder: CapLadder, levels: readonly PolicyResult[], fifo: PolicyResult | null, fair: PolicyResult | null): CapLadder {
  const byLevel = new Map(levels.map((p) => [(p.params.level as number | undefined) ?? 0, p]));
  const fairP99 = ladder.protected_fair_p99_us;
  const zoneP99 = (p: PolicyResult) => (ladder.protected_zone === null ? null : (p.zones.find((z) => z.zone === ladder.protected_zone)?.latency_us.p99 ?? null));
  const reference: NonNullable<CapLadder['reference']> = [];
  for (const [name, p] of [['fifo', fifo], ['fair', fair]] as const) {
    if (!p) continue;
    reference.push({ policy: name, cost: p.idle_while_waiting_frac, work_lost_device_s: p.work_lost?.device_s ?? null, protected_p99_vs_fair: vsFair(zoneP99(p), fairP99) });
  }
  return {
    ...ladder,
    levels: ladder.levels.map((l) => {
      const p = byLevel.get(l.level);
      return {
        ...l,
        protected_p99_vs_fair: vsFair(l.protected_p99_us, fairP99),
        devices: p ? p.devices.map((d) => ({ ...d })) : [],
        zones: p ? p.zones.map(({ latency_histogram: _h, ...z }) => z) : [],
      };
    }),
    reference,
  };
}
