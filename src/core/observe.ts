// The observe half of the core at event fidelity: one streaming pass over IoEvents that computes
// per-zone statistics, each device's parallelism (parallelism.ts), each IO's device time and the
// GPS fair share over the service the device delivered (device-account.ts), delivered capacity
// per busy second, each device's linear cost model, and hands every IO with its busy-period cost
// to the replay store in arrival order; and, when a report shows it, each zone's device time and
// fair time over the trace (timeline.ts).
//
// Records may arrive out of order (completion order with DTrace per-CPU buffers, or issue order):
// every IO becomes two points (issue, done) in a priority queue, and points are swept in time order once
// they are older than the newest completion seen minus (reorder window + the longest latency seen,
// at most MAX_LATENCY_WINDOW_NS). A point that arrives behind the sweep is clamped to the sweep's
// time and counted ("late"); nothing is silently dropped. Memory holds only the IOs inside that
// window and outstanding, never the whole trace.
//
// A device's attribution needs its parallelism and how it serves IOs beyond it, both known only
// from its trace. So each device first holds its events (and their slots) until it has seen
// `calibrationIos` IOs (or EARLY_CHECK_IOS, when those already leave no doubt that it is serial:
// most disks), or until all held events together exceed `calibrationBudgetIos` IOs (the device
// holding most is decided then), or the pass ends; it decides from what it holds, runs the held
// events through the attribution, and from then on attributes as events are swept (the evidence
// is collected only until then). The report says how many IOs the decision was based on, and
// warns when what the device did later contradicts it.

import { Histogram } from './histogram.js';
import { ShareTimeline, type TimelineNs } from './timeline.js';
import { PointQueue } from './pointqueue.js';
import { DeviceAccount } from './device-account.js';
import { CapacitySeconds } from './capacity.js';
import * as cost from './costmodel.js';
import {
  FEATURES,
  FIT_STRIDE,
  ioCostModelLine,
  mergeSums,
  predictSum,
  solveSums,
  sumYIn,
  toIoCostModel,
  type LinearFit,
} from './costmodel.js';
import {
  EARLY_CHECK_IOS,
  ParallelismEvidence,
  OvertakeProfile,
  clearlySerial,
  decideDevice,
  estimateParallelism,
  type ParallelismEstimate,
} from './parallelism.js';
import * as table from './iotable.js';
import { Pairs, Slots } from './iotable.js';
import type { CostModelResult, DeviceResult, ShareMeasure, ZoneResult } from './analysis.js';
import {
  REPLAY_STRIDE,
  R_ARRIVAL,
  R_BYTES,
  R_COST,
  R_DEPTH,
  R_DEVICE,
  R_LATENCY,
  R_WRITE,
  R_ZONE,
  type ReplayStore,
  type DeviceInfo,
  type ZoneInfo,
  type Span,
} from './replay/types.js';
import type { Op } from '../records.js';

const MAX_LATENCY_WINDOW_NS = 60e9;
const NS_PER_S = 1e9;
const BLOCK_IOS = 8192;
/** IOs a device's parallelism and attribution are decided on (see the header). */
export const CALIBRATION_IOS = 16384;
/** IOs held for calibration by all devices together, at most. */
export const CALIBRATION_BUDGET_IOS = 262144;
/** Events a decided device queues before its attribution accounts for them. */
const ACCOUNT_BATCH = 256;

// The slot layout, the cost-model classes and the replay record's offsets, bound to constants of
// this module: V8 reads an imported binding from its module cell, checking that it is
// initialised, at every use, and in releaseReplay's loop alone that cost ~5 % of the observe pass
// (a constant of this module: nothing measurable).
const { SLOT_F64, SLOT_I32, S_BYTES, S_COST, S_DEPTH, S_DEV, S_DONE, S_ISSUE, S_META, S_OFFSET, S_PAIR, S_ZONE } = table;
const { META_CLASS_SHIFT, SF_ACCOUNTED, SF_DONE, SF_DONE_WAITS, SF_ISSUED, SF_LATE, SF_RELEASED, SF_WRITE } = table;
const { F_READ_RAND, F_READ_SEQ, F_WRITE_RAND, F_WRITE_SEQ, SEQ_DISTANCE_BYTES } = cost;
const AT_DEVICE = R_DEVICE;
const AT_ZONE = R_ZONE;
const AT_ARRIVAL = R_ARRIVAL;
const AT_COST = R_COST;
const AT_LATENCY = R_LATENCY;
const AT_BYTES = R_BYTES;
const AT_WRITE = R_WRITE;
const AT_DEPTH = R_DEPTH;

