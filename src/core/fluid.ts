// Fluid (per-interval) replay of the what-if policies, for interval-fidelity inputs. It takes the
// same configuration as the event replay: the parsed --cap spec and burst (CapSpec) and the
// throttle tunables (ThrottleTunables).
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
// it reproduces the observation: no backlog); `fair` water-fills C_i by weight; `cap` limits each
// zone as the event replay's cap policy does (its capLimit), with a token bucket per zone per
// group: full at the start and holding the burst's worth of the rate, so a zone is served at
// most its tokens + rate × d_i in an interval, and what it leaves unused refills the bucket up to
// its size; `throttle` approximates the SmartOS ZFS zone throttle (see applyThrottle). After the
// last interval the replay drains any backlog at the median rate (makespan). Memory:
// per-interval aggregates per zone (intervals are few).

import type { PolicyDeviceResult, PolicyResult, PolicyZoneResult, WorkAmount } from './analysis.js';
import { workLost } from './replay/combine.js';
import { findPolicy, type CapLimit, type CapSpec, type ThrottleTunables } from './replay/index.js';
import { capLimit } from './replay/policies/cap.js';
import { jain, median } from './stats.js';

/** Drain steps of the last interval's length before they start doubling (see runGroup). */
const DRAIN_STEPS_BEFORE_GROWING = 1000;
const NS = 1e9;
/** What the report calls the group of a zone tool that names no device (vfsstat, ziostat). */
const UNNAMED_GROUP = 'the disks';

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

/** The replay's configuration: the same values the event replay takes. */
export interface FluidOptions {
  cap: CapSpec;
  throttle: ThrottleTunables;
}

const usText = (ns: number) => `${+(ns / 1e3).toPrecision(6)} µs`;
const msText = (ns: number) => `${+(ns / 1e6).toPrecision(6)} ms`;

