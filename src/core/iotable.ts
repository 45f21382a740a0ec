// The observe pass's per-IO and per-(zone, device) state, as structs of typed arrays so the hot
// path allocates nothing per record. Arrays are replaced when they grow: read them through the
// table on every use, never keep one across a call that may add rows.

import { FIT_STRIDE } from './costmodel.js';
import { grown } from './typed.js';

/** Slot flags (bits 0..7 of a slot's S_META word). */
export const SF_WRITE = 1;
/** The completion has been swept (its busy-period cost is known). */
export const SF_DONE = 2;
/** Counted once as late (clamped to the sweep). */
export const SF_LATE = 4;
/** The issue point has been swept. */
export const SF_ISSUED = 8;
/** The done point was swept first (at the issue's time: done points go first) and waits for the issue. */
export const SF_DONE_WAITS = 64;
/** The replay store has taken the IO (or there is no store). */
export const SF_RELEASED = 16;
/** The device's attribution has processed the completion. */
export const SF_ACCOUNTED = 32;
/** The IO's cost-model class (costmodel.ts F_READ_RAND..F_WRITE_SEQ) sits in bits 8..9 of S_META. */
export const META_CLASS_SHIFT = 8;

/** A slot's numbers: 8 doubles (one 64-byte cache line); its integers share the line's last half. */
export const SLOT_F64 = 8;
export const SLOT_I32 = 16;
/** Doubles, at f[s * SLOT_F64 + …]. */
export const S_ISSUE = 0;
export const S_DONE = 1;
export const S_BYTES = 2;
/** Busy-period decomposition cost (ns), known at the completion. */
export const S_COST = 3;
/** Byte offset on the device, NaN when the input has none. */
export const S_OFFSET = 4;
/** Integers, at m[s * SLOT_I32 + …] (after the five doubles). */
export const S_ZONE = 10;
export const S_DEV = 11;
export const S_PAIR = 12;
/** The zone's IOs in flight on the device at issue, this one included (the replay's R_DEPTH). */
export const S_DEPTH = 13;
/** Flags (SF_*) and the cost-model class. */
export const S_META = 14;

/**
 * One slot per IO between its arrival in the pass and the last use of it; recycled oldest freed
 * first, so that records arriving one after another take slots one after another: the sweep
 * reads an IO's slot again at its issue time, up to the reorder window (2 s) after the record
 * filled it, and neighbouring slots then share cache lines and prefetches (recycling the most
 * recently freed first scatters them: the 10M 8-zone observe pass takes 4.4–4.7 s that way,
 * 3.2–3.5 s this way). What
 * every IO needs is in one cache line per slot (f and m view the same memory); what only
 * parallel devices need is kept apart.
 */
export class Slots {
  cap = 1024;
  f = new Float64Array(this.cap * SLOT_F64);
  m = new Int32Array(this.f.buffer);
  /** Attribution state: the shared-slot integral at issue, or when a FIFO slot began serving it (NaN: not yet). */
  aux = new Float64Array(this.cap);
  /** Issue-order list of a device's IOs in flight (FIFO-slot attribution). */
  next = new Int32Array(this.cap);
  prev = new Int32Array(this.cap);
  /** Freed slots, oldest first (a ring of cap entries). */
  private free = new Int32Array(this.cap);
  private freeHead = 0;
  private freeLen = 0;
  private nextSlot = 0;

  alloc(): number {
    if (this.freeLen > 0) {
      const s = this.free[this.freeHead];
      this.freeHead = (this.freeHead + 1) & (this.cap - 1);
      this.freeLen--;
      return s;
    }
    if (this.nextSlot === this.cap) this.grow();
    return this.nextSlot++;
  }

  release(s: number): void {
    this.free[(this.freeHead + this.freeLen) & (this.cap - 1)] = s;
    this.freeLen++;
  }

  /** The slot's cost-model class. */
  classOf(s: number): number {
    return (this.m[s * SLOT_I32 + S_META] >> META_CLASS_SHIFT) & 3;
  }

  /** Gives back what the table grew to, once no IO is in flight (the pass has ended). */
  reset(): void {
    this.cap = 1024;
    this.f = new Float64Array(this.cap * SLOT_F64);
    this.m = new Int32Array(this.f.buffer);
    this.aux = new Float64Array(this.cap);
    this.next = new Int32Array(this.cap);
    this.prev = new Int32Array(this.cap);
    this.free = new Int32Array(this.cap);
    this.freeHead = this.freeLen = 0;
    this.nextSlot = 0;
  }

  private grow(): void {
    const n = this.cap * 2;
    // grows only when no slot is free: the ring is empty
    this.free = new Int32Array(n);
    this.freeHead = 0;
    this.f = grown(this.f, n * SLOT_F64);
    this.m = new Int32Array(this.f.buffer);
    this.aux = grown(this.aux, n);
    this.next = grown(this.next, n);
    this.prev = grown(this.prev, n);
    this.cap = n;
  }
}

/** Entries of the dense (zone, device) table, at most (4 MiB). */
const DENSE_MAX = 1 << 20;

/**
 * State per (zone, device) pair that saw IO: memory grows with the pairs used, never with
 * zones × devices beyond a 4 MiB table. Looked up once per IO: in that table while zones ×
 * devices fits it, else through an open-addressing hash of (zone, device).
 */