export interface ObserveOptions {
  /** Weight of a zone by name (--weights / --weights-file), or undefined for the trace's or 1. */
  weightOf: (zone: string) => number | undefined;
  /** Bounded reorder window in ns (default 2 s). */
  reorderWindowNs: number;
  /** Where to put IOs for the replay; null when no policy is replayed. */
  store: ReplayStore | null;
  /** A device's parallelism given by --parallelism, or undefined to estimate it. */
  parallelismOf?: (device: string) => number | undefined;
  /** Device time by measured service (default) or by each device's fitted cost model (--cost model). */
  costBy?: 'service' | 'model';
  calibrationIos?: number;
  calibrationBudgetIos?: number;
  /** Compute the timeline (default true): ~15 % of the pass's time, so only when a report shows it. */
  timeline?: boolean;
}

class ZoneAcc {
  ops = 0;
  reads = 0;
  writes = 0;
  bytes = 0;
  hist = new Histogram();
  constructor(
    readonly name: string,
    readonly weight: number,
  ) {}
}

class DevAcc {
  /** IOs in flight as swept. */
  out = 0;
  busyStart = 0;
  lastDone = -Infinity;
  ops = 0;
  /** Time with at least one IO in flight (Σ busy-period costs). */
  busyNs = 0;
  sawOffset = false;
  /** The attribution, once decided. */
  account: DeviceAccount | null = null;
  /** The attribution of a device decided serial, which the sweep feeds directly (no queue). */
  serial: DeviceAccount | null = null;
  /**
   * Events for the attribution, in sweep order: times and slot × 2 + (1 for a completion). Held
   * whole until the device is decided, then handed over every ACCOUNT_BATCH events.
   */
  evT = new Float64Array(256);
  evC = new Int32Array(256);
  evLen = 0;
  /** IOs issued while calibrating. */
  heldIos = 0;
  evidence = new ParallelismEvidence();
  // what the decision was based on
  estimate: ParallelismEstimate | null = null;
  fromIos = 0;
  contended = 0;
  overtaken = 0;
  constructor(
    readonly name: string,
    readonly givenK: number | undefined,
  ) {}
}

export interface ObserveResult {
  zones: ZoneResult[];
  /**
   * In device-id order, the index the replay's records carry (R_DEVICE): each device's
   * parallelism (estimated, or given by --parallelism) and attribution are the replay's too.
   */
  devices: DeviceResult[];
  shareMeasure: ShareMeasure | null;
  /** For the replay. */
  zoneInfo: ZoneInfo[];
  deviceInfo: DeviceInfo[];
  span: Span | null;
  /** Device and fair time per zone over the trace (null before any IO, or when not computed). */
  timeline: TimelineNs | null;
  records: number;
  late: number;
  warnings: string[];
}

export class EventObserver {
  private zoneIds = new Map<string, number>();
  private zones: ZoneAcc[] = [];
  private devIds = new Map<string, number>();
  private devs: DevAcc[] = [];
  private readonly slots = new Slots();
  private readonly pairs = new Pairs((z) => this.zones[z].weight);

  // points not yet swept: slot*2 + kind (0 issue, 1 done), keyed by time
  private points = new PointQueue();

  private readonly timeline: ShareTimeline | null;

  // IOs swept as issued, in issue order, waiting for their cost (ring buffer of slots)
  private ring = new Int32Array(1024);
  private ringHead = 0;
  private ringLen = 0;

  private block: Float64Array | null = null;
  private blockLen = 0;