/** What the fluid throttle does with the tunables, in the report's words. */
export function throttleNote(T: ThrottleTunables): string {
  return (
    `throttle (fluid approximation): where the device is over ${T.busyPct} % busy (taken to be so when the tool does not ` +
    'report utilisation) and two or more non-global zones are active, a zone above its weighted fair share of device time ' +
    `gains ${usText(T.delayStepNs)} of delay per op every ${msText(T.adjustNs)}, up to ${usText(T.delayCeilingNs)}, ` +
    `spread evenly over each interval; its delay steps down again below ${T.calmPct} % busy, at or below its share, or when ` +
    'it is alone. Whether an IO was slower than the laggard threshold is not visible at interval fidelity and is taken to ' +
    'hold, so the delay is an upper bound; the utilisation cycles and the zone scheduler act within an interval and are not ' +
    'modelled. Open loop: no throughput is lost'
  );
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

/** How much of its backlog and arrivals a zone may be served in a step: the cap, or nothing. */
interface Limiter {
  /** Ops zone z may be served in the step [startNs, startNs + durNs) (Infinity: no limit). */
  allowance(z: number, cell: FluidCell | null, startNs: number, durNs: number): number;
  /** Zone z was served `served` ops in that step. */
  commit(z: number, served: number, cell: FluidCell | null, startNs: number, durNs: number): void;
}

const UNLIMITED: Limiter = { allowance: () => Infinity, commit: () => {} };

/**
 * The cap's token buckets of one group: per zone an IOPS and a bytes/s bucket holding `burstS`
 * of the rate (at least one op or byte, as the event replay's), full at the start. A bucket
 * refills at its rate up to its size; a step may serve its tokens plus what refills during it.
 * Bytes are turned into ops with the zone's mean op size in the interval (or overall).
 */
class TokenBuckets implements Limiter {
  private readonly rI: Float64Array; // ops per s, 0 = no IOPS limit
  private readonly bI: Float64Array;
  private readonly tI: Float64Array;
  private readonly rB: Float64Array; // bytes per s, 0 = no bandwidth limit
  private readonly bB: Float64Array;
  private readonly tB: Float64Array;
  private readonly at: Float64Array; // ns up to which the buckets are filled

  constructor(
    limits: (CapLimit | null)[],
    burstS: number,
    private readonly opSize: (z: number, cell: FluidCell | null) => number,
  ) {
    const n = limits.length;
    this.rI = new Float64Array(n);
    this.bI = new Float64Array(n);
    this.tI = new Float64Array(n);
    this.rB = new Float64Array(n);
    this.bB = new Float64Array(n);
    this.tB = new Float64Array(n);
    this.at = new Float64Array(n).fill(-Infinity);
    limits.forEach((c, z) => {
      if (c?.iops != null && c.iops > 0) {
        this.rI[z] = c.iops;
        this.bI[z] = this.tI[z] = Math.max(1, c.iops * burstS);
      }
      if (c?.bytesPerS != null && c.bytesPerS > 0) {
        this.rB[z] = c.bytesPerS;
        this.bB[z] = this.tB[z] = Math.max(1, c.bytesPerS * burstS);
      }
    });
  }

  /** Refills zone z's buckets up to `t` (ns). */
  private fill(z: number, t: number): void {
    const dt = this.at[z] === -Infinity ? 0 : Math.max(0, t - this.at[z]) / NS;
    if (this.rI[z] > 0) this.tI[z] = Math.min(this.bI[z], this.tI[z] + this.rI[z] * dt);
    if (this.rB[z] > 0) this.tB[z] = Math.min(this.bB[z], this.tB[z] + this.rB[z] * dt);
    if (t > this.at[z]) this.at[z] = t;
  }

  allowance(z: number, cell: FluidCell | null, startNs: number, durNs: number): number {
    this.fill(z, startNs);
    const dur = durNs / NS;
    let a = Infinity;
    if (this.rI[z] > 0) a = this.tI[z] + this.rI[z] * dur;
    if (this.rB[z] > 0) {
      const size = this.opSize(z, cell);
      if (size > 0) a = Math.min(a, (this.tB[z] + this.rB[z] * dur) / size);
    }
    return a;
  }

  commit(z: number, served: number, cell: FluidCell | null, startNs: number, durNs: number): void {
    const dur = durNs / NS;
    if (this.rI[z] > 0) this.tI[z] = Math.max(0, Math.min(this.bI[z], this.tI[z] + this.rI[z] * dur - served));
    if (this.rB[z] > 0) {
      const size = this.opSize(z, cell);
      this.tB[z] = Math.max(0, Math.min(this.bB[z], this.tB[z] + this.rB[z] * dur - served * size));
    }
    this.at[z] = startNs + durNs;
  }
}

/** Median delivered rate (ops/s) over a group's intervals with IO: its capacity estimate. */
function medianRate(g: FluidGroup): number {
  const rates = g.cells.filter((c) => c.durNs > 0).map((c) => sumMap(c.ops) / (c.durNs / NS)).filter((r) => r > 0);
  return median(rates) ?? 0;
}

function runGroup(g: FluidGroup, zones: FluidZone[], policy: string, limiter: Limiter, acc: ZoneRun[]): GroupRun {
  const medRate = medianRate(g);
  const backlog = new Map<number, number>();
  let servedWithin = 0;
  let idleWaitNs = 0;
  let endNs = g.cells.length ? g.cells[g.cells.length - 1].startNs + g.cells[g.cells.length - 1].durNs : 0;
  /** Each zone's allowance in the last step (the drain's end time uses it). */
  const lastAllowance = new Map<number, number>();

  const step = (cell: FluidCell | null, startNs: number, durNs: number, cap: number): Map<number, number> => {
    const dur = durNs / NS;
    const idx = new Set<number>([...backlog.keys(), ...(cell ? cell.ops.keys() : [])]);
    const ids = [...idx];
    const B = ids.map((z) => backlog.get(z) ?? 0);
    const A = ids.map((z) => (cell ? cell.ops.get(z) ?? 0 : 0));
    const L = ids.map((z) => limiter.allowance(z, cell, startNs, durNs));
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
    lastAllowance.clear();
    let total = 0;
    let anyLeft = false;
    for (let i = 0; i < ids.length; i++) {
      const z = ids[i];
      const s = served[i];
      limiter.commit(z, s, cell, startNs, durNs);
      lastAllowance.set(z, L[i]);
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
    const served = step(cell, cell.startNs, cell.durNs, C);
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
  // Drain after the span, in steps of the last interval's length. A backlog that takes more than
  // DRAIN_STEPS_BEFORE_GROWING steps (a cap far below demand) drains in steps that double every as
  // many steps: nothing arrives then and a capped zone drains at its constant cap, so the longer
  // steps are exact for one zone and close for several, and the loop ends whatever the backlog (a 1 IOPS cap on 10^6 queued ops takes
  // ~10,000 steps instead of 10^6).
  let stepNs = g.cells.length ? g.cells[g.cells.length - 1].durNs : NS;
  for (let steps = 1; backlog.size > 0; steps++) {
    const before = new Map(backlog);
    const C = medRate > 0 ? medRate * (stepNs / NS) : [...before.keys()].reduce((s, z) => s + limiter.allowance(z, null, endNs, stepNs), 0);
    if (!(C > 0)) break;
    step(null, endNs, stepNs, C);
    // when the last backlog clears within this step, the end is when it cleared
    if (backlog.size === 0) {
      let tEnd = 0;
      for (const [z, b] of before) {
        const sigma = Math.min(lastAllowance.get(z) ?? Infinity, C) / (stepNs / NS);
        tEnd = Math.max(tEnd, sigma > 0 ? Math.min(stepNs / NS, b / sigma) : stepNs / NS);
      }
      endNs += tEnd * NS;
    } else endNs += stepNs;
    if (steps % DRAIN_STEPS_BEFORE_GROWING === 0) stepNs *= 2;
  }
  return { servedWithin, idleWaitNs, endNs };
}

function sumMap(m: Map<number, number>): number {
  let s = 0;
  for (const v of m.values()) s += v;
  return s;
}

/** Runs the fluid replay of `policies` and returns PolicyResults in the event replay's shape. */
export function runFluid(input: FluidInput, policies: string[], opts: FluidOptions): { policies: PolicyResult[]; warnings: string[] } {
  const warnings: string[] = [];
  const { zones, groups } = input;
  if (groups.length === 0 || zones.length === 0) return { policies: [], warnings };
  const { cap, throttle } = opts;
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
  const opSize = (z: number, cell: FluidCell | null): number => {
    const o = cell?.ops.get(z) ?? 0;
    const b = cell?.bytes.get(z) ?? 0;
    return o > 0 && b > 0 ? b / o : zOps[z] > 0 && zBytes[z] > 0 ? zBytes[z] / zOps[z] : 0;
  };

  // each group's limits under the cap, decided as the event replay decides them per device
  const capLimits = (g: FluidGroup, medIops: number): (CapLimit | null)[] => {
    const present = new Set<number>();
    for (const c of g.cells) for (const z of c.ops.keys()) present.add(z);
    let sumWeights = 0;
    for (const z of present) if (zones[z].weight > 0) sumWeights += zones[z].weight;
    const basis = { capacity: medIops > 0 ? medIops : null, unit: 'iops' as const, sumWeights, zones: present.size };
    return zones.map((z, i) => (present.has(i) ? capLimit(cap, z.name, z.weight, basis) : null));
  };

  const results: PolicyResult[] = [];
  let baseline: WorkAmount | null = null;
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
    const devices: PolicyDeviceResult[] = [];
    const medians: { name: string; medianIops: number | null; medianBytesPerS: null }[] = [];
    for (const g of groups) {
      const med = medianRate(g);
      // a zone tool that names no device reports all of a zone's IO as one group
      const label = g.name === '' ? UNNAMED_GROUP : g.name;
      medians.push({ name: label, medianIops: med > 0 ? med : null, medianBytesPerS: null });
      let limiter = UNLIMITED;
      if (policy === 'cap') {
        limiter = new TokenBuckets(capLimits(g, med), cap.burstS, opSize);
        if (cap.auto && !cap.all && !(med > 0) && shown.has('cap'))
          warnings.push(`cap auto: ${label} has no measured capacity (no interval with IO); its zones are not capped`);
      }
      const r = runGroup(g, zones, policy, limiter, acc);
      served += r.servedWithin;
      idle += r.idleWaitNs;
      devices.push({ device: label, idle_while_waiting_s: r.idleWaitNs / NS, idle_while_waiting_frac: spanEnd > spanStart ? r.idleWaitNs / (spanEnd - spanStart) : null });
      end = Math.max(end, r.endNs);
      if (policy === 'throttle') applyThrottle(g, zones, throttle, acc);
    }
    // work within the window: ops, and bytes at each zone's mean op size (device time is not visible per op)
    let bytesWithin = 0;
    let allOps = 0;
    let allBytes = 0;
    acc.forEach((a, z) => {
      const size = zOps[z] > 0 ? zBytes[z] / zOps[z] : 0;
      bytesWithin += a.served * size;
      allOps += a.demand;
      allBytes += zBytes[z];
    });
    const inWindow: WorkAmount = { ops: served, bytes: bytesWithin, device_s: null };
    if (policy === 'fifo') baseline = inWindow;
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
        backlog_ops: Math.max(0, ops - a.served),
        finish_s: null,
        issue_lag_us: null,
      };
    });
    const xs = acc.filter((a) => a.fairWork > 0).map((a) => a.served / a.fairWork);
    // the configuration as the event replay reports it, so it reads the same whatever the fidelity
    const same = policy === 'cap' || policy === 'throttle' ? (findPolicy(policy)?.params({ cap, throttle }, [], medians) ?? {}) : {};
    const params: Record<string, unknown> = { fidelity: 'intervals', model: 'fluid', ...same };
    if (policy === 'throttle') params.approximation = throttleNote(throttle);
    results.push({
      policy,
      params,
      loop: 'open',
      throughput_loss: baseline && baseline.ops > 0 ? Math.max(0, 1 - served / baseline.ops) : null,
      idle_while_waiting_s: idle / NS,
      idle_while_waiting_frac: devices.reduce<number | null>((m, d) => (d.idle_while_waiting_frac === null ? m : m === null ? d.idle_while_waiting_frac : Math.max(m, d.idle_while_waiting_frac)), null),
      devices,
      in_window: inWindow,
      backlog: { ops: Math.max(0, allOps - served), bytes: Math.max(0, allBytes - bytesWithin), device_s: null },
      work_lost: workLost(inWindow, baseline),
      makespan_s: (end - spanStart) / NS,
      jain: jain(xs),
      zones: zr,
    });
  }
  warnings.push(
    'what-if replay at interval fidelity (fluid model): demand is taken to be what each zone got done per interval, capacity is ' +
      'what the device delivered (at least its median rate), and reordering within an interval is invisible, so fair queuing shows ' +
      'no change unless capacity binds',
  );
  if (policies.includes('throttle')) warnings.push(throttleNote(throttle));
  if (zones.some((z) => z.meanLatencyNs === null)) {
    warnings.push('the input has no latency for some zones: their policy latency is only the delay the policy added');
  }
  return { policies: results, warnings };
}

