// A priority queue of (time, point) pairs for the observe sweep. Order: time, then done points
// (odd ids) before issue points (even ids), then the order the IOs' records arrived in (setOrder;
// the id where none was given): an IO that completes at the nanosecond another is issued has left
// the device (and its zone's outstanding IOs) before that one arrives, and IOs issued at the same
// nanosecond go in record order, which for tools that print at completion is the order the device
// served them. Point ids are small non-negative integers, unique among the points in the queue
// (slot*2 + kind).
//
// Three places hold points, and pop takes the least of their heads:
// - a FIFO for points that arrive in order (the completions of a completion-ordered trace): O(1);
// - a calendar of ~262 µs buckets ahead of the sweep for the rest (the issue points, out of order
//   by up to the longest latency): O(1) to insert, and each bucket is sorted once when the sweep
//   reaches it (a few dozen points; many points at one instant are merge-sorted);
// - a binary heap for whatever falls outside the calendar's 4.3 s (late or far-ahead points).
// On a 1M-record, 50k IOPS trace the heap alone (2 s reorder window: ~100k points) cost ~570 ms
// of CPU profile; FIFO + calendar ~350 ms.

import { doubledRing, grown } from './typed.js';

const BUCKET_NS = 1 << 18; // ~262 µs: a few dozen points a bucket at 100k IOPS
const NBUCKETS = 1 << 14; // ring: ~4.3 s ahead of the sweep
const MASK = NBUCKETS - 1;
/** Buckets up to this size are sorted by insertion as they are taken; bigger ones by merge sort. */
const SMALL_BUCKET = 64;

export class PointQueue {
  // heap
  private hk = new Float64Array(256);
  private hv = new Int32Array(256);
  private hn = 0;
  // ring buffer of in-order points
  private fk = new Float64Array(1024);
  private fv = new Int32Array(1024);
  private fh = 0;
  private fn = 0;
  private lastK = -Infinity;
  private lastV = -1;
  // calendar: linked lists per bucket through `next`, keys in `key`, both indexed by point id
  private head = new Int32Array(NBUCKETS).fill(-1);
  private next = new Int32Array(1024);
  private key = new Float64Array(1024);
  private calN = 0;
  /** Absolute bucket number whose points are in `batch` (all earlier buckets are empty). */
  private cur = NaN;
  private batch = new Int32Array(256);
  private bPos = 0;
  private bLen = 0;
  /** Key of the point last returned by pop(). */
  poppedKey = 0;
  /** Per slot (point id >> 1): the arrival number of its record (setOrder), for ties at one time. */
  private arrived = new Float64Array(512);

  /** Records that slot's points belong to the n-th record (ties at one time go by n). */
  setOrder(slot: number, n: number): void {
    if (slot >= this.arrived.length) {
      let len = this.arrived.length * 2;
      while (len <= slot) len *= 2;
      this.arrived = grown(this.arrived, len);
    }
    this.arrived[slot] = n;
  }

  private before(ka: number, va: number, kb: number, vb: number): boolean {
    if (ka !== kb) return ka < kb;
    const da = va & 1;
    const db = vb & 1;
    if (da !== db) return da > db;
    const na = this.arrived[va >> 1];
    const nb = this.arrived[vb >> 1];
    if (na !== nb) return na < nb;
    return va < vb;
  }

  get size(): number {
    return this.hn + this.fn + this.calN + (this.bLen - this.bPos);
  }

  push(k: number, v: number): void {
    if (this.fn === 0 || !this.before(k, v, this.lastK, this.lastV)) {
      this.fifoPush(k, v);
      return;
    }
    const b = Math.floor(k / BUCKET_NS);
    if (Number.isNaN(this.cur)) this.cur = b - 1;
    if (b > this.cur && b - this.cur < NBUCKETS) {
      if (v >= this.next.length) this.growIds(v);
      const h = b & MASK;
      this.next[v] = this.head[h];
      this.key[v] = k;
      this.head[h] = v;
      this.calN++;
    } else this.heapPush(k, v);
  }