  private maxDone = -Infinity;
  private maxLatency = 0;
  private sweepT = -Infinity;
  /**
   * Where the next sweep stops. Times reach sweep / onIssue / onDone through fields, not arguments:
   * a double passed to a call that is not inlined is boxed (~7 HeapNumbers, 125 bytes of garbage
   * per record on the 1M trace).
   */
  private sweepTo = -Infinity;
  private firstArrival = Infinity;
  private lastDone = -Infinity;
  private heldIos = 0;
  private readonly calibrationIos: number;
  private readonly calibrationBudget: number;
  records = 0;
  /** IOs whose completion has been swept (= records after finish). */
  swept = 0;
  late = 0;

  constructor(private readonly opts: ObserveOptions) {
    this.calibrationIos = Math.max(1, opts.calibrationIos ?? CALIBRATION_IOS);
    this.calibrationBudget = Math.max(1, opts.calibrationBudgetIos ?? CALIBRATION_BUDGET_IOS);
    this.timeline = opts.timeline === false ? null : new ShareTimeline();
  }

  private zoneId(zone: string, weight: number | undefined): number {
    let z = this.zoneIds.get(zone);
    if (z === undefined) {
      z = this.zones.length;
      this.zoneIds.set(zone, z);
      const w = this.opts.weightOf(zone) ?? weight ?? 1;
      this.zones.push(new ZoneAcc(zone, w));
    }
    return z;
  }

  private devId(device: string): number {
    let d = this.devIds.get(device);
    if (d === undefined) {
      d = this.devs.length;
      this.devIds.set(device, d);
      const k = this.opts.parallelismOf?.(device);
      this.devs.push(new DevAcc(device, k !== undefined && k >= 1 ? Math.floor(k) : undefined));
    }
    return d;
  }

  /** One IO. Callers guarantee doneNs ≥ issueNs ≥ …, bytes ≥ 0 (parsers validate). */
  io(zone: string, device: string, op: Op, bytes: number, issueNs: number, doneNs: number, weight?: number, offset?: number): void {
    const z = this.zoneId(zone, weight);
    this.ioIds(z, this.devId(device), op === 'W' ? 1 : 0, bytes, issueNs, doneNs, offset);
  }

  /**
   * The id of a zone for ioIds(), creating the zone on first use exactly as io() does: its
   * weight is weightOf(zone), else `weight` (the first record's), else 1.
   */
  zoneIdOf(zone: string, weight?: number): number {
    return this.zoneId(zone, weight);
  }

  /** The id of a device for ioIds(), creating it on first use. */
  deviceIdOf(device: string): number {
    return this.devId(device);
  }

  /**
   * io() with the names already turned into ids (zoneIdOf, deviceIdOf) and op as write = 1,
   * read = 0: callers that intern names once (the parse worker's batches) skip two Map lookups
   * and the per-record strings.
   */
  ioIds(z: number, d: number, write: number, bytes: number, issueNs: number, doneNs: number, offset?: number): void {
    const r = this.scratch;
    r[0] = write;
    r[1] = bytes;
    r[2] = issueNs;
    r[3] = doneNs;
    r[4] = offset === undefined ? NaN : offset;
    this.ioAt(z, d, r, 0);
  }

  private readonly scratch = new Float64Array(5);

  /**
   * ioIds() with write, bytes, issue, done and offset (NaN: unknown) read from rec[o..o+4]: the
   * parse worker's batches go straight in, and the times are never passed as arguments (boxed).
   */
  ioAt(z: number, d: number, rec: Float64Array, o: number): void {
    const s = this.slots.alloc();
    const issueNs = rec[o + 2];
    const doneNs = rec[o + 3];
    const f = this.slots.f;
    const m = this.slots.m;
    const so = s * SLOT_F64;
    const si = s * SLOT_I32;
    f[so + S_ISSUE] = issueNs;
    f[so + S_DONE] = doneNs;
    f[so + S_BYTES] = rec[o + 1];
    f[so + S_OFFSET] = rec[o + 4];
    m[si + S_ZONE] = z;
    m[si + S_DEV] = d;
    m[si + S_PAIR] = this.pairs.indexOf(z, d);
    m[si + S_META] = rec[o] ? SF_WRITE : 0;
    this.records++;
    const lat = doneNs - issueNs;
    if (lat > this.maxLatency) this.maxLatency = Math.min(lat, MAX_LATENCY_WINDOW_NS);
    this.points.setOrder(s, this.records); // IOs issued at one nanosecond go in record order
    this.points.push(issueNs, s * 2);
    this.points.push(doneNs, s * 2 + 1);
    if (doneNs > this.maxDone) {
      this.maxDone = doneNs;
      this.sweepTo = doneNs - this.opts.reorderWindowNs - this.maxLatency;
      this.sweep();
    }
  }

