// Combining the parts of a replay (each a set of devices, maybe replayed on another thread) into
// the per-policy results of the JSON contract: per policy, the work done within the window (first
// arrival to last observed completion) and what was left undone, against the baseline fifo; the
// idle time while IO waited, per device; makespan; Jain's index over device time; and per zone the
// reported latencies, the slowdown against the baseline, when its work finished and, for a
// closed-loop zone, how late its IOs were issued. Every number is kept per device and combined in
// device order, so the result does not depend on the split.

import type { PolicyDeviceResult, PolicyResult, PolicyZoneResult, WorkAmount, WorkFractions } from '../analysis.js';
import { Histogram, type HistogramData } from '../histogram.js';
import { finite, jain } from '../stats.js';
import { fidelityOf, zoneFidelityOf, type ZoneFidelity } from './fidelity.js';
import { planOf, slotsOf, type ReplayOptions, type ReplayResult } from './plan.js';
import type { ReplayPart } from './run.js';
import type { DeviceInfo, Span, ZoneInfo } from './types.js';

function usUnlessEmpty(h: Histogram, f: (h: Histogram) => number): number | null {
  if (h.count === 0) return null;
  const v = f(h);
  return Number.isFinite(v) ? v / 1e3 : null;
}

/** x = actual / fair for the zones with fair time (Jain's index is over these). */
function ratios(actual: Float64Array, fair: Float64Array): number[] {
  const xs: number[] = [];
  for (let z = 0; z < actual.length; z++) if (fair[z] > 0) xs.push(actual[z] / fair[z]);
  return xs;
}

/** 1 − got ÷ base, at least 0; null when base is 0 or unknown. */
function lost(got: number | null, base: number | null): number | null {
  if (got === null || base === null || !(base > 0)) return null;
  return Math.max(0, 1 - got / base);
}

/** The shortfall of `w` against the baseline's work in each unit. */
export function workLost(w: WorkAmount | null, base: WorkAmount | null): WorkFractions | null {
  if (!w || !base) return null;
  return { ops: lost(w.ops, base.ops), bytes: lost(w.bytes, base.bytes), device_s: lost(w.device_s, base.device_s) };
}

/** The loop model of a replay as the JSON names it. */
export function loopName(zoneLoops: readonly string[] | undefined, nZones: number): PolicyResult['loop'] {
  let closed = 0;
  for (let z = 0; z < nZones; z++) if (zoneLoops?.[z] === 'closed') closed++;
  return closed === 0 ? 'open' : closed === nZones ? 'closed' : 'per-zone';
}

