// The replay engine: a discrete-event simulation of one device as a unit-rate, non-preemptive
// single server. IOs arrive (open loop: at their observed issue times; closed loop: when the
// zone's own earlier IOs have completed in the model, plus the observed think time), wait in one
// FIFO queue per zone, and a *policy* decides which zone's head the server takes next and when
// it may start. The engine knows no policy by name: a policy is a `PolicyFactory` (the contract
// is in ./contract.ts, the policies in ./policies/).
//
// No object is allocated per IO: IOs live in typed-array slots (`Slots`) recycled through a
// free list, queues are typed-array rings, and the closed-loop issue heap is a typed-array heap.

import {
  R_ARRIVAL,
  R_BYTES,
  R_COST,
  R_DEPTH,
  R_LATENCY,
  R_WRITE,
  R_ZONE,
  REPLAY_STRIDE,
  SPILL_STRIDE,
  type DeviceInfo,
  type SpillArea,
  type ZoneInfo,
} from './types.js';
import { doubledRing, grown } from '../typed.js';
import type { LoopModel, Policy, PolicyContext, PolicyFactory, PolicyOptions } from './contract.js';

// ---------------------------------------------------------------------------------------------

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
   * observed latency, and the baseline fifo's model latency (see DeviceSim.ingestAt).
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
 * (see DeviceSim.spillTail); the ring holds the oldest `rlen[z]` of them, so `peek` is always the
 * zone's head.
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

/** Min-heap of slots keyed by (time, seq): the closed loop's pending issues. */
class IssueHeap {
  private s = new Int32Array(64);
  /** Keys (times); k[0] is the least while n > 0. */
  k = new Float64Array(64);
  private q = new Float64Array(64);
  n = 0;

  /** push()'s key: time, then sequence (fields: see Policy on boxing). */
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

/** The numbers of one completion, handed to a CompletionSink (see DeviceSim.complete). */
export const C_LATENCY = 0; // the model latency (completion − model issue)
/**
 * The IO's index among its zone's IOs on this device, in arrival order (the open loop completes
 * them in that order, zone queues being FIFO; the closed loop may issue, and so complete, an IO
 * before an earlier one of its zone: see InOrder in ./index.ts).
 */
export const C_ORDER = 1;
export const C_OBSERVED = 2; // the IO's observed latency
/**
 * Open loop only (NaN under the closed loop): its model latency under the baseline fifo of the
 * open loop, known at arrival (Lindley's recursion on the device).
 */
export const C_BASELINE = 3;
export const C_TIME = 4; // the model completion time
export const C_SEQ = 5; // the IO's global arrival sequence number

/** Receives each IO's model latency under one simulation (see ./index.ts). */
export interface CompletionSink {
  /**
   * Simulation `sim` completed an IO of `zone`; its numbers are in `c` (C_LATENCY … C_SEQ), valid
   * during the call. (An array rather than arguments: the call is not inlined, and doubles passed
   * to it were boxed, ~100 bytes of garbage per completion.)
   */
  done(sim: number, zone: number, c: Float64Array): void;
}

/** Closed-loop bookkeeping for one zone on one device. */
class ClosedZone {
  issued = 0; // zone-order index of the next IO to arrive
  /**
   * The zone's completions in the model so far. An IO waits for the zone's (k − depth)-th
   * completion: the (k − depth)-th IO when the zone's IOs are issued in arrival order, but a
   * shallower IO can be released, and so complete, before a deeper earlier one (see InOrder in
   * ./index.ts), so this counts completions, not IOs.
   */
  completed = 0;
  // small at first: one per zone per device per closed-loop simulation, thousands of zones
  hsim = new Float64Array(8); // model time of the k-th completion (ring, ≥ 2 × depth)
  hobs = new Float64Array(8); // observed completion of the IO that completed k-th (ring)
  wait = new Int32Array(4); // slots waiting for their dependency (FIFO ring)
  wHead = 0;
  wLen = 0;
  /** The newest waiting IOs, spilled out of memory (DeviceSim.spill), behind those in `wait`. */
  ovf: Overflow | null = null;

  ensureHistory(depth: number): void {
    if (depth * 2 <= this.hsim.length) return;
    let n = this.hsim.length;
    while (n < depth * 2) n *= 2;
    const hs = new Float64Array(n);
    const ho = new Float64Array(n);
    const m = this.hsim.length - 1;
    // keep the most recent entries at their new positions
    const from = Math.max(0, this.completed - this.hsim.length);
    for (let k = from; k < this.completed; k++) {
      hs[k & (n - 1)] = this.hsim[k & m];
      ho[k & (n - 1)] = this.hobs[k & m];
    }
    this.hsim = hs;
    this.hobs = ho;
  }