  /** Process every point with time ≤ sweepTo in time order. */
  private sweep(): void {
    const q = this.points;
    const upTo = this.sweepTo;
    for (;;) {
      const p = q.popUpTo(upTo);
      if (p < 0) break;
      const s = p >> 1;
      let t = q.poppedKey;
      if (t < this.sweepT) {
        // behind the sweep: clamp to the sweep's time, count the IO once
        const sl = this.slots;
        const mi = s * SLOT_I32 + S_META;
        if (!(sl.m[mi] & SF_LATE)) {
          this.late++;
          sl.m[mi] |= SF_LATE;
        }
        sl.f[s * SLOT_F64 + (p & 1 ? S_DONE : S_ISSUE)] = this.sweepT;
        t = this.sweepT;
      }
      this.sweepT = t;
      const mi = s * SLOT_I32 + S_META;
      const m = this.slots.m;
      if (p & 1) {
        // done points go before issue points at one time: an IO done at its own issue time waits for it
        if (m[mi] & SF_ISSUED) this.onDone(s);
        else m[mi] |= SF_DONE_WAITS;
      } else {
        this.onIssue(s); // (sets SF_ISSUED)
        if (m[mi] & SF_DONE_WAITS) this.onDone(s);
      }
    }
  }

  private onIssue(s: number): void {
    const t = this.sweepT;
    const f = this.slots.f;
    const m = this.slots.m;
    const so = s * SLOT_F64;
    const si = s * SLOT_I32;
    const dev = this.devs[m[si + S_DEV]];
    const tl = this.timeline;
    if (tl !== null) {
      // origin !== origin: not started (NaN); a call with t would box it (see sweepTo)
      if (tl.origin !== tl.origin) tl.start(t);
      if (t >= tl.end) tl.reach(t);
    }
    if (dev.out++ === 0) dev.busyStart = t;
    const pr = this.pairs;
    const p = m[si + S_PAIR];
    m[si + S_DEPTH] = ++pr.live[p];
    // sequential or random, as iocost tells them: within 16 MiB of the end of the zone's previous IO on the device
    const meta = m[si + S_META];
    const write = meta & SF_WRITE;
    const off = f[so + S_OFFSET];
    let base = write ? F_WRITE_RAND : F_READ_RAND;
    if (off === off) {
      const cur = pr.cursor[p];
      if (cur === cur && Math.abs(off - cur) <= SEQ_DISTANCE_BYTES) base = write ? F_WRITE_SEQ : F_READ_SEQ;
      pr.cursor[p] = off + f[so + S_BYTES];
      dev.sawOffset = true;
    }
    m[si + S_META] = meta | SF_ISSUED | (base << META_CLASS_SHIFT);
    if (t < this.firstArrival) this.setFirstArrival(t);
    if (this.opts.store) this.ringPush(s);
    const acc = dev.serial;
    if (acc !== null) {
      acc.now = t;
      acc.serialIssue(s);
    } else this.queue(dev, s * 2);
  }

