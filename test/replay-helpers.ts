import { mulberry32 } from '../scripts/mulberry32.mjs';
// Builds replay inputs synthetically: IOs on single-server FIFO devices, whose observed latency
// is what a FIFO single server gives (Lindley) unless given, so the fifo policy reproduces it.
import type { LoopModel, PolicyOptions } from '../src/core/replay/contract.js';
import { C_LATENCY, C_SEQ, C_TIME, DeviceSim } from '../src/core/replay/device-sim.js';
import type { CapSpec } from '../src/core/replay/policies/cap.js';
import { DEFAULT_THROTTLE, type ThrottleTunables } from '../src/core/replay/policies/throttle.js';
import { findPolicy } from '../src/core/replay/policies/index.js';
import {
  MemoryReplayStore,
  R_ARRIVAL,
  R_BYTES,
  R_COST,
  R_DEPTH,
  R_DEVICE,
  R_LATENCY,
  R_WRITE,
  R_ZONE,
  REPLAY_STRIDE,
  type DeviceInfo,
  type Span,
  type SpillArea,
  type ZoneInfo,
} from '../src/core/replay/types.js';
import type { ReplayOptions } from '../src/core/replay/index.js';

export interface TIo {
  zone: number;
  arrival: number; // ns
  cost: number; // ns
  latency?: number; // observed, ns (default: FIFO single server)
  device?: number;
  bytes?: number;
  write?: boolean;
}

export interface Built {
  store: MemoryReplayStore;
  span: Span;
  /** observed latency per IO, in input order after sorting by arrival */
  ios: Required<TIo>[];
  depth: number[];
}

/** Seeded PRNG (mulberry32, shared with the fixture generators). */
export const rng = mulberry32;

export function build(input: TIo[], blockIos = 100): Built {
  const ios = input
    .map((x, i) => ({ x, i }))
    .sort((a, b) => a.x.arrival - b.x.arrival || a.i - b.i)
    .map(({ x }) => ({ device: 0, bytes: 4096, write: false, latency: NaN, ...x }));
  // FIFO single server per device
  const free = new Map<number, number>();
  for (const io of ios) {
    const f = free.get(io.device) ?? -Infinity;
    const done = Math.max(f, io.arrival) + io.cost;
    free.set(io.device, done);
    if (Number.isNaN(io.latency)) io.latency = done - io.arrival;
  }
  // zone outstanding depth per device at issue, from observed completions
  const outstanding = new Map<string, number[]>();
  const depth: number[] = [];
  for (const io of ios) {
    const k = `${io.device}/${io.zone}`;
    const list = (outstanding.get(k) ?? []).filter((d) => d > io.arrival);
    list.push(io.arrival + io.latency);
    outstanding.set(k, list);
    depth.push(list.length);
  }
  const store = new MemoryReplayStore();
  let b = new Float64Array(blockIos * REPLAY_STRIDE);
  let n = 0;
  ios.forEach((io, i) => {
    b[n + R_DEVICE] = io.device;
    b[n + R_ZONE] = io.zone;
    b[n + R_ARRIVAL] = io.arrival;
    b[n + R_COST] = io.cost;
    b[n + R_LATENCY] = io.latency;
    b[n + R_BYTES] = io.bytes;
    b[n + R_WRITE] = io.write ? 1 : 0;
    b[n + R_DEPTH] = depth[i];
    n += REPLAY_STRIDE;
    if (n === b.length) {
      store.append(b, n);
      b = new Float64Array(blockIos * REPLAY_STRIDE);
      n = 0;
    }
  });
  if (n) store.append(b, n);
  const start = ios.length ? ios[0].arrival : 0;
  let end = start;
  for (const io of ios) end = Math.max(end, io.arrival + io.latency);
  return { store, span: { startNs: start, endNs: end }, ios: ios as Required<TIo>[], depth };
}

export function zonesOf(n: number, weights?: number[]): ZoneInfo[] {
  return Array.from({ length: n }, (_, i) => ({ name: `z${i}`, weight: weights?.[i] ?? 1 }));
}

export function dev(medianIops: number | null = null): DeviceInfo {
  return { name: 'sd0', medianIops, medianBytesPerS: null };
}

export const noCap: CapSpec = { auto: false, all: null, perZone: new Map(), burstS: 0.1, text: 'none' };

/** Replay options: the default policies, cap auto; `loop` replays every zone under that loop model. */
export function opts(over: Partial<ReplayOptions> & { loop?: LoopModel } = {}): ReplayOptions {
  const { loop, ...rest } = over;
  const zoneLoops = loop ? (Array.from({ length: 64 }, () => loop) as LoopModel[]) : undefined;
  return { policies: ['fifo', 'cap', 'throttle', 'fair'], cap: { ...noCap, auto: true, text: 'auto' }, throttle: DEFAULT_THROTTLE, ...rest, ...(zoneLoops ? { zoneLoops } : {}) };
}

export interface SimIo {
  seq: number;
  zone: number;
  completion: number;
  /** The completion in the simulation's own time: relative to the span's start (the first arrival). */
  rel: number;
  latency: number; // model latency (from model issue)
}

/**
 * Runs one policy on one device directly on the device simulation; returns per-IO completions in
 * input (sorted) order, in the trace's time. `loop` replays every zone under it, `closed` lists
 * the closed-loop zones (the others open); `k`: the device's slots (default 1). The IOs' costs
 * are used as given (no calibration: that is the replay's, src/core/replay/run.ts).
 */
export function simulate(
  b: Built,
  policy: string,
  zones: ZoneInfo[],
  o: { cap?: CapSpec; throttle?: ThrottleTunables; loop?: LoopModel; closed?: number[]; device?: DeviceInfo; spill?: SpillArea; k?: number } = {},
): { ios: SimIo[]; sim: DeviceSim } {
  const f = findPolicy(policy)!;
  const out: SimIo[] = [];
  const popts: PolicyOptions = { cap: o.cap ?? noCap, throttle: o.throttle ?? DEFAULT_THROTTLE };
  let closed: Uint8Array | null = null;
  if (o.loop === 'closed') closed = new Uint8Array(zones.length).fill(1);
  else if (o.closed) {
    closed = new Uint8Array(zones.length);
    for (const z of o.closed) closed[z] = 1;
  }
  const origin = b.span.startNs;
  const sim = new DeviceSim(0, 0, o.device ?? dev(), zones, new Uint8Array(zones.length).fill(1), f, popts, closed, origin, b.span.endNs, {
    done: (_s, zone, c) => {
      const seq = c[C_SEQ];
      out[seq] = { seq, zone, completion: c[C_TIME] + origin, rel: c[C_TIME], latency: c[C_LATENCY] };
    },
  }, o.spill ?? null, false, o.k ?? 1);
  b.ios.forEach((io, i) => sim.ingest(io.zone, io.arrival, io.cost, io.bytes, io.write ? 1 : 0, b.depth[i], io.latency, i));
  sim.finish();
  return { ios: out, sim };
}

/** Exact nearest-rank percentile. */
export function pct(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)];
}

export const MS = 1e6;
export const S = 1e9;