  pushWait(slot: number): void {
    if (this.wLen === this.wait.length) {
      this.wait = doubledRing(this.wait, this.wHead, this.wLen);
      this.wHead = 0;
    }
    this.wait[(this.wHead + this.wLen) & (this.wait.length - 1)] = slot;
    this.wLen++;
  }
}

/** One zone's spilled IOs (the newest of its queue): chunks in the spill area, then `tail`. */
class Overflow {
  handles: number[] = [];
  hHead = 0;
  tail: Float64Array;
  tailN = 0;
  count = 0;
  constructor(chunkIos: number) {
    this.tail = new Float64Array(chunkIos * SPILL_STRIDE);
  }
}

/** The simulation of one device under one policy and one loop model. */
export class DeviceSim implements PolicyContext {
  readonly slots = new Slots();
  readonly queues: ZoneQueues;
  readonly policy: Policy;
  private readonly heap = new IssueHeap();
  private readonly closed: (ClosedZone | null)[] | null;

  /** Time of the last event processed. */
  clock = -Infinity;
  private freeAt = -Infinity;
  private inService = -1;
  private svcStart = 0;
  private svcEnd = 0;
  private nonEmptySince = 0;
  private busyDone = 0;
  private pendingClosed = 0; // IOs in the closed-loop wait lists and heap
  private releaseNow = -Infinity; // time of the event releasing closed-loop IOs (see release)
  private baseFree = -Infinity; // open loop: when the baseline fifo's server frees (Lindley)

  // results
  busyTotal = 0;
  workInSpan = 0;
  idleWaiting = 0;
  lastCompletion = -Infinity;
  /** Per zone: device time received (ns), GPS fair device time (ns), completions within the span. */
  readonly actual: Float64Array;
  readonly fair: Float64Array;
  readonly opsInSpan: Float64Array;

  // GPS virtual time over backlogged zones (queued or in service), while the server is busy
  private V = 0;
  private lastV = 0;
  private sumW = 0;
  private readonly backlog: Int32Array;
  private readonly vStart: Float64Array;
  private readonly gw: Float64Array;
  /** Per zone: IOs ingested so far (the next IO's `ord`). */
  private readonly zoneIssued: Float64Array;
  /** Per zone: spilled IOs, allocated at the zone's first spill. */
  private readonly overflow: (Overflow | null)[] = [];
  private chunkBuf: Float64Array | null = null;
  private refilled = new Int32Array(0);

  constructor(
    readonly simIndex: number,
    readonly deviceIndex: number,
    readonly device: DeviceInfo,
    readonly zones: readonly ZoneInfo[],
    readonly zoneOnDevice: Uint8Array,
    factory: PolicyFactory,
    opts: PolicyOptions,
    readonly loop: LoopModel,
    private readonly spanStart: number,
    private readonly spanEnd: number,
    /** null: nobody wants the completions (a summary-only replay without fidelity). */
    private readonly sink: CompletionSink | null,
    private readonly spill: SpillArea | null = null,
  ) {
    // Give the time fields a double representation from the start: a field that first holds a
    // small integer changes the object's map when it takes a fraction, deoptimizing the code that
    // has seen it (measurable with 8 simulations × every device).
    this.svcStart = this.svcEnd = this.nonEmptySince = this.busyDone = 0.5;
    this.busyTotal = this.workInSpan = this.idleWaiting = this.V = this.lastV = this.sumW = 0.5;
    this.svcStart = this.svcEnd = this.nonEmptySince = this.busyDone = 0;
    this.busyTotal = this.workInSpan = this.idleWaiting = this.V = this.lastV = this.sumW = 0;
    const nz = zones.length;
    this.queues = new ZoneQueues(nz);
    this.actual = new Float64Array(nz);
    this.fair = new Float64Array(nz);
    this.opsInSpan = new Float64Array(nz);
    this.backlog = new Int32Array(nz);
    this.vStart = new Float64Array(nz);
    this.gw = new Float64Array(nz);
    this.zoneIssued = new Float64Array(nz);
    for (let z = 0; z < nz; z++) this.gw[z] = zones[z].weight > 0 ? zones[z].weight : 0;
    this.closed = loop === 'closed' ? zones.map(() => null) : null; // allocated at a zone's first IO
    if (spill) for (let z = 0; z < nz; z++) this.overflow.push(null);
    this.policy = factory.create(this, opts);
  }

