// Fluid (per-interval) replay of the what-if policies, for interval-fidelity inputs.
//
// Model, per group (a device, or all of a zone tool's IO when it names no device):
// - Each interval i has a duration d_i and, per zone, the work the zone got done (its observed
//   ops). At interval fidelity that is also its demand: unserved demand is invisible.
// - Capacity C_i = max(delivered_i, median delivered rate × d_i): what the device delivered,
//   and at least its median delivered rate (a lower bound on what it can do when busy).
// - Within an interval arrivals are uniform; a backlogged zone is served at a constant rate, so
//   its backlog is linear in time; the area under it (op·s) ÷ its ops is the mean added delay
//   (Little's law).
// Policies: `fifo` serves the oldest backlog first and is the baseline (with C_i ≥ delivered_i
// it reproduces the observation: no backlog); `fair` water-fills C_i by weight; `cap` serves each
// zone at most its cap per interval and carries the excess as backlog (no burst: at interval
// scale the ~100 ms token bucket is negligible); `throttle` approximates the SmartOS ZFS zone
// throttle (see THROTTLE_NOTE). After the last interval the replay drains any backlog at the
// median rate (makespan). Memory: per-interval aggregates per zone (intervals are few).

import type { PolicyResult, PolicyZoneResult } from './analysis.js';
import { median } from './stats.js';

const NS = 1e9;

export interface FluidZone {
  name: string;
  weight: number;
  /** Observed ops-weighted mean latency (ns); null when the tool has none. */
  meanLatencyNs: number | null;
}

export interface FluidCell {
  startNs: number;
  durNs: number;
  /** Ops and bytes per zone index (only zones with IO in the interval). */
  ops: Map<number, number>;
  bytes: Map<number, number>;
  /** Fraction of the interval the device was busy, when known (throttle condition). */
  util: number | null;
}

export interface FluidGroup {
  name: string;
  /** Sorted by startNs. */
  cells: FluidCell[];
}

export interface FluidInput {
  zones: FluidZone[];
  groups: FluidGroup[];
}

export interface CapLimit {
  iops?: number;
  bytesPerS?: number;
}

/** `auto`, or explicit limits for every zone, optionally overridden per zone. */
export type FluidCap = { auto: true } | { auto: false; all: CapLimit; zones: Map<string, CapLimit> };

export const THROTTLE_NOTE =
  'throttle (fluid approximation): in intervals with the device ≥ 80 % busy (assumed busy when utilisation is unknown) and ' +
  'two or more non-global zones active, every zone above its weighted fair share of device time pays the throttle ceiling ' +
  '(100 µs) per op; the 50 ms slow-IO condition and the 250 ms step-up are not visible at interval fidelity, so this is an upper bound ' +
  'on the delay; open loop: no throughput is lost';

function parseRate(s: string): CapLimit | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(iops|[kKmMgG]i?[bB]\/s|[bB]\/s)\s*$/.exec(s);
  if (!m) return undefined;
  const v = Number(m[1]);
  const unit = m[2];
  if (unit === 'iops') return { iops: v };
  const u = unit.toLowerCase();
  const base = u.includes('i') ? 1024 : 1000;
  const mult = u.startsWith('k') ? base : u.startsWith('m') ? base ** 2 : u.startsWith('g') ? base ** 3 : 1;
  return { bytesPerS: v * mult };
}

function mergeLimit(a: CapLimit, b: CapLimit): CapLimit {
  return { iops: b.iops ?? a.iops, bytesPerS: b.bytesPerS ?? a.bytesPerS };
}

/**
 * Normalises a --cap value: undefined / 'auto' → auto; a string like `400iops`, `50MB/s`,
 * `400iops,50MB/s`, `db=200iops,web=20MB/s`; or an already-structured FluidCap / CapLimit.
 * Throws an Error with a readable message on a bad spec (the cli maps it to a usage error).
 */
export function parseFluidCap(spec: unknown): FluidCap {
  if (spec === undefined || spec === null || spec === 'auto') return { auto: true };
  if (typeof spec === 'object') {
    const o = spec as Record<string, unknown>;
    if (o.auto === true) return { auto: true };
    if (o.auto === false && o.zones instanceof Map) return spec as FluidCap;
    if (typeof o.iops === 'number' || typeof o.bytesPerS === 'number') {
      return { auto: false, all: { iops: o.iops as number | undefined, bytesPerS: o.bytesPerS as number | undefined }, zones: new Map() };
    }
  }
  if (typeof spec !== 'string') throw new Error('cap: expected "auto", "400iops", "50MB/s" or "zone=200iops,..."');
  let all: CapLimit = {};
  const zones = new Map<string, CapLimit>();
  for (const part of spec.split(',')) {
    const eq = part.lastIndexOf('=');
    const rate = parseRate(eq >= 0 ? part.slice(eq + 1) : part);
    if (!rate) throw new Error(`cap: cannot read ${JSON.stringify(part)} (expected e.g. 400iops, 50MB/s, 20MiB/s)`);
    if (eq >= 0) {
      const z = part.slice(0, eq).trim();
      zones.set(z, mergeLimit(zones.get(z) ?? {}, rate));
    } else all = mergeLimit(all, rate);
  }
  return { auto: false, all, zones };
}


