// Which loop model to replay each zone under, decided from the zone's own trace.
//
// Replaying arrivals as traced (open loop) ignores that a zone which blocks on its IO would have
// issued later had its IO been slower; making a zone wait for its own IOs (closed loop) ignores
// that a request-driven service issues when its clients ask, whatever its IO does. The trace
// tells them apart: a zone that blocks on its IO issues promptly after one of its own IOs
// completes, with no issue in between (its window had room again); a zone whose issues come from
// elsewhere issues at times unrelated to its completions.
//
// The evidence, per zone, over its issues after its first (all devices; a completion at the same
// nanosecond as an issue counts before it):
// - `follow_fraction`: the fraction of those issues that came at most `gap` after the zone's most
//   recent completion, with no issue of the zone since that completion;
// - `gap`: a quarter of the zone's median time between consecutive issues (its own time scale, so
//   the test means the same at 50 IOPS and at 50,000);
// - `poisson_fraction`: what a Poisson process issuing at the zone's median rate would score,
//   1 − 2^(−1/4) ≈ 16 %: such a process issues within `gap` of any instant (a completion
//   included) with that probability, and is not always waiting for a completion either, so it
//   scores at most that.
// A zone is closed when at least MIN_ISSUES issues were judged and at least half followed a
// completion that promptly: over three times the Poisson score. Otherwise it is open (the replay's
// default: the trace's arrivals as they happened).
//
// The same pass over the store notes which zones use which device (DeviceUse), which the replay
// needs anyway. Memory: per zone, its outstanding IOs' completion times and two histograms.

import { Histogram } from '../histogram.js';
import type { LoopModel } from './contract.js';
import type { DeviceUse } from './run.js';
import { R_ARRIVAL, R_DEVICE, R_LATENCY, R_ZONE, REPLAY_STRIDE, type ReplayStore } from './types.js';

/** The fraction of the median time between issues within which a prompt issue follows a completion. */
export const GAP_FRACTION = 0.25;
/** A zone is closed when at least this fraction of its issues followed one of its completions promptly. */
export const CLOSED_FRACTION = 0.5;
/** Fewer issues than this are too few to tell: the zone stays open. */
export const MIN_ISSUES = 20;

/** What the trace says about one zone's loop (zones[].loop in the JSON report, with the model chosen). */
export interface LoopEvidence {
  /** Issues judged: the zone's issues after its first. */
  issues: number;
  /** Fraction of them that came within gap_us of the zone's latest completion, no issue in between; null for none. */
  follow_fraction: number | null;
  /** What Poisson arrivals at the zone's median issue rate would score (1 − 2^(−GAP_FRACTION)). */
  poisson_fraction: number;
  /** The gap, µs: GAP_FRACTION of the zone's median time between issues; null for none. */
  gap_us: number | null;
  /** The model the evidence points to. */
  suggests: LoopModel;
}

/** How the user asked for loop models (--loop): a default for every zone, and zones named. */
export interface LoopSpec {
  /** 'auto': each zone as its trace suggests. */
  fallback: 'auto' | LoopModel;
  perZone: Map<string, LoopModel>;
}

export const AUTO_LOOP: LoopSpec = { fallback: 'auto', perZone: new Map() };

/** The model chosen for a zone: what the option says, or else what its trace suggests. */
export function chooseLoop(spec: LoopSpec, zone: string, evidence: LoopEvidence): { model: LoopModel; source: 'option' | 'trace' } {
  const named = spec.perZone.get(zone);
  if (named) return { model: named, source: 'option' };
  if (spec.fallback !== 'auto') return { model: spec.fallback, source: 'option' };
  return { model: evidence.suggests, source: 'trace' };
}

/** A min-heap of completion times (one zone's outstanding IOs). */
class TimeHeap {
  k = new Float64Array(8);
  n = 0;

  push(t: number): void {
    if (this.n === this.k.length) {
      const g = new Float64Array(this.n * 2);
      g.set(this.k);
      this.k = g;
    }
    const k = this.k;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p] <= t) break;
      k[i] = k[p];
      i = p;
    }
    k[i] = t;
  }

  pop(): number {
    const k = this.k;
    const top = k[0];
    const n = --this.n;
    const last = k[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && k[c + 1] < k[c]) c++;
      if (last <= k[c]) break;
      k[i] = k[c];
      i = c;
    }
    k[i] = last;
    return top;
  }
}

class ZoneLoopAcc {
  readonly outstanding = new TimeHeap();
  prevIssue = NaN;
  lastDone = -Infinity;
  issues = 0;
  /** Time between consecutive issues; time from the latest completion to an issue that followed it. */
  readonly between = new Histogram();
  readonly gaps = new Histogram();
}

/** The evidence of each zone (by zone index) and the store's device use, from one pass over the store. */
export function scanStore(store: ReplayStore, nZones: number, nDevices: number): { evidence: LoopEvidence[]; use: DeviceUse } {
  const onDevice: Uint8Array[] = [];
  for (let d = 0; d < nDevices; d++) onDevice.push(new Uint8Array(nZones));
  const ios = new Float64Array(nDevices);
  const acc: (ZoneLoopAcc | null)[] = new Array(nZones).fill(null);
  for (const [b, len] of store.blocks())
    for (let i = 0; i < len; i += REPLAY_STRIDE) {
      const d = b[i + R_DEVICE];
      const z = b[i + R_ZONE];
      onDevice[d][z] = 1;
      ios[d]++;
      const t = b[i + R_ARRIVAL];
      const a = acc[z] ?? (acc[z] = new ZoneLoopAcc());
      const h = a.outstanding;
      while (h.n > 0 && h.k[0] <= t) a.lastDone = h.pop();
      if (a.prevIssue === a.prevIssue) {
        a.issues++;
        a.between.record(t - a.prevIssue);
        // a completion at the previous issue's own time came before that issue, not after it
        if (a.lastDone > a.prevIssue) a.gaps.record(t - a.lastDone);
      }
      a.prevIssue = t;
      h.push(t + b[i + R_LATENCY]);
    }
  const poisson = 1 - 2 ** -GAP_FRACTION;
  const evidence = acc.map((a): LoopEvidence => {
    if (a === null || a.issues === 0) return { issues: 0, follow_fraction: null, poisson_fraction: poisson, gap_us: null, suggests: 'open' };
    const gap = GAP_FRACTION * a.between.quantile(0.5);
    const follow = a.gaps.countAtMost(gap) / a.issues;
    return {
      issues: a.issues,
      follow_fraction: follow,
      poisson_fraction: poisson,
      gap_us: gap / 1e3,
      suggests: a.issues >= MIN_ISSUES && follow >= CLOSED_FRACTION ? 'closed' : 'open',
    };
  });
  return { evidence, use: { onDevice, ios } };
}
