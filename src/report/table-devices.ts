// The table report's "Devices" section: one row per device (how many IOs it serves at once and
// how that was found, busy time, delivered IOPS per busy second), a sentence for each device that
// is not a plain serial disk, and each device's fitted cost model with its io.cost.model line.

import type { ChalkInstance } from 'chalk';
import type { Analysis } from '../core/analysis.js';
import { fmtNum, fmtPct, fmtRatio, fmtS } from './format.js';
import { COST_MODEL_HEADS, costModelCells, deviceSentence, parallelismCell } from './device-text.js';
import { cellText, COMPACT_BELOW, fitTable, visibleWidth, wrapText, type Column } from './table-layout.js';

export function devicesSection(a: Analysis, chalk: ChalkInstance, width: number): string[] {
  if (!a.devices.length) return [];
  const compact = width < COMPACT_BELOW;
  const out: string[] = [chalk.bold('Devices')];
  const cols: Column[] = [
    { head: 'device', align: 'left', wrap: true },
    { head: 'ops', drop: 2 },
    { head: 'parallel', drop: 4 },
    { head: 'busy', drop: 3 },
    { head: 'util' },
    { head: compact ? 'IOPS/busy s: min' : 'IOPS per busy s: min' },
    { head: 'median' },
    { head: 'max' },
    { head: 'max/min', drop: 1 },
  ];
  const rows = a.devices.map((d) => [
    cellText(d.device),
    fmtNum(d.ops),
    parallelismCell(d),
    fmtS(d.busy_s),
    fmtPct(d.utilization),
    fmtNum(d.capacity_iops.min),
    fmtNum(d.capacity_iops.p50),
    fmtNum(d.capacity_iops.max),
    d.capacity_ratio === null ? '-' : `${fmtRatio(d.capacity_ratio, 3)}×`,
  ]);
  out.push(fitTable(cols, rows, width));
  for (const d of a.devices) {
    const line = deviceSentence(d, cellText(d.device));
    if (line) out.push(...wrapText(line, width, 2));
  }
  out.push('');

  const models = a.devices.filter((d) => d.cost_model);
  if (!models.length) return out;
  out.push(
    ...wrapText(
      chalk.bold('Cost model') + " (per device, fitted to its IOs' device time: the cost to one unit of the device of an IO and of each 4 KiB page; paste a device's line into io.cost.model)",
      width,
      2,
    ),
  );
  // what goes first when the width is short: the fit's quality, then sequential IO, then pages
  const drop: Record<(typeof COST_MODEL_HEADS)[number], number | undefined> = {
    'read rand': undefined,
    'read seq': 2,
    'read page': 3,
    'write rand': undefined,
    'write seq': 2,
    'write page': 3,
    'R²': 1,
    error: 1,
  };
  const mcols: Column[] = [{ head: 'device', align: 'left', wrap: true }, ...COST_MODEL_HEADS.map((head) => ({ head, drop: drop[head] }))];
  const mrows = models.map((d) => [cellText(d.device), ...costModelCells(d.cost_model!)]);
  out.push(fitTable(mcols, mrows, width));
  const lines = models.map((d) => cellText(d.cost_model!.io_cost_model_line));
  if (lines.every((l) => visibleWidth(l) <= width)) out.push(...lines);
  else {
    // a line is pasted whole: say so when the width breaks one
    out.push(...wrapText('(each io.cost.model line below is one line, wrapped here to fit; devices[].cost_model.io_cost_model_line in --format json has it whole)', width));
    for (const l of lines) out.push(...wrapText(l, width, 2));
  }
  out.push('');
  return out;
}