  busyTime(t: number): number {
    if (this.inService < 0) return this.busyDone;
    return this.busyDone + Math.min(this.svcEnd - this.svcStart, Math.max(0, t - this.svcStart));
  }

  private readonly scratch = new Float64Array(REPLAY_STRIDE);
  /** One completion's numbers for the sink (C_LATENCY …). */
  private readonly out = new Float64Array(6);

  /** An IO (nondecreasing `arrival` across calls). */
  ingest(zone: number, arrival: number, cost: number, bytes: number, write: number, depth: number, obsLatency: number, seq: number): void {
    const b = this.scratch;
    b[R_ZONE] = zone;
    b[R_ARRIVAL] = arrival;
    b[R_COST] = cost;
    b[R_BYTES] = bytes;
    b[R_WRITE] = write;
    b[R_DEPTH] = depth;
    b[R_LATENCY] = obsLatency;
    this.ingestAt(b, 0, seq);
  }

  /**
   * The IO at offset i of a store block (nondecreasing arrival across calls). The hot path: it
   * reads its numbers from the block rather than taking them as arguments (no boxing).
   */
  ingestAt(b: Float64Array, i: number, seq: number): void {
    const arrival = b[i + R_ARRIVAL];
    this.until = arrival;
    this.advance(false);
    const zone = b[i + R_ZONE];
    const sl = this.slots;
    const s = sl.alloc();
    sl.zone[s] = zone;
    sl.cost[s] = b[i + R_COST];
    sl.bytes[s] = b[i + R_BYTES];
    sl.write[s] = b[i + R_WRITE];
    sl.seq[s] = seq;
    sl.ord[s] = this.zoneIssued[zone]++;
    if (this.closed === null) {
      // The baseline fifo's completion of this IO: c = max(arrival, previous c) + cost, the very
      // arithmetic of the fifo simulation (it starts an IO at its arrival or at the completion
      // before it), so the policy's delay over the baseline is known at this IO's completion.
      const bf = this.baseFree;
      const c = (arrival > bf ? arrival : bf) + sl.cost[s];
      this.baseFree = c;
      sl.dep[s] = c - arrival;
      sl.obsDone[s] = b[i + R_LATENCY];
      this.clock = arrival;
      this.enqueue(s);
      return;
    }
    const depth = b[i + R_DEPTH];
    const obsLatency = b[i + R_LATENCY];
    // closed loop: wait for the zone's IO that completed to make room for this one
    const cz = this.closed[zone] ?? (this.closed[zone] = new ClosedZone());
    const k = cz.issued++;
    const d = depth >= 1 ? Math.floor(depth) : 1;
    cz.ensureHistory(d);
    sl.arrival[s] = arrival;
    sl.obsDone[s] = arrival + obsLatency;
    sl.obsLat[s] = obsLatency;
    sl.dep[s] = k - d;
    this.pendingClosed++;
    this.releaseNow = arrival;
    if (cz.wLen === 0 && k - d < cz.completed) this.release(cz, s);
    else if (this.spill !== null && (cz.wLen >= this.spill.spillAt || cz.ovf?.count)) this.spillOut(cz.ovf ?? (cz.ovf = new Overflow(this.spill.chunkIos)), s);
    else cz.pushWait(s);
  }

  /** Closed loop: the dependency of `s` has completed; schedule its issue. */
  private release(cz: ClosedZone, s: number): void {
    const sl = this.slots;
    const arrival = sl.arrival[s];
    const j = sl.dep[s];
    let issue = arrival;
    if (j >= 0) {
      const m = cz.hsim.length - 1;
      const simC = cz.hsim[j & m];
      const obsC = cz.hobs[j & m];
      const think = arrival > obsC ? arrival - obsC : 0;
      // never earlier than observed: the trace says nothing about what the zone would have done then
      if (simC + think > issue) issue = simC + think;
    }
    if (issue < this.clock) issue = this.clock;
    if (this.heap.n === 0 && issue === this.releaseNow && !(this.inService >= 0 && this.svcEnd <= issue)) {
      // Due at the time of the event being processed (its arrival, or the completion that freed
      // it) with nothing else due before it: the heap would hand it straight back (an issue goes
      // before a timer or a start at the same time, after a completion), so queue it now.
      this.pendingClosed--;
      this.clock = issue;
      this.enqueue(s);
      return;
    }
    this.heap.pk = issue;
    this.heap.pq = sl.seq[s];
    this.heap.push(s);
  }

