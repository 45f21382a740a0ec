// Entry point of the replay: one call runs every requested policy (and the fifo baseline) over
// the store in a single pass — all simulations advance together, one device at a time per IO —
// and returns the `policies[]` of the JSON contract plus the model's fidelity.
//
// Reported per-IO latency under a policy = observed latency + (the policy's model latency − the
// baseline fifo's model latency, same loop model), bounded below by min(observed, the policy's
// model latency) so that no IO is reported faster than both what happened and what the model
// says. The baseline fifo therefore reproduces the observation exactly. A policy records an IO
// once it and its baseline have completed it: under the open loop at once (the baseline's latency
// is known at arrival); under the closed loop a lagging policy's pairs wait (see Collector).
// What a simulation holds queued beyond a bound, as in an overload under a cap, and those pairs
// go to `opts.spill` (a temp file in the cli), so memory does not grow with the trace.
//
// The work can be split by device (replayDevices, on several threads) and combined
// (combineReplays): every number is kept per device and combined in device order, so the result
// does not depend on the split.

import { Histogram, type HistogramData } from '../histogram.js';
import type { PolicyResult, PolicyZoneResult } from '../analysis.js';
import { doubledRing } from '../typed.js';
import {
  DeviceSim,
  type CapSpec,
  type CompletionSink,
  C_BASELINE,
  C_LATENCY,
  C_OBSERVED,
  C_ORDER,
  type LoopModel,
  type PolicyFactory,
  type PolicyOptions,
  type ThrottleTunables,
} from './engine.js';
import { findPolicy, policies as allPolicies } from './policies/index.js';
import {
  R_ARRIVAL,
  R_COST,
  R_DEVICE,
  R_LATENCY,
  R_ZONE,
  REPLAY_STRIDE,
  type DeviceInfo,
  type ReplayStore,
  type Span,
  type SpillArea,
  type ZoneInfo,
  SPILL_STRIDE,
} from './types.js';

export type { CapSpec, CapLimit, ThrottleTunables, LoopModel, ThrottleProbe } from './engine.js';
export { DEFAULT_THROTTLE } from './engine.js';
export { policies as policyFactories, findPolicy } from './policies/index.js';

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

export interface ReplayFidelity {
  /** RMS horizontal distance between the baseline's model latency CDF and the observed one, % of the observed mean. */
  rms_pct: number | null;
  observed_mean_us: number | null;
  model_mean_us: number | null;
  /** Ruemmler & Wilkes' "demerit figure"; a rough reading guide. */
  note: string;
}

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

/** A FIFO of numbers in a power-of-two ring. */
class NumFifo {
  private buf = new Float64Array(8);
  private head = 0;
  n = 0;

  push(x: number): void {
    if (this.n === this.buf.length) {
      this.buf = doubledRing(this.buf, this.head, this.n);
      this.head = 0;
    }
    this.buf[(this.head + this.n++) & (this.buf.length - 1)] = x;
  }

  shift(): number {
    const x = this.buf[this.head];
    this.head = (this.head + 1) & (this.buf.length - 1);
    this.n--;
    return x;
  }
}

/**
 * One simulation's completions of one zone's IOs on one device, put back in zone order: under the
 * closed loop an IO can issue, and so complete, before an earlier one of its zone (its
 * dependency completed sooner). Holds only the IOs completed ahead of an earlier one.
 */
class InOrder {
  /** Zone-order index of the next IO to hand on. */
  next = 0;
  private head = 0;
  private lat = new Float64Array(8);
  private obs = new Float64Array(8);
  private has = new Uint8Array(8);
  held = 0;

  put(order: number, lat: number, obs: number): void {
    const d = order - this.next;
    if (d >= this.has.length) this.grow(d + 1);
    const i = (this.head + d) & (this.has.length - 1);
    this.lat[i] = lat;
    this.obs[i] = obs;
    this.has[i] = 1;
    this.held++;
  }

  /** Whether the next IO in zone order has completed. */
  ready(): boolean {
    return this.has[this.head] === 1;
  }

  headLat(): number {
    return this.lat[this.head];
  }

  headObs(): number {
    return this.obs[this.head];
  }

  pop(): void {
    this.has[this.head] = 0;
    this.head = (this.head + 1) & (this.has.length - 1);
    this.next++;
    this.held--;
  }

