// A priority queue of (time, point) pairs for the observe sweep: a binary min-heap with the keys
// stored inline (no lookups while sifting), plus a FIFO for points that arrive already in order
// (the completions of a completion-ordered trace), which then cost O(1) instead of two sifts.
// Order: time, then issue points (even) before done points (odd), then point id.

function before(ka: number, va: number, kb: number, vb: number): boolean {
  if (ka !== kb) return ka < kb;
  const da = va & 1;
  const db = vb & 1;
  if (da !== db) return da < db;
  return va < vb;
}

export class PointQueue {
  private hk = new Float64Array(1024);
  private hv = new Int32Array(1024);
  private hn = 0;
  // ring buffer of in-order points
  private fk = new Float64Array(1024);
  private fv = new Int32Array(1024);
  private fh = 0;
  private fn = 0;
  private lastK = -Infinity;
  private lastV = -1;
  /** Key of the point last returned by pop(). */
  poppedKey = 0;

  get size(): number {
    return this.hn + this.fn;
  }

  push(k: number, v: number): void {
    if (this.fn === 0 || !before(k, v, this.lastK, this.lastV)) this.fifoPush(k, v);
    else this.heapPush(k, v);
  }

  /** Smallest key, or Infinity when empty. */
  peekKey(): number {
    const a = this.hn ? this.hk[0] : Infinity;
    const b = this.fn ? this.fk[this.fh] : Infinity;
    return a < b ? a : b;
  }

  pop(): number {
    const mask = this.fk.length - 1;
    if (this.fn && (!this.hn || before(this.fk[this.fh], this.fv[this.fh], this.hk[0], this.hv[0]))) {
      const v = this.fv[this.fh];
      this.poppedKey = this.fk[this.fh];
      this.fh = (this.fh + 1) & mask;
      this.fn--;
      return v;
    }
    return this.heapPop();
  }

  private fifoPush(k: number, v: number): void {
    if (this.fn === this.fk.length) {
      const n = this.fk.length * 2;
      const k2 = new Float64Array(n);
      const v2 = new Int32Array(n);
      const mask = this.fk.length - 1;
      for (let i = 0; i < this.fn; i++) {
        k2[i] = this.fk[(this.fh + i) & mask];
        v2[i] = this.fv[(this.fh + i) & mask];
      }
      this.fk = k2;
      this.fv = v2;
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
      const k2 = new Float64Array(this.hn * 2);
      k2.set(this.hk);
      this.hk = k2;
      const v2 = new Int32Array(this.hn * 2);
      v2.set(this.hv);
      this.hv = v2;
    }
    const hk = this.hk;
    const hv = this.hv;
    let i = this.hn++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(k, v, hk[p], hv[p])) break;
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
      if (c + 1 < n && before(hk[c + 1], hv[c + 1], hk[c], hv[c])) c++;
      if (!before(hk[c], hv[c], k, v)) break;
      hk[i] = hk[c];
      hv[i] = hv[c];
      i = c;
    }
    hk[i] = k;
    hv[i] = v;
    return topV;
  }
}