  /** Queues slot s at this.clock. (Times go through fields, not arguments: no boxing.) */
  private enqueue(s: number): void {
    const sl = this.slots;
    const z = sl.zone[s];
    const t = this.clock;
    sl.arrival[s] = t;
    if (this.queues.total === 0) this.nonEmptySince = t;
    this.queues.push(z, s);
    if (this.backlog[z]++ === 0) {
      this.integrate(t);
      this.vStart[z] = this.V;
      this.sumW += this.gw[z];
    }
    this.policy.arrive(z, s);
    if (this.spill !== null && (this.queues.rlen[z] > this.spill.spillAt || this.overflow[z]?.count)) this.spillTail(z);
  }

  /** Moves zone z's newest queued IO (just arrived) out of memory. */
  private spillTail(z: number): void {
    const o = this.overflow[z] ?? (this.overflow[z] = new Overflow(this.spill!.chunkIos));
    this.spillOut(o, this.queues.ringPopTail(z));
  }

  /** Brings zone z's oldest spilled IOs back into memory, behind the ones there. */
  private refill(z: number): void {
    const o = this.overflow[z]!;
    const q = this.queues;
    while (o.count > 0 && q.rlen[z] + this.spill!.chunkIos <= this.spill!.spillAt) {
      const n = this.spillIn(o, z);
      const r = this.refilled; // after spillIn, which may have replaced it
      for (let k = 0; k < n; k++) q.ringPush(z, r[k]);
    }
  }

  /** Writes slot s (all its fields) at the end of overflow o and frees the slot. */
  private spillOut(o: Overflow, s: number): void {
    const sp = this.spill!;
    const sl = this.slots;
    const t = o.tail;
    const i = o.tailN * SPILL_STRIDE;
    t[i] = sl.arrival[s];
    t[i + 1] = sl.cost[s];
    t[i + 2] = sl.bytes[s];
    t[i + 3] = sl.seq[s];
    t[i + 4] = sl.ord[s];
    t[i + 5] = sl.a[s];
    t[i + 6] = sl.obsLat[s];
    t[i + 7] = sl.obsDone[s];
    t[i + 8] = sl.dep[s];
    t[i + 9] = sl.write[s];
    sl.release(s);
    o.count++;
    if (++o.tailN === sp.chunkIos) {
      o.handles.push(sp.write(t));
      o.tailN = 0;
    }
  }

  /** Takes the oldest chunk (or the partial tail) of overflow o back into slots of zone z, listed in `refilled`. */
  private spillIn(o: Overflow, z: number): number {
    const sp = this.spill!;
    const sl = this.slots;
    let src: Float64Array;
    let n: number;
    if (o.hHead < o.handles.length) {
      src = this.chunkBuf ?? (this.chunkBuf = new Float64Array(sp.chunkIos * SPILL_STRIDE));
      sp.read(o.handles[o.hHead++], src);
      if (o.hHead === o.handles.length) {
        o.handles.length = 0;
        o.hHead = 0;
      }
      n = sp.chunkIos;
    } else {
      src = o.tail;
      n = o.tailN;
      o.tailN = 0;
    }
    const r = this.refilled.length >= n ? this.refilled : (this.refilled = new Int32Array(sp.chunkIos));
    for (let k = 0, i = 0; k < n; k++, i += SPILL_STRIDE) {
      const s = sl.alloc();
      sl.zone[s] = z;
      sl.arrival[s] = src[i];
      sl.cost[s] = src[i + 1];
      sl.bytes[s] = src[i + 2];
      sl.seq[s] = src[i + 3];
      sl.ord[s] = src[i + 4];
      sl.a[s] = src[i + 5];
      sl.obsLat[s] = src[i + 6];
      sl.obsDone[s] = src[i + 7];
      sl.dep[s] = src[i + 8];
      sl.write[s] = src[i + 9];
      r[k] = s;
    }
    o.count -= n;
    return n;
  }

  private integrate(t: number): void {
    if (this.inService >= 0 && this.sumW > 0 && t > this.lastV) this.V += (t - this.lastV) / this.sumW;
    this.lastV = t;
  }

  /** advance()'s bound: a field, not an argument (see Policy on boxing). */
  private until = -Infinity;

