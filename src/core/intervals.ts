// Analysis at interval fidelity (vfsstat, ziostat, iostat, cgroup io.stat).
//
// Per zone: ops, bytes, rates over the input's span, ops-weighted mean latency, device-time
// estimate (Σ ops × mean latency per interval, the estimate the SmartOS throttle itself uses;
// the device service time when the tool separates it), device share vs weighted fair share
// (a zone active in an interval counts as backlogged for all of it), deviation, Jain; the
// SmartOS throttle's own footprint (vfsstat d/s, del_t). A tool's own device time (iotop
// DISKTIME, iocost cost.usage) is preferred to ops × latency. When some active zone has no
// latency (io.stat), its device time is estimated from the device's busy time per op
// (/proc/diskstats) where the input has it (see device-time.ts); else shares are by ops (by bytes
// when the tool counts no ops: pidstat, iotop), and a warning says so. IO pressure stall time
// (PSI, pidstat iodelay) is summed per zone. One snapshot of cumulative counters has no window:
// no rates, capacity or replay.
// Per device: ops, busy time (%b/%util × duration), delivered IOPS and bytes/s per busy second
// in each busy interval (utilisation ≥ 50 %), min / median / max and their ratio. %util is the
// time with at least one IO in flight: on a device serving several IOs at once (SSD, NVMe, RAID)
// it says nothing of how much of the device was used (sysstat's man page says so). With the
// device's parallelism K known (--parallelism), the service it delivered in an interval is
// estimated as the IO time at the device, at most K × its busy time: ops × the device's service
// time (illumos asvc_t), or else the mean IOs in flight (aqu-sz, actv + wait) × duration; busy
// is then that service ÷ K, and capacity is per such busy second.
// Memory: per-interval aggregates per zone and per device (intervals are few: one per report).

import type { IntervalSample } from '../records.js';
import type { DeviceResult, PolicyResult, ShareMeasure, ZoneResult } from './analysis.js';
import { ShareTimeline, type TimelineNs } from './timeline.js';
import { runFluid, type FluidCell, type FluidGroup, type FluidOptions } from './fluid.js';
import { busyPerOp, type DeviceWindow } from './device-time.js';
import { jain, minMedianMax } from './stats.js';
import { DEFAULT_THROTTLE } from './replay/policies/throttle.js';

const NS = 1e9;
/** An interval counts as busy for capacity when the device was at least this busy. */
export const BUSY_UTILIZATION = 0.5;

interface ZoneCell {
  ops: number;
  readOps: number;
  writeOps: number;
  bytes: number;
  /** Σ ops × latency (ns·op); NaN when the tool had no latency. */
  costNs: number;
  throttledOps: number;
}

interface Cell {
  group: string;
  startNs: number;
  durNs: number;
  zones: Map<number, ZoneCell>;
}

interface ZoneAcc {
  name: string;
  ops: number;
  readOps: number;
  writeOps: number;
  bytes: number;
  latSum: number; // Σ ops × avg latency
  latOps: number;
  costNs: number;
  costKnown: boolean;
  throttledOps: number;
  throttleDelaySum: number; // Σ throttled ops × delay
  stallNs: number;
  stallFullNs: number;
  hasStall: boolean;
  hasFull: boolean;
}

interface DeviceAcc {
  name: string;
  ops: number;
  bytes: number;
  durNs: number;
  busyNs: number;
  hasUtil: boolean;
  capIops: number[];
  capBps: number[];
  busyIntervalsNs: number;
  intervals: [number, number, number][]; // start, end, util
  /** Per interval: duration, ops, bytes, utilisation (NaN: none), IO time at the device (NaN: unknown), and how that was measured. */
  cells: DeviceCell[];
  /** Ops and busy time per interval, when the tool reports busy time (device-time estimates). */
  windows: DeviceWindow[];
}

interface DeviceCell {
  durNs: number;
  ops: number;
  bytes: number;
  util: number;
  ioTimeNs: number;
  ioTimeFrom: 'service_time' | 'queue_depth' | null;
}

/**
 * IO time at the device in an interval: ops × its service time when the tool gives one, else
 * the mean queue length × duration. (sysstat's legacy svctm is %util ÷ IOPS, so with it this is
 * only %util × duration again: a lower bound on a device serving several IOs at once.)
 */
