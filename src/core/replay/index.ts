// Entry point of the replay: one call runs every requested policy (and the fifo baseline) over
// the store in a single pass — all simulations advance together, one device at a time per IO —
// and returns the `policies[]` of the JSON contract plus the model's fidelity.
//
// Reported per-IO latency under a policy = observed latency + (the policy's model latency − the
// baseline fifo's model latency, same loop model), bounded below by min(observed, the policy's
// model latency) so that no IO is reported faster than both what happened and what the model
// says. The baseline fifo therefore reproduces the observation exactly. Each IO is resolved once
// every simulation has completed it; until then it waits in a ring (memory grows with IO queued
// in some simulation, as in an open-loop overload under a cap, not with the trace).

import { Histogram } from '../histogram.js';
import type { PolicyResult, PolicyZoneResult } from '../analysis.js';
import {
  DeviceSim,
  type CapSpec,
  type CompletionSink,
  type LoopModel,
  type PolicyFactory,
  type PolicyOptions,
  type ThrottleTunables,
} from './engine.js';
import { findPolicy, policies as allPolicies } from './policies/index.js';
import {
  R_DEVICE,
  R_LATENCY,
  R_ZONE,
  REPLAY_STRIDE,
  type DeviceInfo,
  type ReplayStore,
  type Span,
  type ZoneInfo,
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
  /** With compareLoops: the same policies under the other loop model; else null. */
  other_loop: PolicyResult[] | null;
  fidelity: ReplayFidelity;
  warnings: string[];
}

export function knownPolicyNames(): string[] {
  return allPolicies.map((p) => p.name);
}

/** Pairs each IO's model latencies across simulations and records reported latencies. */
class Collector implements CompletionSink {
  private cap = 1024;
  private mask = 1023;
  private obs = new Float64Array(1024);
  private zone = new Int32Array(1024);
  private remaining = new Int32Array(1024);
  private lat: Float64Array;
  next = 0;
  private oldest = 0;
  /** hist[sim][zone] of reported latency (ns). */
  readonly hist: Histogram[][];
  readonly modelHist = new Histogram();
  readonly obsHist = new Histogram();

  constructor(
    private readonly nSims: number,
    private readonly baseline: Int32Array,
    private readonly fidelitySim: number, // the simulation compared with the observation; -1: none
    nZones: number,
  ) {
    this.lat = new Float64Array(1024 * nSims);
    this.hist = [];
    for (let s = 0; s < nSims; s++) {
      const row: Histogram[] = [];
      for (let z = 0; z < nZones; z++) row.push(new Histogram());
      this.hist.push(row);
    }
  }

  private grow(): void {
    const n = this.cap * 2;
    const m = n - 1;
    const obs = new Float64Array(n);
    const zone = new Int32Array(n);
    const rem = new Int32Array(n);
    const lat = new Float64Array(n * this.nSims);
    for (let q = this.oldest; q < this.next; q++) {
      const a = q & this.mask;
      const b = q & m;
      obs[b] = this.obs[a];
      zone[b] = this.zone[a];
      rem[b] = this.remaining[a];
      for (let s = 0; s < this.nSims; s++) lat[b * this.nSims + s] = this.lat[a * this.nSims + s];
    }
    this.cap = n;
    this.mask = m;
    this.obs = obs;
    this.zone = zone;
    this.remaining = rem;
    this.lat = lat;
  }

  add(zone: number, obsLatency: number): number {
    if (this.next - this.oldest >= this.cap) this.grow();
    const seq = this.next++;
    const i = seq & this.mask;
    this.obs[i] = obsLatency;
    this.zone[i] = zone;
    this.remaining[i] = this.nSims;
    return seq;
  }

  done(sim: number, seq: number, _zone: number, _c: number, lat: number): void {
    const i = seq & this.mask;
    this.lat[i * this.nSims + sim] = lat;
    this.remaining[i]--;
  }

  /**
   * Records every IO that all simulations have completed, in sequence (arrival) order: the order
   * is then independent of how the simulations are interleaved or split across threads, so the
   * histograms' floating-point sums are the same however the replay is run.
   */
  flush(): void {
    const ns = this.nSims;
    const mask = this.mask;
    const rem = this.remaining;
    const latA = this.lat;
    const base = this.baseline;
    const fs = this.fidelitySim;
    let q = this.oldest;
    const end = this.next;
    while (q < end) {
      const i = q & mask;
      if (rem[i] !== 0) break;
      const obs = this.obs[i];
      const z = this.zone[i];
      const o = i * ns;
      for (let s = 0; s < ns; s++) {
        const l = latA[o + s];
        let rep = obs + (l - latA[o + base[s]]);
        const floor = obs < l ? obs : l;
        if (rep < floor) rep = floor;
        this.hist[s][z].record(rep);
      }
      if (fs >= 0) {
        this.modelHist.record(latA[o + fs]);
        this.obsHist.record(obs);
      }
      q++;
    }
    this.oldest = q;
  }
}