/** Water-fills `cap` among `want` by weight; returns the amounts. */
export function waterFill(want: number[], weights: number[], cap: number): number[] {
  const n = want.length;
  const out = new Array<number>(n).fill(0);
  let remaining = cap;
  let open = [...Array(n).keys()].filter((i) => want[i] > 0);
  while (open.length > 0 && remaining > 1e-12) {
    const wsum = open.reduce((s, i) => s + Math.max(weights[i], 1e-9), 0);
    const level = remaining / wsum;
    const sat = open.filter((i) => want[i] - out[i] <= Math.max(weights[i], 1e-9) * level + 1e-12);
    if (sat.length === 0) {
      for (const i of open) out[i] += Math.max(weights[i], 1e-9) * level;
      remaining = 0;
      break;
    }
    for (const i of sat) {
      remaining -= want[i] - out[i];
      out[i] = want[i];
    }
    open = open.filter((i) => !sat.includes(i));
  }
  return out;
}

interface ZoneRun {
  served: number; // within the span
  demand: number;
  area: number; // op·s of backlog, including the drain after the span
  throttleDelayNs: number; // Σ ops × delay (throttle only)
  fairWork: number;
}

interface GroupRun {
  servedWithin: number;
  idleWaitNs: number;
  endNs: number;
}

function runGroup(
  g: FluidGroup,
  zones: FluidZone[],
  policy: string,
  limitOf: (z: number, cell: FluidCell | null, dur: number) => number,
  acc: ZoneRun[],
): GroupRun {
  const rates = g.cells.filter((c) => c.durNs > 0).map((c) => sumMap(c.ops) / (c.durNs / NS)).filter((r) => r > 0);
  const medRate = median(rates) ?? 0;
  const backlog = new Map<number, number>();
  let servedWithin = 0;
  let idleWaitNs = 0;
  let endNs = g.cells.length ? g.cells[g.cells.length - 1].startNs + g.cells[g.cells.length - 1].durNs : 0;

  const step = (cell: FluidCell | null, durNs: number, cap: number): Map<number, number> => {
    const dur = durNs / NS;
    const idx = new Set<number>([...backlog.keys(), ...(cell ? cell.ops.keys() : [])]);
    const ids = [...idx];
    const B = ids.map((z) => backlog.get(z) ?? 0);
    const A = ids.map((z) => (cell ? cell.ops.get(z) ?? 0 : 0));
    const L = ids.map((z) => limitOf(z, cell, durNs));
    const W = ids.map((z) => zones[z].weight);
    const allowed = ids.map((_, i) => Math.min(B[i] + A[i], L[i]));
    let served: number[];
    if (policy === 'fifo' || policy === 'throttle') {
      // oldest work first: backlog, then this interval's arrivals, each pro rata
      const s1 = B.map((b, i) => Math.min(b, L[i]));
      const t1 = s1.reduce((a, b) => a + b, 0);
      if (t1 >= cap) served = s1.map((x) => (t1 > 0 ? (x * cap) / t1 : 0));
      else {
        const rest = cap - t1;
        const s2 = A.map((a, i) => Math.min(a, L[i] - s1[i]));
        const t2 = s2.reduce((a, b) => a + b, 0);
        served = s1.map((x, i) => x + (t2 > rest ? (s2[i] * rest) / t2 : s2[i]));
      }
    } else {
      served = waterFill(allowed, W, cap);
    }
    const out = new Map<number, number>();
    let total = 0;
    let anyLeft = false;
    for (let i = 0; i < ids.length; i++) {
      const z = ids[i];
      const s = served[i];
      total += s;
      const b1 = Math.max(0, B[i] + A[i] - s);
      const r = acc[z];
      if (b1 > 1e-9) {
        r.area += ((B[i] + b1) / 2) * dur;
        backlog.set(z, b1);
        anyLeft = true;
      } else {
        if (B[i] > 0) {
          const sigma = Math.min(L[i], cap) / dur; // rate the zone could be served at
          const alpha = A[i] / dur;
          const tStar = sigma > alpha ? Math.min(dur, B[i] / (sigma - alpha)) : dur;
          r.area += (B[i] * tStar) / 2;
        }
        backlog.delete(z);
      }
      out.set(z, s);
    }
    if (cell && anyLeft && cap > 0 && total < cap) idleWaitNs += ((cap - total) / cap) * durNs;
    if (cell) servedWithin += total;
    return out;
  };

  for (const cell of g.cells) {
    const delivered = sumMap(cell.ops);
    const C = Math.max(delivered, medRate * (cell.durNs / NS));
    const served = step(cell, cell.durNs, C);
    // fair work per cell: Σ served split by weight among zones with demand (GPS, backlogged = demand > 0)
    const total = sumMap(served);
    let wsum = 0;
    for (const [z, s] of served) if (s > 0 || (backlog.get(z) ?? 0) > 0) wsum += zones[z].weight;
    for (const [z, s] of served) {
      acc[z].served += s;
      if (wsum > 0 && (s > 0 || (backlog.get(z) ?? 0) > 0)) acc[z].fairWork += (total * zones[z].weight) / wsum;
    }
    for (const [z, a] of cell.ops) acc[z].demand += a;
  }
  // drain after the span
  const lastDur = g.cells.length ? g.cells[g.cells.length - 1].durNs : NS;
  let guard = 0;
  while (backlog.size > 0 && guard++ < 100000) {
    const before = new Map(backlog);
    const C = medRate > 0 ? medRate * (lastDur / NS) : [...before.keys()].reduce((s, z) => s + limitOf(z, null, lastDur), 0);
    if (!(C > 0)) break;
    step(null, lastDur, C);
    // when the last backlog clears within this step, the end is when it cleared
    if (backlog.size === 0) {
      let tEnd = 0;
      for (const [z, b] of before) {
        const sigma = Math.min(limitOf(z, null, lastDur), C) / (lastDur / NS);
        tEnd = Math.max(tEnd, sigma > 0 ? Math.min(lastDur / NS, b / sigma) : lastDur / NS);
      }
      endNs += tEnd * NS;
    } else endNs += lastDur;
  }
  return { servedWithin, idleWaitNs, endNs };
}