  /** The least point if its key is ≤ upTo (its key in poppedKey), else -1. */
  popUpTo(upTo: number): number {
    // fill the batch from the calendar's next bucket, if that bucket can hold keys ≤ upTo
    if (this.bPos === this.bLen && this.calN > 0) {
      const last = Math.floor(upTo / BUCKET_NS);
      while (this.cur < last) {
        this.cur++;
        if (this.head[this.cur & MASK] >= 0) {
          this.takeBucket();
          break;
        }
        if (this.calN === 0) break;
      }
    }
    let src = 0; // 1 fifo, 2 batch, 3 heap
    let k = Infinity;
    let v = 0;
    if (this.fn) {
      k = this.fk[this.fh];
      v = this.fv[this.fh];
      src = 1;
    }
    if (this.bPos < this.bLen) {
      const bv = this.batch[this.bPos];
      const bk = this.key[bv];
      if (src === 0 || this.before(bk, bv, k, v)) {
        k = bk;
        v = bv;
        src = 2;
      }
    }
    if (this.hn && (src === 0 || this.before(this.hk[0], this.hv[0], k, v))) {
      k = this.hk[0];
      src = 3;
    }
    if (src === 0 || k > upTo) return -1;
    this.poppedKey = k;
    if (src === 1) {
      this.fh = (this.fh + 1) & (this.fk.length - 1);
      this.fn--;
      return v;
    }
    if (src === 2) {
      this.bPos++;
      return v;
    }
    return this.heapPop();
  }

  /**
   * Move the current bucket's list into `batch`, sorted: by insertion while the bucket is small
   * (the common case: a few dozen points), else by merge sort, so that many points at one
   * instant (a trace with 1 s timestamps, or identical records) cost O(n log n), not O(n²).
   */
  private takeBucket(): void {
    const h = this.cur & MASK;
    let n = 0;
    for (let v = this.head[h]; v >= 0; v = this.next[v]) {
      if (n === this.batch.length) this.batch = grown(this.batch, n * 2);
      if (n === SMALL_BUCKET) {
        // big: collect the rest unsorted, then sort the lot
        for (; v >= 0; v = this.next[v]) {
          if (n === this.batch.length) this.batch = grown(this.batch, n * 2);
          this.batch[n++] = v;
        }
        this.batch.subarray(0, n).sort(this.order);
        break;
      }
      const k = this.key[v];
      let i = n++;
      while (i > 0 && this.before(k, v, this.key[this.batch[i - 1]], this.batch[i - 1])) {
        this.batch[i] = this.batch[i - 1];
        i--;
      }
      this.batch[i] = v;
    }
    this.head[h] = -1;
    this.calN -= n;
    this.bPos = 0;
    this.bLen = n;
  }

  /** `before` as a comparator of point ids in the calendar (keys in `key`; ids are unique). */
  private readonly order = (a: number, b: number): number => (this.before(this.key[a], a, this.key[b], b) ? -1 : 1);

  private growIds(v: number): void {
    let n = this.next.length * 2;
    while (n <= v) n *= 2;
    this.next = grown(this.next, n);
    this.key = grown(this.key, n);
  }

  private fifoPush(k: number, v: number): void {
    if (this.fn === this.fk.length) {
      this.fk = doubledRing(this.fk, this.fh, this.fn);
      this.fv = doubledRing(this.fv, this.fh, this.fn);
      this.fh = 0;
    }
    const j = (this.fh + this.fn) & (this.fk.length - 1);
    this.fk[j] = k;
    this.fv[j] = v;
    this.fn++;
    this.lastK = k;
    this.lastV = v;
  }

  private heapPush(k: number, v: number): void {
    if (this.hn === this.hk.length) {
      this.hk = grown(this.hk, this.hn * 2);
      this.hv = grown(this.hv, this.hn * 2);
    }
    const hk = this.hk;
    const hv = this.hv;
    let i = this.hn++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(k, v, hk[p], hv[p])) break;
      hk[i] = hk[p];
      hv[i] = hv[p];
      i = p;
    }
    hk[i] = k;
    hv[i] = v;
  }

  private heapPop(): number {
    const hk = this.hk;
    const hv = this.hv;
    const topV = hv[0];
    this.poppedKey = hk[0];
    const n = --this.hn;
    const k = hk[n];
    const v = hv[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.before(hk[c + 1], hv[c + 1], hk[c], hv[c])) c++;
      if (!this.before(hk[c], hv[c], k, v)) break;
      hk[i] = hk[c];
      hv[i] = hv[c];
      i = c;
    }
    hk[i] = k;
    hv[i] = v;
    return topV;
  }
}