  private grow(min: number): void {
    let n = this.has.length * 2;
    while (n < min) n *= 2;
    const m = this.has.length - 1;
    const lat = new Float64Array(n);
    const obs = new Float64Array(n);
    const has = new Uint8Array(n);
    for (let d = 0; d <= m; d++) {
      const i = (this.head + d) & m;
      lat[d] = this.lat[i];
      obs[d] = this.obs[i];
      has[d] = this.has[i];
    }
    this.lat = lat;
    this.obs = obs;
    this.has = has;
    this.head = 0;
  }
}

/**
 * A FIFO of numbers in fixed-size chunks, like NumFifo, whose middle chunks go to the spill area
 * (when there is one): the baseline pairs a lagging policy has not taken yet, which under a
 * binding cap grow with the trace. The slowest reader reads at the head and the others near the
 * tail, so the head chunk and the newest two stay in memory; a spilled chunk a reader reaches is
 * read back and kept until the head passes it.
 */
export class ChunkFifo {
  private readonly size: number;
  /** Chunks from the head's; null: spilled (its handle in `handles`). */
  private chunks: (Float64Array | null)[] = [];
  private handles: number[] = [];
  /** Index in `chunks` of the head chunk, and of the head number within it. */
  private c0 = 0;
  private off = 0;
  n = 0;

  constructor(private readonly spill: SpillArea | null) {
    this.size = spill ? spill.chunkIos * SPILL_STRIDE : 4096;
  }

  push(x: number): void {
    const end = this.off + this.n;
    const ci = this.c0 + Math.floor(end / this.size);
    if (ci === this.chunks.length) {
      this.chunks.push(new Float64Array(this.size));
      this.handles.push(-1);
      // the chunk before the previous one leaves memory, unless it is the head's
      const old = ci - 2;
      if (this.spill !== null && old > this.c0 && this.chunks[old] !== null) {
        this.handles[old] = this.spill.write(this.chunks[old]!);
        this.chunks[old] = null;
      }
    }
    this.chunks[ci]![end % this.size] = x;
    this.n++;
  }

  at(i: number): number {
    const a = this.off + i;
    return this.chunk(this.c0 + Math.floor(a / this.size))[a % this.size];
  }

  shift(): number {
    const x = this.chunk(this.c0)[this.off];
    this.n--;
    if (++this.off === this.size || this.n === 0) {
      if (this.off === this.size) {
        this.chunks[this.c0] = null;
        this.c0++;
      }
      this.off = this.n === 0 ? 0 : this.off % this.size;
      if (this.n === 0) {
        this.chunks.length = 0;
        this.handles.length = 0;
        this.c0 = 0;
      } else if (this.c0 > 64 && this.c0 * 2 > this.chunks.length) {
        this.chunks.splice(0, this.c0);
        this.handles.splice(0, this.c0);
        this.c0 = 0;
      }
    }
    return x;
  }

  private chunk(ci: number): Float64Array {
    let c = this.chunks[ci];
    if (c === null) {
      c = this.chunks[ci] = new Float64Array(this.size);
      this.spill!.read(this.handles[ci], c);
      this.handles[ci] = -1;
    }
    return c;
  }
}

/**
 * Closed loop: the pairing of one zone's IOs on one device. Each simulation's completions are put
 * in zone order (InOrder), so what waits is two kinds of FIFO: the baseline's (observed, model)
 * latency pairs of IOs some policy has not completed yet, and each policy's model latencies of
 * IOs the baseline has not completed yet. Memory: 16 bytes per IO the slowest policy lags behind
 * the baseline (under a binding cap, a growing backlog: spilled), 8 per IO a policy runs ahead.
 */
class ZonePairs {
  /** IOs taken in zone order from each simulation (index 0: the baseline). */
  readonly done: Int32Array;
  readonly inOrder: InOrder[] = [];
  /** Zone-order index of the baseline pair at the head of `base`. */
  lo = 0;
  /** (observed, baseline model) latency per IO from `lo` on. */
  readonly base: ChunkFifo;
  /** Per policy: model latencies of IOs from done[0] on. */
  readonly ahead: NumFifo[] = [];

  constructor(nSims: number, spill: SpillArea | null) {
    this.base = new ChunkFifo(spill);
    this.done = new Int32Array(nSims);
    for (let s = 0; s < nSims; s++) {
      this.ahead.push(new NumFifo());
      this.inOrder.push(new InOrder());
    }
  }

