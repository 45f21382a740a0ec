// throttle: the SmartOS/illumos-joyent ZFS zone IO throttle and zone-aware scheduler
// (usr/src/uts/common/fs/zfs/zfs_zone.c), per device.
//
// Throttle. Each zone's utilisation = reads·(system average read latency) + writes·(system
// average write latency), with op counts kept over `cycleNs` (2 s) cycles and the system averages
// over `sysAvgCycleNs` (1 s) cycles, rolled over as zfs_zone.c does. Every `adjustNs` (250 ms) the
// zones using the device share the total utilisation by priority (= zone weight): a zone above its
// fair utilisation gains `delayStepNs` (5 µs) of delay per IO, up to `delayCeilingNs` (100 µs),
// while the disk is over-utilised (busy > `busyPct` % over the adjust period and an IO slower than
// `slowNs` completed within `recentNs`); it loses a step when below its fair utilisation, when
// the disk is calm (busy < `calmPct` % or no slow IO within `ancientNs`) or when it is alone.
// Busy is the time with at least one IO in service, as zfs_zone.c counts zfs_disk_rtime, so on a
// device of K slots one IO in flight makes it busy.
// A zone of priority 0 is never delayed. In the replay the delay postpones the IO's issue (the
// kernel delays the read/write syscall), so latency is measured from the delayed issue, as
// zfs_zone.c measures from vdev dispatch.
//
// Scheduler (zfs_zone_schedule): once `schedThresh` (10) IOs are queued, the zone with the highest
// (queued·10 / zone's queued) · priority · age (age +1 per dispatch it waits, ≤ 20, reset when
// served) has its oldest IO bumped to the head; below the threshold the queue is FIFO.
//
// Simplifications, stated: one throttle per device (zfs_zone.c keeps one for the whole system);
// the adjust pass runs on a 250 ms timer rather than lazily in the next syscall; all IOs count as
// physical (no logical-write / ARC distinction).

import type { Policy, PolicyContext, PolicyFactory, PolicyOptions } from '../contract.js';

/** The SmartOS ZFS zone throttle tunables (zfs_zone.c), in ns and percent. */
export interface ThrottleTunables {
  delayStepNs: number; // zfs_zone_delay_step 5 µs
  delayCeilingNs: number; // zfs_zone_delay_ceiling 100 µs
  adjustNs: number; // zfs_zone_adjust_time 250 ms
  cycleNs: number; // zfs_zone_cycle_time 2 s (per-zone op counts)
  sysAvgCycleNs: number; // zfs_zone_sys_avg_cycle 1 s (system average latency)
  busyPct: number; // zfs_zone_util_threshold 80
  calmPct: number; // zfs_zone_underutil_threshold 60
  slowNs: number; // zfs_zone_laggard_threshold 50 ms
  recentNs: number; // zfs_zone_laggard_recent 1 s
  ancientNs: number; // zfs_zone_laggard_ancient 5 s
  /** zfs_zone_schedule_thresh 10: queue depth from which the zone-aware scheduler bumps IOs; 0 = off. */
  schedThresh: number;
  /** Test/diagnostic hook, like the zfs-zone-throttle SDT probe. Not part of params. */
  probe?: (e: ThrottleProbe) => void;
}

export interface ThrottleProbe {
  t: number;
  device: number;
  zone: number;
  from: number;
  to: number;
  util: number;
  fairutil: number;
  diskUtilPct: number;
}

export const DEFAULT_THROTTLE: ThrottleTunables = {
  delayStepNs: 5e3,
  delayCeilingNs: 100e3,
  adjustNs: 250e6,
  cycleNs: 2e9,
  sysAvgCycleNs: 1e9,
  busyPct: 80,
  calmPct: 60,
  slowNs: 50e6,
  recentNs: 1e9,
  ancientNs: 5e9,
  schedThresh: 10,
};

const SCHED_WEIGHT_MAX = 20;
const RW_LAT_LIMIT = 10;
const ZERO_AVG_NS = 1e6; // zfs_zone.c replaces a zero average by 1000 µs