/** Mean over one interval of a delay that moves linearly from d0 by `move` (±), clamped to [0, ceiling]. */
export function rampMean(d0: number, move: number, ceiling: number): number {
  if (move === 0) return d0;
  const limit = move > 0 ? ceiling : 0;
  const d1 = d0 + move;
  if (move > 0 ? d1 <= limit : d1 >= limit) return (d0 + d1) / 2;
  const f = (limit - d0) / move; // share of the interval before the delay reaches the limit
  return (f * (d0 + limit)) / 2 + (1 - f) * limit;
}

/**
 * The SmartOS ZFS zone throttle, per interval of a group (one throttle per device, as the event
 * replay has). Its inputs at interval fidelity: the device's %busy (util; unknown → taken to be
 * over the busy threshold), and each zone's device time (ops × mean latency, or ops when the tool
 * reports none) against its weight's share among the non-global zones active in the interval.
 * Per zone, as zfs_zone.c's adjust pass: above its share while the device is over `busyPct` and
 * another zone is active → the delay rises by `delayStepNs` per `adjustNs`, up to
 * `delayCeilingNs`; below its share, under `calmPct`, or alone → it falls as fast; otherwise it
 * holds. The steps are spread evenly over the interval (the adjust passes within an interval are
 * not resolved), and each op of the interval pays the interval's mean delay. Not used, because
 * interval tools do not show them: the slow-IO tunables (a laggard is taken to have been
 * recent), the utilisation cycles and the zone scheduler.
 */