  /** Process every event strictly before this.until (all of them when drain). */
  advance(drain: boolean): void {
    const t = this.until;
    const pol = this.policy;
    const q = this.queues;
    for (;;) {
      const tc = this.inService >= 0 ? this.svcEnd : Infinity;
      const tp = this.heap.n ? this.heap.k[0] : Infinity;
      let ts = Infinity;
      let zs = -1;
      if (this.inService < 0 && q.total > 0) {
        zs = pol.pick();
        ts = pol.startAt;
        if (ts < this.clock) ts = this.clock;
      }
      if (drain && tc === Infinity && tp === Infinity && ts === Infinity) break;
      const tt = pol.timerAt;
      if (tc <= tp && tc <= tt && tc <= ts) {
        if (!(tc < t)) break;
        this.complete();
      } else if (tp <= tt && tp <= ts) {
        if (!(tp < t)) break;
        const s = this.heap.pop();
        this.pendingClosed--;
        this.clock = tp;
        this.enqueue(s);
      } else if (tt <= ts) {
        if (!(tt < t)) break;
        this.clock = tt;
        pol.timer();
      } else {
        if (!(ts < t)) break;
        this.clock = ts;
        this.start(zs);
      }
    }
  }

  /** Starts zone z's head at this.clock. */
  private start(z: number): void {
    const t = this.clock;
    const sl = this.slots;
    const s = this.queues.pop(z);
    if (this.spill !== null && this.overflow[z]?.count) this.refill(z);
    // idle while IO waited: [max(freeAt, nonEmptySince), t) within the span
    const from = Math.max(this.freeAt, this.nonEmptySince, this.spanStart);
    const to = Math.min(t, this.spanEnd);
    if (to > from) this.idleWaiting += to - from;
    if (this.queues.total > 0) this.nonEmptySince = t;
    this.integrate(t);
    const cost = sl.cost[s];
    this.inService = s;
    this.svcStart = t;
    this.svcEnd = t + cost;
    const a = Math.max(t, this.spanStart);
    const b = Math.min(t + cost, this.spanEnd);
    if (b > a) this.workInSpan += b - a;
    this.policy.started(z, s);
  }

  /** Completes the IO in service (at svcEnd). */
  private complete(): void {
    const c = this.svcEnd;
    const sl = this.slots;
    const s = this.inService;
    const z = sl.zone[s];
    const cost = sl.cost[s];
    this.integrate(c);
    this.inService = -1;
    this.clock = c;
    this.freeAt = c;
    this.busyDone += cost;
    this.busyTotal += cost;
    this.actual[z] += cost;
    this.lastCompletion = c;
    if (c <= this.spanEnd) this.opsInSpan[z]++;
    if (--this.backlog[z] === 0) {
      this.fair[z] += this.gw[z] * (this.V - this.vStart[z]);
      this.sumW -= this.gw[z];
      if (this.sumW < 1e-12) this.sumW = 0;
    }
    const lat = c - sl.arrival[s];
    this.policy.completed(z, s);
    if (this.sink !== null) {
      const o = this.out;
      o[C_LATENCY] = lat;
      o[C_ORDER] = sl.ord[s];
      o[C_TIME] = c;
      o[C_SEQ] = sl.seq[s];
      if (this.closed === null) {
        o[C_OBSERVED] = sl.obsDone[s];
        o[C_BASELINE] = sl.dep[s];
      } else {
        o[C_OBSERVED] = sl.obsLat[s];
        o[C_BASELINE] = NaN;
      }
      this.sink.done(this.simIndex, z, o);
    }
    if (this.closed !== null) {
      const cz = this.closed[z]!;
      const k = cz.completed++;
      const m = cz.hsim.length - 1;
      cz.hsim[k & m] = c;
      cz.hobs[k & m] = sl.obsDone[s];
      this.releaseNow = c;
      while (cz.wLen > 0) {
        const w = cz.wait[cz.wHead];
        if (sl.dep[w] >= cz.completed) break;
        cz.wHead = (cz.wHead + 1) & (cz.wait.length - 1);
        cz.wLen--;
        this.release(cz, w);
        if (cz.ovf?.count && cz.wLen + this.spill!.chunkIos <= this.spill!.spillAt) {
          // the zone's IOs spilled while waiting come back behind the ones still waiting
          const n = this.spillIn(cz.ovf, z);
          for (let j = 0; j < n; j++) cz.pushWait(this.refilled[j]);
        }
      }
    }
    sl.release(s);
  }

  /** Serve everything left. */
  finish(): void {
    this.until = Infinity;
    this.advance(true);
  }
}

