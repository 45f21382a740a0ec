// The verdict in plain words, composed from the findings src/core/verdict.ts selected. No
// statistic is computed or selected here: only wording and formatting. Every number a sentence
// prints is a number of the JSON report (a policy's, a zone's, the cap ladder's, the thresholds),
// formatted by one of the functions below; advice names only what the input's platform offers.

import type { CapLadder, CapLadderLevel, Verdict, VerdictPart, ZoneP99Change } from '../core/analysis.js';
import type { PolicyFindings, VerdictFindings } from '../core/verdict.js';
import { perIoTracer, type Platform } from '../records.js';
import { fmtBytes, fmtNum, fmtPct, fmtS, fmtUs } from './format.js';

/** A fraction as a percentage, in the report's one number format (format.ts). */
export const pctText = (x: number): string => fmtPct(x);

/** Microseconds as a duration, in the report's one number format. */
export const durText = (us: number): string => fmtUs(us);

/** Seconds, in the report's one number format: "20.8 s", "552 s". */
export const secText = (s: number): string => fmtS(s);

/** A count or a rate, in the report's one number format: "23,160", "92". */
export const countText = (n: number): string => fmtNum(n);

/** Bytes (decimal units), in the report's one number format: "329 kB", "90.5 MB". */
export const bytesText = (b: number): string => fmtBytes(b);