  private onDone(s: number): void {
    const t = this.sweepT;
    const f = this.slots.f;
    const m = this.slots.m;
    const so = s * SLOT_F64;
    const si = s * SLOT_I32;
    const dev = this.devs[m[si + S_DEV]];
    const zone = this.zones[m[si + S_ZONE]];
    const bytes = f[so + S_BYTES];
    const latency = t - f[so + S_ISSUE];
    const tl = this.timeline;
    if (tl !== null && t >= tl.end) tl.reach(t);
    // busy-period decomposition (the replay's cost, and device time on a serial device)
    const from = dev.lastDone > dev.busyStart ? dev.lastDone : dev.busyStart;
    const cost = t - from;
    dev.lastDone = t;
    dev.busyNs += cost;
    dev.ops++;
    f[so + S_COST] = cost;
    dev.out--;
    this.pairs.live[m[si + S_PAIR]]--;
    zone.ops++;
    if (m[si + S_META] & SF_WRITE) zone.writes++;
    else zone.reads++;
    zone.bytes += bytes;
    zone.hist.record(latency);
    this.swept++;
    if (t > this.lastDone) this.lastDone = t;
    const acc = dev.serial;
    if (acc !== null) {
      acc.now = t;
      acc.serialDone(s);
    } else this.queue(dev, s * 2 + 1);
    if (this.opts.store) {
      m[si + S_META] |= SF_DONE;
      this.releaseReplay();
    } else if ((m[si + S_META] |= SF_RELEASED) & SF_ACCOUNTED) this.slots.release(s);
  }

  /**
   * The first arrival (the sweep's first issue: later ones are not earlier), where every device's
   * seconds of delivered capacity are counted from, so shifting every timestamp moves no boundary.
   */
  private setFirstArrival(t: number): void {
    this.firstArrival = t;
    for (const d of this.devs) if (d.account) d.account.capacity.origin = t;
  }

  /** Queues an event (slot × 2 + 1 for a completion) at the sweep's time for the device's attribution. */
  private queue(dev: DevAcc, code: number): void {
    let len = dev.evLen;
    if (len === dev.evT.length) len = this.makeRoom(dev);
    dev.evT[len] = this.sweepT;
    dev.evC[len] = code;
    dev.evLen = len + 1;
    if (dev.account === null && !(code & 1)) {
      dev.heldIos++;
      this.heldIos++;
      if (dev.heldIos >= this.calibrationIos) this.decide(dev);
      else if (dev.heldIos === EARLY_CHECK_IOS && dev.givenK === undefined) this.decideIfSerial(dev);
      if (this.heldIos > this.calibrationBudget) {
        let most = dev;
        for (const d of this.devs) if (d.heldIos > most.heldIos) most = d;
        this.decide(most);
      }
    }
  }

  /** A device's event queue is full: account for it once decided, else make it longer. Returns where to append. */
  private makeRoom(dev: DevAcc): number {
    if (dev.account) {
      dev.account.run(dev.evT, dev.evC, 0, dev.evLen);
      return (dev.evLen = 0);
    }
    const t = new Float64Array(dev.evT.length * 2);
    t.set(dev.evT);
    dev.evT = t;
    const c = new Int32Array(dev.evC.length * 2);
    c.set(dev.evC);
    dev.evC = c;
    return dev.evLen;
  }

  /** Decides a device's parallelism and attribution from its queued events, and accounts for them. */
  /**
   * Decides a device early when its first IOs already show it serves one IO at a time beyond
   * doubt (clearlySerial): most disks, whose events then go to the attribution inline at once.
   */
  private decideIfSerial(dev: DevAcc): void {
    const ev = new ParallelismEvidence();
    ev.collect(dev.evT, dev.evC, dev.evLen, this.slots);
    if (!clearlySerial(ev)) return;
    dev.evidence = ev;
    this.decide(dev, false);
  }