function ioTimeOf(s: IntervalSample, ops: number): Pick<DeviceCell, 'ioTimeNs' | 'ioTimeFrom'> {
  const svc = s.serviceLatencyNs;
  if (svc !== undefined && Number.isFinite(svc)) return { ioTimeNs: ops * svc, ioTimeFrom: 'service_time' };
  if (s.queueDepth !== undefined && Number.isFinite(s.queueDepth)) return { ioTimeNs: s.queueDepth * s.durationNs, ioTimeFrom: 'queue_depth' };
  return { ioTimeNs: NaN, ioTimeFrom: null };
}

export interface IntervalZoneResult extends ZoneResult {
  /** Share of the zone's ops the SmartOS throttle delayed (vfsstat d/s); null when the tool does not say. */
  throttle_delayed_share: number | null;
  /** Mean delay per delayed op (µs) (vfsstat del_t). */
  throttle_mean_delay_us: number | null;
  /** Time the zone's tasks were stalled on IO (PSI some, pidstat iodelay), s; null when the input does not say. */
  io_stall_s: number | null;
  /** Time all of the zone's tasks were stalled on IO at once (PSI full), s; null when the input does not say. */
  io_stall_full_s: number | null;
}

export interface IntervalFinishOptions {
  weights: (zone: string) => number;
  /** --parallelism: a device's parallelism, or undefined when unknown. */
  parallelismOf?: (device: string) => number | undefined;
  policies: string[];
  /** The replay's --cap spec and throttle tunables, the same as the event replay's (null: no replay). */
  replay: FluidOptions | null;
}

export interface IntervalAnalysis {
  devices: DeviceResult[];
  zones: IntervalZoneResult[];
  policies: PolicyResult[];
  fairness: { jain: number | null; min_max_ratio: number | null; share_basis?: 'ops' | 'bytes' };
  /** What zone device time is measured in (see analysis.ts ShareMeasure). */
  shareMeasure: ShareMeasure | null;
  warnings: string[];
  /** Device and fair time per zone over the intervals (null when shares are not of device time). */
  timeline: TimelineNs | null;
  /** Span of the kept intervals (ns, relative), for input.start_s / end_s. */
  startNs: number | null;
  endNs: number | null;
}

export class IntervalAnalyzer {
  private zoneIdx = new Map<string, number>();
  private zones: ZoneAcc[] = [];
  private devices = new Map<string, DeviceAcc>();
  private cells = new Map<string, Cell>();
  private minStart = Infinity;
  /** Zone samples whose device time came from the tool's own device time, a device service time, or the whole latency. */
  private costByOwn = 0;
  private costByService = 0;
  private costByLatency = 0;
  private maxEnd = -Infinity;
  private samples = 0;
  /** MAJ:MIN → device name, from device samples that carry both. */
  private deviceAlias = new Map<string, string>();
  private cumulative = false;
  /** Whether any zone sample counted ops (pidstat and iotop count only bytes or time). */
  private anyOps = false;

