// Contract between the observe pass and the replay.
//
// The observe pass (src/core/observe.ts) computes each IO's device-time cost and hands the replay
// one record per IO, *in nondecreasing arrival (issue) order* across all devices, packed in
// Float64Array blocks of REPLAY_STRIDE numbers per IO (no object per IO). Blocks are kept in a
// ReplayStore (memory, or a temp file provided by the cli) until the observe pass has finished,
// because `cap auto` needs the device's median delivered capacity, known only at the end.

export const REPLAY_STRIDE = 8;
/** Offsets within one IO's slot in a block. */
export const R_DEVICE = 0; // device index (DeviceInfo[])
export const R_ZONE = 1; // zone index (ZoneInfo[])
export const R_ARRIVAL = 2; // issue time, ns (relative to the run's time base)
export const R_COST = 3; // device-time cost, ns (busy-period decomposition)
export const R_LATENCY = 4; // observed latency, ns
export const R_BYTES = 5;
export const R_WRITE = 6; // 1 for a write, 0 for a read
export const R_DEPTH = 7; // the zone's outstanding IOs on this device at issue, including this one

export interface ReplayStore {
  /** Takes ownership of a full (or, last, partial: see `length`) block. */
  append(block: Float64Array, length: number): void;
  /**
   * Blocks in append order; each yields [block, number of valid numbers]. May be iterated more
   * than once. A block is valid until the next is taken (a reader may reuse one buffer).
   */
  blocks(): Iterable<[Float64Array, number]>;
  dispose(): void;
}

export class MemoryReplayStore implements ReplayStore {
  private list: [Float64Array, number][] = [];
  append(block: Float64Array, length: number): void {
    this.list.push([block, length]);
  }
  blocks(): Iterable<[Float64Array, number]> {
    return this.list;
  }
  dispose(): void {
    this.list = [];
  }
}

export interface ZoneInfo {
  name: string;
  weight: number;
}

export interface DeviceInfo {
  name: string;
  /** Median delivered IOPS per busy second, from the observe pass (for `cap auto`); null if unknown. */
  medianIops: number | null;
  medianBytesPerS: number | null;
  /**
   * The least and most delivered per busy second (IOPS, bytes/s), for the cap ladder's levels;
   * missing or null when unknown (then the ladder leaves the device's zones uncapped).
   */
  capacityRange?: { iops: [number, number] | null; bytes: [number, number] | null };
}

/** The trace's span: first arrival to last observed completion (ns, relative). */
export interface Span {
  startNs: number;
  endNs: number;
}

/**
 * Where a simulation keeps the IO it has queued beyond what it holds in memory: an open-loop
 * replay under a binding cap queues IO for as long as the trace lasts (arrivals outpace the cap),
 * so its backlog grows with the trace. Zone queues are FIFO, so each zone's overflow is written
 * and read back in chunks, in order. The cli provides a temp file (src/cli/spool.ts); without
 * one, everything stays in memory.
 */
export interface SpillArea {
  /** A zone queue spills its newest IOs once it holds this many in memory. */
  readonly spillAt: number;
  /**
   * IOs one simulation of a device holds queued in memory across its zones: each zone's queue
   * spills beyond this over the zones on the device, but never below 2 × chunkIos nor above
   * spillAt (missing: spillAt per zone). A simulation's queues then hold about the budget
   * whatever the zones, until more than budget ÷ (2 × chunkIos) of them are backlogged at once.
   */
  readonly queuedBudget?: number;
  /** IOs per chunk (written and read back whole); at most spillAt. */
  readonly chunkIos: number;
  /** Stores `data` (chunkIos × SPILL_STRIDE numbers) and returns a handle for `read`. */
  write(data: Float64Array): number;
  /** Reads the chunk `handle` back into `into` and forgets it. */
  read(handle: number, into: Float64Array): void;
  dispose(): void;
}

/** Numbers per spilled IO (the layout is in ./spill.ts). */
export { SPILL_STRIDE } from './spill.js';