/** The result of the parts (together covering every device), as if replayed at once. */
export function combineReplays(parts: ReplayPart[], zones: ZoneInfo[], devices: DeviceInfo[], span: Span, opts: ReplayOptions): ReplayResult {
  const plan = planOf(opts);
  const nz = zones.length;
  const nd = devices.length;
  const partOf: ReplayPart[] = [];
  for (const p of parts) for (const d of p.devices) partOf[d] = p;
  for (let d = 0; d < nd; d++) if (!partOf[d]) throw new Error(`replay: device ${d} was not replayed`);
  const merged = (pick: (p: ReplayPart, d: number) => HistogramData | null | undefined) => {
    const h = new Histogram();
    for (let d = 0; d < nd; d++) {
      const x = pick(partOf[d], d);
      if (x) h.merge(Histogram.fromData(x));
    }
    return h;
  };
  const histOf = (g: number, z: number) => merged((p, d) => p.hists[g][d][z]);
  const ios = parts[0]?.ios ?? 0;
  const loop = loopName(opts.zoneLoops, nz);

  const spanNs = span.endNs - span.startNs;
  // the trace's work (every simulation serves all of it by its end: the baseline's sums)
  let allOps = 0;
  let allBytes = 0;
  let allDevice = 0;
  const zoneOps = new Float64Array(nz);
  for (let d = 0; d < nd; d++) {
    const s = partOf[d].stats[0][d]!;
    allDevice += s.busy;
    for (let z = 0; z < nz; z++) {
      allOps += s.issued[z];
      allBytes += s.bytesIn[z];
      zoneOps[z] += s.issued[z];
    }
  }
  const inWindowOf = (g: number): WorkAmount => {
    let ops = 0;
    let bytes = 0;
    let work = 0;
    for (let d = 0; d < nd; d++) {
      const s = partOf[d].stats[g][d]!;
      work += s.work;
      for (let z = 0; z < nz; z++) {
        ops += s.ops[z];
        bytes += s.bytes[z];
      }
    }
    return { ops, bytes, device_s: work / 1e9 };
  };
  const baseWindow = inWindowOf(0);

  const resultOf = (g: number): PolicyResult => {
    const grp = plan.groups[g];
    let idle = 0;
    let last = -Infinity;
    const actual = new Float64Array(nz);
    const fair = new Float64Array(nz);
    const ops = new Float64Array(nz);
    const lastDone = new Float64Array(nz).fill(-Infinity);
    const devs: PolicyDeviceResult[] = [];
    let worst: number | null = null;
    for (let d = 0; d < nd; d++) {
      const s = partOf[d].stats[g][d]!;
      idle += s.idle;
      const frac = spanNs > 0 ? s.idle / spanNs : null;
      const slots = slotsOf(opts, devices[d].name);
      devs.push({ device: devices[d].name, ...(slots > 1 ? { slots } : {}), idle_while_waiting_s: s.idle / 1e9, idle_while_waiting_frac: frac });
      if (frac !== null && (worst === null || frac > worst)) worst = frac;
      if (s.last > last) last = s.last;
      for (let z = 0; z < nz; z++) {
        actual[z] += s.actual[z];
        fair[z] += s.fair[z];
        ops[z] += s.ops[z];
        if (s.lastDone[z] > lastDone[z]) lastDone[z] = s.lastDone[z];
      }
    }
    const inWindow = inWindowOf(g);
    const zr: PolicyZoneResult[] = [];
    for (let z = 0; z < nz && !plan.summary; z++) {
      const h = histOf(g, z);
      if (h.count === 0) continue;
      const mean = h.mean();
      const bmean = histOf(0, z).mean();
      const lag = opts.zoneLoops?.[z] === 'closed' ? merged((p, d) => p.lags[g][d]?.[z]) : null;
      zr.push({
        zone: zones[z].name,
        ops_completed: ops[z],
        latency_us: {
          mean: usUnlessEmpty(h, (x) => x.mean()),
          p50: usUnlessEmpty(h, (x) => x.quantile(0.5)),
          p99: usUnlessEmpty(h, (x) => x.quantile(0.99)),
          max: usUnlessEmpty(h, (x) => x.max),
        },
        slowdown: bmean > 0 ? finite(mean / bmean) : null,
        latency_histogram: h.toJson(),
        backlog_ops: zoneOps[z] - ops[z],
        finish_s: lastDone[z] > -Infinity ? lastDone[z] / 1e9 : null,
        issue_lag_us: lag && lag.count ? { p50: usUnlessEmpty(lag, (x) => x.quantile(0.5)), p99: usUnlessEmpty(lag, (x) => x.quantile(0.99)) } : null,
      });
    }
    const backlog: WorkAmount = { ops: allOps - inWindow.ops, bytes: allBytes - inWindow.bytes!, device_s: Math.max(0, allDevice / 1e9 - inWindow.device_s!) };
    const lostWork = workLost(inWindow, baseWindow);
    return {
      policy: grp.factory.name,
      params: grp.factory.params(grp.popts, zones, devices),
      loop,
      throughput_loss: lostWork?.device_s ?? null,
      idle_while_waiting_s: spanNs > 0 || ios > 0 ? idle / 1e9 : null,
      idle_while_waiting_frac: worst,
      devices: devs,
      makespan_s: last > -Infinity ? last / 1e9 : null,
      jain: jain(ratios(actual, fair)),
      in_window: inWindow,
      backlog,
      work_lost: lostWork,
      zones: zr,
    };
  };
  const results = plan.groups.map((_, g) => resultOf(g));
  const byName = (name: string) => results[plan.groups.findIndex((g) => g.role === 'policy' && g.factory.name === name)];

  // warnings in the order one thread meets them: by simulation, then device
  const warnings: string[] = [];
  const all = parts.flatMap((p) => p.warnings).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  for (const [, , w] of all) if (!warnings.includes(w)) warnings.push(w);

  // per zone: the baseline's model latencies against the observed ones (the fifo's reported
  // latencies, which are the observation), merged over devices
  const zoneFidelity: ZoneFidelity[] = [];
  for (let z = 0; z < nz && !plan.summary; z++) {
    const f = zoneFidelityOf(zones[z].name, merged((p, d) => p.zoneModel[d]?.[z]), histOf(0, z));
    if (f) zoneFidelity.push(f);
  }

  return {
    policies: plan.names.map(byName),
    hidden: results.filter((_, g) => plan.groups[g].role === 'hidden'),
    ladder: results.filter((_, g) => plan.groups[g].role === 'ladder'),
    fidelity: fidelityOf(
      merged((p, d) => p.model[d]),
      merged((p, d) => p.obs[d]),
      devices.map((dev) => ({ device: dev.name, parallelism: slotsOf(opts, dev.name) })),
      zoneFidelity,
    ),
    warnings,
  };
}
