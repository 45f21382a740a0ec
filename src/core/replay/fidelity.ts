// How well the model reproduces what happened: the baseline fifo's latency distribution against
// the observed one. A device that is not a single FIFO server (NCQ, SSD parallelism, caches)
// shows as a large distance: the replay is crude there.

import type { Histogram } from '../histogram.js';
import { finite } from '../stats.js';

export interface ReplayFidelity {
  /** RMS horizontal distance between the baseline's model latency CDF and the observed one, % of the observed mean. */
  rms_pct: number | null;
  observed_mean_us: number | null;
  model_mean_us: number | null;
  /** Ruemmler & Wilkes' "demerit figure"; a rough reading guide. */
  note: string;
}

/** RMS horizontal distance between two latency CDFs (percentiles 0.5 %..99.5 %), % of the observed mean. */
export function fidelityOf(model: Histogram, observed: Histogram): ReplayFidelity {
  const note =
    'RMS distance between the fifo model\'s and the observed latency distributions, % of the observed mean; ' +
    'large values mean the device is not a single FIFO server (NCQ, SSD parallelism, caches) and the replay is crude';
  if (observed.count === 0 || model.count === 0)
    return { rms_pct: null, observed_mean_us: null, model_mean_us: null, note };
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
  };
}