function sumMap(m: Map<number, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}

function jainOf(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = xs.reduce((a, b) => a + b, 0);
  const q = xs.reduce((a, b) => a + b * b, 0);
  return q > 0 ? (s * s) / (xs.length * q) : null;
}

/** Runs the fluid replay of `policies` and returns PolicyResults in the event replay's shape. */
export function runFluid(input: FluidInput, policies: string[], capSpec?: unknown): { policies: PolicyResult[]; warnings: string[] } {
  const warnings: string[] = [];
  const { zones, groups } = input;
  if (groups.length === 0 || zones.length === 0) return { policies: [], warnings };
  const cap = parseFluidCap(capSpec);
  const zoneIndex = new Map<string, number>();
  zones.forEach((z, i) => zoneIndex.set(z.name, i));
  const spanStart = Math.min(...groups.filter((g) => g.cells.length).map((g) => g.cells[0].startNs));
  const spanEnd = Math.max(...groups.filter((g) => g.cells.length).map((g) => g.cells[g.cells.length - 1].startNs + g.cells[g.cells.length - 1].durNs));

  // mean op size per zone (for bytes/s caps in intervals without this zone's arrivals)
  const zOps = new Array<number>(zones.length).fill(0);
  const zBytes = new Array<number>(zones.length).fill(0);
  for (const g of groups)
    for (const c of g.cells) {
      for (const [z, o] of c.ops) zOps[z] += o;
      for (const [z, b] of c.bytes) zBytes[z] += b;
    }

  // the auto cap: each zone's weight share of its group's median delivered rate
  const autoRate = new Map<string, number>(); // key group\0zone → ops/s
  if (cap.auto) {
    for (const g of groups) {
      const rates = g.cells.filter((c) => c.durNs > 0).map((c) => sumMap(c.ops) / (c.durNs / NS)).filter((r) => r > 0);
      const med = median(rates) ?? 0;
      const present = new Set<number>();
      for (const c of g.cells) for (const z of c.ops.keys()) present.add(z);
      let wsum = 0;
      for (const z of present) wsum += zones[z].weight;
      for (const z of present) autoRate.set(`${g.name}\0${z}`, wsum > 0 ? (med * zones[z].weight) / wsum : med / present.size);
    }
  }

  const results: PolicyResult[] = [];
  let baselineServed: number | null = null;
  const order = policies.includes('fifo') ? ['fifo', ...policies.filter((p) => p !== 'fifo')] : ['fifo', ...policies];
  const shown = new Set(policies);
  for (const policy of order) {
    if (policy !== 'fifo' && policy !== 'fair' && policy !== 'cap' && policy !== 'throttle') {
      warnings.push(`policy ${policy}: no fluid model at interval fidelity; skipped`);
      continue;
    }
    const acc: ZoneRun[] = zones.map(() => ({ served: 0, demand: 0, area: 0, throttleDelayNs: 0, fairWork: 0 }));
    let served = 0;
    let idle = 0;
    let end = spanEnd;
    for (const g of groups) {
      const limitOf = (z: number, cell: FluidCell | null, durNs: number): number => {
        if (policy !== 'cap') return Infinity;
        const dur = durNs / NS;
        if (cap.auto) return (autoRate.get(`${g.name}\0${z}`) ?? Infinity) * dur;
        const lim = mergeLimit(cap.all, cap.zones.get(zones[z].name) ?? {});
        let l = Infinity;
        if (lim.iops !== undefined) l = Math.min(l, lim.iops * dur);
        if (lim.bytesPerS !== undefined) {
          const o = cell?.ops.get(z) ?? 0;
          const b = cell?.bytes.get(z) ?? 0;
          const size = o > 0 && b > 0 ? b / o : zOps[z] > 0 && zBytes[z] > 0 ? zBytes[z] / zOps[z] : 0;
          if (size > 0) l = Math.min(l, (lim.bytesPerS * dur) / size);
        }
        return l;
      };
      const r = runGroup(g, zones, policy, limitOf, acc);
      served += r.servedWithin;
      idle += r.idleWaitNs;
      end = Math.max(end, r.endNs);
      if (policy === 'throttle') applyThrottle(g, zones, acc);
    }
    if (policy === 'fifo') baselineServed = served;
    if (!shown.has(policy)) continue;
    const zr: PolicyZoneResult[] = zones.map((z, i) => {
      const a = acc[i];
      const ops = a.demand;
      const addedNs = ops > 0 ? (a.area * NS + a.throttleDelayNs) / ops : 0;
      const mean = z.meanLatencyNs === null ? (ops > 0 ? addedNs : null) : z.meanLatencyNs + addedNs;
      return {
        zone: z.name,
        ops_completed: a.served,
        latency_us: { mean: mean === null ? null : mean / 1000, p50: null, p99: null, max: null },
        slowdown: z.meanLatencyNs && mean !== null ? mean / z.meanLatencyNs : null,
        latency_histogram: null,
      };
    });
    const xs = acc.filter((a) => a.fairWork > 0).map((a) => a.served / a.fairWork);
    const params: Record<string, unknown> = { fidelity: 'intervals', model: 'fluid' };
    if (policy === 'cap') params.cap = cap.auto ? 'auto (weight share of the median delivered IOPS)' : describeCap(cap);
    if (policy === 'throttle') params.approximation = THROTTLE_NOTE;
    results.push({
      policy,
      params,
      loop: 'open',
      throughput_loss: baselineServed && baselineServed > 0 ? Math.max(0, 1 - served / baselineServed) : null,
      idle_while_waiting_s: idle / NS,
      makespan_s: (end - spanStart) / NS,
      jain: jainOf(xs),
      zones: zr,
    });
  }
  warnings.push(
    'what-if replay at interval fidelity (fluid model): demand is taken to be what each zone got done per interval, capacity is ' +
      'what the device delivered (at least its median rate), and reordering within an interval is invisible, so fair queuing shows ' +
      'no change unless capacity binds',
  );
  if (policies.includes('throttle')) warnings.push(THROTTLE_NOTE);
  if (zones.some((z) => z.meanLatencyNs === null)) {
    warnings.push('the input has no latency for some zones: their policy latency is only the delay the policy added');
  }
  return { policies: results, warnings };
}

