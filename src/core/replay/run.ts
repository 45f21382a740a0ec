// Running the replay: every requested policy (and the baseline fifo, and the cap ladder's levels)
// over the store in a single pass. All simulations advance together, block by block of the store;
// each device has its own simulation per policy (./device-sim.ts) with the device's parallelism
// (K slots), each zone replayed under its own loop model, and a Collector (./pairing.ts) turns
// their completions into reported latencies. On a device of K > 1 slots each IO's service is
// calibrated from its observed issue and completion as the blocks are read (./fifo-slots.ts); a
// device of one slot takes the observe pass's device time.
// What the simulations and the pairings hold beyond a bound goes to `opts.spill` (a temp file in
// the cli), so memory does not grow with the trace.
//
// The work can be split by device (replayDevices, on several threads) and combined
// (combineReplays, ./combine.ts): every number is kept per device and combined in device order, so
// the result does not depend on the split.

import { Histogram, type HistogramData } from '../histogram.js';
import { combineReplays } from './combine.js';
import { DeviceSim } from './device-sim.js';
import { SlotCalibration } from './fifo-slots.js';
import { Collector } from './pairing.js';
import { planOf, slotsOf, type ReplayOptions, type ReplayResult } from './plan.js';
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

/** One device's numbers under one simulation (times relative to the span's start). */
export interface DeviceStats {
  /** Work done within the span, idle time while IO waited within it, the last completion, all work done (ns). */
  work: number;
  idle: number;
  last: number;
  busy: number;
  /** Per zone: device time received, GPS fair time (ns), IOs and bytes completed within the span. */
  actual: Float64Array;
  fair: Float64Array;
  ops: Float64Array;
  bytes: Float64Array;
  /** Per zone: its IOs and bytes on the device, and its last completion (-Infinity: none). */
  issued: Float64Array;
  bytesIn: Float64Array;
  lastDone: Float64Array;
}

/**
 * The replay of some of the devices (`devices`), as plain data (structured-clonable), so that
 * parts replayed on different threads combine into the result of replaying all devices at once:
 * every per-device number and histogram is kept per device and combined in device order.
 */
export interface ReplayPart {
  devices: number[];
  /** stats[group][device] (null for a device not in this part); groups as planOf lists them, fifo first. */
  stats: (DeviceStats | null)[][];
  /** hists[group][device][zone] of reported latency (null: none recorded). */
  hists: (HistogramData | null)[][][];
  /** lags[group][device][zone]: a closed-loop zone's issue lag (null: none recorded). */
  lags: (HistogramData | null)[][][];
  /** Per device: observed latencies, and the baseline fifo's model latencies (fidelity). */
  obs: (HistogramData | null)[];
  model: (HistogramData | null)[];
  /** zoneModel[device][zone]: the baseline fifo's model latencies per zone (fidelity; [] for a device not in this part). */
  zoneModel: (HistogramData | null)[][];
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
  const { groups, closed, summary } = plan;
  const nz = zones.length;
  const nd = devices.length;
  const ng = groups.length;
  const origin = span.startNs;
  const isMine = (d: number) => mine === null || mine[d] === true;

  // which zones use which device (cap auto shares a device among its own zones)
  let onDevice: Uint8Array[];
  if (use) onDevice = use.onDevice;
  else if (nd === 1) onDevice = [new Uint8Array(nz).fill(1)];
  else onDevice = deviceUse(store, nz, nd).onDevice;
  // a device with a closed-loop zone pairs each IO with the baseline's completion of it
  const paired = devices.map((_, d) => closed !== null && onDevice[d].some((u, z) => u === 1 && closed[z] === 1));

  // K slots per device; a device of K > 1 has its IOs' services calibrated as they are read, into
  // a copy of the block the simulations read (the store's blocks stay as the observe pass wrote them)
  const calibration = devices.map((dev, d) => {
    const k = slotsOf(opts, dev.name);
    return isMine(d) && k > 1 ? new SlotCalibration(k) : null;
  });
  const calibrating = calibration.some((c) => c !== null);
  let calibrated = new Float64Array(0);

