// Device time and fair device time on one device, once its parallelism K and attribution are
// known (parallelism.ts). Fed the device's issues and completions in time order: a serial device
// (K = 1, the common case) one event at a time from the sweep (serialIssue / serialDone), a
// parallel one in batches (run) of events the observe pass queued. An IO's slot is released once
// its completion has been accounted for here and the replay store has it.
//
// Device time is service delivered: with n IOs in flight the device delivers min(n, K) units,
// and each IO is charged the units it received while in flight, so Σ over the IOs is
// ∫ min(n, K) dt exactly under every attribution:
// - busy_period (K = 1): cost_i = done_i − max(done_{i−1}, start of the busy period), in
//   completion order. On a serial non-preemptive device the unit is always serving exactly the
//   IO that completes next, so each inter-completion gap (from the busy period's start for the
//   first) is that IO's service: the decomposition is exact, for any service order. Charging
//   the unit's time to the IOs in flight in equal shares instead (∫ 1/n dt) would charge IOs for
//   time they spent queued behind others.
// - fifo_slots (K > 1, a FIFO queue in front of K units): the K earliest-issued IOs in flight
//   hold the units, so each IO is charged from when it became one of them to its completion.
//   This is the FIFO K-server inversion S_i = C_i − max(D_i, time the (K−1)-th earlier IO left);
//   for K = 1 it is the busy-period decomposition again.
// - shared_slots (a device sharing itself among the IOs in flight): each of the n IOs receives
//   min(n, K)/n of a unit, cost_i = ∫ over its flight of min(n, K)/n dt. It depends only on the
//   IO's own issue and completion and on n(t): permuting which IO gets which completion instant
//   changes a charge only through that IO's own interval.
//
// Fair device time is generalized processor sharing over the same delivered service: at each
// instant a backlogged zone is entitled to its weight's share of min(n, K) units, but no zone
// can use more units than it has IOs in flight (an IO is served by at most one unit), so the
// entitlement is water-filled: zones with fewer IOs than their share get one unit per IO, the
// rest share the remainder by weight. On a serial device (K = 1) no cap ever binds and this is
// the virtual-time integral w·∫ dt/Σw; with n ≤ K every zone is entitled to what it has in
// flight. Σ over zones of fair time is ∫ min(n, K) dt, so deviations sum to zero.
//
// When the report shows it, both also go to the timeline (timeline.ts): an IO's device time spread
// over the interval it was charged for (exact for busy_period and fifo_slots, which charge one
// unit throughout; even over the IO's flight for shared_slots), and each zone's fair time split
// where it accrued: at every bucket boundary the fair time accrued since the last one is computed
// aside (the device's own integrals are not split, so the shares do not depend on the timeline).

import { CapacitySeconds } from './capacity.js';
import type { ShareTimeline } from './timeline.js';
import * as cost from './costmodel.js';
import { addIo } from './costmodel.js';
import * as table from './iotable.js';
import type { Pairs, Slots } from './iotable.js';
import type { Attribution } from './parallelism.js';

const NS_PER_S = 1e9;
// the slot layout bound to constants of this module (see observe.ts: an imported binding is
// checked at every use)
const { META_CLASS_SHIFT, SF_ACCOUNTED, SF_RELEASED, SLOT_F64, SLOT_I32, S_BYTES, S_COST, S_ISSUE, S_META, S_PAIR } = table;
const { FIT_STRIDE } = cost;