interface SimGroup {
  factory: PolicyFactory;
  loop: LoopModel;
  sims: DeviceSim[];
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
): ReplayResult {
  const warnings: string[] = [];
  const names = [...new Set(opts.policies)];
  const factories: PolicyFactory[] = [];
  for (const n of names) {
    const f = findPolicy(n);
    if (!f) throw new Error(`unknown policy "${n}" (known: ${knownPolicyNames().join(', ')})`);
    factories.push(f);
  }
  const fifoF = findPolicy('fifo')!;
  const popts: PolicyOptions = { cap: opts.cap, throttle: opts.throttle };
  const nz = zones.length;
  const nd = devices.length;

  // which zones use which device (cap auto shares a device among its own zones)
  const onDevice: Uint8Array[] = devices.map(() => new Uint8Array(nz));
  if (nd === 1) onDevice[0].fill(1);
  else {
    for (const [b, len] of store.blocks())
      for (let i = 0; i < len; i += REPLAY_STRIDE) onDevice[b[i + R_DEVICE]][b[i + R_ZONE]] = 1;
  }

  const loops: LoopModel[] = opts.compareLoops ? [opts.loop, opts.loop === 'open' ? 'closed' : 'open'] : [opts.loop];
  const groups: SimGroup[] = [];
  const list = [fifoF, ...factories.filter((f) => f !== fifoF)];
  const ng = loops.length * list.length;
  const baselineOf: number[] = [];
  for (let g = 0; g < ng; g++) baselineOf.push(g - (g % list.length)); // each loop's fifo
  const collector = new Collector(ng, Int32Array.from(baselineOf), opts.fidelity === false ? -1 : 0, nz);
  const reportIndex = new Map<string, number>(); // `${loop}/${name}` → group
  for (const loop of loops) {
    for (const f of list) {
      const g = groups.length;
      reportIndex.set(`${loop}/${f.name}`, g);
      const sims: DeviceSim[] = [];
      for (let d = 0; d < nd; d++) {
        const sim = new DeviceSim(g, d, devices[d], zones, onDevice[d], f, popts, loop, span.startNs, span.endNs, collector);
        if (loop === opts.loop && f.warnings) for (const w of f.warnings(sim, popts)) if (!warnings.includes(w)) warnings.push(w);
        sims.push(sim);
      }
      groups.push({ factory: f, loop, sims });
    }
  }

  // Block by block, each simulation in turn over the block (its state stays in cache); the
  // collector pairs the results once every simulation has completed an IO.
  for (const [b, len] of store.blocks()) {
    const seq0 = collector.next;
    for (let i = 0; i < len; i += REPLAY_STRIDE) collector.add(b[i + R_ZONE], b[i + R_LATENCY]);
    for (let g = 0; g < ng; g++) {
      const sims = groups[g].sims;
      let seq = seq0;
      for (let i = 0; i < len; i += REPLAY_STRIDE, seq++) sims[b[i + R_DEVICE]].ingestAt(b, i, seq);
    }
    collector.flush();
    opts.onBlock?.();
  }
  for (const g of groups) for (const s of g.sims) s.finish();
  collector.flush();

  // results
  const spanNs = span.endNs - span.startNs;
  const resultOf = (g: number): PolicyResult => {
    const grp = groups[g];
    const base = groups[baselineOf[g]];
    let work = 0;
    let baseWork = 0;
    let idle = 0;
    let last = -Infinity;
    const actual = new Float64Array(nz);
    const fair = new Float64Array(nz);
    const ops = new Float64Array(nz);
    for (let d = 0; d < nd; d++) {
      const s = grp.sims[d];
      work += s.workInSpan;
      baseWork += base.sims[d].workInSpan;
      idle += s.idleWaiting;
      if (s.lastCompletion > last) last = s.lastCompletion;
      for (let z = 0; z < nz; z++) {
        actual[z] += s.actual[z];
        fair[z] += s.fair[z];
        ops[z] += s.opsInSpan[z];
      }
    }
    const zr: PolicyZoneResult[] = [];
    for (let z = 0; z < nz; z++) {
      const h = collector.hist[g][z];
      const hb = collector.hist[baselineOf[g]][z];
      if (h.count === 0) continue;
      const mean = h.mean();
      const bmean = hb.mean();
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
      });
    }
    return {
      policy: grp.factory.name,
      params: grp.factory.params(popts, zones, devices),
      loop: grp.loop,
      throughput_loss: baseWork > 0 ? Math.max(0, 1 - work / baseWork) : null,
      idle_while_waiting_s: spanNs > 0 || collector.next > 0 ? idle / 1e9 : null,
      makespan_s: last > -Infinity ? (last - span.startNs) / 1e9 : null,
      jain: jainOf(actual, fair),
      zones: zr,
    };
  };
  const pick = (loop: LoopModel) => names.map((n) => resultOf(reportIndex.get(`${loop}/${n}`)!));

  return {
    policies: pick(opts.loop),
    other_loop: loops.length > 1 ? pick(loops[1]) : null,
    fidelity: fidelityOf(collector.modelHist, collector.obsHist),
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
