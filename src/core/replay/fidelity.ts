// How well the model reproduces what happened: the baseline fifo's latency distribution against
// the observed one, over all IO (RMS distance) and per zone (p50 and p99). A device that is not
// the model — a single FIFO server, or K slots behind one FIFO queue — shows as a large distance:
// NCQ reordering, processor sharing, caches. The replay is crude there.

import type { Histogram } from '../histogram.js';
import { finite } from '../stats.js';

/** One zone's latency under the fifo model against the observation. */
export interface ZoneFidelity {
  zone: string;
  observed_p50_us: number | null;
  model_p50_us: number | null;
  /** (model − observed) / observed, %; null when the observed percentile is 0. */
  p50_error_pct: number | null;
  observed_p99_us: number | null;
  model_p99_us: number | null;
  p99_error_pct: number | null;
}

export interface ReplayFidelity {
  /** RMS horizontal distance between the baseline's model latency CDF and the observed one, % of the observed mean. */
  rms_pct: number | null;
  observed_mean_us: number | null;
  model_mean_us: number | null;
  /** Ruemmler & Wilkes' "demerit figure"; a rough reading guide. */
  note: string;
  /** The devices replayed, with the parallelism (slots) each was replayed with. */
  devices: { device: string; parallelism: number }[];
  /** Per zone with IO, in zone order (empty for a summary-only replay). */
  zones: ZoneFidelity[];
}

const NOTE_SERIAL =
  'RMS distance between the fifo model\'s and the observed latency distributions, % of the observed mean; ' +
  'large values mean the device is not a single FIFO server (NCQ, SSD parallelism, caches) and the replay is crude';
const NOTE_SLOTS =
  'RMS distance between the fifo model\'s and the observed latency distributions, % of the observed mean; ' +
  'the model runs each device as its parallelism\'s slots behind one FIFO queue: large values mean the device ' +
  'reorders its IO (processor sharing, NCQ, caches) and the replay is crude';

/** RMS horizontal distance between two latency CDFs (percentiles 0.5 %..99.5 %), % of the observed mean. */
export function fidelityOf(model: Histogram, observed: Histogram, devices: { device: string; parallelism: number }[] = [], zones: ZoneFidelity[] = []): ReplayFidelity {
  const note = devices.some((d) => d.parallelism > 1) ? NOTE_SLOTS : NOTE_SERIAL;
  if (observed.count === 0 || model.count === 0)
    return { rms_pct: null, observed_mean_us: null, model_mean_us: null, note, devices, zones };
  let s2 = 0;
  let n = 0;
  for (let q = 0.005; q < 1; q += 0.01) {
    const d = model.quantile(q) - observed.quantile(q);
    s2 += d * d;
    n++;
  }
  const mean = observed.mean();
  return {
    rms_pct: mean > 0 ? finite((Math.sqrt(s2 / n) / mean) * 100) : null,
    observed_mean_us: finite(mean / 1e3),
    model_mean_us: finite(model.mean() / 1e3),
    note,
    devices,
    zones,
  };
}

/** A zone's p50 and p99 under the fifo model against the observed (null when either is empty). */
export function zoneFidelityOf(zone: string, model: Histogram, observed: Histogram): ZoneFidelity | null {
  if (observed.count === 0 || model.count === 0) return null;
  const at = (q: number) => {
    const o = observed.quantile(q);
    const m = model.quantile(q);
    return { o: finite(o / 1e3), m: finite(m / 1e3), err: o > 0 ? finite(((m - o) / o) * 100) : null };
  };
  const p50 = at(0.5);
  const p99 = at(0.99);
  return {
    zone,
    observed_p50_us: p50.o,
    model_p50_us: p50.m,
    p50_error_pct: p50.err,
    observed_p99_us: p99.o,
    model_p99_us: p99.m,
    p99_error_pct: p99.err,
  };
}

/** A latency given in µs, three significant digits: "91.2 µs", "1.26 ms", "2.5 s". */
function latencyText(us: number | null): string {
  if (us === null) return '-';
  const sig = (x: number) => String(+x.toPrecision(3));
  if (Math.abs(us) < 1e3) return `${sig(us)} µs`;
  if (Math.abs(us) < 1e6) return `${sig(us / 1e3)} ms`;
  return `${sig(us / 1e6)} s`;
}

function errorText(pct: number): string {
  return `${pct > 0 ? '+' : pct < 0 ? '-' : ''}${Math.abs(pct).toFixed(0)} %`;
}

/** The zones worst reproduced, worst first: those with a p50 or p99 error beyond the limit. */
export function poorlyModelled(f: ReplayFidelity, limitPct: number): ZoneFidelity[] {
  const worst = (z: ZoneFidelity) => Math.max(Math.abs(z.p50_error_pct ?? 0), Math.abs(z.p99_error_pct ?? 0));
  return f.zones.filter((z) => worst(z) > limitPct).sort((a, b) => worst(b) - worst(a) || (a.zone < b.zone ? -1 : 1));
}

/**
 * The warning when the model reproduces the observation poorly (RMS distance above `rmsPct`, or a
 * zone's p50 or p99 off by more than `zonePct`), with the numbers; null when it does well.
 */
export function fidelityWarning(f: ReplayFidelity, rmsPct: number, zonePct: number, zonesNamed = 3): string | null {
  const parallel = f.devices.filter((d) => d.parallelism > 1);
  const rmsPoor = f.rms_pct !== null && f.rms_pct > rmsPct;
  const zones = poorlyModelled(f, zonePct);
  if (!rmsPoor && zones.length === 0) return null;
  if (parallel.length === 0 && rmsPoor)
    return `the single-server replay model reproduces the observed latencies poorly (RMS distance ${f.rms_pct!.toFixed(0)} % of the mean): a parallel device (NCQ, SSD, RAID) serves several IOs at once, so read the what-if numbers as rough`;
  const figures: string[] = [];
  if (f.rms_pct !== null) figures.push(`RMS distance ${f.rms_pct.toFixed(0)} % of the mean`);
  for (const z of zones.slice(0, zonesNamed)) {
    const part = (q: string, err: number | null, m: number | null, o: number | null) =>
      err === null ? null : `${q} ${latencyText(m)} in the model, ${latencyText(o)} observed (${errorText(err)})`;
    const ps = [part('p50', z.p50_error_pct, z.model_p50_us, z.observed_p50_us), part('p99', z.p99_error_pct, z.model_p99_us, z.observed_p99_us)].filter((x) => x !== null);
    figures.push(`zone ${z.zone}: ${ps.join(', ')}`);
  }
  if (zones.length > zonesNamed) figures.push(`and ${zones.length - zonesNamed} more zone(s) off by more than ${zonePct} %`);
  if (parallel.length === 0)
    return (
      `the single-server replay model reproduces the observed latencies poorly: ${figures.join('; ')}. ` +
      'A parallel device (NCQ, SSD, RAID) serves several IOs at once (--parallelism replays it as that many slots), so read the what-if numbers as rough'
    );
  const slots = parallel.map((d) => `${d.device} ${d.parallelism}`).join(', ');
  return (
    `the replay model (each device as its slots behind one FIFO queue: ${slots}) reproduces the observed latencies poorly: ${figures.join('; ')}. ` +
    'The device reorders IO (processor sharing, NCQ, caches), which a FIFO queue does not, so read the what-if numbers as rough'
  );
}