  add(s: IntervalSample): void {
    if (!(s.durationNs > 0) || !Number.isFinite(s.startNs)) return;
    this.samples++;
    this.minStart = Math.min(this.minStart, s.startNs);
    this.maxEnd = Math.max(this.maxEnd, s.startNs + s.durationNs);
    const ops = (s.readOps || 0) + (s.writeOps || 0);
    const bytes = (s.readBytes || 0) + (s.writeBytes || 0);
    if (ops > 0 && s.kind === 'zone') this.anyOps = true;
    if (s.cumulative) this.cumulative = true;
    const ownTime = s.deviceTimeNs !== undefined && Number.isFinite(s.deviceTimeNs) && s.deviceTimeNs >= 0 ? s.deviceTimeNs : undefined;
    if (s.kind === 'device') {
      let d = this.devices.get(s.name);
      if (!d) {
        d = { name: s.name, ops: 0, bytes: 0, durNs: 0, busyNs: 0, hasUtil: false, capIops: [], capBps: [], busyIntervalsNs: 0, intervals: [], cells: [], windows: [] };
        this.devices.set(s.name, d);
      }
      if (s.device) this.deviceAlias.set(s.device, s.name);
      d.ops += ops;
      d.bytes += bytes;
      const secs = s.durationNs / NS;
      if (ownTime !== undefined) {
        d.windows.push({ startNs: s.startNs, endNs: s.startNs + s.durationNs, ops, busyNs: ownTime, cumulative: !!s.cumulative });
      }
      if (s.cumulative) {
        // totals over an unknown window: busy time, but no utilisation or capacity
        if (ownTime !== undefined) {
          d.busyNs += ownTime;
          d.hasUtil = true;
        }
        return;
      }
      d.durNs += s.durationNs;
      const util = s.utilization !== undefined && Number.isFinite(s.utilization) ? Math.min(1, Math.max(0, s.utilization)) : NaN;
      d.cells.push({ durNs: s.durationNs, ops, bytes, util, ...ioTimeOf(s, ops) });
      if (s.utilization !== undefined && Number.isFinite(s.utilization)) {
        const u = Math.min(1, Math.max(0, s.utilization));
        d.hasUtil = true;
        d.busyNs += u * s.durationNs;
        d.intervals.push([s.startNs, s.startNs + s.durationNs, u]);
        if (u >= BUSY_UTILIZATION && ops > 0) {
          d.capIops.push(ops / (u * secs));
          d.capBps.push(bytes / (u * secs));
          d.busyIntervalsNs += s.durationNs;
        }
      } else if (ops > 0) {
        d.capIops.push(ops / secs);
        d.capBps.push(bytes / secs);
      }
      return;
    }
    let zi = this.zoneIdx.get(s.name);
    if (zi === undefined) {
      zi = this.zones.length;
      this.zoneIdx.set(s.name, zi);
      this.zones.push({
        name: s.name, ops: 0, readOps: 0, writeOps: 0, bytes: 0, latSum: 0, latOps: 0, costNs: 0, costKnown: true, throttledOps: 0, throttleDelaySum: 0,
        stallNs: 0, stallFullNs: 0, hasStall: false, hasFull: false,
      });
    }
    const z = this.zones[zi];
    z.ops += ops;
    z.readOps += s.readOps || 0;
    z.writeOps += s.writeOps || 0;
    z.bytes += bytes;
    const lat = s.avgLatencyNs;
    if (lat !== undefined && Number.isFinite(lat)) {
      z.latSum += ops * lat;
      z.latOps += ops;
    }
    const svc = s.serviceLatencyNs ?? lat;
    const cost = ownTime ?? (svc !== undefined && Number.isFinite(svc) ? ops * svc : NaN);
    const active = ops > 0 || bytes > 0 || (ownTime ?? 0) > 0;
    if (active) {
      if (Number.isNaN(cost)) z.costKnown = false;
      else {
        z.costNs += cost;
        if (ownTime !== undefined) this.costByOwn++;
        else if (s.serviceLatencyNs !== undefined) this.costByService++;
        else this.costByLatency++;
      }
    }
    if (s.pressureStallNs !== undefined && Number.isFinite(s.pressureStallNs)) {
      z.stallNs += s.pressureStallNs;
      z.hasStall = true;
    }
    if (s.pressureFullNs !== undefined && Number.isFinite(s.pressureFullNs)) {
      z.stallFullNs += s.pressureFullNs;
      z.hasFull = true;
    }
    if (s.throttledOps !== undefined && s.throttledOps > 0) {
      z.throttledOps += s.throttledOps;
      z.throttleDelaySum += s.throttledOps * (s.throttleDelayNs ?? 0);
    }
    const group = s.device ?? '';
    const key = `${group}\0${s.startNs}`;
    let cell = this.cells.get(key);
    if (!cell) {
      cell = { group, startNs: s.startNs, durNs: s.durationNs, zones: new Map() };
      this.cells.set(key, cell);
    }
    let zc = cell.zones.get(zi);
    if (!zc) {
      zc = { ops: 0, readOps: 0, writeOps: 0, bytes: 0, costNs: 0, throttledOps: 0 };
      cell.zones.set(zi, zc);
    }
    zc.ops += ops;
    zc.readOps += s.readOps || 0;
    zc.writeOps += s.writeOps || 0;
    zc.bytes += bytes;
    zc.costNs += active ? cost : 0;
    zc.throttledOps += s.throttledOps ?? 0;
  }