  /** Decides a device's parallelism and attribution from its queued events (collected unless done already), and accounts for them. */
  private decide(dev: DevAcc, collect = true): void {
    if (dev.account) return;
    const codes = dev.evC;
    const ev = dev.evidence;
    if (collect) ev.collect(dev.evT, codes, dev.evLen, this.slots);
    const est = estimateParallelism(ev);
    const len = dev.evLen;
    const ot = decideDevice(est, () => new OvertakeProfile(codes, len), dev.givenK, ev);
    const acc = new DeviceAccount(ot.k, ot.attribution, this.slots, this.pairs, this.timeline);
    if (this.firstArrival < Infinity) acc.capacity.origin = this.firstArrival;
    dev.estimate = est;
    dev.fromIos = dev.heldIos;
    dev.contended = ot.contended;
    dev.overtaken = ot.overtaken;
    dev.account = acc;
    acc.run(dev.evT, codes, 0, dev.evLen);
    if (acc.k === 1) dev.serial = acc;
    this.heldIos -= dev.heldIos;
    dev.heldIos = 0;
    dev.evLen = 0;
    // from now on the queue only batches events for the attribution
    if (dev.evT.length > ACCOUNT_BATCH) {
      dev.evT = new Float64Array(ACCOUNT_BATCH);
      dev.evC = new Int32Array(ACCOUNT_BATCH);
    }
  }

  /** Decides every device still calibrating and accounts for every queued event (end of pass, or a snapshot). */
  private flushAll(): void {
    for (const d of this.devs) {
      if (!d.account) this.decide(d);
      else if (d.evLen > 0) {
        d.account.run(d.evT, d.evC, 0, d.evLen);
        d.evLen = 0;
      }
    }
  }

  private ringPush(s: number): void {
    if (this.ringLen === this.ring.length) {
      const r = new Int32Array(this.ring.length * 2);
      for (let i = 0; i < this.ringLen; i++) r[i] = this.ring[(this.ringHead + i) % this.ring.length];
      this.ring = r;
      this.ringHead = 0;
    }
    this.ring[(this.ringHead + this.ringLen) % this.ring.length] = s;
    this.ringLen++;
  }

  /** Emit, in issue order, every IO whose cost is known and that no earlier-issued IO precedes. */
  private releaseReplay(): void {
    const store = this.opts.store!;
    const sl = this.slots;
    while (this.ringLen > 0) {
      const s = this.ring[this.ringHead];
      const so = s * SLOT_F64;
      const si = s * SLOT_I32;
      if (!(sl.m[si + S_META] & SF_DONE)) break;
      this.ringHead = (this.ringHead + 1) % this.ring.length;
      this.ringLen--;
      if (!this.block) {
        this.block = new Float64Array(BLOCK_IOS * REPLAY_STRIDE);
        this.blockLen = 0;
      }
      const b = this.block;
      const o = this.blockLen;
      const f = sl.f;
      const m = sl.m;
      b[o + AT_DEVICE] = m[si + S_DEV];
      b[o + AT_ZONE] = m[si + S_ZONE];
      b[o + AT_ARRIVAL] = f[so + S_ISSUE];
      b[o + AT_COST] = f[so + S_COST];
      b[o + AT_LATENCY] = f[so + S_DONE] - f[so + S_ISSUE];
      b[o + AT_BYTES] = f[so + S_BYTES];
      b[o + AT_WRITE] = m[si + S_META] & SF_WRITE;
      b[o + AT_DEPTH] = m[si + S_DEPTH];
      this.blockLen = o + REPLAY_STRIDE;
      if (this.blockLen === b.length) {
        store.append(b, this.blockLen);
        this.block = null;
      }
      if ((sl.m[si + S_META] |= SF_RELEASED) & SF_ACCOUNTED) sl.release(s);
    }
  }

  /** Sweep everything left and compute the results. */
  finish(): ObserveResult {
    this.sweepTo = Infinity;
    this.sweep();
    if (this.opts.store && this.block) {
      this.opts.store.append(this.block, this.blockLen);
      this.block = null;
    }
    this.flushAll();
    const r = this.results();
    // the pass is over: its working set, as wide as the reorder window, would otherwise stay
    // allocated through the replay that follows
    this.slots.reset();
    this.points = new PointQueue();
    this.ring = new Int32Array(1024);
    this.ringHead = this.ringLen = 0;
    return r;
  }

  /**
   * Results so far without ending the pass (--every): covers the IOs already swept, i.e. up to
   * the reorder window behind the newest record; fair time of zones still backlogged is counted
   * up to their last completion. Devices still calibrating are decided now, on what they hold.
   */
  snapshot(): ObserveResult {
    this.flushAll();
    return this.results();
  }

