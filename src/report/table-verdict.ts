// The table report's "Verdict" section: the verdict's sentences as the core and
// src/report/verdict.ts composed them, wrapped to the width.

import type { ChalkInstance } from 'chalk';
import type { Analysis } from '../core/analysis.js';
import { cellText, wrapText } from './table-layout.js';
import { verdictSentences } from './verdict.js';

export function verdictSection(a: Analysis, chalk: ChalkInstance, width: number): string[] {
  const v = a.verdict;
  if (!v) return [];
  return [chalk.bold('Verdict'), ...verdictSentences(v).flatMap((s) => wrapText(cellText(s), width)), ''];
}
