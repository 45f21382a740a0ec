// Analysis at interval fidelity (vfsstat, ziostat, iostat, cgroup io.stat).
//
// Per zone: ops, bytes, rates over the input's span, ops-weighted mean latency, device-time
// estimate (Σ ops × mean latency per interval, the estimate the SmartOS throttle itself uses;
// the device service time when the tool separates it), device share vs weighted fair share
// (a zone active in an interval counts as backlogged for all of it), deviation, Jain; the
// SmartOS throttle's own footprint (vfsstat d/s, del_t). When some active zone has no latency
// (io.stat), shares are by ops instead of device time, and a warning says so.
// Per device: ops, busy time (%b/%util × duration), delivered IOPS and bytes/s per busy second
// in each busy interval (utilisation ≥ 50 %), min / median / max and their ratio.
// Memory: per-interval aggregates per zone and per device (intervals are few: one per report).

import type { IntervalSample } from '../records.js';
import type { DeviceResult, PolicyResult, ZoneResult } from './analysis.js';
import { ShareTimeline, type TimelineNs } from './timeline.js';
import { runFluid, type FluidCell, type FluidGroup, type FluidOptions } from './fluid.js';
import { jain, minMedianMax } from './stats.js';

const NS = 1e9;
/** An interval counts as busy for capacity when the device was at least this busy. */
export const BUSY_UTILIZATION = 0.5;
/** The SmartOS throttle steps delays down below this disk utilisation (zfs_zone_underutil_threshold). */
const THROTTLE_CALM = 0.6;

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
}

export interface IntervalZoneResult extends ZoneResult {
  /** Share of the zone's ops the SmartOS throttle delayed (vfsstat d/s); null when the tool does not say. */
  throttle_delayed_share: number | null;
  /** Mean delay per delayed op (µs) (vfsstat del_t). */
  throttle_mean_delay_us: number | null;
}

export interface IntervalFinishOptions {
  weights: (zone: string) => number;
  policies: string[];
  /** The replay's --cap spec and throttle tunables, the same as the event replay's (null: no replay). */
  replay: FluidOptions | null;
}

export interface IntervalAnalysis {
  devices: DeviceResult[];
  zones: IntervalZoneResult[];
  policies: PolicyResult[];
  fairness: { jain: number | null; min_max_ratio: number | null };
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
  private maxEnd = -Infinity;
  private samples = 0;

  add(s: IntervalSample): void {
    if (!(s.durationNs > 0) || !Number.isFinite(s.startNs)) return;
    this.samples++;
    this.minStart = Math.min(this.minStart, s.startNs);
    this.maxEnd = Math.max(this.maxEnd, s.startNs + s.durationNs);
    const ops = (s.readOps || 0) + (s.writeOps || 0);
    const bytes = (s.readBytes || 0) + (s.writeBytes || 0);
    if (s.kind === 'device') {
      let d = this.devices.get(s.name);
      if (!d) {
        d = { name: s.name, ops: 0, bytes: 0, durNs: 0, busyNs: 0, hasUtil: false, capIops: [], capBps: [], busyIntervalsNs: 0, intervals: [] };
        this.devices.set(s.name, d);
      }
      d.ops += ops;
      d.bytes += bytes;
      d.durNs += s.durationNs;
      const secs = s.durationNs / NS;
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
    const cost = svc !== undefined && Number.isFinite(svc) ? ops * svc : NaN;
    if (ops > 0) {
      if (Number.isNaN(cost)) z.costKnown = false;
      else z.costNs += cost;
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
    zc.costNs += ops > 0 ? cost : 0;
    zc.throttledOps += s.throttledOps ?? 0;
  }

  finish(opts: IntervalFinishOptions): IntervalAnalysis {
    const warnings: string[] = [];
    const spanNs = this.maxEnd > this.minStart ? this.maxEnd - this.minStart : 0;
    const spanS = spanNs / NS;
    const weight = (name: string) => {
      const w = opts.weights(name);
      return Number.isFinite(w) && w >= 0 ? w : 1;
    };
    const weights = this.zones.map((z) => weight(z.name));

    // shares: device time when every active zone-interval has a latency, else ops
    const byTime = this.zones.every((z) => z.costKnown || z.ops === 0);
    if (this.zones.length > 0 && !byTime) {
      warnings.push('some zones have no latency in the input (e.g. cgroup io.stat): device shares are shares of ops, not of device time');
    }
    if (this.zones.length > 0) {
      warnings.push('interval fidelity: a zone active in an interval counts as backlogged for the whole interval when computing its fair share');
    }
    const actual = new Array<number>(this.zones.length).fill(0);
    const fair = new Array<number>(this.zones.length).fill(0);
    let totalCost = 0;
    const cellsSorted = [...this.cells.values()].sort((a, b) => a.startNs - b.startNs);
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
        if (zc.ops <= 0) continue;
        const c = byTime ? zc.costNs : zc.ops;
        actual[zi] += c;
        timeline?.addDeviceTime(zi, c, cell.startNs, cellEnd);
        total += c;
        wsum += weights[zi];
        nActive++;
      }
      totalCost += total;
      for (const [zi, zc] of cell.zones) {
        if (zc.ops <= 0) continue;
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
        iops: spanS > 0 ? z.ops / spanS : null,
        bytes_per_s: spanS > 0 ? z.bytes / spanS : null,
        latency_us: { mean: z.latOps > 0 ? z.latSum / z.latOps / 1000 : null, p50: null, p90: null, p99: null, p999: null, max: null },
        device_time_s: z.costKnown ? z.costNs / NS : null,
        fair_time_s: byTime ? fair[i] / NS : null,
        device_share: share,
        fair_share: fshare,
        deviation: share !== null && fshare !== null ? share - fshare : null,
        throttle_delayed_share: z.throttledOps > 0 ? z.throttledOps / z.ops : this.hasThrottleData ? 0 : null,
        throttle_mean_delay_us: z.throttledOps > 0 ? z.throttleDelaySum / z.throttledOps / 1000 : null,
        latency_histogram: null,
      };
    });
    const xs: number[] = [];
    for (let i = 0; i < zones.length; i++) if (fair[i] > 0) xs.push(actual[i] / fair[i]);
    const mm = xs.length ? Math.min(...xs) / Math.max(...xs) : null;

