// How a device's parallelism, and so how its device time was measured, is told in the human
// formats (table, markdown, html): the same cells and sentence in each, from the JSON's fields.
// Strings from the input (device names) come back raw: each renderer escapes them its own way.

import type { CostModelResult, DeviceResult } from '../core/analysis.js';
import { fmtNum, fmtPct, fmtRatio, fmtUs } from './format.js';

/**
 * The parallelism K and how it was found, in one cell: "8" (estimated, sure), "8 (7–9)" (estimated,
 * with its 95 % interval), "≥8" (the trace never saturated the device: a lower bound), "32 given"
 * (--parallelism); "-" unknown.
 */
export function parallelismCell(d: DeviceResult): string {
  const k = d.parallelism;
  if (k === null) return '-';
  if (d.parallelism_source === 'option') return `${k} given`;
  const ev = d.parallelism_evidence;
  if (d.parallelism_source !== 'estimated' || !ev) return String(k);
  if (ev.saturated === false && k > 1) return `≥${k}`;
  return ev.range && ev.range.high > ev.range.low ? `${k} (${ev.range.low}–${ev.range.high})` : String(k);
}

/**
 * One sentence on how the device's time was measured, for a device that is not a plain serial
 * disk (null for those: busy-period decomposition, the README's default), starting with `name`.
 */
export function deviceSentence(d: DeviceResult, name: string): string | null {
  const k = d.parallelism;
  if (k === null) return null;
  const ev = d.parallelism_evidence;
  const how =
    d.parallelism_source === 'option'
      ? 'given by --parallelism'
      : ev && ev.range && ev.range.high > ev.range.low
        ? `95 % interval ${ev.range.low}–${ev.range.high}, from its first ${fmtNum(ev.from_ios)} IOs`
        : ev
          ? `from its first ${fmtNum(ev.from_ios)} IOs`
          : '';
  switch (d.attribution) {
    case 'fifo_slots':
      return `${name}: serves ${k} IOs at once (${how}), in arrival order: an IO's device time is the time it held one of the ${k} units.`;
    case 'shared_slots':
      if (k === 1)
        return `${name}: one IO at a time, shared among the IOs in flight (later IOs overtook ones that found it idle; ${how}): an IO's device time is its share, 1/n of the device.`;
      return ev?.saturated === false && d.parallelism_source !== 'option'
        ? `${name}: served every IO in flight at once, up to ${k} (it never saturated, so ${k} is a lower bound; ${how}): an IO's device time is its latency.`
        : `${name}: serves ${k} IOs at once (${how}), shared among those in flight: an IO's device time is its share, min(n, ${k})/n of a unit.`;
    case 'cost_model':
      return `${name}: device time is each IO's cost under the device's fitted cost model (--cost model), parallelism ${k}.`;
    case 'service_time':
      return `${name}: parallelism ${k} (given): its service is ops × its service time, at most ${k} × its busy time.`;
    case 'queue_depth':
      return `${name}: parallelism ${k} (given): its service is its mean queue length × duration, at most ${k} × its busy time.`;
    default:
      return d.parallelism_source === 'option' && k > 1 ? `${name}: parallelism ${k} (given).` : null;
  }
}

/** The cost model's columns after the device's name, and a device's cells: its costs, then the fit's R² and relative error. */
export const COST_MODEL_HEADS = ['read rand', 'read seq', 'read page', 'write rand', 'write seq', 'write page', 'R²', 'error'] as const;

export function costModelCells(m: CostModelResult): string[] {
  return [
    fmtUs(m.read_rand_io_us),
    fmtUs(m.read_seq_io_us),
    fmtUs(m.read_page_us),
    fmtUs(m.write_rand_io_us),
    fmtUs(m.write_seq_io_us),
    fmtUs(m.write_page_us),
    fmtRatio(m.r2, 2),
    fmtPct(m.rms_relative_error),
  ];
}
