// Running the replay: every requested policy (and the baseline fifo) over the store in a single
// pass. All simulations advance together, block by block of the store; each device has its own
// simulation per policy and loop model (./device-sim.ts), and per loop model a Collector
// (./pairing.ts) turns their completions into reported latencies. What the simulations and the
// pairings hold beyond a bound goes to `opts.spill` (a temp file in the cli), so memory does not
// grow with the trace.
//
// The work can be split by device (replayDevices, on several threads) and combined
// (combineReplays, ./combine.ts): every number is kept per device and combined in device order, so
// the result does not depend on the split.

import { Histogram, type HistogramData } from '../histogram.js';
import { combineReplays } from './combine.js';
import { DeviceSim } from './device-sim.js';
import { Collector } from './pairing.js';
import { planOf, type ReplayOptions, type ReplayResult } from './plan.js';
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
  type ZoneInfo,
} from './types.js';

/** One device's numbers under one simulation. */
export interface DeviceStats {
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
