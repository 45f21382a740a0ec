// The order zones are reported in (--sort): every renderer shows the zones, the what-if zones,
// the replay's fidelity per zone and the timeline in this one order.

import type { Analysis, ZoneResult } from './analysis.js';
import type { ReplayFidelity } from './replay/index.js';

export const SORT_KEYS = ['deviation', 'share', 'ops', 'p99', 'name'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

const VALUE: Record<Exclude<SortKey, 'name'>, (z: ZoneResult) => number | null> = {
  deviation: (z) => z.deviation,
  share: (z) => z.device_share,
  ops: (z) => z.ops,
  p99: (z) => z.latency_us.p99,
};

/** Code-unit order: the same on every machine, whatever its locale. */
const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The analysis with its zones in `key` order: largest first (deviation: the zone that took most
 * beyond its due first, the most starved last), names alphabetically; zones without the value
 * last; ties by name.
 */
export function sortZones(a: Analysis, key: SortKey): Analysis {
  const zones = [...a.zones];
  if (key === 'name') zones.sort((x, y) => byName(x.zone, y.zone));
  else {
    const v = VALUE[key];
    zones.sort((x, y) => {
      const vx = v(x);
      const vy = v(y);
      if (vx === null || vy === null) return vx === vy ? byName(x.zone, y.zone) : vx === null ? 1 : -1;
      return vy - vx || byName(x.zone, y.zone);
    });
  }
  const rank = new Map(zones.map((z, i) => [z.zone, i]));
  const inOrder = <T extends { zone: string }>(xs: T[]) => [...xs].sort((x, y) => (rank.get(x.zone) ?? Infinity) - (rank.get(y.zone) ?? Infinity) || byName(x.zone, y.zone));
  const fidelity = (a as { replay_fidelity?: ReplayFidelity }).replay_fidelity;
  return {
    ...a,
    zones,
    policies: a.policies.map((p) => ({ ...p, zones: inOrder(p.zones) })),
    timeline: a.timeline ? { ...a.timeline, zones: inOrder(a.timeline.zones) } : null,
    ...(fidelity ? { replay_fidelity: { ...fidelity, zones: inOrder(fidelity.zones) } } : {}),
  };
}