/** "a", "a and b", "a, b and c". */
function list(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Up to `shown` items, then "and N more zones". */
function named(items: string[], shown: number): string {
  if (items.length <= shown) return list(items);
  const rest = items.length - shown;
  return `${items.slice(0, shown).join(', ')} and ${rest} more zone${rest === 1 ? '' : 's'}`;
}

/** What each replayed policy is called, in the input platform's terms: a name and a note in parentheses. */
const NAMES: Record<Platform, { cap: string; throttle: [string, string]; fair: [string, string | null] }> = {
  illumos: {
    cap: 'Capping each zone',
    throttle: ['The SmartOS zone throttle', 'zfs_zone'],
    fair: ['Fair queuing by device time', 'which SmartOS does not offer'],
  },
  linux: {
    cap: 'Capping each cgroup with io.max',
    throttle: ['A throttle that acts only under contention', 'as io.latency does'],
    fair: ['Fair queuing by device time', 'what io.cost does with io.weight'],
  },
  neutral: {
    cap: 'Capping each zone',
    throttle: ['Throttling only under contention', 'the throttle row'],
    fair: ['Fair queuing by device time', null],
  },
};

/** "Name (note; more)". */
function titled([name, ...notes]: (string | null)[]): string {
  const n = notes.filter((x): x is string => !!x);
  return n.length ? `${name} (${n.join('; ')})` : name!;
}

function change(c: ZoneP99Change): string {
  return `${durText(c.before_us)} → ${durText(c.after_us)}`;
}

/** "raised backup's p99 from 996 ms to 514 s" or "raised the p99 of a (x → y), b (x → y) and 2 more zones". */
function changes(verb: string, cs: ZoneP99Change[], shown: number): string {
  if (cs.length === 1) return `${verb} ${cs[0].zone}'s p99 from ${durText(cs[0].before_us)} to ${durText(cs[0].after_us)}`;
  return `${verb} the p99 of ${named(cs.map((c) => `${c.zone} (${change(c)})`), shown)}`;
}

function capWhat(p: PolicyFindings, platform: Platform): string {
  const head = NAMES[platform].cap;
  const spec = String(p.params.spec ?? '');
  if (spec !== 'auto') return `${head} at --cap ${spec}`;
  const med = (p.params.median_iops as { device: string; iops: number | null }[] | undefined) ?? [];
  if (med.length === 1 && med[0].iops !== null)
    return `${head} at its weight's share of the median ${countText(med[0].iops)} IOPS per busy second of ${med[0].device} (--cap auto)`;
  return `${head} at its weight's share of its device's median IOPS per busy second (--cap auto)`;
}

/** Whether the policy cost performance, with the device and the numbers. */
function costClause(p: PolicyFindings, f: VerdictFindings, waiting: string): string {
  const T = f.thresholds;
  const d = p.worst_device;
  if (p.costs_performance === null || d === null) return 'could not be judged (the trace has no window)';
  if (p.costs_performance) {
    const window = f.window_s !== null ? ` of the ${secText(f.window_s)} window` : '';
    return `costs performance: ${d.device} sat idle ${secText(d.idle_while_waiting_s)}${window} (${pctText(p.cost!)}${slotsText(d, '; ')}) while ${waiting} IO waited`;
  }
  if (!(p.cost! > 0)) return 'does not cost performance: no device sat idle while IO waited';
  return `does not cost performance: ${d.device} sat idle while IO waited for ${pctText(p.cost!)} of the window${slotsText(d, ', ')}, within the ${pctText(T.cost)} threshold`;
}

/** How idle time counts on a device of several slots: "; each of its 8 slots counting 1/8"; '' on a single server. */
function slotsText(d: { slots?: number }, sep: string): string {
  return d.slots && d.slots > 1 ? `${sep}each of its ${countText(d.slots)} slots counting 1/${countText(d.slots)}` : '';
}

/** What the policy left undone within the window, against fifo; '' when nothing. */
function workClause(p: PolicyFindings, f: VerdictFindings): string {
  const w = p.work_lost;
  if (!w) return '';
  const parts: string[] = [];
  if (w.ops !== null && w.ops > 0) parts.push(`${pctText(w.ops)} of the IOs`);
  if (w.bytes !== null && w.bytes > 0) parts.push(`${pctText(w.bytes)} of the bytes`);
  if (w.device_s !== null && w.device_s > 0) parts.push(`${pctText(w.device_s)} of the device time`);
  if (parts.length === 0 || parts.every((x) => x.startsWith('0 %'))) return '';
  let s = ` Within the window it left undone ${list(parts)} that fifo completed there`;
  if (p.backlog && p.backlog.ops > 0) s += `; ${countText(p.backlog.ops)} ${p.backlog.ops === 1 ? 'IO was' : 'IOs were'} not done when the window ended`;
  void f;
  return s + '.';
}

/** Whose p99 the policy doubled or halved (events only: intervals carry no p99). */
function effectClause(p: PolicyFindings, f: VerdictFindings): string {
  if (f.fidelity !== 'events') return '';
  const n = f.thresholds.zones_named;
  const parts: string[] = [];
  if (p.raised.length) parts.push(changes('raised', p.raised, n));
  if (p.cut.length) parts.push(changes('cut', p.cut, n));
  if (parts.length === 0) return ` It neither doubled nor halved any zone's p99.`;
  return ` It ${parts.join(' and ')}.`;
}

/** Open zones whose latency under the policy grows with the recording; closed zones it made issue late. */
function honestyClause(p: PolicyFindings, f: VerdictFindings): string {
  const n = f.thresholds.zones_named;
  let s = '';
  if (p.growing.length === 1) {
    const g = p.growing[0];
    s += ` ${g.zone}'s IOs were still queued when the trace ended (${countText(g.backlog_ops)} of ${countText(g.ops)}), so its latency under this policy grows with the length of the recording.`;
  } else if (p.growing.length > 1) {
    s += ` ${named(p.growing.map((g) => `${g.zone} (${countText(g.backlog_ops)} of ${countText(g.ops)} IOs)`), n)} still had IOs queued when the trace ended, so their latency under this policy grows with the length of the recording.`;
  }
  if (p.late.length === 1) {
    const l = p.late[0];
    s += ` Replayed closed loop, ${l.zone} would have issued its IOs later than traced: by ${durText(l.lag_p50_us)} at the median, ${durText(l.lag_p99_us)} at p99.`;
  } else if (p.late.length > 1) {
    const lates = p.late.map((l) => `${l.zone} by ${durText(l.lag_p50_us)} (${durText(l.lag_p99_us)} at p99)`);
    s += ` Replayed closed loop, these zones would have issued their IOs later than traced, at the median: ${named(lates, n)}.`;
  }
  return s;
}

function emptyPart(summary: string): VerdictPart {
  return { costs_performance: null, throughput_loss: null, summary, cost: null, work_lost: null, raised: [], cut: [] };
}

function part(p: PolicyFindings, summary: string): VerdictPart {
  return { costs_performance: p.costs_performance, throughput_loss: p.throughput_loss, summary, cost: p.cost, work_lost: p.work_lost, raised: p.raised, cut: p.cut };
}

function capPart(f: VerdictFindings): VerdictPart {
  const p = f.capping;
  if (!p) return emptyPart('Capping was not replayed.');
  if (p.costs_performance === null) return part(p, 'Capping could not be judged: the trace has no window.');
  const s = `${capWhat(p, f.platform)} ${costClause(p, f, 'capped')}.` + workClause(p, f) + effectClause(p, f) + honestyClause(p, f);
  return part(p, s);
}

function throttlePart(f: VerdictFindings): VerdictPart {
  const p = f.throttling;
  if (!p) return emptyPart('Throttling was not replayed.');
  if (p.costs_performance === null) return part(p, 'Throttling could not be judged: the trace has no window.');
  const approx = f.fidelity === 'intervals' ? 'a fluid approximation at interval fidelity' : null;
  const s = `${titled([...NAMES[f.platform].throttle, approx])} ${costClause(p, f, 'delayed')}.` + workClause(p, f) + effectClause(p, f) + honestyClause(p, f);
  return part(p, s);
}

function fairPart(f: VerdictFindings): VerdictPart | null {
  const p = f.fair;
  if (!p) return null;
  if (p.costs_performance === null) return part(p, 'Fair queuing could not be judged: the trace has no window.');
  const s = `${titled(NAMES[f.platform].fair)} ${costClause(p, f, 'queued')}.` + workClause(p, f) + effectClause(p, f) + honestyClause(p, f);
  return part(p, s);
}

/** "1,230 IOPS", "90.5 MB/s". */
function rate(x: number | null, unit: CapLadder['unit']): string {
  if (x === null) return 'uncapped';
  return unit === 'iops' ? `${countText(x)} IOPS` : `${bytesText(x)}/s`;
}

/** "level 6 (1,230 IOPS for db01 on sd0)". */
function levelName(l: CapLadderLevel, zone: string, unit: CapLadder['unit']): string {
  const lim = l.protected_limit_per_s[0];
  return lim ? `level ${l.level} (${rate(lim.per_s, unit)} for ${zone} on ${lim.device})` : `level ${l.level}`;
}

function idleText(l: CapLadderLevel): string {
  const d = l.worst_device;
  if (d === null || d.idle_while_waiting_frac === null || !(d.idle_while_waiting_frac > 0)) return 'never left a device idle while IO waited';
  return `left ${d.device} idle while IO waited for ${pctText(d.idle_while_waiting_frac)} of the window${slotsText(d, ', ')}`;
}

/** The cap ladder's conclusion. */
function ladderText(f: VerdictFindings): string | null {
  const L = f.ladder;
  if (!L || L.levels.length === 0) return null;
  const T = f.thresholds;
  const first = L.levels[0];
  const last = L.levels[L.levels.length - 1];
  const dev = first.capacity_per_s.find((c) => c.per_s !== null) ?? null;
  const lastDev = dev ? (last.capacity_per_s.find((c) => c.device === dev.device) ?? null) : null;
  let range = '';
  if (dev && lastDev && L.levels.length === 1) range = ` (level ${first.level}: ${rate(dev.per_s, L.unit)} per busy second on ${dev.device}, shared by weight)`;
  else if (dev && lastDev)
    range = ` (levels ${first.level} to ${last.level}: ${rate(dev.per_s, L.unit)} to ${rate(lastDev.per_s, L.unit)} per busy second on ${dev.device}, shared by weight)`;
  if (L.protected_zone === null) {
    const costly = L.levels.filter((l) => l.costs_performance).map((l) => l.level);
    const head = `Static caps${range}: fifo raises no zone's p99 to ${T.p99_factor}× its p99 under fair queuing, so no zone needs a cap's protection.`;
    if (costly.length === 0) return `${head} No level costs performance.`;
    if (costly.length === L.levels.length) return `${head} Every level costs performance.`;
    return `${head} ${costly.length === 1 ? `Level ${costly[0]} costs` : `Levels ${list(costly.map(String))} cost`} performance.`;
  }
  const z = L.protected_zone;
  const target = `${z}'s p99 within ${pctText(T.protect_tolerance)} of its ${durText(L.protected_fair_p99_us!)} under fair queuing`;
  const head = `Static caps${range}, against the zone fifo hurts most (${z}: p99 ${durText(L.protected_fifo_p99_us!)} under fifo, ${durText(L.protected_fair_p99_us!)} under fair queuing):`;
  const byLevel = (n: number | null) => L.levels.find((l) => l.level === n) ?? null;
  const cheapest = byLevel(L.cheapest_protecting_level);
  const bestFree = byLevel(L.best_free_level);
  if (L.protects_without_cost && cheapest) {
    return `${head} ${levelName(cheapest, z, L.unit)} keeps ${target} and ${idleText(cheapest)}, so a static cap there protects ${z} as well as fair queuing without idling the disk.`;
  }
  let s = `${head} none keeps ${target} without idling the disk.`;
  if (cheapest) s += ` The cheapest that keeps it, ${levelName(cheapest, z, L.unit)}, ${idleText(cheapest)}.`;
  else s += ` No level keeps it.`;
  if (bestFree && bestFree.protected_p99_us !== null)
    s += ` The best that does not cost performance, ${levelName(bestFree, z, L.unit)}, leaves ${z}'s p99 at ${durText(bestFree.protected_p99_us)}.`;
  else s += ` Every level costs performance.`;
  return s;
}

/** Which loop model each zone was replayed under, and the evidence. */
function loopText(f: VerdictFindings): string | null {
  if (f.loops.length === 0) return null;
  const n = f.thresholds.zones_named;
  const one = (z: string, l: VerdictFindings['loops'][number]['loop']) => {
    if (l.source === 'option') return `${z} ${l.model} (--loop)`;
    if (l.follow_fraction === null) return `${z} ${l.model} (too few IOs to tell)`;
    return `${z} ${l.model} (${pctText(l.follow_fraction)} of its issues followed one of its completions within ${durText(l.gap_us!)})`;
  };
  const closed = f.loops.filter((x) => x.loop.model === 'closed');
  const open = f.loops.filter((x) => x.loop.model === 'open');
  const parts: string[] = [];
  if (closed.length) parts.push(named(closed.map((x) => one(x.zone, x.loop)), n));
  if (open.length) parts.push(named(open.map((x) => one(x.zone, x.loop)), n));
  const poisson = f.loops[0].loop.poisson_fraction;
  return `Loop model per zone: ${parts.join('; ')}. Closed loop means a zone waits for its own IOs (a writer blocking on its IO); open, it issues as traced (a service driven by its clients). Poisson arrivals would follow a completion that promptly ${pctText(poisson)} of the time.`;
}

/** The recommendation, in the platform's terms. */
function recommendationText(f: VerdictFindings): string {
  const r = f.recommendation;
  const T = f.thresholds;
  const jain = f.measured_jain;
  const jainText = jain === null ? '' : `Jain's index ${jain.toFixed(3)} over the measured device-time shares`;
  const L = f.ladder;
  switch (r.kind) {
    case 'already-fair':
      return `The disk was already shared fairly (${jainText}, at least ${T.fair_jain}), and no replayed policy halves any zone's p99 without idling the disk: no policy is needed.`;
    case 'cannot-judge': {
      return `Interval input has no per-IO latency, so whom a policy would help cannot be judged (${jainText || 'no fairness measured'}); trace per-IO events (${perIoTracer(f.platform)}) for that.`;
    }
    case 'none-helps':
      return `No replayed policy halves any zone's p99 without idling the disk${jainText ? ` (${jainText})` : ''}.`;
    case 'prefer': {
      const h = r.helped!;
      const effect = `cut ${h.zone}'s p99 from ${durText(h.before_us)} to ${durText(h.after_us)} without idling the disk`;
      const noCap =
        L && L.protected_zone === h.zone && L.protects_without_cost === false ? `; no static cap kept ${h.zone}'s p99 that low without idling the disk` : '';
      const capToo = L && L.protected_zone === h.zone && L.protects_without_cost === true && L.cheapest_protecting_level !== null ? `; a static cap at ladder level ${L.cheapest_protecting_level} did as well` : '';
      const tail = `${noCap}${capToo}.`;
      if (r.policy === 'fair') {
        if (f.platform === 'linux')
          return `Prefer io.cost (iocost: device-time fair queuing, weights in io.weight) to io.max caps: on this trace fair queuing ${effect}${tail}${r.throttle_as_good ? ' A contention-only throttle (io.latency works this way) did about as well.' : ''}`;
        if (f.platform === 'illumos')
          return `Fair queuing by device time would ${effect}${tail} SmartOS does not offer it, and its zone throttle did not do as well on this trace.`;
        return `Prefer fair queuing by device time to static caps: on this trace it ${effect}${tail}${r.throttle_as_good ? ' Throttling only under contention did about as well.' : ''}`;
      }
      if (r.policy === 'throttle') {
        if (f.platform === 'illumos')
          return `Keep the SmartOS zone throttle on (zfs_zone) with zone.zfs-io-priority as the weights: on this trace it ${effect}${tail}`;
        if (f.platform === 'linux') return `Prefer a throttle that acts only under contention, such as io.latency's targets, to io.max caps: on this trace the throttle ${effect}${tail}`;
        return `Prefer throttling only under contention to static caps: on this trace it ${effect}${tail}`;
      }
      return `The replayed static cap ${effect}${tail}`;
    }
  }
}

/** The JSON contract's verdict{} from the findings. */
export function verdictText(f: VerdictFindings): Verdict {
  return {
    capping: capPart(f),
    throttling: throttlePart(f),
    fair: fairPart(f),
    cap_ladder: ladderText(f),
    loop: loopText(f),
    recommendation: recommendationText(f),
    recommended_policy: f.recommendation.policy,
    thresholds: f.thresholds,
    measured_jain: f.measured_jain,
    already_fair: f.already_fair,
    policies: f.policies.map((p) => ({ policy: p.policy, cost: p.cost, costs_performance: p.costs_performance, worst_device: p.worst_device, raised: p.raised, cut: p.cut })),
  };
}

/**
 * Every sentence of the verdict, in the order every renderer prints them: what capping,
 * throttling and fair queuing would have done, the cap ladder's conclusion, the loop models,
 * then the recommendation (always last).
 */
export function verdictSentences(v: Verdict): string[] {
  const out = [v.capping.summary, v.throttling.summary];
  if (v.fair) out.push(v.fair.summary);
  if (v.cap_ladder) out.push(v.cap_ladder);
  if (v.loop) out.push(v.loop);
  out.push(v.recommendation);
  return out;
}