function describeCap(c: FluidCap): string {
  if (c.auto) return 'auto';
  const one = (l: CapLimit) => [l.iops !== undefined ? `${l.iops}iops` : '', l.bytesPerS !== undefined ? `${l.bytesPerS}B/s` : ''].filter(Boolean).join('+');
  const parts = [one(c.all)].filter(Boolean);
  for (const [z, l] of c.zones) parts.push(`${z}=${one(l)}`);
  return parts.join(',');
}

function applyThrottle(g: FluidGroup, zones: FluidZone[], acc: ZoneRun[]): void {
  const CEILING_NS = 100_000;
  for (const cell of g.cells) {
    if (cell.util !== null && cell.util < 0.8) continue;
    const active = [...cell.ops].filter(([z, o]) => o > 0 && zones[z].name !== 'global');
    if (active.length < 2) continue;
    // device time per zone: ops × its mean latency when known, else ops
    const cost = active.map(([z, o]) => [z, o * (zones[z].meanLatencyNs ?? 1)] as const);
    const total = cost.reduce((s, [, c]) => s + c, 0);
    const wsum = active.reduce((s, [z]) => s + zones[z].weight, 0);
    if (total <= 0 || wsum <= 0) continue;
    for (const [z, c] of cost) {
      if (zones[z].weight <= 0) continue;
      if (c / total > zones[z].weight / wsum + 1e-12) acc[z].throttleDelayNs += (cell.ops.get(z) ?? 0) * CEILING_NS;
    }
  }
}
