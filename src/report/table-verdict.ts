// The table report's "Verdict" section: the verdict's sentences as the core and
// src/report/verdict.ts composed them, wrapped to the width.

import type { ChalkInstance } from 'chalk';
import type { Analysis } from '../core/analysis.js';
import { cellText, wrapText } from './table-layout.js';

export function verdictSection(a: Analysis, chalk: ChalkInstance, width: number): string[] {
  if (!a.verdict) return [];
  const v = a.verdict;
  return [chalk.bold('Verdict'), ...[v.capping.summary, v.throttling.summary, v.recommendation].flatMap((s) => wrapText(cellText(s), width)), ''];
}