  finish(opts: IntervalFinishOptions): IntervalAnalysis {
    const warnings: string[] = [];
    // one snapshot of cumulative counters: its nominal window gives no rates
    const spanNs = this.maxEnd > this.minStart && !this.cumulative ? this.maxEnd - this.minStart : 0;
    const spanS = spanNs / NS;
    const weight = (name: string) => {
      const w = opts.weights(name);
      return Number.isFinite(w) && w >= 0 ? w : 1;
    };
    const weights = this.zones.map((z) => weight(z.name));

    // shares: device time when every active zone-interval has a latency (or an estimate from the
    // device's busy time per op), else ops, else bytes
    const cellsSorted = [...this.cells.values()].sort((a, b) => a.startNs - b.startNs);
    const isActive = (zc: ZoneCell) => zc.ops > 0 || zc.bytes > 0 || zc.costNs > 0;
    let byTime = this.zones.every((z) => z.costKnown || (z.ops === 0 && z.bytes === 0));
    let estimated = false;
    if (!byTime && this.estimateDeviceTime(cellsSorted, isActive)) {
      byTime = true;
      estimated = true;
      warnings.push(
        'device time of zones without a latency (cgroup io.stat, blkio) estimated from the device\'s busy time per op in the same interval ' +
          '(/proc/diskstats io_ticks ÷ ops): within an interval every op on a device is charged the same, whatever its size',
      );
    }
    const basis = byTime ? 'time' : this.anyOps ? 'ops' : 'bytes';
    if (this.zones.length > 0 && basis === 'ops') {
      warnings.push('some zones have no latency in the input (e.g. cgroup io.stat): device shares are shares of ops, not of device time');
    } else if (basis === 'bytes' && this.zones.some((z) => z.bytes > 0)) {
      warnings.push('the input counts bytes but no ops (e.g. pidstat -d, iotop): device shares are shares of bytes, and ops, IOPS and latency are unknown (shown as 0 or -)');
    }
    if (this.cumulative) {
      warnings.push(
        'the input is one snapshot of cumulative counters (totals since each cgroup was created, or since boot), over windows of unknown and possibly different lengths: ' +
          'shares are shares of those totals; rates, capacity and the what-if replay need two or more snapshots',
      );
    }
    if (this.zones.length > 0) {
      warnings.push('interval fidelity: a zone active in an interval counts as backlogged for the whole interval when computing its fair share');
    }
    const actual = new Array<number>(this.zones.length).fill(0);
    const fair = new Array<number>(this.zones.length).fill(0);
    let totalCost = 0;
    // over time, only when shares are of device time (a share of ops has no time to plot)
    const timeline = byTime && cellsSorted.length ? new ShareTimeline() : null;
    for (const cell of cellsSorted) {
      const cellEnd = cell.startNs + cell.durNs;
      if (timeline) {
        timeline.start(cell.startNs);
        timeline.reach(cellEnd);
      }
      let total = 0;
      let wsum = 0;
      let nActive = 0;
      for (const [zi, zc] of cell.zones) {
        if (!isActive(zc)) continue;
        const c = basis === 'time' ? zc.costNs : basis === 'ops' ? zc.ops : zc.bytes;
        actual[zi] += c;
        timeline?.addDeviceTime(zi, c, cell.startNs, cellEnd);
        total += c;
        wsum += weights[zi];
        nActive++;
      }
      totalCost += total;
      for (const [zi, zc] of cell.zones) {
        if (!isActive(zc)) continue;
        const f = wsum > 0 ? (total * weights[zi]) / wsum : total / nActive;
        fair[zi] += f;
        timeline?.addFairTime(zi, f, cell.startNs, cellEnd);
      }
    }

    const zones: IntervalZoneResult[] = this.zones.map((z, i) => {
      const share = totalCost > 0 ? actual[i] / totalCost : null;
      const fshare = totalCost > 0 ? fair[i] / totalCost : null;
      return {
        zone: z.name,
        weight: weights[i],
        ops: z.ops,
        read_ops: z.readOps,
        write_ops: z.writeOps,
        bytes: z.bytes,
        iops: spanS > 0 && this.anyOps ? z.ops / spanS : null,
        bytes_per_s: spanS > 0 ? z.bytes / spanS : null,
        latency_us: { mean: z.latOps > 0 ? z.latSum / z.latOps / 1000 : null, p50: null, p90: null, p99: null, p999: null, max: null },
        device_time_s: z.costKnown ? z.costNs / NS : null,
        fair_time_s: byTime ? fair[i] / NS : null,
        device_share: share,
        fair_share: fshare,
        deviation: share !== null && fshare !== null ? share - fshare : null,
        throttle_delayed_share: z.throttledOps > 0 ? z.throttledOps / z.ops : this.hasThrottleData ? 0 : null,
        throttle_mean_delay_us: z.throttledOps > 0 ? z.throttleDelaySum / z.throttledOps / 1000 : null,
        io_stall_s: z.hasStall ? z.stallNs / NS : null,
        io_stall_full_s: z.hasFull ? z.stallFullNs / NS : null,
        latency_histogram: null,
      };
    });
    this.stallNotes(warnings, spanNs);
    const xs: number[] = [];
    for (let i = 0; i < zones.length; i++) if (fair[i] > 0) xs.push(actual[i] / fair[i]);
    const mm = xs.length ? Math.min(...xs) / Math.max(...xs) : null;

    // the throttle steps delays down below this disk utilisation (zfs_zone_underutil_threshold, --throttle-calm)
    this.throttleWarnings(warnings, (opts.replay?.throttle ?? DEFAULT_THROTTLE).calmPct / 100);

    const devices: DeviceResult[] = [...this.devices.values()].map((d) => this.deviceResult(d, opts.parallelismOf?.(d.name), warnings));
    if (devices.some((d) => d.parallelism === null) && !this.cumulative) {
      warnings.push(
        `device capacity at interval fidelity: IOPS per busy second (ops ÷ (utilisation × duration)) in intervals at least ${BUSY_UTILIZATION * 100} % busy; %util understates what parallel devices (SSD, NVMe, RAID) can do`,
      );
    }

    // fluid replay over the zone cells
    let policies: PolicyResult[] = [];
    const replayable = !this.cumulative && this.anyOps;
    if (this.zones.length > 0 && opts.policies.length > 0 && opts.replay && !replayable) {
      if (!this.anyOps) warnings.push('no what-if replay: the input counts no ops, and the fluid replay works on ops');
    } else if (this.zones.length > 0 && opts.policies.length > 0 && opts.replay) {
      const groups = new Map<string, FluidGroup>();
      for (const cell of cellsSorted) {
        let g = groups.get(cell.group);
        if (!g) {
          g = { name: cell.group, cells: [] };
          groups.set(cell.group, g);
        }
        const fc: FluidCell = { startNs: cell.startNs, durNs: cell.durNs, ops: new Map(), bytes: new Map(), util: this.deviceUtil(cell.group, cell.startNs, cell.startNs + cell.durNs) };
        for (const [zi, zc] of cell.zones) {
          if (zc.ops > 0) {
            fc.ops.set(zi, zc.ops);
            fc.bytes.set(zi, zc.bytes);
          }
        }
        g.cells.push(fc);
      }
      const fl = runFluid(
        {
          zones: this.zones.map((z, i) => ({ name: z.name, weight: weights[i], meanLatencyNs: z.latOps > 0 ? z.latSum / z.latOps : null })),
          groups: [...groups.values()],
        },
        opts.policies,
        opts.replay,
      );
      policies = fl.policies;
      warnings.push(...fl.warnings);
    } else if (this.zones.length === 0 && opts.policies.length > 0 && this.devices.size > 0) {
      warnings.push('device tools (iostat) say nothing about zones: no per-zone shares and no what-if replay; add vfsstat/ziostat or cgroup io.stat');
    }

    return {
      devices,
      zones,
      policies,
      fairness: { jain: jain(xs), min_max_ratio: mm, ...(basis === 'time' ? {} : { share_basis: basis }) },
      shareMeasure: this.zones.length === 0 ? null : this.shareMeasure(basis, estimated),
      warnings,
      startNs: this.samples && !this.cumulative ? this.minStart : null,
      endNs: this.samples && !this.cumulative ? this.maxEnd : null,
      timeline: timeline?.result(this.zones.map((z) => z.name)) ?? null,
    };
  }

