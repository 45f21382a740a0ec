// The observe half of the core at event fidelity: one streaming pass over IoEvents that computes
// per-zone statistics, each IO's device-time cost (busy-period decomposition), the GPS fair share
// (virtual-time integral), delivered capacity per busy second, and hands every IO with its cost to
// the replay store in arrival order.
//
// Records may arrive out of order (completion order with DTrace per-CPU buffers, or issue order):
// every IO becomes two points (issue, done) in a priority queue, and points are swept in time order once
// they are older than the newest completion seen minus (reorder window + the longest latency seen,
// at most MAX_LATENCY_WINDOW_NS). A point that arrives behind the sweep is clamped to the sweep's
// time and counted ("late"); nothing is silently dropped. Memory holds only the IOs inside that
// window and outstanding, never the whole trace.

import { Histogram } from './histogram.js';
import { ShareTimeline, type TimelineNs } from './timeline.js';
import { PointQueue } from './pointqueue.js';
import { minMedianMax } from './stats.js';
import { grown } from './typed.js';
import type { DeviceResult, ZoneResult } from './analysis.js';
import {
  R_ARRIVAL,
  R_BYTES,
  R_COST,
  R_DEPTH,
  R_DEVICE,
  R_LATENCY,
  R_WRITE,
  R_ZONE,
  REPLAY_STRIDE,
  type ReplayStore,
  type DeviceInfo,
  type ZoneInfo,
  type Span,
} from './replay/types.js';
import type { Op } from '../records.js';

const MAX_LATENCY_WINDOW_NS = 60e9;
/** sFlags: the IO's issue point has been swept; its done point was swept first (same time) and waits for it. */
const ISSUED = 8;
const DONE_WAITS = 16;
const NS_PER_S = 1e9;
const BLOCK_IOS = 8192;

// The replay record's offsets, bound to constants of this module: V8 reads an imported binding
// from its module cell, checking that it is initialised, at every use, and in releaseReplay's
// loop that cost ~5 % of the observe pass (a constant of this module: nothing measurable).
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
  /** Compute the timeline (default true): ~15 % of the pass's time, so only when a report shows it. */
  timeline?: boolean;
}

class ZoneAcc {
  ops = 0;
  reads = 0;
  writes = 0;
  bytes = 0;
  deviceTimeNs = 0;
  fairNs = 0;
  hist = new Histogram();
  constructor(
    readonly name: string,
    readonly weight: number,
  ) {}
}

class DevAcc {
  outstanding = 0;
  busyStart = 0;
  lastDone = -Infinity;
  lastT = -Infinity;
  /** ∫ dt / Σw_backlogged over busy time with positive total weight. */
  V = 0;
  /** ∫ dt / n_backlogged over busy time when only weight-0 zones are backlogged. */
  V0 = 0;
  sumW = 0;
  n0 = 0;
  zoneOut = new Int32Array(8);
  zoneV = new Float64Array(8);
  /** Per zone: V (or V0) where its fair time was last handed to the timeline. */
  zoneMark = new Float64Array(8);
  /** Where the timeline next wants the backlogged zones' fair time (a bucket boundary). */
  markAt = -Infinity;
  ops = 0;
  busyNs = 0;
  // delivered capacity per second of the trace (seconds counted from its first arrival, so that
  // shifting every timestamp does not move the boundaries)
  sec = NaN;
  secOps = 0;
  secBytes = 0;
  secBusy = 0;
  /** [ops, bytes, busyNs] per second that saw any busy time. Grows with trace duration, not records. */
  seconds: number[] = [];
  constructor(readonly name: string) {}

  ensureZones(n: number): void {
    if (n <= this.zoneOut.length) return;
    const len = Math.max(n, this.zoneOut.length * 2);
    this.zoneOut = grown(this.zoneOut, len);
    this.zoneV = grown(this.zoneV, len);
    this.zoneMark = grown(this.zoneMark, len);
  }

  /** The sweep's time, set before advance() and addBusy() (a field, not an argument: see sweepTo). */
  now = -Infinity;
  /** Where addBusy's interval starts. */
  busyFrom = 0;