export class Throttle implements Policy {
  startAt = 0;
  timerAt = Infinity;
  readonly delay: Float64Array;
  private readonly lastElig: Float64Array;
  private readonly prio: Float64Array;
  /**
   * Scheduler age (zfs_zone.c's zq_wt), kept lazily: a zone's age is the number of dispatches,
   * capped at SCHED_WEIGHT_MAX, since the last one at which it was served or had nothing queued
   * (`resetAt`); a zone's queue empties only by being served, so the last such dispatch is the one
   * before its queue last became non-empty. O(1) per dispatch instead of a pass over every zone.
   */
  private readonly resetAt: Float64Array;
  private dispatches = 0;
  // per-zone op counts (2 s cycle)
  private readonly rCnt: Float64Array;
  private readonly wCnt: Float64Array;
  private readonly rHist: Float64Array;
  private readonly wHist: Float64Array;
  private readonly idleCycles: Int32Array;
  private cycleStart = 0;
  // system average latency (1 s cycle)
  private rAvg = 0;
  private wAvg = 0;
  private rSum = 0;
  private rN = 0;
  private wSum = 0;
  private wN = 0;
  private rIdle = 0;
  private wIdle = 0;
  private sysStart = 0;
  private lastLaggard = -Infinity;
  private lastAdjust = 0;
  private lastBusy = 0;
  private started0 = false;
  private readonly T: ThrottleTunables;

  constructor(private readonly ctx: PolicyContext, opts: PolicyOptions) {
    this.T = opts.throttle;
    const n = ctx.zones.length;
    this.delay = new Float64Array(n);
    this.lastElig = new Float64Array(n).fill(-Infinity);
    this.prio = new Float64Array(n);
    for (let z = 0; z < n; z++) this.prio[z] = ctx.zones[z].weight > 0 ? ctx.zones[z].weight : 0;
    this.resetAt = new Float64Array(n);
    this.rCnt = new Float64Array(n);
    this.wCnt = new Float64Array(n);
    this.rHist = new Float64Array(n);
    this.wHist = new Float64Array(n);
    this.idleCycles = new Int32Array(n);
  }

  /** Starts the adjustment timer at ctx.clock. */
  private startClock(): void {
    const t = this.ctx.clock;
    if (!this.started0) {
      this.started0 = true;
      this.cycleStart = t;
      this.sysStart = t;
    }
    this.lastAdjust = t;
    this.lastBusy = this.ctx.busyTime(t);
    this.timerAt = t + this.T.adjustNs;
  }

  /** Roll the 2 s and 1 s cycles over up to ctx.clock. */
  private roll(): void {
    const t = this.ctx.clock;
    const T = this.T;
    let k = 0;
    while (t >= this.cycleStart + T.cycleNs) {
      if (++k > 8) {
        // long idle: everything has decayed to zero
        this.rHist.fill(0);
        this.wHist.fill(0);
        this.rCnt.fill(0);
        this.wCnt.fill(0);
        this.cycleStart += Math.floor((t - this.cycleStart) / T.cycleNs) * T.cycleNs;
        break;
      }
      for (let z = 0; z < this.rCnt.length; z++) {
        const c = this.rCnt[z] + this.wCnt[z];
        if (c > 1) {
          this.rHist[z] = this.rCnt[z];
          this.wHist[z] = this.wCnt[z];
          this.idleCycles[z] = 0;
        } else {
          this.rHist[z] = this.rCnt[z] + this.rHist[z] / 2;
          this.wHist[z] = this.wCnt[z] + this.wHist[z] / 2;
          if (++this.idleCycles[z] > 5) {
            this.rHist[z] = 0;
            this.wHist[z] = 0;
          }
        }
        this.rCnt[z] = 0;
        this.wCnt[z] = 0;
      }
      this.cycleStart += T.cycleNs;
    }
    k = 0;
    while (t >= this.sysStart + T.sysAvgCycleNs) {
      if (++k > 8) {
        this.rAvg = this.wAvg = this.rSum = this.wSum = this.rN = this.wN = 0;
        this.sysStart += Math.floor((t - this.sysStart) / T.sysAvgCycleNs) * T.sysAvgCycleNs;
        break;
      }
      if (this.rN > 0) {
        this.rAvg = (this.rAvg + this.rSum) / (1 + this.rN);
        this.rIdle = 0;
      } else if (++this.rIdle > 5) this.rAvg = 0;
      else this.rAvg /= 2;
      if (this.wN > 0) {
        this.wAvg = (this.wAvg + this.wSum) / (1 + this.wN);
        this.wIdle = 0;
      } else if (++this.wIdle > 5) this.wAvg = 0;
      else this.wAvg /= 2;
      this.rSum = this.wSum = this.rN = this.wN = 0;
      this.sysStart += T.sysAvgCycleNs;
    }
  }