  /** Drops the baseline pairs every policy has taken. */
  trim(): void {
    let min = this.done[0];
    for (let s = 1; s < this.done.length; s++) if (this.done[s] < min) min = this.done[s];
    while (this.lo < min && this.base.n > 0) {
      this.base.shift();
      this.base.shift();
      this.lo++;
    }
  }
}

function record(h: Histogram, obs: number, l: number, base: number): void {
  let rep = obs + (l - base);
  const floor = obs < l ? obs : l;
  if (rep < floor) rep = floor;
  h.record(rep);
}

/**
 * Records the reported latencies of one loop model's simulations on one device; simulation 0 is
 * the loop's baseline fifo. Each (simulation, IO) is recorded as soon as both it and the baseline
 * have completed the IO, so what a policy's histograms hold, and the order their floating-point
 * sums are taken in, depends on that policy and the baseline alone: not on the other policies
 * replayed alongside, nor on whether the other loop model runs on another thread.
 *
 * Open loop: the baseline's latency of an IO is known at its arrival (the engine computes it,
 * Lindley), so every simulation records an IO when it completes it and nothing is kept here. The
 * baseline itself reproduces the observation: it is recorded as the IOs are read.
 *
 * Closed loop: the baseline is simulated like any policy, so an IO completed by one simulation
 * waits for the other (ZonePairs): 16 bytes per IO a policy lags behind the baseline, as under a
 * binding cap, in a ChunkFifo whose middle goes to the spill area.
 */
class Collector implements CompletionSink {
  private readonly pairs: (ZonePairs | null)[];
  private readonly closed: boolean;

  constructor(
    loop: LoopModel,
    private readonly nSims: number,
    /** hist[sim][zone] of reported latency (ns) on this collector's device. */
    private readonly hist: Histogram[][],
    /** The closed-loop baseline's model latencies go here (fidelity); null: none. */
    private readonly modelHist: Histogram | null,
    nZones: number,
    private readonly spill: SpillArea | null,
    /** Summary only: nothing is recorded or paired (but the fidelity's model latencies). */
    private readonly summary: boolean,
  ) {
    this.closed = loop === 'closed';
    this.pairs = [];
    for (let z = 0; z < nZones; z++) this.pairs.push(null);
  }

  /** An IO read from the store (open loop: the baseline's result is the observation). */
  add(zone: number, obsLatency: number): void {
    if (!this.closed && !this.summary) this.hist[0][zone].record(obsLatency);
  }

  done(sim: number, zone: number, c: Float64Array): void {
    const lat = c[C_LATENCY];
    if (this.summary) {
      if (sim === 0) this.modelHist?.record(lat);
      return;
    }
    const obs = c[C_OBSERVED];
    if (!this.closed) {
      if (sim !== 0) record(this.hist[sim][zone], obs, lat, c[C_BASELINE]);
      return;
    }
    const order = c[C_ORDER];
    const p = this.pairs[zone] ?? (this.pairs[zone] = new ZonePairs(this.nSims, this.spill));
    const q = p.inOrder[sim];
    if (order === q.next && q.held === 0) {
      q.next++;
      this.take(p, sim, zone, lat, obs);
      return;
    }
    q.put(order, lat, obs);
    while (q.ready()) {
      const l = q.headLat();
      const o = q.headObs();
      q.pop();
      this.take(p, sim, zone, l, o);
    }
  }

  /** Simulation `sim`'s model latency of the zone's next IO in zone order. */
  private take(p: ZonePairs, sim: number, zone: number, lat: number, obs: number): void {
    const k = p.done[sim]++;
    if (sim === 0) {
      this.hist[0][zone].record(obs); // obs + (lat − lat) ≥ min(obs, lat)
      this.modelHist?.record(lat);
      let behind = false;
      for (let s = 1; s < this.nSims; s++) {
        if (p.done[s] > k) record(this.hist[s][zone], obs, p.ahead[s].shift(), lat);
        else behind = true;
      }
      if (behind) {
        if (p.base.n === 0) p.lo = k;
        p.base.push(obs);
        p.base.push(lat);
      }
    } else if (k < p.done[0]) {
      const i = (k - p.lo) * 2;
      record(this.hist[sim][zone], p.base.at(i), lat, p.base.at(i + 1));
      p.trim();
    } else p.ahead[sim].push(lat);
  }
}


function usUnlessEmpty(h: Histogram, f: (h: Histogram) => number): number | null {
  if (h.count === 0) return null;
  const v = f(h);
  return Number.isFinite(v) ? v / 1e3 : null;
}