  /** Integrate virtual time up to now. */
  advance(): void {
    const t = this.now;
    if (this.outstanding > 0 && t > this.lastT) {
      const dt = t - this.lastT;
      if (this.sumW > 0) this.V += dt / this.sumW;
      else if (this.n0 > 0) this.V0 += dt / this.n0;
    }
    if (t > this.lastT) this.lastT = t;
  }

  /** Where the seconds of the capacity count start: the trace's first arrival (set before addBusy). */
  origin = 0;

  /** Attribute busy interval [busyFrom, now) to the trace's seconds, and one completion at now. */
  addBusy(bytes: number): void {
    const from = this.busyFrom - this.origin;
    const b = this.now - this.origin;
    let a = from;
    let s = Math.floor(a / NS_PER_S);
    while (a < b) {
      const end = Math.min(b, (s + 1) * NS_PER_S);
      this.toSecond(s);
      this.secBusy += end - a;
      a = end;
      s++;
    }
    // the completion belongs to the second holding the last busy nanosecond
    this.toSecond(Math.floor((b > from ? b - 1 : b) / NS_PER_S));
    this.secOps++;
    this.secBytes += bytes;
  }

  private toSecond(s: number): void {
    if (s === this.sec) return;
    if (s < this.sec) return; // busy already attributed to a later second: keep the current one
    this.flushSecond();
    this.sec = s;
  }

  flushSecond(): void {
    if (this.secBusy > 0 || this.secOps > 0) this.seconds.push(this.secOps, this.secBytes, this.secBusy);
    this.secOps = 0;
    this.secBytes = 0;
    this.secBusy = 0;
  }
}

export interface ObserveResult {
  zones: ZoneResult[];
  devices: DeviceResult[];
  /** For the replay. */
  zoneInfo: ZoneInfo[];
  deviceInfo: DeviceInfo[];
  span: Span | null;
  /** Device and fair time per zone over the trace (null before any IO). */
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

  // IO slots (struct of arrays, recycled through a free list)
  private cap = 1024;
  private sIssue = new Float64Array(this.cap);
  private sDone = new Float64Array(this.cap);
  private sBytes = new Float64Array(this.cap);
  private sCost = new Float64Array(this.cap);
  private sZone = new Int32Array(this.cap);
  private sDev = new Int32Array(this.cap);
  private sDepth = new Int32Array(this.cap);
  private sFlags = new Uint8Array(this.cap); // bit0 write, bit1 done-swept, bit2 late, ISSUED, DONE_WAITS
  private free: number[] = [];
  private nextSlot = 0;

  private readonly timeline: ShareTimeline | null;

  // points not yet swept: slot*2 + kind (0 issue, 1 done), keyed by time
  private points = new PointQueue();

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
  records = 0;
  /** IOs whose completion has been swept (= records after finish). */
  swept = 0;
  late = 0;

  constructor(private readonly opts: ObserveOptions) {
    this.timeline = opts.timeline === false ? null : new ShareTimeline();
  }

  private zoneId(zone: string, weight: number | undefined): number {
    let z = this.zoneIds.get(zone);
    if (z === undefined) {
      z = this.zones.length;
      this.zoneIds.set(zone, z);
      const w = this.opts.weightOf(zone) ?? weight ?? 1;
      this.zones.push(new ZoneAcc(zone, w));
      for (const d of this.devs) d.ensureZones(z + 1);
    }
    return z;
  }

  private devId(device: string): number {
    let d = this.devIds.get(device);
    if (d === undefined) {
      d = this.devs.length;
      this.devIds.set(device, d);
      const acc = new DevAcc(device);
      acc.ensureZones(this.zones.length + 1);
      this.devs.push(acc);
    }
    return d;
  }

  private allocSlot(): number {
    const f = this.free.pop();
    if (f !== undefined) return f;
    if (this.nextSlot === this.cap) this.growSlots();
    return this.nextSlot++;
  }