  arrive(zone: number, slot: number): void {
    const t = this.ctx.clock;
    if (this.ctx.queues.len[zone] === 1) this.resetAt[zone] = this.dispatches;
    if (this.timerAt === Infinity) this.startClock();
    let e = t + this.delay[zone];
    if (e < this.lastElig[zone]) e = this.lastElig[zone];
    this.lastElig[zone] = e;
    this.ctx.slots.a[slot] = e;
  }

  pick(): number {
    const now = this.ctx.clock;
    const q = this.ctx.queues;
    const sl = this.ctx.slots;
    // earliest eligible head (FIFO among eligible)
    let fz = -1;
    let fSeq = Infinity;
    let mz = -1;
    let mE = Infinity;
    let mSeq = Infinity;
    for (let k = 0; k < q.nActive; k++) {
      const z = q.active[k];
      const h = q.peek(z);
      const e = sl.a[h];
      const s = sl.seq[h];
      if (e <= now) {
        if (s < fSeq) {
          fSeq = s;
          fz = z;
        }
      } else if (e < mE || (e === mE && s < mSeq)) {
        mE = e;
        mSeq = s;
        mz = z;
      }
    }
    if (fz < 0) {
      this.startAt = mE;
      return mz;
    }
    this.startAt = now;
    const total = q.total;
    if (this.T.schedThresh > 0 && total >= this.T.schedThresh) {
      let bz = -1;
      let bP = 0;
      for (let k = 0; k < q.nActive; k++) {
        const z = q.active[k];
        if (sl.a[q.peek(z)] > now) continue;
        const age = Math.min(SCHED_WEIGHT_MAX, Math.min(SCHED_WEIGHT_MAX, this.dispatches - this.resetAt[z]) + 1);
        const p = ((total * 10) / q.len[z]) * this.prio[z] * age;
        // ties to the lowest zone index (the active list is in no particular order)
        if (p > bP || (p === bP && bz >= 0 && z < bz)) {
          bP = p;
          bz = z;
        }
      }
      if (bz >= 0) return bz;
    }
    return fz;
  }

  started(zone: number): void {
    this.resetAt[zone] = ++this.dispatches;
  }

  completed(zone: number, slot: number): void {
    const c = this.ctx.clock;
    this.roll();
    const lat = c - this.ctx.slots.a[slot]; // from (delayed) issue, as zfs_zone.c from dispatch
    if (this.ctx.slots.write[slot]) {
      this.wCnt[zone]++;
      this.wSum += lat;
      this.wN++;
    } else {
      this.rCnt[zone]++;
      this.rSum += lat;
      this.rN++;
    }
    if (lat > this.T.slowNs) this.lastLaggard = c;
  }