  // fidelity: the baseline fifo against the observation. Observed latencies are recorded in
  // arrival order as they are read; on a device whose zones are all open loop the baseline's
  // model latency is known at arrival (Lindley: c = max(arrival, previous c on the device) + cost,
  // exactly the fifo simulation's arithmetic, in its time: relative to the span's start; with K
  // slots, the calibration's FIFO model); on a paired device, when the baseline simulation
  // completes the IO.
  const withFidelity = opts.fidelity !== false;
  const modelHist = devices.map(() => new Histogram());
  const obsHist = devices.map(() => new Histogram());
  const zoneModel: Histogram[][] = devices.map((_, d) =>
    withFidelity && isMine(d) ? zones.map((_, z) => (onDevice[d][z] ? new Histogram() : (null as unknown as Histogram))) : [],
  );
  const lindley = withFidelity ? new Float64Array(nd).fill(-Infinity) : null;
  // hists[device][sim][zone]
  const hists: Histogram[][][] = devices.map((_, d) => {
    const rows: Histogram[][] = [];
    // a zone with no IO on the device never records there (null would fail loudly if it did)
    if (isMine(d) && !summary) for (let s = 0; s < ng; s++) rows.push(zones.map((_, z) => (onDevice[d][z] ? new Histogram() : (null as unknown as Histogram))));
    return rows;
  });
  const spill = opts.spill?.() ?? null;
  const collectors: (Collector | null)[] = devices.map((_, d) =>
    isMine(d)
      ? new Collector(paired[d], ng, hists[d], withFidelity && paired[d] ? modelHist[d] : null, withFidelity && paired[d] ? zoneModel[d] : null, nz, spill, summary)
      : null,
  );
  const warnings: [number, number, string][] = [];
  const sims: (DeviceSim | null)[][] = groups.map((g, gi) =>
    devices.map((dev, d) => {
      if (!isMine(d)) return null;
      // a summary's completions matter only for the baseline's fidelity on a paired device
      const sink = summary && !(gi === 0 && withFidelity && paired[d]) ? null : collectors[d]!;
      const sim = new DeviceSim(gi, d, dev, zones, onDevice[d], g.factory, g.popts, closed, origin, span.endNs, sink, spill, !summary, slotsOf(opts, dev.name));
      if (g.role !== 'hidden' && g.factory.warnings) for (const w of g.factory.warnings(sim, g.popts)) warnings.push([gi, d, w]);
      return sim;
    }),
  );

  let nextSeq = 0;
  try {
    // Block by block, each simulation in turn over the block (its state stays in cache); the
    // collectors pair the results once the baseline and a policy have both completed an IO.
    for (const [b, len] of store.blocks()) {
      const seq0 = nextSeq;
      let sb = b; // what the simulations read: the block, or its copy with calibrated services
      if (calibrating) {
        if (calibrated.length < len) calibrated = new Float64Array(b.length);
        calibrated.set(b.subarray(0, len));
        sb = calibrated;
      }
      for (let i = 0; i < len; i += REPLAY_STRIDE, nextSeq++) {
        const d = b[i + R_DEVICE];
        if (!isMine(d)) continue;
        const z = b[i + R_ZONE];
        const obs = b[i + R_LATENCY];
        collectors[d]!.add(z, obs);
        if (withFidelity) obsHist[d].record(obs);
        const cal = calibration[d];
        if (cal !== null) {
          cal.next(b[i + R_ARRIVAL] - origin, obs);
          sb[i + R_COST] = cal.service;
          if (withFidelity && !paired[d]) {
            modelHist[d].record(cal.modelLatency);
            zoneModel[d][z].record(cal.modelLatency);
          }
        } else if (lindley !== null && !paired[d]) {
          const a = b[i + R_ARRIVAL] - origin;
          const prev = lindley[d];
          const c = (a > prev ? a : prev) + b[i + R_COST];
          lindley[d] = c;
          modelHist[d].record(c - a);
          zoneModel[d][z].record(c - a);
        }
      }
      for (let g = 0; g < ng; g++) {
        const row = sims[g];
        let seq = seq0;
        for (let i = 0; i < len; i += REPLAY_STRIDE, seq++) {
          const sim = row[sb[i + R_DEVICE]];
          if (sim !== null) sim.ingestAt(sb, i, seq);
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
          : {
              work: s.workInSpan,
              idle: s.idleWaiting,
              last: s.lastCompletion,
              busy: s.busyTotal,
              actual: s.actual,
              fair: s.fair,
              ops: s.opsInSpan,
              bytes: s.bytesInSpan,
              issued: s.zoneIssued,
              bytesIn: s.bytesIn,
              lastDone: s.lastDone,
            },
      ),
    ),
    hists: groups.map((_, g) => devices.map((_, d) => (isMine(d) && !summary ? hists[d][g].map(data) : []))),
    lags: sims.map((row) => row.map((s) => (s?.issueLag ? s.issueLag.map(data) : []))),
    obs: obsHist.map(data),
    model: modelHist.map(data),
    zoneModel: zoneModel.map((row) => row.map((h) => (h ? data(h) : null))),
    warnings,
    ios: nextSeq,
  };
}