  private growSlots(): void {
    const n = this.cap * 2;
    this.sIssue = grown(this.sIssue, n);
    this.sDone = grown(this.sDone, n);
    this.sBytes = grown(this.sBytes, n);
    this.sCost = grown(this.sCost, n);
    this.sZone = grown(this.sZone, n);
    this.sDev = grown(this.sDev, n);
    this.sDepth = grown(this.sDepth, n);
    this.sFlags = grown(this.sFlags, n);
    this.cap = n;
  }

  /** One IO. Callers guarantee doneNs ≥ issueNs ≥ …, bytes ≥ 0 (parsers validate). */
  io(zone: string, device: string, op: Op, bytes: number, issueNs: number, doneNs: number, weight?: number): void {
    const z = this.zoneId(zone, weight);
    this.ioIds(z, this.devId(device), op === 'W' ? 1 : 0, bytes, issueNs, doneNs);
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
  ioIds(z: number, d: number, write: number, bytes: number, issueNs: number, doneNs: number): void {
    const r = this.scratch;
    r[0] = write;
    r[1] = bytes;
    r[2] = issueNs;
    r[3] = doneNs;
    this.ioAt(z, d, r, 0);
  }

  private readonly scratch = new Float64Array(4);

  /**
   * ioIds() with write, bytes, issue and done read from rec[o], rec[o+1], rec[o+2], rec[o+3]: the
   * parse worker's batches go straight in, and the times are never passed as arguments (boxed).
   */
  ioAt(z: number, d: number, rec: Float64Array, o: number): void {
    const s = this.allocSlot();
    const issueNs = rec[o + 2];
    const doneNs = rec[o + 3];
    this.sIssue[s] = issueNs;
    this.sDone[s] = doneNs;
    this.sBytes[s] = rec[o + 1];
    this.sZone[s] = z;
    this.sDev[s] = d;
    this.sFlags[s] = rec[o] ? 1 : 0;
    this.records++;
    const lat = doneNs - issueNs;
    if (lat > this.maxLatency) this.maxLatency = Math.min(lat, MAX_LATENCY_WINDOW_NS);
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
        if (!(this.sFlags[s] & 4)) {
          this.late++;
          this.sFlags[s] |= 4;
        }
        if (p & 1) this.sDone[s] = this.sweepT;
        else this.sIssue[s] = this.sweepT;
        t = this.sweepT;
      }
      this.sweepT = t;
      if (p & 1) {
        // done points go before issue points at one time: an IO done at its own issue time waits for it
        if (this.sFlags[s] & ISSUED) this.onDone(s);
        else this.sFlags[s] |= DONE_WAITS;
      } else {
        this.sFlags[s] |= ISSUED;
        this.onIssue(s);
        if (this.sFlags[s] & DONE_WAITS) this.onDone(s);
      }
    }
  }

  private onIssue(s: number): void {
    const t = this.sweepT;
    const dev = this.devs[this.sDev[s]];
    const z = this.sZone[s];
    const tl = this.timeline;
    if (tl !== null) {
      // origin !== origin: not started (NaN); a call with t would box it (see sweepTo)
      if (tl.origin !== tl.origin) tl.start(t);
      if (t >= tl.end) tl.reach(t);
      if (t >= dev.markAt) this.markFair(dev, t);
    }
    dev.now = t;
    dev.advance();
    if (dev.outstanding === 0) dev.busyStart = t;
    dev.outstanding++;
    const zd = ++dev.zoneOut[z];
    if (zd === 1) {
      const w = this.zones[z].weight;
      if (w > 0) {
        dev.zoneV[z] = dev.V;
        dev.sumW += w;
      } else {
        dev.zoneV[z] = dev.V0;
        dev.n0++;
      }
      dev.zoneMark[z] = dev.zoneV[z];
    }
    this.sDepth[s] = zd;
    if (t < this.firstArrival) this.firstArrival = t;
    if (this.opts.store) this.ringPush(s);
  }

  private onDone(s: number): void {
    const t = this.sweepT;
    const dev = this.devs[this.sDev[s]];
    const z = this.sZone[s];
    const zone = this.zones[z];
    const tl = this.timeline;
    if (tl !== null) {
      if (t >= tl.end) tl.reach(t);
      if (t >= dev.markAt) this.markFair(dev, t);
    }
    dev.now = t;
    dev.advance();
    const from = Math.max(dev.lastDone, dev.busyStart);
    const cost = t - from;
    dev.lastDone = t;
    dev.busyNs += cost;
    dev.ops++;
    dev.busyFrom = from;
    dev.origin = this.firstArrival;
    dev.addBusy(this.sBytes[s]);
    this.sCost[s] = cost;
    dev.outstanding--;
    if (--dev.zoneOut[z] === 0) {
      const w = zone.weight;
      if (w > 0) {
        zone.fairNs += w * (dev.V - dev.zoneV[z]);
        dev.sumW -= w;
      } else {
        zone.fairNs += dev.V0 - dev.zoneV[z];
        dev.n0--;
      }
      if (tl !== null) {
        tl.from = t;
        tl.to = t;
        tl.ns = w > 0 ? w * (dev.V - dev.zoneMark[z]) : dev.V0 - dev.zoneMark[z];
        tl.addFairTimeOf(z);
      }
    }
    if (dev.outstanding === 0) dev.sumW = 0; // no floating drift across busy periods
    zone.ops++;
    if (this.sFlags[s] & 1) zone.writes++;
    else zone.reads++;
    zone.bytes += this.sBytes[s];
    zone.deviceTimeNs += cost;
    if (tl !== null) {
      tl.ns = cost;
      tl.from = from;
      tl.to = t;
      tl.addDeviceTimeOf(z);
    }
    zone.hist.record(t - this.sIssue[s]);
    this.swept++;
    if (t > this.lastDone) this.lastDone = t;
    if (this.opts.store) {
      this.sFlags[s] |= 2;
      this.releaseReplay();
    } else this.free.push(s);
  }

  /**
   * Hands the fair time the device's backlogged zones accrued up to each timeline boundary before
   * t to the timeline, so a backlog spanning buckets is split where it accrued. V at a boundary is
   * computed aside: the device's own integral (and so fair_share) is not split into more steps.
   */
  private markFair(dev: DevAcc, t: number): void {
    const tl = this.timeline!;
    let b = dev.markAt;
    if (b === -Infinity || dev.outstanding === 0) b = t;
    while (b <= t) {
      if (dev.outstanding > 0 && b > dev.lastT) {
        const dt = b - dev.lastT;
        const V = dev.sumW > 0 ? dev.V + dt / dev.sumW : dev.V;
        const V0 = dev.sumW <= 0 && dev.n0 > 0 ? dev.V0 + dt / dev.n0 : dev.V0;
        for (let z = 0; z < this.zones.length; z++) {
          if (dev.zoneOut[z] === 0) continue;
          const w = this.zones[z].weight;
          if (w > 0) {
            tl.addFairTime(z, w * (V - dev.zoneMark[z]), b, b);
            dev.zoneMark[z] = V;
          } else {
            tl.addFairTime(z, V0 - dev.zoneMark[z], b, b);
            dev.zoneMark[z] = V0;
          }
        }
      }
      b = tl.boundaryAfter(b);
    }
    dev.markAt = b;
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
    while (this.ringLen > 0) {
      const s = this.ring[this.ringHead];
      if (!(this.sFlags[s] & 2)) break;
      this.ringHead = (this.ringHead + 1) % this.ring.length;
      this.ringLen--;
      if (!this.block) {
        this.block = new Float64Array(BLOCK_IOS * REPLAY_STRIDE);
        this.blockLen = 0;
      }
      const b = this.block;
      const o = this.blockLen;
      b[o + AT_DEVICE] = this.sDev[s];
      b[o + AT_ZONE] = this.sZone[s];
      b[o + AT_ARRIVAL] = this.sIssue[s];
      b[o + AT_COST] = this.sCost[s];
      b[o + AT_LATENCY] = this.sDone[s] - this.sIssue[s];
      b[o + AT_BYTES] = this.sBytes[s];
      b[o + AT_WRITE] = this.sFlags[s] & 1;
      b[o + AT_DEPTH] = this.sDepth[s];
      this.blockLen = o + REPLAY_STRIDE;
      if (this.blockLen === b.length) {
        store.append(b, this.blockLen);
        this.block = null;
      }
      this.free.push(s);
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
    for (const d of this.devs) d.flushSecond();
    return this.results();
  }

  /**
   * Results so far without ending the pass (--every): covers the IOs already swept, i.e. up to
   * the reorder window behind the newest record; fair time of zones still backlogged is counted
   * up to their last completion.
   */
  snapshot(): ObserveResult {
    return this.results();
  }

  private results(): ObserveResult {
    const span: Span | null = this.firstArrival <= this.lastDone ? { startNs: this.firstArrival, endNs: this.lastDone } : null;
    const durS = span ? (span.endNs - span.startNs) / NS_PER_S : 0;
    let totalBusy = 0;
    const devices: DeviceResult[] = [];
    const deviceInfo: DeviceInfo[] = [];
    for (const d of this.devs) {
      totalBusy += d.busyNs;
      const cap = capacity(d.seconds);
      devices.push({
        device: d.name,
        ops: d.ops,
        busy_s: d.busyNs / NS_PER_S,
        utilization: durS > 0 ? d.busyNs / NS_PER_S / durS : null,
        capacity_iops: cap.iops,
        capacity_ratio: cap.iops.min && cap.iops.max ? cap.iops.max / cap.iops.min : null,
        capacity_bytes_per_s: cap.bytes,
        busy_seconds: cap.n,
      });
      deviceInfo.push({ name: d.name, medianIops: cap.iops.p50, medianBytesPerS: cap.bytes.p50 });
    }
    const zones: ZoneResult[] = this.zones.map((z) => {
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
        device_time_s: z.deviceTimeNs / NS_PER_S,
        fair_time_s: z.fairNs / NS_PER_S,
        device_share: totalBusy > 0 ? z.deviceTimeNs / totalBusy : null,
        fair_share: totalBusy > 0 ? z.fairNs / totalBusy : null,
        deviation: totalBusy > 0 ? (z.deviceTimeNs - z.fairNs) / totalBusy : null,
        latency_histogram: h.toJson(),
      };
    });
    const names = this.zones.map((z) => z.name);
    const warnings: string[] = [];
    if (this.late > 0)
      warnings.push(
        `${this.late} record(s) arrived later than the reorder window (${this.opts.reorderWindowNs / 1e9} s plus the longest latency seen): their times were clamped to the sweep; raise --reorder-window`,
      );
    return {
      zones,
      devices,
      zoneInfo: this.zones.map((z) => ({ name: z.name, weight: z.weight })),
      deviceInfo,
      span,
      timeline: this.timeline?.result(names) ?? null,
      records: this.swept,
      late: this.late,
      warnings,
    };
  }

  /** Per-zone latency histograms (for merging into the replay's baseline or tests). */
  zoneHistogram(zone: string): Histogram | undefined {
    const z = this.zoneIds.get(zone);
    return z === undefined ? undefined : this.zones[z].hist;
  }
}

/**
 * Delivered IOPS and bytes/s per busy second: ops completed in a second of the trace ÷ the device's
 * busy time in it, over the seconds at least half busy (or every second with busy time when none
 * is). Normalising by busy time gives what the device achieved on that second's workload mix.
 */
function capacity(sec: number[]) {
  const iops: number[] = [];
  const bps: number[] = [];
  let anyHalf = false;
  for (let i = 0; i < sec.length; i += 3) if (sec[i + 2] >= 0.5 * NS_PER_S) anyHalf = true;
  for (let i = 0; i < sec.length; i += 3) {
    const busy = sec[i + 2];
    if (busy <= 0 || sec[i] === 0) continue;
    if (anyHalf && busy < 0.5 * NS_PER_S) continue;
    iops.push((sec[i] * NS_PER_S) / busy);
    bps.push((sec[i + 1] * NS_PER_S) / busy);
  }
  return { iops: minMedianMax(iops), bytes: minMedianMax(bps), n: iops.length };
}