export class DeviceAccount {
  /** The time of the event being accounted for (a field: a double passed to a call that is not inlined is boxed). */
  now = 0;
  /** IOs in flight. */
  n = 0;
  private lastT = -Infinity;
  /** ∫ min(n, K) dt (ns). */
  delivered = 0;
  /** Most IOs in flight over an interval of positive length. */
  maxInFlight = 0;
  /** Completions while more than K were in flight, and those of an IO that never held a unit (fifo_slots). */
  contended = 0;
  overtaken = 0;
  readonly capacity = new CapacitySeconds();
  /** Bytes and device time of the IO completing, for addIo. */
  private readonly by = new Float64Array(2);
  private readonly invK: number;
  /** attribution as a number (the hot path compares it per IO): 0 busy_period, 1 fifo_slots, 2 shared_slots */
  private readonly rule: number;
  // shared slots: ∫ min(n, K)/n dt
  private shareT = 0;
  // FIFO slots: the tail of the issue-order list of IOs in flight, and its last IO holding a unit
  private tail = -1;
  private boundary = -1;
  // fair share: virtual times (weighted, and among weight-0 zones when only they are backlogged)
  private V = 0;
  private V0 = 0;
  private sumW = 0;
  private n0 = 0;
  // parallel devices: time with n ≤ K, the largest weight seen, the backlogged pairs
  private freeT = 0;
  private wMax = 0;
  private active = new Int32Array(8);
  private activeLen = 0;
  /** The interval waterFill() shares out (a field: see `now`). */
  private fillDt = 0;
  /** The next timeline bucket boundary: an event at or after it first hands out the fair time accrued before it. */
  private markAt = -Infinity;

  constructor(
    readonly k: number,
    readonly attribution: Attribution,
    private readonly slots: Slots,
    private readonly pairs: Pairs,
    private readonly timeline: ShareTimeline | null = null,
  ) {
    this.invK = 1 / k;
    this.rule = attribution === 'busy_period' ? 0 : attribution === 'fifo_slots' ? 1 : 2;
  }

  /**
   * Accounts for events times[from..to), codes[from..to) (slot × 2 + 1 for a completion) in time
   * order, and releases the slots of completions whose IO the replay store already has.
   */
  run(times: Float64Array, codes: Int32Array, from: number, to: number): void {
    if (this.k === 1) {
      this.runSerial(times, codes, from, to);
      return;
    }
    const sl = this.slots;
    for (let i = from; i < to; i++) {
      const c = codes[i];
      const s = c >> 1;
      this.now = times[i];
      if (c & 1) {
        this.onDone(s);
        if ((sl.m[s * SLOT_I32 + S_META] |= SF_ACCOUNTED) & SF_RELEASED) sl.release(s);
      } else this.onIssue(s);
    }
  }

  /** run() for K = 1, one event at a time (serialIssue / serialDone). */
  private runSerial(times: Float64Array, codes: Int32Array, from: number, to: number): void {
    for (let i = from; i < to; i++) {
      const c = codes[i];
      this.now = times[i];
      if (c & 1) this.serialDone(c >> 1);
      else this.serialIssue(c >> 1);
    }
  }

  /**
   * The virtual time up to now on a serial device. Σw of the backlogged zones changes only when a
   * zone's backlog begins or ends, so it is integrated then (and, for shared slots, the shared
   * integral and busy time at every event).
   */
  private serialAdvance(): void {
    const t = this.now;
    const last = this.lastT;
    if (!(t > last)) return;
    const dt = t - last;
    if (this.sumW > 0) this.V += dt / this.sumW;
    else if (this.n0 > 0) this.V0 += dt / this.n0;
    if (this.rule === 2 && this.n > 0) {
      this.shareT += dt / this.n;
      this.delivered += dt;
      const cap = this.capacity;
      if (last >= cap.secStart && t <= cap.secEnd) cap.busy += dt;
      else cap.busyOver(last, t, 1);
    }
    this.lastT = t;
  }

