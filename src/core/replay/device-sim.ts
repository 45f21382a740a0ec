// The simulation of one device under one policy: a discrete-event simulation of the device as K
// unit-rate, non-preemptive slots (K = the device's parallelism; 1: a single server) behind the
// policy's dispatch queue. IOs arrive (a zone replayed open loop: at their observed issue times;
// a zone replayed closed loop: when its own earlier IOs have completed in the model, plus the
// observed think time: ./closed-loop.ts), wait in one FIFO queue per zone (./queues.ts), and
// whenever a slot is free and IO is queued the policy (./contract.ts) decides which zone's head
// goes next and when it may start. Each completion goes to a CompletionSink (the pairing with the
// baseline, ./pairing.ts); the simulation also keeps per zone the device time received, the GPS
// fair device time, the work done within the trace's span and when its last IO completed, and the
// device's work and idle time within the span.
//
// Idle while IO waited is slot time: ∫ (free slots / K) dt over the time IO was queued (eligible
// or held by the policy) while a slot was free. At K = 1 that is the time the server sat idle
// with IO queued. Work and device time are slot time too: an IO's service counts once whichever
// slot serves it, so Σ device time is the same under every policy.
//
// Times inside the simulation are relative to the span's start (the first arrival): the policies'
// floating-point arithmetic (token buckets, tags) then sees the same numbers however the trace is
// placed in time, so shifting every timestamp does not change a result. Completion times handed
// out (C_TIME, lastCompletion, lastDone) are relative to it too.
//
// At equal times a completion goes before an arrival: an IO completing at the nanosecond another
// of its zone is issued has made room for it (the observe pass orders its points the same way).
//
// No object is allocated per IO (./queues.ts), and times go through fields rather than arguments
// wherever a call may not be inlined (see Policy in ./contract.ts on boxing).

import { ClosedZone } from './closed-loop.js';
import { FifoSlots } from './fifo-slots.js';
import { Histogram } from '../histogram.js';
import type { Policy, PolicyContext, PolicyFactory, PolicyOptions } from './contract.js';
import { IssueHeap, Slots, ZoneQueues } from './queues.js';
import { Spiller } from './spill.js';
import {
  R_ARRIVAL,
  R_BYTES,
  R_COST,
  R_DEPTH,
  R_LATENCY,
  R_WRITE,
  R_ZONE,
  REPLAY_STRIDE,
  type DeviceInfo,
  type SpillArea,
  type ZoneInfo,
} from './types.js';

/** The numbers of one completion, handed to a CompletionSink (see DeviceSim.complete). */
export const C_LATENCY = 0; // the model latency (completion − model issue)
/**
 * The IO's index among its zone's IOs on this device, in arrival order (the open loop completes
 * them in that order, zone queues being FIFO; the closed loop may issue, and so complete, an IO
 * before an earlier one of its zone: see InOrder in ./pairing.ts).
 */
export const C_ORDER = 1;
export const C_OBSERVED = 2; // the IO's observed latency
/**
 * On a device where every zone is replayed open loop (NaN otherwise): its model latency under the
 * baseline fifo, known at arrival (Lindley's recursion on the device).
 */
export const C_BASELINE = 3;
export const C_TIME = 4; // the model completion time, relative to the span's start
export const C_SEQ = 5; // the IO's global arrival sequence number

/** Receives each IO's model latency under one simulation (see ./pairing.ts). */
export interface CompletionSink {
  /**
   * Simulation `sim` completed an IO of `zone`; its numbers are in `c` (C_LATENCY … C_SEQ), valid
   * during the call. (An array rather than arguments: the call is not inlined, and doubles passed
   * to it were boxed, ~100 bytes of garbage per completion.)
   */
  done(sim: number, zone: number, c: Float64Array): void;
}

/** The simulation of one device under one policy. */
export class DeviceSim implements PolicyContext {
  readonly slots = new Slots();
  readonly queues: ZoneQueues;
  readonly policy: Policy;
  private readonly heap = new IssueHeap();
  /**
   * K > 1: the IOs in service by (completion, arrival sequence), so that completions at one time
   * go in arrival order (null for a single server, whose one IO is svcSlot).
   */
  private readonly run: IssueHeap | null;
  /** Per zone: its closed-loop state (allocated at its first IO), for closed-loop zones; null when no zone is. */
  private readonly closed: (ClosedZone | null)[] | null;
  /** 1 for a zone replayed closed loop. */
  private readonly closedOf: Uint8Array;
  /**
   * Some zone on the device is replayed closed loop: the baseline fifo's model latency of an IO is
   * then known only when the baseline simulation completes it (not at arrival), and the pairing
   * (./pairing.ts) waits for it.
   */
  readonly paired: boolean;
  /** The span in the simulation's time (relative to its start). */
  private readonly spanEnd: number;