  private results(): ObserveResult {
    const span: Span | null = this.firstArrival <= this.lastDone ? { startNs: this.firstArrival, endNs: this.lastDone } : null;
    const durS = span ? (span.endNs - span.startNs) / NS_PER_S : 0;
    const byModel = this.opts.costBy === 'model';
    const pr = this.pairs;
    const devices: DeviceResult[] = [];
    const deviceInfo: DeviceInfo[] = [];
    const warnings: string[] = [];
    // each device's cost-model sums, and its fit
    const devSums = new Float64Array(this.devs.length * FIT_STRIDE);
    for (let p = 0; p < pr.count; p++) mergeSums(devSums, pr.dev[p] * FIT_STRIDE, pr.sums, p * FIT_STRIDE);
    const fits = this.devs.map((_, i) => solveSums(devSums, i * FIT_STRIDE));
    // each pair's device time: measured service, or its IOs' cost under the device's model
    const pairCost = new Float64Array(pr.count);
    const modelTotal = new Float64Array(this.devs.length);
    for (let p = 0; p < pr.count; p++) {
      const o = p * FIT_STRIDE;
      if (byModel) {
        const c = predictSum(fits[pr.dev[p]].theta, pr.sums, o);
        pairCost[p] = c > 0 ? c : 0;
        modelTotal[pr.dev[p]] += pairCost[p];
      } else pairCost[p] = sumYIn(pr.sums, o);
    }
    let total = 0;
    /** Fair time is in service units: by this factor in the device's model units. */
    const unitOf = new Float64Array(this.devs.length);
    this.devs.forEach((d, i) => {
      const acc = d.account;
      const delivered = acc ? acc.delivered : 0;
      unitOf[i] = byModel ? (delivered > 0 ? modelTotal[i] / delivered : 0) : 1;
      total += byModel ? modelTotal[i] : delivered;
      const k = acc ? acc.k : 1;
      const cap = acc ? acc.capacity.stats() : new CapacitySeconds().stats();
      const est = d.estimate;
      const maxInFlight = Math.max(d.evidence.maxInFlight, acc ? acc.maxInFlight : 0);
      const source = d.givenK !== undefined ? 'option' : maxInFlight <= 1 ? 'serial' : 'estimated';
      warnings.push(...this.stationarity(d, k, source, maxInFlight));
      const fit = fits[i];
      devices.push({
        device: d.name,
        ops: d.ops,
        busy_s: d.busyNs / NS_PER_S,
        utilization: durS > 0 ? delivered / NS_PER_S / (k * durS) : null,
        capacity_iops: cap.iops,
        capacity_ratio: cap.iops.min && cap.iops.max ? cap.iops.max / cap.iops.min : null,
        capacity_bytes_per_s: cap.bytes,
        busy_seconds: cap.n,
        parallelism: k,
        parallelism_source: source,
        parallelism_evidence: {
          max_in_flight: maxInFlight,
          // the FIFO check may take a K just above the rate estimate's interval (decideDevice)
          range: source === 'estimated' && est ? { low: Math.min(est.low, k), high: Math.max(est.high, k) } : null,
          saturated: source === 'estimated' && est ? est.saturated : null,
          from_ios: d.fromIos,
          overtaken_share: d.contended > 0 ? d.overtaken / d.contended : null,
          lone_overtaken_share: d.evidence.lone > 0 ? d.evidence.loneOvertaken / d.evidence.lone : null,
        },
        service_s: delivered / NS_PER_S,
        attribution: byModel ? 'cost_model' : acc ? acc.attribution : null,
        cost_model: fit.n > 0 ? costModelResult(d.name, fit, k, d.sawOffset) : null,
      });
      deviceInfo.push({ name: d.name, medianIops: cap.iops.p50, medianBytesPerS: cap.bytes.p50 });
    });
    const zoneCost = new Float64Array(this.zones.length);
    const zoneFair = new Float64Array(this.zones.length);
    for (let p = 0; p < pr.count; p++) {
      zoneCost[pr.zone[p]] += pairCost[p];
      zoneFair[pr.zone[p]] += pr.fair[p] * unitOf[pr.dev[p]];
    }
    const zones: ZoneResult[] = this.zones.map((z, i) => {
      const h = z.hist;
      const us = (v: number) => (Number.isFinite(v) ? v / 1000 : null);
      return {
        zone: z.name,
        weight: z.weight,
        ops: z.ops,
        read_ops: z.reads,
        write_ops: z.writes,
        bytes: z.bytes,
        iops: durS > 0 ? z.ops / durS : null,
        bytes_per_s: durS > 0 ? z.bytes / durS : null,
        latency_us: {
          mean: us(h.mean()),
          p50: us(h.quantile(0.5)),
          p90: us(h.quantile(0.9)),
          p99: us(h.quantile(0.99)),
          p999: us(h.quantile(0.999)),
          max: us(h.count ? h.max : NaN),
        },
        device_time_s: zoneCost[i] / NS_PER_S,
        fair_time_s: zoneFair[i] / NS_PER_S,
        device_share: total > 0 ? zoneCost[i] / total : null,
        fair_share: total > 0 ? zoneFair[i] / total : null,
        deviation: total > 0 ? (zoneCost[i] - zoneFair[i]) / total : null,
        latency_histogram: h.toJson(),
      };
    });
    if (byModel && zones.length)
      warnings.push(
        "device time is each IO's cost under its device's fitted linear cost model (--cost model): device shares, fair shares and deviations are of model cost, not of the service measured" +
          (this.timeline !== null ? ' (the timeline over the trace still shows the service measured)' : ''),
      );
    if (this.late > 0)
      warnings.push(
        `${this.late} record(s) arrived later than the reorder window (${this.opts.reorderWindowNs / 1e9} s plus the longest latency seen): their times were clamped to the sweep; raise --reorder-window`,
      );
    return {
      zones,
      devices,
      shareMeasure: zones.length ? (byModel ? 'cost_model' : 'service') : null,
      zoneInfo: this.zones.map((z) => ({ name: z.name, weight: z.weight })),
      deviceInfo,
      span,
      timeline: this.timeline?.result(this.zones.map((z) => z.name)) ?? null,
      records: this.swept,
      late: this.late,
      warnings,
    };
  }

