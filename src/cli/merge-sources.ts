// Several sources read at once and their IO records merged by completion time, so that the
// analysis does not depend on the order the files were given in, and records of one file are
// not "late" because another file was read first (the core's reorder window is bounded).
//
// Each source is parsed incrementally, as it is read, into its own queue. A k-way merge hands the
// target the record with the earliest completion among the queues' heads, which it can do only
// while every source still reading has a record queued; a source whose queue is full waits
// (its reading pauses) until the merge drains it. Memory is therefore bounded by the sources,
// not the records: at most HIGH_WATER records per source plus one chunk's worth. Each source is
// in completion order only roughly (per-CPU buffers), which the core's reorder window absorbs as
// it does for a single file.
//
// Ties on the completion time are broken by the record's content (issue time, zone, device, op,
// bytes, offset), never by the source, so the merged order is the same whatever the order of the files.
// Interval and histogram records, and zone kinds, go straight to the target: they are not
// ordered by time here.

import type { IntervalSample, LatencyHistogram, Op, ZoneKind } from '../records.js';
import type { RecordTarget } from './input.js';

/** A source's queue is full at this many records; its reading resumes below LOW_WATER. */
export const HIGH_WATER = 16384;
const LOW_WATER = HIGH_WATER / 2;
/** Numbers per queued record (see SourceQueue.nums). */
const NUMS = 5;

/** Thrown into a paused source's reading when another source failed. */
class MergeAborted extends Error {}

/** One source's records waiting for the merge. */
class SourceQueue implements RecordTarget {
  private zones: string[] = [];
  private devices: string[] = [];
  private ops: Op[] = [];
  /** bytes, issue, done, weight (NaN: none), offset (NaN: none) per record */
  private nums: number[] = [];
  private head = 0;
  finished = false;
  private wake: (() => void) | null = null;

  constructor(private readonly merge: TimeMerge) {}

  get size(): number {
    return this.zones.length - this.head;
  }

  io(zone: string, device: string, op: Op, bytes: number, issueNs: number, doneNs: number, weight?: number, offset?: number): void {
    this.zones.push(zone);
    this.devices.push(device);
    this.ops.push(op);
    this.nums.push(bytes, issueNs, doneNs, weight ?? NaN, offset ?? NaN);
  }

  interval(s: IntervalSample): void {
    this.merge.target.interval(s);
  }

  histogram(h: LatencyHistogram): void {
    this.merge.target.histogram(h);
  }

  zoneKind(zone: string, kind: ZoneKind): void {
    this.merge.target.zoneKind?.(zone, kind);
  }

  doneAt(): number {
    return this.nums[this.head * NUMS + 2];
  }

  /** -1, 0 or 1: this queue's head record against another's, by content after the time. */
  compareHead(o: SourceQueue): number {
    const a = this.head * NUMS;
    const b = o.head * NUMS;
    const d = this.nums[a + 2] - o.nums[b + 2] || this.nums[a + 1] - o.nums[b + 1];
    if (d) return d < 0 ? -1 : 1;
    const s =
      cmp(this.zones[this.head], o.zones[o.head]) ||
      cmp(this.devices[this.head], o.devices[o.head]) ||
      cmp(this.ops[this.head], o.ops[o.head]) ||
      this.nums[a] - o.nums[b] ||
      cmpNum(this.nums[a + 4], o.nums[b + 4]);
    return s < 0 ? -1 : s > 0 ? 1 : 0;
  }

  /** Hands the head record to `t` and drops it. */
  shift(t: RecordTarget): void {
    const i = this.head++;
    const n = i * NUMS;
    const w = this.nums[n + 3];
    const off = this.nums[n + 4];
    t.io(this.zones[i], this.devices[i], this.ops[i], this.nums[n], this.nums[n + 1], this.nums[n + 2], Number.isNaN(w) ? undefined : w, Number.isNaN(off) ? undefined : off);
    if (this.head >= 4096 && this.head * 2 >= this.zones.length) {
      this.zones = this.zones.slice(this.head);
      this.devices = this.devices.slice(this.head);
      this.ops = this.ops.slice(this.head);
      this.nums = this.nums.slice(this.head * NUMS);
      this.head = 0;
    }
    if (this.wake && this.size < LOW_WATER) {
      const w = this.wake;
      this.wake = null;
      w();
    }
  }

  /** Resolves once the merge has drained this queue below LOW_WATER (or at once). */
  room(): Promise<void> | undefined {
    if (this.size < HIGH_WATER) return undefined;
    return new Promise((resolve) => (this.wake = resolve));
  }

  release(): void {
    this.wake?.();
    this.wake = null;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Numbers that may be NaN (none), NaN first. */
function cmpNum(a: number, b: number): number {
  if (a !== a) return b !== b ? 0 : -1;
  return b !== b ? 1 : a - b;
}

/** The k-way merge over the sources' queues. */
class TimeMerge {
  readonly queues: SourceQueue[];
  failed = false;

  constructor(
    readonly target: RecordTarget,
    n: number,
  ) {
    this.queues = Array.from({ length: n }, () => new SourceQueue(this));
  }

  /** Hands on records while every source still reading has one queued. */
  drain(): void {
    for (;;) {
      let best: SourceQueue | null = null;
      for (const q of this.queues) {
        if (q.size === 0) {
          if (!q.finished) return; // it may yet produce an earlier record
          continue;
        }
        if (best === null || q.compareHead(best) < 0) best = q;
      }
      if (best === null) return;
      best.shift(this.target);
    }
  }
}

/**
 * Reads every source at once through `read` (which parses one source into the target it is
 * given, awaiting `pace()` after each chunk) and hands `target` their IO records merged by
 * completion time. Rejects with the first source's error (in the sources' order) if any fails.
 */
export async function readMerged(
  sources: string[],
  target: RecordTarget,
  read: (src: string, into: RecordTarget, pace: () => Promise<void> | undefined) => Promise<void>,
): Promise<void> {
  const merge = new TimeMerge(target, sources.length);
  const runs = sources.map(async (src, i) => {
    const q = merge.queues[i];
    try {
      await read(src, q, () => {
        if (merge.failed) throw new MergeAborted();
        merge.drain();
        return q.room();
      });
    } catch (e) {
      merge.failed = true;
      for (const other of merge.queues) other.release();
      throw e;
    } finally {
      q.finished = true;
      if (!merge.failed) merge.drain();
    }
  });
  const results = await Promise.allSettled(runs);
  for (const r of results) if (r.status === 'rejected' && !(r.reason instanceof MergeAborted)) throw r.reason;
  merge.drain();
}