  /**
   * An issue on a serial device (K = 1), at `now`: busy-period decomposition, or one shared unit
   * (rule 2); the fair share by virtual time (no cap binds with one unit). The observe pass calls
   * it directly once the device is decided.
   */
  serialIssue(s: number): void {
    const tl = this.timeline;
    if (tl !== null && this.now >= this.markAt) this.markFair(tl);
    if (this.rule === 2) {
      this.serialAdvance();
      this.slots.aux[s] = this.shareT;
    }
    const n = ++this.n;
    if (n > this.maxInFlight) this.maxInFlight = n;
    const pr = this.pairs;
    const p = this.slots.m[s * SLOT_I32 + S_PAIR];
    if (pr.out[p]++ === 0) {
      this.serialAdvance();
      const w = pr.weight[p];
      if (w > 0) {
        pr.vAt[p] = this.V;
        this.sumW += w;
      } else {
        pr.vAt[p] = this.V0;
        this.n0++;
      }
      if (tl !== null) {
        pr.markV[p] = pr.vAt[p];
        this.activate(p);
      }
    }
  }

  /** A completion on a serial device (K = 1), at `now`; releases the slot if the replay store has the IO. */
  serialDone(s: number): void {
    const sl = this.slots;
    const f = sl.f;
    const m = sl.m;
    const si = s * SLOT_I32;
    const p = m[si + S_PAIR];
    const pr = this.pairs;
    const cost = f[s * SLOT_F64 + S_COST];
    const bytes = f[s * SLOT_F64 + S_BYTES];
    const t = this.now;
    const cap = this.capacity;
    const tl = this.timeline;
    if (tl !== null && t >= this.markAt) this.markFair(tl);
    let charge = cost;
    if (this.rule === 2) {
      this.serialAdvance();
      charge = this.shareT - sl.aux[s];
    } else {
      // busy exactly over the busy-period interval this completion ends
      this.delivered += cost;
      const from = t - cost;
      if (from >= cap.secStart && t <= cap.secEnd) cap.busy += cost;
      else cap.busyOver(from, t, 1);
    }
    // the completion belongs to the second holding the last busy instant before it (or to the
    // current second, when busy time was already counted in a later one)
    const at = cost > 0 ? t - 1 : t;
    if (at < cap.secEnd) {
      cap.ops++;
      cap.bytes += bytes;
    } else cap.completion(Math.floor((at - cap.origin) / NS_PER_S), bytes);
    const by = this.by;
    by[0] = bytes;
    by[1] = charge;
    const meta = m[si + S_META];
    addIo(pr.sums, p * FIT_STRIDE, (meta >> META_CLASS_SHIFT) & 3, by);
    if (tl !== null) {
      tl.ns = charge;
      tl.from = this.rule === 2 ? f[s * SLOT_F64 + S_ISSUE] : t - cost;
      tl.to = t;
      tl.addDeviceTimeOf(pr.zone[p]);
    }
    if (--pr.out[p] === 0) {
      this.serialAdvance();
      const w = pr.weight[p];
      if (w > 0) {
        pr.fair[p] += w * (this.V - pr.vAt[p]);
        this.sumW -= w;
      } else {
        pr.fair[p] += this.V0 - pr.vAt[p];
        this.n0--;
      }
      if (tl !== null) {
        tl.ns = w > 0 ? w * (this.V - pr.markV[p]) : this.V0 - pr.markV[p];
        tl.from = t;
        tl.to = t;
        tl.addFairTimeOf(pr.zone[p]);
        this.deactivate(p);
      }
    }
    if (--this.n === 0) this.sumW = 0; // no floating drift across busy periods
    if ((m[si + S_META] = meta | SF_ACCOUNTED) & SF_RELEASED) sl.release(s);
  }

  /** Integrates everything up to now (K > 1). */
  private advance(): void {
    const t = this.now;
    const n = this.n;
    if (n > 0 && t > this.lastT) {
      if (n > this.maxInFlight) this.maxInFlight = n;
      const dt = t - this.lastT;
      const k = this.k;
      const cap = this.capacity;
      const m = n < k ? n : k;
      this.delivered += dt * m;
      if (this.lastT >= cap.secStart && t <= cap.secEnd) cap.busy += dt * m * this.invK;
      else cap.busyOver(this.lastT, t, m * this.invK);
      this.shareT += (dt * m) / n;
      if (n <= k) this.freeT += dt;
      else if (this.sumW > 0 ? k * this.wMax <= this.sumW : k <= this.n0) {
        // no zone is entitled to more units than it has IOs in flight
        if (this.sumW > 0) this.V += (dt * k) / this.sumW;
        else this.V0 += (dt * k) / this.n0;
      } else {
        this.fillDt = dt;
        this.waterFill();
      }
    }
    if (t > this.lastT) this.lastT = t;
  }