  /**
   * Whether what the device did after its decision contradicts it: more IOs in flight than both
   * its estimated parallelism and anything seen while it was decided (an estimate that was only a
   * lower bound).
   */
  private stationarity(d: DevAcc, k: number, source: string, maxInFlight: number): string[] {
    const est = d.estimate;
    if (!est || source !== 'estimated' || d.fromIos >= d.ops || est.saturated || maxInFlight <= Math.max(k, est.maxInFlight)) return [];
    return [
      `device ${d.name}: its parallelism (${k}) was estimated from its first ${d.fromIos} IOs, which never saturated it (at most ${est.maxInFlight} in flight); later up to ${maxInFlight} were in flight: give --parallelism ${d.name}=N if you know it`,
    ];
  }
}

function costModelResult(device: string, fit: LinearFit, k: number, offsetsKnown: boolean): CostModelResult {
  const us = (col: number) => (fit.identified[col] ? fit.theta[col] / 1000 : null);
  const col = (name: (typeof FEATURES)[number]) => FEATURES.indexOf(name);
  const m = toIoCostModel(fit, k);
  const mean = fit.n > 0 ? fit.sumY / fit.n : 0;
  return {
    read_rand_io_us: us(col('read_rand_io')),
    read_seq_io_us: us(col('read_seq_io')),
    read_page_us: us(col('read_page')),
    write_rand_io_us: us(col('write_rand_io')),
    write_seq_io_us: us(col('write_seq_io')),
    write_page_us: us(col('write_page')),
    offsets_known: offsetsKnown,
    r2: fit.r2,
    rms_relative_error: mean > 0 ? Math.sqrt(fit.sse / fit.n) / mean : null,
    ios: fit.n,
    io_cost_model: m,
    io_cost_model_line: ioCostModelLine(device, m),
  };
}