  /** Time of the last event processed. */
  clock = -Infinity;
  /** IOs in service (at most `parallelism`). */
  running = 0;
  /** The next IO to complete (-1: none), when (Infinity: none) and, on a single server, when it started. */
  private svcSlot = -1;
  private svcEnd = Infinity;
  private svcStart = 0;
  // Idle while IO waited is counted at each start and completion (the only events that change
  // the free slots): since the previous one (slotsChangedAt) the free slots were constant, and IO
  // was queued from the later of it and nonEmptySince (the queue empties only at a start). On a
  // single server that is from its last completion to the next start.
  private slotsChangedAt = -Infinity;
  private nonEmptySince = 0;
  private busyDone = 0;
  /** K > 1: time with at least one IO in service, up to `busySince`, the start of the current such period, whose IOs end by `busyUntil`. */
  private busyUnion = 0;
  private busySince = 0;
  private busyUntil = 0;
  private pendingClosed = 0; // IOs in the closed-loop wait lists and heap
  private releaseNow = -Infinity; // time of the event releasing closed-loop IOs (see release)
  private baseFree = -Infinity; // open loop, K = 1: when the baseline fifo's server frees (Lindley)
  /** Open loop, K > 1: the baseline fifo's slots (null at K = 1: baseFree). */
  private readonly baseSlots: FifoSlots | null;

  // results
  busyTotal = 0;
  workInSpan = 0;
  idleWaiting = 0;
  /** Relative to the span's start. */
  lastCompletion = -Infinity;
  /** Per zone: device time received (ns), GPS fair device time (ns), completions and bytes within the span. */
  readonly actual: Float64Array;
  readonly fair: Float64Array;
  readonly opsInSpan: Float64Array;
  readonly bytesInSpan: Float64Array;
  /** Per zone: bytes of its IOs ingested, and its last completion (relative to the span's start; -Infinity: none). */
  readonly bytesIn: Float64Array;
  readonly lastDone: Float64Array;
  /** Per closed-loop zone: how much later than observed its IOs were issued (ns); null when not recorded. */
  readonly issueLag: (Histogram | null)[] | null;

  // GPS virtual time over backlogged zones (queued or in service), while the server is busy
  private V = 0;
  private lastV = 0;
  private sumW = 0;
  private readonly backlog: Int32Array;
  private readonly vStart: Float64Array;
  private readonly gw: Float64Array;
  /** Per zone: IOs ingested so far (the next IO's `ord`). */
  readonly zoneIssued: Float64Array;
  /** Moves queued IO out of memory and back; null: everything stays in memory. */
  private readonly spill: Spiller | null;

  constructor(
    readonly simIndex: number,
    readonly deviceIndex: number,
    readonly device: DeviceInfo,
    readonly zones: readonly ZoneInfo[],
    readonly zoneOnDevice: Uint8Array,
    factory: PolicyFactory,
    opts: PolicyOptions,
    /** Per zone, 1 to replay it closed loop; null: every zone open loop. */
    closedZones: Uint8Array | null,
    /** The span's start (ns, in the store's time): the simulation's times are relative to it. */
    readonly origin: number,
    /** The span's end (the last observed completion), in the store's time. */
    spanEnd: number,
    /** null: nobody wants the completions (a summary-only replay without fidelity). */
    private readonly sink: CompletionSink | null,
    spillArea: SpillArea | null = null,
    /** Record each closed-loop zone's issue lag (histograms). */
    recordLag = false,
    /** K: how many IOs the device serves at once. */
    readonly parallelism = 1,
  ) {
    // Give the time fields a double representation from the start: a field that first holds a
    // small integer changes the object's map when it takes a fraction, deoptimizing the code that
    // has seen it (measurable with 8 simulations × every device).
    this.svcStart = this.nonEmptySince = this.busyDone = this.busyUnion = this.busySince = this.busyUntil = 0.5;
    this.busyTotal = this.workInSpan = this.idleWaiting = this.V = this.lastV = this.sumW = 0.5;
    this.svcStart = this.nonEmptySince = this.busyDone = this.busyUnion = this.busySince = this.busyUntil = 0;
    this.busyTotal = this.workInSpan = this.idleWaiting = this.V = this.lastV = this.sumW = 0;
    if (!(Number.isInteger(parallelism) && parallelism >= 1)) throw new Error(`device ${device.name}: parallelism ${parallelism} is not a whole number ≥ 1`);
    this.run = parallelism > 1 ? new IssueHeap() : null;
    this.baseSlots = parallelism > 1 ? new FifoSlots(parallelism) : null;
    const nz = zones.length;
    this.spanEnd = spanEnd - origin;
    this.queues = new ZoneQueues(nz);
    this.actual = new Float64Array(nz);
    this.fair = new Float64Array(nz);
    this.opsInSpan = new Float64Array(nz);
    this.bytesInSpan = new Float64Array(nz);
    this.bytesIn = new Float64Array(nz);
    this.lastDone = new Float64Array(nz).fill(-Infinity);
    this.backlog = new Int32Array(nz);
    this.vStart = new Float64Array(nz);
    this.gw = new Float64Array(nz);
    this.zoneIssued = new Float64Array(nz);
    for (let z = 0; z < nz; z++) this.gw[z] = zones[z].weight > 0 ? zones[z].weight : 0;
    this.closedOf = new Uint8Array(nz);
    let paired = false;
    if (closedZones !== null)
      for (let z = 0; z < nz; z++)
        if (closedZones[z] && zoneOnDevice[z]) {
          this.closedOf[z] = 1;
          paired = true;
        }
    this.paired = paired;
    this.closed = paired ? zones.map(() => null) : null; // allocated at a zone's first IO
    this.issueLag = paired && recordLag ? zones.map((_, z) => (this.closedOf[z] ? new Histogram() : null)) : null;
    this.spill = spillArea === null ? null : new Spiller(spillArea, this.slots, nz, zoneOnDevice.reduce((n, u) => n + u, 0));
    this.policy = factory.create(this, opts);
  }