  private onIssue(s: number): void {
    const tl = this.timeline;
    if (tl !== null && this.now >= this.markAt) this.markFair(tl);
    this.advance();
    const sl = this.slots;
    const n = ++this.n;
    const p = sl.m[s * SLOT_I32 + S_PAIR];
    this.settleFree(p);
    if (this.pairs.out[p]++ === 0) this.join(p);
    if (this.rule === 2) sl.aux[s] = this.shareT;
    else if (this.rule === 1) {
      sl.prev[s] = this.tail;
      sl.next[s] = -1;
      if (this.tail >= 0) sl.next[this.tail] = s;
      this.tail = s;
      if (n <= this.k) {
        sl.aux[s] = this.now;
        this.boundary = s;
      } else sl.aux[s] = NaN;
    }
  }

  private onDone(s: number): void {
    const tl = this.timeline;
    if (tl !== null && this.now >= this.markAt) this.markFair(tl);
    this.advance();
    const sl = this.slots;
    const pr = this.pairs;
    const p = sl.m[s * SLOT_I32 + S_PAIR];
    const t = this.now;
    // (fifoDone hands the IO's unit to the next in line: its start is read first)
    const from = this.rule === 2 ? sl.f[s * SLOT_F64 + S_ISSUE] : sl.aux[s];
    const charge = this.rule === 2 ? this.shareT - sl.aux[s] : this.fifoDone(s);
    const bytes = sl.f[s * SLOT_F64 + S_BYTES];
    // the completion belongs to the second holding the last busy instant before it (or to the
    // current second, when busy time was already counted in a later one)
    const cap = this.capacity;
    const at = sl.f[s * SLOT_F64 + S_COST] > 0 ? t - 1 : t;
    if (at < cap.secEnd) {
      cap.ops++;
      cap.bytes += bytes;
    } else cap.completion(Math.floor((at - cap.origin) / NS_PER_S), bytes);
    const by = this.by;
    by[0] = bytes;
    by[1] = charge;
    addIo(pr.sums, p * FIT_STRIDE, sl.classOf(s), by);
    if (tl !== null && charge > 0) {
      tl.ns = charge;
      tl.from = from;
      tl.to = t;
      tl.addDeviceTimeOf(pr.zone[p]);
    }
    this.settleFree(p);
    this.n--;
    if (--pr.out[p] === 0) this.leave(p);
    if (this.n === 0) this.sumW = 0; // no floating drift across busy periods
  }

  /** FIFO slots: the IO's charge, and the next IO in line takes its unit. */
  private fifoDone(s: number): number {
    const sl = this.slots;
    const start = sl.aux[s];
    const served = start === start;
    if (this.n > this.k) {
      this.contended++;
      if (!served) this.overtaken++;
      else {
        // the next IO after the last one holding a unit starts now
        const nx = sl.next[this.boundary];
        if (nx >= 0) {
          sl.aux[nx] = this.now;
          this.boundary = nx;
        }
      }
    } else if (s === this.boundary) this.boundary = sl.prev[s];
    const pv = sl.prev[s];
    const nx = sl.next[s];
    if (pv >= 0) sl.next[pv] = nx;
    if (nx >= 0) sl.prev[nx] = pv;
    else this.tail = pv;
    return served ? this.now - start : 0;
  }