function applyThrottle(g: FluidGroup, zones: FluidZone[], T: ThrottleTunables, acc: ZoneRun[]): void {
  const delay = new Map<number, number>(); // zone → ns, only zones ever delayed
  for (const cell of g.cells) {
    const busyPct = cell.util === null ? null : cell.util * 100;
    const over = busyPct === null || busyPct > T.busyPct;
    const under = busyPct !== null && busyPct < T.calmPct;
    const active = [...cell.ops].filter(([z, o]) => o > 0 && zones[z].name !== 'global');
    // device time per zone: ops × its mean latency when known, else ops
    const cost = new Map(active.map(([z, o]) => [z, o * (zones[z].meanLatencyNs ?? 1)] as const));
    let total = 0;
    for (const c of cost.values()) total += c;
    const wsum = active.reduce((s, [z]) => s + Math.max(0, zones[z].weight), 0);
    const move = (cell.durNs / T.adjustNs) * T.delayStepNs;
    for (const z of new Set([...delay.keys(), ...cost.keys()])) {
      const w = zones[z].weight;
      if (!(w > 0)) continue; // a zone of priority 0 is never delayed
      const d0 = delay.get(z) ?? 0;
      const share = total > 0 ? (cost.get(z) ?? 0) / total : 0;
      const fair = wsum > 0 ? w / wsum : 0;
      const above = cost.has(z) && share > fair + 1e-12;
      const below = !cost.has(z) || share < fair - 1e-12;
      let m = 0;
      if (above && over) m = active.length > 1 ? move : 0;
      else if (below || under || active.length <= 1) m = -move;
      const mean = rampMean(d0, m, T.delayCeilingNs);
      const d1 = Math.min(T.delayCeilingNs, Math.max(0, d0 + m));
      acc[z].throttleDelayNs += (cell.ops.get(z) ?? 0) * mean;
      if (d1 > 0) delay.set(z, d1);
      else delay.delete(z);
    }
  }
}
