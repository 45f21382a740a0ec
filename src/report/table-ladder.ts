// The table report's "Cap ladder" section: one row per level of static caps, the protected zone's
// p99 beside what the level cost, fitted to the width. The levels and the protected zone are the
// core's (src/core/replay/ladder.ts); this only lays them out.

import type { ChalkInstance } from 'chalk';
import type { Analysis } from '../core/analysis.js';
import { fmtUs } from './format.js';
import { ladderUnit, levelFigures } from './figures.js';
import { cellText, fitTable, wrapText, type Column } from './table-layout.js';

export function ladderSection(a: Analysis, chalk: ChalkInstance, width: number): string[] {
  const L = a.cap_ladder;
  if (!L || !L.levels.length) return [];
  const unit = ladderUnit(L);
  const z = L.protected_zone;
  const head =
    chalk.bold('Cap ladder') +
    ` (each zone capped at its weight's share of a level between the least and the most ${unit} its device delivered per busy second` +
    (z === null ? '; no zone needs protecting)' : `; protecting ${cellText(z)}: p99 ${fmtUs(L.protected_fifo_p99_us)} under fifo, ${fmtUs(L.protected_fair_p99_us)} under fair)`);
  const cols: Column[] = [
    { head: 'level' },
    { head: `${unit} per busy s`, align: 'left', drop: 2 },
    { head: z === null ? 'limit' : `${cellText(z)} limit`, wrap: true },
    { head: 'IOs lost', drop: 3 },
    { head: 'bytes lost', drop: 3 },
    { head: 'time lost', drop: 1 },
    { head: 'idle while IO waited', align: 'left', wrap: true },
    { head: z === null ? 'p99' : `${cellText(z)} p99`, wrap: true },
    { head: 'protects' },
  ];
  const threshold = a.verdict?.thresholds.cost;
  const rows = L.levels.map((l) => {
    const g = levelFigures(L, l, cellText);
    return [g.level, g.capacity, g.limit, g.opsLost, g.bytesLost, g.timeLost, threshold !== undefined && l.costs_performance ? chalk.red(g.idle) : g.idle, g.p99, g.protects];
  });
  return [...wrapText(head, width, 2), fitTable(cols, rows, width), ''];
}