  /** System average latencies as read mid-cycle (ns), with zfs_zone.c's floor and 10× limit. */
  private averages(t: number): [number, number] {
    const T = this.T;
    const first = t - this.sysStart < T.sysAvgCycleNs; // always true after roll()
    let r = first && this.rN > 0 ? (this.rAvg + 8 * this.rSum) / (1 + 8 * this.rN) : this.rAvg;
    let w = first && this.wN > 0 ? (this.wAvg + 8 * this.wSum) / (1 + 8 * this.wN) : this.wAvg;
    if (r === 0) r = ZERO_AVG_NS;
    if (w === 0) w = ZERO_AVG_NS;
    if (r > RW_LAT_LIMIT * w) r = RW_LAT_LIMIT * w;
    else if (w > RW_LAT_LIMIT * r) w = RW_LAT_LIMIT * r;
    return [r, w];
  }

  timer(): void {
    const t = this.ctx.clock;
    const T = this.T;
    this.roll();
    const busy = this.ctx.busyTime(t);
    const dt = t - this.lastAdjust;
    const diskUtil = dt > 0 ? ((busy - this.lastBusy) / dt) * 100 : 0;
    this.lastAdjust = t;
    this.lastBusy = busy;
    this.timerAt = t + T.adjustNs;

    const [ravg, wavg] = this.averages(t);
    const secondHalf = t - this.cycleStart >= T.cycleNs / 2;
    const n = this.delay.length;
    let totutil = 0;
    let totpri = 0;
    let active = 0;
    const util = new Float64Array(n);
    for (let z = 0; z < n; z++) {
      const r = secondHalf ? this.rCnt[z] : this.rCnt[z] + this.rHist[z] / 2;
      const w = secondHalf ? this.wCnt[z] : this.wCnt[z] + this.wHist[z] / 2;
      const u = r * ravg + w * wavg;
      util[z] = u;
      if (u > 0) {
        totutil += u;
        totpri += this.prio[z];
        active++;
      }
    }
    const since = t - this.lastLaggard;
    const over = diskUtil > T.busyPct && since < T.recentNs;
    const under = diskUtil < T.calmPct || since > T.ancientNs;
    let anyDelay = false;
    for (let z = 0; z < n; z++) {
      const old = this.delay[z];
      let d = old;
      if (this.prio[z] === 0) d = 0;
      else {
        const fairutil = totpri > 0 ? (totutil * this.prio[z]) / totpri : active > 0 ? totutil / active : 0;
        if (util[z] > fairutil && over) {
          if (active > 1 && d < T.delayCeilingNs) d = Math.min(T.delayCeilingNs, d + T.delayStepNs);
        } else if (util[z] < fairutil || under || active <= 1) {
          if (d > 0) d = Math.max(0, d - T.delayStepNs);
        }
        if (d !== old && T.probe)
          T.probe({ t, device: this.ctx.deviceIndex, zone: z, from: old, to: d, util: util[z], fairutil, diskUtilPct: diskUtil });
      }
      this.delay[z] = d;
      if (d > 0) anyDelay = true;
    }
    // nothing to do while the device is idle and nobody is delayed: sleep until the next arrival
    if (!anyDelay && this.ctx.queues.total === 0 && busy === this.ctx.busyTime(Infinity)) this.timerAt = Infinity;
  }
}

export const throttle: PolicyFactory = {
  name: 'throttle',
  workConserving: false,
  description: 'the SmartOS ZFS zone IO throttle (delay steps under contention) and zone scheduler',
  params(opts) {
    const T = opts.throttle;
    return {
      delay_step_us: T.delayStepNs / 1e3,
      delay_ceiling_us: T.delayCeilingNs / 1e3,
      adjust_ms: T.adjustNs / 1e6,
      cycle_s: T.cycleNs / 1e9,
      sys_avg_cycle_s: T.sysAvgCycleNs / 1e9,
      busy_pct: T.busyPct,
      calm_pct: T.calmPct,
      slow_io_ms: T.slowNs / 1e6,
      recent_s: T.recentNs / 1e9,
      ancient_s: T.ancientNs / 1e9,
      sched_thresh: T.schedThresh,
      priorities: 'zone weights',
    };
  },
  create: (ctx, opts) => new Throttle(ctx, opts),
};