  /**
   * The fair time pair p accrued while the device had free units (n ≤ K: one unit per IO in
   * flight) since its IOs in flight last changed: called before they change (K > 1).
   */
  private settleFree(p: number): void {
    const pr = this.pairs;
    const out = pr.out[p];
    if (out > 0) {
      pr.fair[p] += out * (this.freeT - pr.freeAt[p]);
      const tl = this.timeline;
      if (tl !== null) {
        tl.ns = out * (this.freeT - pr.markFree[p]);
        tl.from = this.now;
        tl.to = this.now;
        tl.addFairTimeOf(pr.zone[p]);
      }
    }
    pr.freeAt[p] = this.freeT;
    pr.markFree[p] = this.freeT;
  }

  /** A zone's backlog on the device begins (K > 1). */
  private join(p: number): void {
    const pr = this.pairs;
    const w = pr.weight[p];
    if (w > 0) {
      pr.vAt[p] = this.V;
      this.sumW += w;
      if (w > this.wMax) this.wMax = w;
    } else {
      pr.vAt[p] = this.V0;
      this.n0++;
    }
    pr.markV[p] = pr.vAt[p];
    this.activate(p);
  }

  /** Adds pair p to the device's backlogged pairs. */
  private activate(p: number): void {
    if (this.activeLen === this.active.length) {
      const a = new Int32Array(this.active.length * 2);
      a.set(this.active);
      this.active = a;
    }
    this.pairs.activePos[p] = this.activeLen;
    this.active[this.activeLen++] = p;
  }

  /** Removes pair p from the device's backlogged pairs. */
  private deactivate(p: number): void {
    const pr = this.pairs;
    const i = pr.activePos[p];
    const last = this.active[--this.activeLen];
    this.active[i] = last;
    pr.activePos[last] = i;
  }

  /**
   * Hands the timeline the fair time every backlogged pair accrued up to each bucket boundary
   * before now (the boundaries since the last event), computed aside from the device's state,
   * which is constant since its last event. The virtual times and the time with free units at a
   * boundary b: V advances by (b − lastT) / Σw on a serial device, by K (b − lastT) / Σw on a
   * parallel one beyond K in flight when no zone's entitlement exceeds its IOs; free time by
   * (b − lastT) with at most K in flight. Water-filled intervals go to the timeline as they are
   * shared out (waterFill).
   */
  private markFair(tl: ShareTimeline): void {
    const t = this.now;
    let b = this.markAt;
    if (b === -Infinity || this.n === 0) b = t;
    const pr = this.pairs;
    const k = this.k;
    const n = this.n;
    while (b <= t) {
      if (n > 0) {
        const dt = b > this.lastT ? b - this.lastT : 0;
        let V = this.V;
        let V0 = this.V0;
        let freeT = this.freeT;
        if (k === 1) {
          if (this.sumW > 0) V += dt / this.sumW;
          else if (this.n0 > 0) V0 += dt / this.n0;
        } else if (n <= k) freeT += dt;
        else if (this.sumW > 0 ? k * this.wMax <= this.sumW : k <= this.n0) {
          if (this.sumW > 0) V += (dt * k) / this.sumW;
          else V0 += (dt * k) / this.n0;
        }
        for (let i = 0; i < this.activeLen; i++) {
          const p = this.active[i];
          const w = pr.weight[p];
          let ns: number;
          if (w > 0) {
            ns = w * (V - pr.markV[p]);
            pr.markV[p] = V;
          } else {
            ns = V0 - pr.markV[p];
            pr.markV[p] = V0;
          }
          if (k > 1) {
            ns += pr.out[p] * (freeT - pr.markFree[p]);
            pr.markFree[p] = freeT;
          }
          tl.addFairTime(pr.zone[p], ns, b, b);
        }
      }
      b = tl.boundaryAfter(b);
    }
    this.markAt = b;
  }

