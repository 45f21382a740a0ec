// Device-time estimates for interval inputs that count a zone's ops but not its latency
// (cgroup io.stat, cgroup v1 blkio), from what the device itself reports in the same window
// (/proc/diskstats: ops completed and io_ticks, the time it had IO in flight).
//
// In each zone interval on a device, every op is charged the device's busy time per op over the
// overlapping device intervals (Σ busy ÷ Σ ops, each weighted by its overlap): a zone's estimate
// is its ops × that. Within one interval every op costs the same, whatever its size; across
// intervals and devices the cost per op follows the device, so a zone whose ops fell on a busy
// slow disk is charged more than one with as many ops on an idle fast one.

/** What a device reported over one interval. */
export interface DeviceWindow {
  startNs: number;
  endNs: number;
  ops: number;
  busyNs: number;
  /** Totals since boot over an unknown window (one snapshot): matched only to cumulative zone samples. */
  cumulative: boolean;
}

/**
 * Busy time per op (ns) of a device over [startNs, endNs), from its windows; undefined when the
 * windows do not cover that time or the device completed no op in them. A cumulative zone sample
 * is matched to the device's cumulative totals.
 */
export function busyPerOp(windows: readonly DeviceWindow[], startNs: number, endNs: number, cumulative: boolean): number | undefined {
  let ops = 0;
  let busy = 0;
  for (const w of windows) {
    if (w.cumulative !== cumulative) continue;
    let f = 1;
    if (!cumulative) {
      const overlap = Math.min(endNs, w.endNs) - Math.max(startNs, w.startNs);
      if (!(overlap > 0)) continue;
      f = overlap / (w.endNs - w.startNs);
    }
    ops += w.ops * f;
    busy += w.busyNs * f;
  }
  return ops > 0 ? busy / ops : undefined;
}