  /**
   * A device's row. Without a parallelism: busy = %util × duration, as the tool reports it (with
   * a note when IOs were clearly served several at a time). With parallelism K: the service
   * delivered per interval is min(IO time at the device, K × busy time), busy is that ÷ K.
   */
  private deviceResult(d: DeviceAcc, k: number | undefined, warnings: string[]): DeviceResult {
    const base = {
      device: d.name,
      ops: d.ops,
      busy_s: d.busyNs / NS,
      parallelism_evidence: null,
      cost_model: null,
    };
    // without intervals of known length (one snapshot of cumulative counters) K changes nothing
    if (k === undefined || d.cells.length === 0) {
      // how many IOs were in flight on average while the device was busy, at most
      let most = 0;
      for (const c of d.cells) if (c.util >= 0.1 && c.ioTimeNs === c.ioTimeNs) most = Math.max(most, c.ioTimeNs / (c.util * c.durNs));
      if (most >= 1.5 && k === undefined)
        warnings.push(
          `device ${d.name}: up to ${most.toFixed(1)} IOs were in flight on average while it was busy; %util counts it busy with one IO in flight, so if it serves several at once (SSD, NVMe, RAID) its busy time and IOPS per busy second understate it: give --parallelism ${d.name}=K`,
        );
      const ci = minMedianMax(d.capIops);
      const cb = minMedianMax(d.capBps);
      return {
        ...base,
        utilization: d.hasUtil && d.durNs > 0 ? d.busyNs / d.durNs : null,
        capacity_iops: ci,
        capacity_ratio: ci.min && ci.max ? ci.max / ci.min : null,
        capacity_bytes_per_s: cb,
        busy_seconds: d.busyIntervalsNs / NS,
        parallelism: k ?? null,
        parallelism_source: k === undefined ? null : 'option',
        service_s: d.hasUtil ? d.busyNs / NS : null,
        attribution: 'utilization',
      };
    }
    let service = 0;
    const capIops: number[] = [];
    const capBps: number[] = [];
    let busySeconds = 0;
    const from = new Set<string>();
    for (const c of d.cells) {
      const busy = c.util === c.util ? c.util * c.durNs : c.durNs;
      let svc: number;
      if (c.ioTimeNs === c.ioTimeNs) {
        svc = Math.min(c.ioTimeNs, k * busy);
        from.add(c.ioTimeFrom!);
      } else if (c.util === c.util) {
        svc = busy;
        from.add('utilization');
      } else continue;
      service += svc;
      const frac = svc / (k * c.durNs);
      if (frac >= BUSY_UTILIZATION && c.ops > 0) {
        capIops.push(c.ops / ((frac * c.durNs) / NS));
        capBps.push(c.bytes / ((frac * c.durNs) / NS));
        busySeconds += c.durNs / NS;
      }
    }
    if (k > 1 && from.has('utilization'))
      warnings.push(
        `device ${d.name}: the tool gives neither a device service time nor a queue length for some intervals; there its service is %util × duration, a lower bound for a device serving ${k} IOs at once`,
      );
    const ci = minMedianMax(capIops);
    const cb = minMedianMax(capBps);
    return {
      ...base,
      utilization: d.durNs > 0 ? service / (k * d.durNs) : null,
      capacity_iops: ci,
      capacity_ratio: ci.min && ci.max ? ci.max / ci.min : null,
      capacity_bytes_per_s: cb,
      busy_seconds: busySeconds,
      parallelism: k,
      parallelism_source: 'option',
      service_s: service / NS,
      attribution: from.has('service_time') ? 'service_time' : from.has('queue_depth') ? 'queue_depth' : 'utilization',
    };
  }