  /** A zone's backlog on the device ends: its fair time while weighted-uncapped (K > 1). */
  private leave(p: number): void {
    const pr = this.pairs;
    const w = pr.weight[p];
    if (w > 0) {
      pr.fair[p] += w * (this.V - pr.vAt[p]);
      this.sumW -= w;
    } else {
      pr.fair[p] += this.V0 - pr.vAt[p];
      this.n0--;
    }
    const tl = this.timeline;
    if (tl !== null) {
      tl.ns = w > 0 ? w * (this.V - pr.markV[p]) : this.V0 - pr.markV[p];
      tl.from = this.now;
      tl.to = this.now;
      tl.addFairTimeOf(pr.zone[p]);
    }
    this.deactivate(p);
  }

  /**
   * Water-filling of the K units among the backlogged zones for fillDt: zones in order of IOs in
   * flight per weight; one whose share exceeds its IOs gets one unit per IO, the rest split what
   * remains by weight. Weight-0 zones share what the others cannot use, equally.
   */
  private waterFill(): void {
    const dt = this.fillDt;
    const pr = this.pairs;
    const len = this.activeLen;
    const order = scratchOrder(len);
    const key = scratchKey(len);
    let np = 0;
    for (let i = 0; i < len; i++) {
      const p = this.active[i];
      if (pr.weight[p] > 0) {
        order[np] = p;
        key[np++] = pr.out[p] / pr.weight[p];
      }
    }
    sortBy(order, key, np);
    let remaining = this.k;
    let wLeft = this.sumW;
    let i = 0;
    for (; i < np; i++) {
      const p = order[i];
      const share = (pr.weight[p] * remaining) / wLeft;
      if (pr.out[p] >= share) break;
      this.fillFair(p, pr.out[p] * dt);
      remaining -= pr.out[p];
      wLeft -= pr.weight[p];
    }
    if (i < np) {
      for (; i < np; i++) this.fillFair(order[i], ((pr.weight[order[i]] * remaining) / wLeft) * dt);
      return;
    }
    // every weighted zone is capped: weight-0 zones share the rest equally
    let nz = 0;
    for (let j = 0; j < len; j++) {
      const p = this.active[j];
      if (!(pr.weight[p] > 0)) {
        order[nz] = p;
        key[nz++] = pr.out[p];
      }
    }
    sortBy(order, key, nz);
    for (let j = 0; j < nz; j++) {
      const p = order[j];
      const share = remaining / (nz - j);
      const got = pr.out[p] < share ? pr.out[p] : share;
      this.fillFair(p, got * dt);
      remaining -= got;
    }
  }

  /** Fair time a water-filled interval [lastT, now] gave pair p, at a constant rate over it. */
  private fillFair(p: number, ns: number): void {
    this.pairs.fair[p] += ns;
    const tl = this.timeline;
    if (tl !== null) {
      tl.ns = ns;
      tl.from = this.lastT;
      tl.to = this.now;
      tl.addFairTimeOf(this.pairs.zone[p]);
    }
  }
}

let orderBuf = new Int32Array(64);
let keyBuf = new Float64Array(64);
function scratchOrder(n: number): Int32Array {
  if (orderBuf.length < n) orderBuf = new Int32Array(n * 2);
  return orderBuf;
}
function scratchKey(n: number): Float64Array {
  if (keyBuf.length < n) keyBuf = new Float64Array(n * 2);
  return keyBuf;
}

/** Sorts order[0..n) by key ascending (insertion sort: n is the number of backlogged zones, usually few). */
function sortBy(order: Int32Array, key: Float64Array, n: number): void {
  if (n > 64) {
    const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => key[a] - key[b]);
    const o = idx.map((i) => order[i]);
    const k = idx.map((i) => key[i]);
    for (let i = 0; i < n; i++) {
      order[i] = o[i];
      key[i] = k[i];
    }
    return;
  }
  for (let i = 1; i < n; i++) {
    const o = order[i];
    const kv = key[i];
    let j = i - 1;
    while (j >= 0 && key[j] > kv) {
      order[j + 1] = order[j];
      key[j + 1] = key[j];
      j--;
    }
    order[j + 1] = o;
    key[j + 1] = kv;
  }
}