export class Pairs {
  count = 0;
  private cap = 64;
  zone = new Int32Array(this.cap);
  dev = new Int32Array(this.cap);
  weight = new Float64Array(this.cap);
  /** IOs in flight as the sweep sees them. */
  live = new Int32Array(this.cap);
  /** IOs in flight as the device's attribution sees them (it may run behind the sweep). */
  out = new Int32Array(this.cap);
  /** End offset of the pair's last IO (NaN: none yet), for sequential/random. */
  cursor = new Float64Array(this.cap);
  /**
   * Cost-model sums (costmodel.ts) of each IO's device time (ns of one unit of the device)
   * against its features: Σ y is the pair's device time.
   */
  sums = new Float64Array(this.cap * FIT_STRIDE);
  /** Fair device time (same unit). */
  fair = new Float64Array(this.cap);
  /** Virtual time when the zone's current backlog on the device began. */
  vAt = new Float64Array(this.cap);
  /** Parallel devices: the time with free units when the pair's IOs in flight last changed. */
  freeAt = new Float64Array(this.cap);
  /** The timeline's marks: the virtual time and the time with free units up to which it has the pair's fair time. */
  markV = new Float64Array(this.cap);
  markFree = new Float64Array(this.cap);
  /** Position in the device's list of backlogged pairs (parallel devices). */
  activePos = new Int32Array(this.cap);
  private keysZ = new Int32Array(256).fill(-1);
  private keysD = new Int32Array(256);
  private vals = new Int32Array(256);
  private mask = 255;
  /**
   * While zones × devices stays small, the pair index + 1 of (zone, device) at zone × dCap +
   * device (0: none yet), so the lookup per IO is one load; null once it would exceed DENSE_MAX.
   */
  private dense: Int32Array | null = new Int32Array(16 * 4);
  private zCap = 16;
  private dCap = 4;

  /** @param weightOf a zone's weight, for the pairs it is in */
  constructor(private readonly weightOf: (zone: number) => number) {}

  /** The pair index of (zone, device), created on first use. */
  indexOf(z: number, d: number): number {
    const dn = this.dense;
    if (dn !== null && z < this.zCap && d < this.dCap) {
      const v = dn[z * this.dCap + d];
      if (v > 0) return v - 1;
    }
    return this.lookup(z, d);
  }

  private lookup(z: number, d: number): number {
    let h = (Math.imul(z, 0x9e3779b1) ^ Math.imul(d + 1, 0x85ebca77)) >>> 0;
    for (;;) {
      h &= this.mask;
      const kz = this.keysZ[h];
      if (kz === -1) break;
      if (kz === z && this.keysD[h] === d) return this.vals[h];
      h++;
    }
    const p = this.count++;
    if (p === this.cap) this.grow();
    this.zone[p] = z;
    this.dev[p] = d;
    this.weight[p] = this.weightOf(z);
    this.cursor[p] = NaN;
    this.keysZ[h] = z;
    this.keysD[h] = d;
    this.vals[h] = p;
    if (this.count * 2 > this.mask) this.rehash();
    this.toDense(p);
    return p;
  }

  /** Enters pair p in the dense table, growing it (or giving it up beyond DENSE_MAX entries). */
  private toDense(p: number): void {
    if (this.dense === null) return;
    const z = this.zone[p];
    const d = this.dev[p];
    if (z >= this.zCap || d >= this.dCap) {
      let zc = this.zCap;
      let dc = this.dCap;
      while (z >= zc) zc *= 2;
      while (d >= dc) dc *= 2;
      if (zc * dc > DENSE_MAX) {
        this.dense = null;
        return;
      }
      const t = new Int32Array(zc * dc);
      for (let q = 0; q < this.count; q++) t[this.zone[q] * dc + this.dev[q]] = q + 1;
      this.dense = t;
      this.zCap = zc;
      this.dCap = dc;
      return;
    }
    this.dense[z * this.dCap + d] = p + 1;
  }

  private grow(): void {
    const n = this.cap * 2;
    this.zone = grown(this.zone, n);
    this.dev = grown(this.dev, n);
    this.weight = grown(this.weight, n);
    this.live = grown(this.live, n);
    this.out = grown(this.out, n);
    this.cursor = grown(this.cursor, n);
    this.sums = grown(this.sums, n * FIT_STRIDE);
    this.fair = grown(this.fair, n);
    this.vAt = grown(this.vAt, n);
    this.freeAt = grown(this.freeAt, n);
    this.markV = grown(this.markV, n);
    this.markFree = grown(this.markFree, n);
    this.activePos = grown(this.activePos, n);
    this.cap = n;
  }

  private rehash(): void {
    const size = (this.mask + 1) * 2;
    this.keysZ = new Int32Array(size).fill(-1);
    this.keysD = new Int32Array(size);
    this.vals = new Int32Array(size);
    this.mask = size - 1;
    for (let p = 0; p < this.count; p++) {
      let h = (Math.imul(this.zone[p], 0x9e3779b1) ^ Math.imul(this.dev[p] + 1, 0x85ebca77)) >>> 0;
      for (;;) {
        h &= this.mask;
        if (this.keysZ[h] === -1) break;
        h++;
      }
      this.keysZ[h] = this.zone[p];
      this.keysD[h] = this.dev[p];
      this.vals[h] = p;
    }
  }
}