function finite(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/** Jain's index over x = actual / fair for zones with fair time. */
function jainOf(actual: Float64Array, fair: Float64Array): number | null {
  let s = 0;
  let s2 = 0;
  let n = 0;
  for (let z = 0; z < actual.length; z++) {
    if (!(fair[z] > 0)) continue;
    const x = actual[z] / fair[z];
    s += x;
    s2 += x * x;
    n++;
  }
  if (n === 0 || s2 === 0) return null;
  return (s * s) / (n * s2);
}

/** One device's numbers under one simulation. */
interface DeviceStats {
  work: number;
  idle: number;
  last: number;
  actual: Float64Array;
  fair: Float64Array;
  ops: Float64Array;
}

/**
 * The replay of some of the devices (`devices`), as plain data (structured-clonable), so that
 * parts replayed on different threads combine into the result of replaying all devices at once:
 * every per-device number and histogram is kept per device and combined in device order.
 */
export interface ReplayPart {
  devices: number[];
  /** stats[group][device] (null for a device not in this part); groups: loop-major, each loop's fifo first. */
  stats: (DeviceStats | null)[][];
  /** hists[group][device][zone] of reported latency (null: none recorded). */
  hists: (HistogramData | null)[][][];
  /** Per device: observed latencies, and the baseline fifo's model latencies of opts.loop (fidelity). */
  obs: (HistogramData | null)[];
  model: (HistogramData | null)[];
  /** [group, device, text] */
  warnings: [number, number, string][];
  /** IOs in the store. */
  ios: number;
}

/** The simulations one call runs: loops × (fifo, then the other policies), in this order. */
function planOf(opts: ReplayOptions) {
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

/**
 * Replay the store under every policy in opts.policies (unknown names throw). `zones` and
 * `devices` are indexed by the store's R_ZONE / R_DEVICE; `span` is the trace's span.
 */
export function runReplays(
  store: ReplayStore,
  zones: ZoneInfo[],
  devices: DeviceInfo[],
  span: Span,
  opts: ReplayOptions,
  /** deviceUse(store, …) when the caller has it already (it scans the whole store). */
  use?: DeviceUse,
): ReplayResult {
  return combineReplays([replayDevices(store, zones, devices, span, opts, null, use)], zones, devices, span, opts);
}

/** Which zones use which device, and each device's IOs (for splitting the devices between threads). */
export interface DeviceUse {
  onDevice: Uint8Array[];
  ios: Float64Array;
}

export function deviceUse(store: ReplayStore, nZones: number, nDevices: number): DeviceUse {
  const onDevice: Uint8Array[] = [];
  for (let d = 0; d < nDevices; d++) onDevice.push(new Uint8Array(nZones));
  const ios = new Float64Array(nDevices);
  for (const [b, len] of store.blocks())
    for (let i = 0; i < len; i += REPLAY_STRIDE) {
      const d = b[i + R_DEVICE];
      onDevice[d][b[i + R_ZONE]] = 1;
      ios[d]++;
    }
  return { onDevice, ios };
}

/** Replays the devices d with mine[d] (every device when mine is null). */
export function replayDevices(
  store: ReplayStore,
  zones: ZoneInfo[],
  devices: DeviceInfo[],
  span: Span,
  opts: ReplayOptions,
  mine: boolean[] | null,
  use?: DeviceUse,
): ReplayPart {
  const plan = planOf(opts);
  const { loops, L, popts } = plan;
  const nz = zones.length;
  const nd = devices.length;
  const ng = plan.groups.length;
  const isMine = (d: number) => mine === null || mine[d] === true;

  // which zones use which device (cap auto shares a device among its own zones)
  let onDevice: Uint8Array[];
  if (use) onDevice = use.onDevice;
  else if (nd === 1) onDevice = [new Uint8Array(nz).fill(1)];
  else onDevice = deviceUse(store, nz, nd).onDevice;

  // fidelity: the baseline fifo of opts.loop against the observation. Observed latencies are
  // recorded in arrival order as they are read; the open-loop baseline's model latency is known
  // at arrival (Lindley: c = max(arrival, previous c on the device) + cost, exactly the fifo
  // simulation's arithmetic); the closed-loop baseline's when every simulation has completed it.
  const withFidelity = opts.fidelity !== false;
  const modelHist = devices.map(() => new Histogram());
  const obsHist = devices.map(() => new Histogram());
  const lindley = withFidelity && opts.loop === 'open' ? new Float64Array(nd).fill(-Infinity) : null;
  // hists[loop][device][sim][zone]; collectors[loop][device]: each loop model's pairing is its
  // own, so a loop's results do not depend on whether the other loop is replayed alongside
  const hists: Histogram[][][][] = loops.map((_l, li) =>
    devices.map((_, d) => {
      const rows: Histogram[][] = [];
      // a zone with no IO on the device never records there (null would fail loudly if it did)
      if (isMine(d) && !plan.summary[li])
        for (let s = 0; s < L; s++) rows.push(zones.map((_, z) => (onDevice[d][z] ? new Histogram() : (null as unknown as Histogram))));
      return rows;
    }),
  );
  const spill = opts.spill?.() ?? null;
  const collectors: (Collector | null)[][] = loops.map((loop, li) =>
    devices.map((_, d) =>
      isMine(d)
        ? new Collector(loop, L, hists[li][d], withFidelity && li === 0 && loop === 'closed' ? modelHist[d] : null, nz, spill, plan.summary[li])
        : null,
    ),
  );
  const warnings: [number, number, string][] = [];
  const sims: (DeviceSim | null)[][] = plan.groups.map((g, gi) =>
    devices.map((dev, d) => {
      if (!isMine(d)) return null;
      const li = loops.indexOf(g.loop);
      // a summary-only loop's completions matter only for the closed baseline's fidelity
      const sink = plan.summary[li] && !(g.sim === 0 && withFidelity && li === 0 && g.loop === 'closed') ? null : collectors[li][d]!;
      const sim = new DeviceSim(g.sim, d, dev, zones, onDevice[d], g.factory, popts, g.loop, span.startNs, span.endNs, sink, spill);
      if (g.loop === opts.loop && g.factory.warnings) for (const w of g.factory.warnings(sim, popts)) warnings.push([gi, d, w]);
      return sim;
    }),
  );

  let nextSeq = 0;
  try {
    // Block by block, each simulation in turn over the block (its state stays in cache); the
    // collectors pair the results once every simulation of a loop model has completed an IO.
    for (const [b, len] of store.blocks()) {
      const seq0 = nextSeq;
      for (let i = 0; i < len; i += REPLAY_STRIDE, nextSeq++) {
        const d = b[i + R_DEVICE];
        if (!isMine(d)) continue;
        const z = b[i + R_ZONE];
        const obs = b[i + R_LATENCY];
        for (let li = 0; li < collectors.length; li++) collectors[li][d]!.add(z, obs);
        if (withFidelity) obsHist[d].record(obs);
        if (lindley !== null) {
          const a = b[i + R_ARRIVAL];
          const prev = lindley[d];
          const c = (a > prev ? a : prev) + b[i + R_COST];
          lindley[d] = c;
          modelHist[d].record(c - a);
        }
      }
      for (let g = 0; g < ng; g++) {
        const row = sims[g];
        let seq = seq0;
        for (let i = 0; i < len; i += REPLAY_STRIDE, seq++) {
          const sim = row[b[i + R_DEVICE]];
          if (sim !== null) sim.ingestAt(b, i, seq);
        }
      }
      opts.onBlock?.();
    }
    for (const row of sims) for (const s of row) s?.finish();
  } finally {
    spill?.dispose();
  }

  const data = (h: Histogram | null) => (h?.count ? h.toData() : null);
  return {
    devices: devices.map((_, d) => d).filter(isMine),
    stats: sims.map((row) =>
      row.map((s) =>
        s === null
          ? null
          : { work: s.workInSpan, idle: s.idleWaiting, last: s.lastCompletion, actual: s.actual, fair: s.fair, ops: s.opsInSpan },
      ),
    ),
    hists: plan.groups.map((g) => {
      const li = loops.indexOf(g.loop);
      return devices.map((_, d) => (isMine(d) && !plan.summary[li] ? hists[li][d][g.sim].map(data) : []));
    }),
    obs: obsHist.map(data),
    model: modelHist.map(data),
    warnings,
    ios: nextSeq,
  };
}

/** The result of the parts (together covering every device), as if replayed at once. */
export function combineReplays(parts: ReplayPart[], zones: ZoneInfo[], devices: DeviceInfo[], span: Span, opts: ReplayOptions): ReplayResult {
  const plan = planOf(opts);
  const { loops, L, popts } = plan;
  const nz = zones.length;
  const nd = devices.length;
  const partOf: ReplayPart[] = [];
  for (const p of parts) for (const d of p.devices) partOf[d] = p;
  for (let d = 0; d < nd; d++) if (!partOf[d]) throw new Error(`replay: device ${d} was not replayed`);
  const merged = (pick: (p: ReplayPart, d: number) => HistogramData | null) => {
    const h = new Histogram();
    for (let d = 0; d < nd; d++) {
      const x = pick(partOf[d], d);
      if (x) h.merge(Histogram.fromData(x));
    }
    return h;
  };
  const histOf = (g: number, z: number) => merged((p, d) => p.hists[g][d][z]);
  const ios = parts[0]?.ios ?? 0;

  const spanNs = span.endNs - span.startNs;
  const resultOf = (g: number): PolicyResult => {
    const grp = plan.groups[g];
    const b = g - (g % L); // the loop's fifo
    let work = 0;
    let baseWork = 0;
    let idle = 0;
    let last = -Infinity;
    const actual = new Float64Array(nz);
    const fair = new Float64Array(nz);
    const ops = new Float64Array(nz);
    for (let d = 0; d < nd; d++) {
      const s = partOf[d].stats[g][d]!;
      work += s.work;
      baseWork += partOf[d].stats[b][d]!.work;
      idle += s.idle;
      if (s.last > last) last = s.last;
      for (let z = 0; z < nz; z++) {
        actual[z] += s.actual[z];
        fair[z] += s.fair[z];
        ops[z] += s.ops[z];
      }
    }
    const zr: PolicyZoneResult[] = [];
    for (let z = 0; z < nz && !plan.summary[loops.indexOf(grp.loop)]; z++) {
      const h = histOf(g, z);
      if (h.count === 0) continue;
      const mean = h.mean();
      const bmean = histOf(b, z).mean();
      zr.push({
        zone: zones[z].name,
        ops_completed: ops[z],
        latency_us: {
          mean: usUnlessEmpty(h, (x) => x.mean()),
          p50: usUnlessEmpty(h, (x) => x.quantile(0.5)),
          p99: usUnlessEmpty(h, (x) => x.quantile(0.99)),
          max: usUnlessEmpty(h, (x) => x.max),
        },
        slowdown: bmean > 0 ? finite(mean / bmean) : null,
        latency_histogram: h.toJson(),
      });
    }
    return {
      policy: grp.factory.name,
      params: grp.factory.params(popts, zones, devices),
      loop: grp.loop,
      throughput_loss: baseWork > 0 ? Math.max(0, 1 - work / baseWork) : null,
      idle_while_waiting_s: spanNs > 0 || ios > 0 ? idle / 1e9 : null,
      makespan_s: last > -Infinity ? (last - span.startNs) / 1e9 : null,
      jain: jainOf(actual, fair),
      zones: zr,
    };
  };
  const pick = (loop: LoopModel) => plan.names.map((n) => resultOf(plan.index.get(`${loop}/${n}`)!));

  // warnings in the order one thread meets them: by simulation, then device
  const warnings: string[] = [];
  const all = parts.flatMap((p) => p.warnings).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  for (const [, , w] of all) if (!warnings.includes(w)) warnings.push(w);

  return {
    policies: pick(opts.loop),
    other_loop: loops.length > 1 ? pick(loops[1]) : null,
    fidelity: fidelityOf(
      merged((p, d) => p.model[d]),
      merged((p, d) => p.obs[d]),
    ),
    warnings,
  };
}

/** RMS horizontal distance between two latency CDFs (percentiles 0.5 %..99.5 %), % of the observed mean. */
export function fidelityOf(model: Histogram, observed: Histogram): ReplayFidelity {
  const note =
    'RMS distance between the fifo model\'s and the observed latency distributions, % of the observed mean; ' +
    'large values mean the device is not a single FIFO server (NCQ, SSD parallelism, caches) and the replay is crude';
  if (observed.count === 0 || model.count === 0)
    return { rms_pct: null, observed_mean_us: null, model_mean_us: null, note };
  let s2 = 0;
  let n = 0;
  for (let q = 0.005; q < 1; q += 0.01) {
    const d = model.quantile(q) - observed.quantile(q);
    s2 += d * d;
    n++;
  }
  const mean = observed.mean();
  return {
    rms_pct: mean > 0 ? finite((Math.sqrt(s2 / n) / mean) * 100) : null,
    observed_mean_us: finite(mean / 1e3),
    model_mean_us: finite(model.mean() / 1e3),
    note,
  };
}
