// The table report's "Verdict" section: the verdict's sentences as the core and
// src/report/verdict.ts composed them, wrapped to the width.

import type { ChalkInstance } from 'chalk';
import type { Analysis } from '../core/analysis.js';
import { cellText, wrapText } from './table-layout.js';

export function verdictSection(a: Analysis, chalk: ChalkInstance, width: number): string[] {
  const v = a.verdict;
  if (!v) return [];
  const lines = [v.capping.summary, v.throttling.summary];
  if (v.fair) lines.push(v.fair.summary);
  if (v.cap_ladder) lines.push(v.cap_ladder);
  if (v.loop) lines.push(v.loop);
  lines.push(v.recommendation);
  return [chalk.bold('Verdict'), ...lines.flatMap((s) => wrapText(cellText(s), width)), ''];
}
