// Combining the parts of a replay (each a set of devices, maybe replayed on another thread) into
// the per-policy results of the JSON contract: per policy and loop model, throughput lost against
// the baseline, idle time while IO waited, makespan, Jain's index over device time, and per zone
// the reported latencies and the slowdown against the baseline. Every number is kept per device
// and combined in device order, so the result does not depend on the split.

import type { PolicyResult, PolicyZoneResult } from '../analysis.js';
import { Histogram, type HistogramData } from '../histogram.js';
import { finite, jain } from '../stats.js';
import type { LoopModel } from './contract.js';
import { fidelityOf } from './fidelity.js';
import { planOf, type ReplayOptions, type ReplayResult } from './plan.js';
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

/** The result of the parts (together covering every device), as if replayed at once. */
export function combineReplays(parts: ReplayPart[], zones: ZoneInfo[], devices: DeviceInfo[], span: Span, opts: ReplayOptions): ReplayResult {
  const plan = planOf(opts);
  const { loops, L, popts } = plan;
  const nz = zones.length;
  const nd = devices.length;
  const partOf: ReplayPart[] = [];
  for (const p of parts) for (const d of p.devices) partOf[d] = p;
  for (let d = 0; d < nd; d++) if (!partOf[d]) throw new Error(`replay: device ${d} was not replayed`);
  const merged = (pick: (p: ReplayPart, d: number) => HistogramData | null) => {
    const h = new Histogram();
    for (let d = 0; d < nd; d++) {
      const x = pick(partOf[d], d);
      if (x) h.merge(Histogram.fromData(x));
    }
    return h;
  };
  const histOf = (g: number, z: number) => merged((p, d) => p.hists[g][d][z]);
  const ios = parts[0]?.ios ?? 0;

  const spanNs = span.endNs - span.startNs;
  const resultOf = (g: number): PolicyResult => {
    const grp = plan.groups[g];
    const b = g - (g % L); // the loop's fifo
    let work = 0;
    let baseWork = 0;
    let idle = 0;
    let last = -Infinity;
    const actual = new Float64Array(nz);
    const fair = new Float64Array(nz);
    const ops = new Float64Array(nz);
    for (let d = 0; d < nd; d++) {
      const s = partOf[d].stats[g][d]!;
      work += s.work;
      baseWork += partOf[d].stats[b][d]!.work;
      idle += s.idle;
      if (s.last > last) last = s.last;
      for (let z = 0; z < nz; z++) {
        actual[z] += s.actual[z];
        fair[z] += s.fair[z];
        ops[z] += s.ops[z];
      }
    }
    const zr: PolicyZoneResult[] = [];
    for (let z = 0; z < nz && !plan.summary[loops.indexOf(grp.loop)]; z++) {
      const h = histOf(g, z);
      if (h.count === 0) continue;
      const mean = h.mean();
      const bmean = histOf(b, z).mean();
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
      });
    }
    return {
      policy: grp.factory.name,
      params: grp.factory.params(popts, zones, devices),
      loop: grp.loop,
      throughput_loss: baseWork > 0 ? Math.max(0, 1 - work / baseWork) : null,
      idle_while_waiting_s: spanNs > 0 || ios > 0 ? idle / 1e9 : null,
      makespan_s: last > -Infinity ? (last - span.startNs) / 1e9 : null,
      jain: jain(ratios(actual, fair)),
      zones: zr,
    };
  };
  const pick = (loop: LoopModel) => plan.names.map((n) => resultOf(plan.index.get(`${loop}/${n}`)!));

  // warnings in the order one thread meets them: by simulation, then device
  const warnings: string[] = [];
  const all = parts.flatMap((p) => p.warnings).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  for (const [, , w] of all) if (!warnings.includes(w)) warnings.push(w);

  return {
    policies: pick(opts.loop),
    other_loop: loops.length > 1 ? pick(loops[1]) : null,
    fidelity: fidelityOf(
      merged((p, d) => p.model[d]),
      merged((p, d) => p.obs[d]),
    ),
    warnings,
  };
}