    this.throttleWarnings(warnings);

    const devices: DeviceResult[] = [...this.devices.values()].map((d) => {
      const ci = minMedianMax(d.capIops);
      const cb = minMedianMax(d.capBps);
      return {
        device: d.name,
        ops: d.ops,
        busy_s: d.busyNs / NS,
        utilization: d.hasUtil && d.durNs > 0 ? d.busyNs / d.durNs : null,
        capacity_iops: ci,
        capacity_ratio: ci.min && ci.max ? ci.max / ci.min : null,
        capacity_bytes_per_s: cb,
        busy_seconds: d.busyIntervalsNs / NS,
      };
    });
    if (devices.length > 0) {
      warnings.push(
        `device capacity at interval fidelity: IOPS per busy second (ops ÷ (utilisation × duration)) in intervals at least ${BUSY_UTILIZATION * 100} % busy; %util understates what parallel devices (SSD, NVMe, RAID) can do`,
      );
    }

    // fluid replay over the zone cells
    let policies: PolicyResult[] = [];
    if (this.zones.length > 0 && opts.policies.length > 0 && opts.replay) {
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
      fairness: { jain: jain(xs), min_max_ratio: mm },
      warnings,
      startNs: this.samples ? this.minStart : null,
      endNs: this.samples ? this.maxEnd : null,
      timeline: timeline?.result(this.zones.map((z) => z.name)) ?? null,
    };
  }

  private get hasThrottleData(): boolean {
    return this.zones.some((z) => z.throttledOps > 0);
  }

  /** Max utilisation of devices overlapping [a, b) (a device named `group` when there is one); null when unknown. */
  private deviceUtil(group: string, a: number, b: number): number | null {
    let best: number | null = null;
    const devs = group && this.devices.has(group) ? [this.devices.get(group)!] : group ? [] : [...this.devices.values()];
    for (const d of devs) {
      for (const [s, e, u] of d.intervals) {
        if (s < b && e > a) best = best === null ? u : Math.max(best, u);
      }
    }
    return best;
  }

  private throttleWarnings(warnings: string[]): void {
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
        if (u !== null && u < THROTTLE_CALM) {
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
        `zone ${this.zones[zi].name}: the ZFS throttle delayed ${fmt(ops)} ops in ${n} interval(s) while the disk was under ${THROTTLE_CALM * 100} % busy: the delay cost performance and bought no fairness`,
      );
    }
  }
}