  /**
   * Fills in the device time of zone cells without one from their device's busy time per op
   * (a device named by the cell's MAJ:MIN or name); true when every active cell then has one.
   */
  private estimateDeviceTime(cells: Cell[], isActive: (zc: ZoneCell) => boolean): boolean {
    if (![...this.devices.values()].some((d) => d.windows.length)) return false;
    const estimates: [ZoneCell, number][] = [];
    for (const cell of cells) {
      const name = this.deviceAlias.get(cell.group) ?? cell.group;
      const d = this.devices.get(name);
      for (const zc of cell.zones.values()) {
        if (!isActive(zc) || Number.isFinite(zc.costNs)) continue;
        const perOp = d ? busyPerOp(d.windows, cell.startNs, cell.startNs + cell.durNs, this.cumulative) : undefined;
        if (perOp === undefined) return false;
        estimates.push([zc, zc.ops * perOp]);
      }
    }
    for (const [zc, c] of estimates) zc.costNs = c;
    // per-zone sums from the cells, now that every cell has a cost
    for (const z of this.zones) {
      z.costNs = 0;
      z.costKnown = true;
    }
    for (const cell of cells) for (const [zi, zc] of cell.zones) if (isActive(zc)) this.zones[zi].costNs += zc.costNs;
    return true;
  }

