// The per-IO state of one device simulation, none of it an object per IO: the IOs in flight live
// in typed-array slots recycled through a free list (`Slots`), each zone's queue is a typed-array
// ring of slot numbers (`ZoneQueues`), and the closed loop's IOs waiting to issue, and the IOs in
// service on a device of several slots, are typed-array heaps (`IssueHeap`). Policies read the
// first two through PolicyContext.

import { doubledRing, grown } from '../typed.js';

/** IOs in flight inside one simulation, in typed arrays recycled through a free list. */
export class Slots {
  size = 0;
  arrival = new Float64Array(0); // issue time in the model (ns)
  cost = new Float64Array(0);
  bytes = new Float64Array(0);
  seq = new Float64Array(0); // global arrival sequence number (ties)
  /** The IO's index among its zone's IOs on this device, in arrival order (result pairing). */
  ord = new Float64Array(0);
  /** Scratch for policies: eligible time, tags. */
  a = new Float64Array(0);
  /** Closed loop: the observed latency (for the result pairing at completion). */
  obsLat = new Float64Array(0);
  /**
   * Closed loop: observed completion, dependency index. Open loop (where those are unused): the
   * observed latency, and the baseline fifo's model latency (see DeviceSim.ingestAt in
   * ./device-sim.ts).
   */
  obsDone = new Float64Array(0);
  dep = new Float64Array(0);
  zone = new Int32Array(0);
  write = new Uint8Array(0);
  private free = new Int32Array(0);
  private nfree = 0;

  constructor(initial = 256) {
    this.grow(initial);
  }

  private grow(n: number): void {
    const old = this.size;
    this.arrival = grown(this.arrival, n);
    this.cost = grown(this.cost, n);
    this.bytes = grown(this.bytes, n);
    this.seq = grown(this.seq, n);
    this.ord = grown(this.ord, n);
    this.a = grown(this.a, n);
    this.obsLat = grown(this.obsLat, n);
    this.obsDone = grown(this.obsDone, n);
    this.dep = grown(this.dep, n);
    this.zone = grown(this.zone, n);
    this.write = grown(this.write, n);
    const fr = new Int32Array(n);
    fr.set(this.free.subarray(0, this.nfree));
    this.free = fr;
    for (let i = n - 1; i >= old; i--) this.free[this.nfree++] = i;
    this.size = n;
  }

  alloc(): number {
    if (this.nfree === 0) this.grow(this.size * 2);
    return this.free[--this.nfree];
  }

  release(s: number): void {
    this.free[this.nfree++] = s;
  }
}

const NO_RING = new Int32Array(0);

/**
 * One FIFO ring of slot numbers per zone (allocated at the zone's first IO), and the list of
 * zones with IO queued, so that a policy's pick costs O(zones queued), not O(zones): with
 * thousands of zones most are idle at any moment. The list is in no particular order; picks
 * compare unique keys (sequence numbers break every tie), so the order does not matter.
 *
 * `len[z]` counts the zone's queued IOs, including any the simulation has spilled out of memory
 * (see Spiller.spillTail in ./spill.ts); the ring holds the oldest `rlen[z]` of them, so `peek`
 * is always the zone's head.
 */
export class ZoneQueues {
  readonly len: Int32Array;
  readonly rlen: Int32Array;
  private head: Int32Array;
  private buf: Int32Array[];
  total = 0;
  /** active[0..nActive) are the zones with len > 0. */
  readonly active: Int32Array;
  nActive = 0;
  private readonly pos: Int32Array;

  constructor(nZones: number) {
    this.len = new Int32Array(nZones);
    this.rlen = new Int32Array(nZones);
    this.head = new Int32Array(nZones);
    this.buf = [];
    for (let z = 0; z < nZones; z++) this.buf.push(NO_RING);
    this.active = new Int32Array(nZones);
    this.pos = new Int32Array(nZones);
  }

  push(z: number, slot: number): void {
    if (this.len[z]++ === 0) {
      this.pos[z] = this.nActive;
      this.active[this.nActive++] = z;
    }
    this.total++;
    this.ringPush(z, slot);
  }

  /** Appends a slot to the ring of an IO already counted in len (refilled from a spill). */
  ringPush(z: number, slot: number): void {
    let b = this.buf[z];
    const n = this.rlen[z];
    if (n === b.length) {
      this.buf[z] = b = b.length === 0 ? new Int32Array(8) : doubledRing(b, this.head[z], n);
      this.head[z] = 0;
    }
    b[(this.head[z] + n) & (b.length - 1)] = slot;
    this.rlen[z] = n + 1;
  }

  /** Takes the newest slot off the ring; the IO stays counted in len (it is being spilled). */
  ringPopTail(z: number): number {
    const b = this.buf[z];
    const n = --this.rlen[z];
    return b[(this.head[z] + n) & (b.length - 1)];
  }

  /** The zone's oldest queued slot; only valid when len[z] > 0. */
  peek(z: number): number {
    return this.buf[z][this.head[z]];
  }

  pop(z: number): number {
    const b = this.buf[z];
    const h = this.head[z];
    const s = b[h];
    this.head[z] = (h + 1) & (b.length - 1);
    this.rlen[z]--;
    if (--this.len[z] === 0) {
      const k = this.pos[z];
      const last = this.active[--this.nActive];
      this.active[k] = last;
      this.pos[last] = k;
    }
    this.total--;
    return s;
  }
}

/**
 * Min-heap of slots keyed by (time, seq): the closed loop's pending issues, and on a device of
 * several slots the IOs in service (keyed by completion).
 */
export class IssueHeap {
  private s = new Int32Array(64);
  /** Keys (times); k[0] is the least while n > 0. */
  k = new Float64Array(64);
  /** Second keys (sequence numbers), beside k. */
  q = new Float64Array(64);
  n = 0;

  /** push()'s key: time, then sequence (fields: see Policy in ./contract.ts on boxing). */
  pk = NaN;
  pq = NaN;

  /** Pushes slot with key (pk, pq). */
  push(slot: number): void {
    const t = this.pk;
    const seq = this.pq;
    if (this.n === this.s.length) {
      const m = this.n * 2;
      this.s = grown(this.s, m);
      this.k = grown(this.k, m);
      this.q = grown(this.q, m);
    }
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.k[p] < t || (this.k[p] === t && this.q[p] <= seq)) break;
      this.s[i] = this.s[p];
      this.k[i] = this.k[p];
      this.q[i] = this.q[p];
      i = p;
    }
    this.s[i] = slot;
    this.k[i] = t;
    this.q[i] = seq;
  }

  /** The slot with the least key; only valid while n > 0. */
  first(): number {
    return this.s[0];
  }

  pop(): number {
    const top = this.s[0];
    const n = --this.n;
    if (n > 0) {
      const ls = this.s[n];
      const lk = this.k[n];
      const lq = this.q[n];
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && (this.k[c + 1] < this.k[c] || (this.k[c + 1] === this.k[c] && this.q[c + 1] < this.q[c]))) c++;
        if (lk < this.k[c] || (lk === this.k[c] && lq <= this.q[c])) break;
        this.s[i] = this.s[c];
        this.k[i] = this.k[c];
        this.q[i] = this.q[c];
        i = c;
      }
      this.s[i] = ls;
      this.k[i] = lk;
      this.q[i] = lq;
    }
    return top;
  }
}