  /**
   * Time (ns) up to t during which at least one IO was in service: the device's %busy, as iostat's
   * %b and zfs_zone.c's run-queue time measure it. At K = 1, the work done.
   */
  busyTime(t: number): number {
    if (this.run === null) {
      if (this.running === 0) return this.busyDone;
      return this.busyDone + Math.min(this.svcEnd - this.svcStart, Math.max(0, t - this.svcStart));
    }
    if (this.running === 0) return this.busyUnion;
    return this.busyUnion + Math.min(this.busyUntil - this.busySince, Math.max(0, t - this.busySince));
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
    const arrival = b[i + R_ARRIVAL] - this.origin;
    this.until = arrival;
    this.advance(false);
    const zone = b[i + R_ZONE];
    const sl = this.slots;
    const s = sl.alloc();
    sl.zone[s] = zone;
    sl.cost[s] = b[i + R_COST];
    const bytes = b[i + R_BYTES];
    sl.bytes[s] = bytes;
    this.bytesIn[zone] += bytes;
    sl.write[s] = b[i + R_WRITE];
    sl.seq[s] = seq;
    sl.ord[s] = this.zoneIssued[zone]++;
    if (this.closed === null) {
      // The baseline fifo's completion of this IO: c = max(arrival, previous c) + cost, the very
      // arithmetic of the fifo simulation (it starts an IO at its arrival or at the completion
      // before it; with K slots, at the earliest a slot frees: ./fifo-slots.ts), so the policy's
      // delay over the baseline is known at this IO's completion.
      const bs = this.baseSlots;
      const bf = bs === null ? this.baseFree : bs.earliest;
      const c = (arrival > bf ? arrival : bf) + sl.cost[s];
      if (bs === null) this.baseFree = c;
      else bs.occupy(c);
      sl.dep[s] = c - arrival;
      sl.obsDone[s] = b[i + R_LATENCY];
      this.clock = arrival;
      this.enqueue(s);
      return;
    }
    const obsLatency = b[i + R_LATENCY];
    if (this.closedOf[zone] === 0) {
      // an open-loop zone on a device with closed-loop zones: arrives as traced, paired at completion
      sl.obsLat[s] = obsLatency;
      this.clock = arrival;
      this.enqueue(s);
      return;
    }
    const depth = b[i + R_DEPTH];
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
    else if (this.spill !== null && (cz.wLen >= this.spill.spillAt || cz.ovf?.count)) this.spill.spillOut(cz.ovf ?? (cz.ovf = this.spill.newOverflow()), s);
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
    if (this.heap.n === 0 && issue === this.releaseNow && !(this.svcEnd <= issue)) {
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
    // a closed-loop IO's slot holds its observed issue until now
    if (this.issueLag !== null && this.closedOf[z] === 1) this.issueLag[z]!.record(t - sl.arrival[s]);
    sl.arrival[s] = t;
    if (this.queues.total === 0) this.nonEmptySince = t;
    this.queues.push(z, s);
    if (this.backlog[z]++ === 0) {
      this.integrate(t);
      this.vStart[z] = this.V;
      this.sumW += this.gw[z];
    }
    this.policy.arrive(z, s);
    if (this.spill !== null && (this.queues.rlen[z] > this.spill.spillAt || this.spill.queued[z]?.count)) this.spill.spillTail(this.queues, z);
  }

  /**
   * GPS virtual time: each backlogged zone is entitled to w / Σ w_backlogged of the service the
   * device delivers, one unit per IO in service.
   */
  private integrate(t: number): void {
    if (this.running > 0 && this.sumW > 0 && t > this.lastV) this.V += ((t - this.lastV) * this.running) / this.sumW;
    this.lastV = t;
  }

  /**
   * At a start or a completion at this.clock, before it changes the slots, with IO queued: the
   * free slots' share of the time since the slots last changed, from when IO was queued, within
   * the span, is idle while IO waited.
   */
  private idleUntilNow(): void {
    const from = Math.max(this.slotsChangedAt, this.nonEmptySince, 0);
    const to = Math.min(this.clock, this.spanEnd);
    if (to > from) this.idleWaiting += ((to - from) * (this.parallelism - this.running)) / this.parallelism;
  }

  /** advance()'s bound: a field, not an argument (see Policy on boxing). */
  private until = -Infinity;

  /**
   * Process every event strictly before this.until, and the completions at it (all of them when
   * drain): a completion at the time of an arrival goes first.
   */
  advance(drain: boolean): void {
    const t = this.until;
    const pol = this.policy;
    const q = this.queues;
    const k = this.parallelism;
    for (;;) {
      const tc = this.svcEnd;
      const tp = this.heap.n ? this.heap.k[0] : Infinity;
      let ts = Infinity;
      let zs = -1;
      if (this.running < k && q.total > 0) {
        zs = pol.pick();
        ts = pol.startAt;
        if (ts < this.clock) ts = this.clock;
      }
      if (drain && tc === Infinity && tp === Infinity && ts === Infinity) break;
      const tt = pol.timerAt;
      if (tc <= tp && tc <= tt && tc <= ts) {
        if (tc > t) break;
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

  /** Starts zone z's head at this.clock in a free slot. */
  private start(z: number): void {
    const t = this.clock;
    const sl = this.slots;
    this.idleUntilNow();
    this.slotsChangedAt = t;
    const s = this.queues.pop(z);
    if (this.spill !== null && this.spill.queued[z]?.count) this.spill.refill(this.queues, z);
    if (this.queues.total > 0) this.nonEmptySince = t;
    this.integrate(t);
    const cost = sl.cost[s];
    const end = t + cost;
    this.running++;
    if (this.run === null) {
      this.svcSlot = s;
      this.svcStart = t;
      this.svcEnd = end;
    } else this.startInSlot(s, end);
    const a = Math.max(t, 0);
    const b = Math.min(t + cost, this.spanEnd);
    if (b > a) this.workInSpan += b - a;
    this.policy.started(z, s);
  }

  /** K > 1: IO s takes a slot at this.clock until `end`. */
  private startInSlot(s: number, end: number): void {
    const run = this.run!;
    if (this.running === 1) {
      this.busySince = this.clock;
      this.busyUntil = end;
    } else if (end > this.busyUntil) this.busyUntil = end;
    run.pk = end;
    run.pq = this.slots.seq[s];
    run.push(s);
    this.svcSlot = run.first();
    this.svcEnd = run.k[0];
  }

  /** K > 1: the first IO to complete has left its slot at this.clock. */
  private leaveSlot(): void {
    const run = this.run!;
    run.pop();
    if (run.n > 0) {
      this.svcSlot = run.first();
      this.svcEnd = run.k[0];
    } else {
      this.svcSlot = -1;
      this.svcEnd = Infinity;
      this.busyUnion += this.clock - this.busySince;
    }
  }

  /** Completes the IO in service that completes first (at svcEnd). */
  private complete(): void {
    const c = this.svcEnd;
    const sl = this.slots;
    const s = this.svcSlot;
    const z = sl.zone[s];
    const cost = sl.cost[s];
    this.integrate(c);
    this.clock = c;
    if (this.running < this.parallelism && this.queues.total > 0) this.idleUntilNow();
    this.slotsChangedAt = c;
    this.running--;
    if (this.run === null) {
      this.svcSlot = -1;
      this.svcEnd = Infinity;
    } else this.leaveSlot();
    this.busyDone += cost;
    this.busyTotal += cost;
    this.actual[z] += cost;
    this.lastCompletion = c;
    this.lastDone[z] = c;
    if (c <= this.spanEnd) {
      this.opsInSpan[z]++;
      this.bytesInSpan[z] += sl.bytes[s];
    }
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
    if (this.closed !== null && this.closedOf[z] === 1) {
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
        // the zone's IOs spilled while waiting come back behind the ones still waiting
        if (cz.ovf?.count) this.spill!.refillWaits(cz, z);
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