  /** One note per zone with IO pressure: how long its tasks were stalled, of how long. */
  private stallNotes(warnings: string[], spanNs: number): void {
    const stalled = this.zones.filter((z) => z.stallNs > 0).sort((a, b) => b.stallNs - a.stallNs);
    if (!stalled.length) return;
    const fmt = (ns: number) => `${Number((ns / NS).toFixed(3))} s`;
    const of = spanNs > 0 ? ` of ${fmt(spanNs)}` : this.cumulative ? ' in total (since the counter started)' : '';
    for (const z of stalled.slice(0, 10)) {
      warnings.push(
        `IO pressure: ${z.name}: tasks stalled on IO for ${fmt(z.stallNs)}${of}` + (z.hasFull ? `, all of its tasks at once for ${fmt(z.stallFullNs)}` : ''),
      );
    }
    if (stalled.length > 10) warnings.push(`IO pressure: ${stalled.length - 10} more zone(s) with stall time (see io_stall_s in the JSON report)`);
  }

  /** What zone device time is measured in, from where the zone samples' costs came. */
  private shareMeasure(basis: 'time' | 'ops' | 'bytes', estimated: boolean): ShareMeasure {
    if (basis !== 'time') return basis;
    if (this.costByLatency > 0) return 'io_time';
    if (this.costByService > 0 && this.costByOwn === 0 && !estimated) return 'device_io_time';
    return 'device_time';
  }

  private get hasThrottleData(): boolean {
    return this.zones.some((z) => z.throttledOps > 0);
  }

  /** Max utilisation of devices overlapping [a, b) (a device named `group` when there is one); null when unknown. */
  private deviceUtil(group: string, a: number, b: number): number | null {
    let best: number | null = null;
    group = this.deviceAlias.get(group) ?? group;
    const devs = group && this.devices.has(group) ? [this.devices.get(group)!] : group ? [] : [...this.devices.values()];
    for (const d of devs) {
      for (const [s, e, u] of d.intervals) {
        if (s < b && e > a) best = best === null ? u : Math.max(best, u);
      }
    }
    return best;
  }

  private throttleWarnings(warnings: string[], calmUtil: number): void {
    // per zone: throttled intervals where it was the only non-global zone doing IO, or where the disk was calm
    const lone = new Map<number, [number, number]>();
    const calm = new Map<number, [number, number]>();
    for (const cell of this.cells.values()) {
      for (const [zi, zc] of cell.zones) {
        if (!(zc.throttledOps > 0)) continue;
        let others = 0;
        for (const [zj, oc] of cell.zones) if (zj !== zi && oc.ops > 0 && this.zones[zj].name !== 'global') others++;
        if (others === 0) {
          const v = lone.get(zi) ?? [0, 0];
          lone.set(zi, [v[0] + 1, v[1] + zc.throttledOps]);
        }
        const u = this.deviceUtil(cell.group, cell.startNs, cell.startNs + cell.durNs);
        if (u !== null && u < calmUtil) {
          const v = calm.get(zi) ?? [0, 0];
          calm.set(zi, [v[0] + 1, v[1] + zc.throttledOps]);
        }
      }
    }
    const fmt = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
    for (const [zi, [n, ops]] of lone) {
      warnings.push(
        `zone ${this.zones[zi].name}: the ZFS throttle delayed ${fmt(ops)} ops in ${n} interval(s) where it was the only non-global zone doing IO: the delay cost performance and bought no fairness`,
      );
    }
    for (const [zi, [n, ops]] of calm) {
      warnings.push(
        `zone ${this.zones[zi].name}: the ZFS throttle delayed ${fmt(ops)} ops in ${n} interval(s) while the disk was under ${+(calmUtil * 100).toPrecision(4)} % busy: the delay cost performance and bought no fairness`,
      );
    }
  }
}
