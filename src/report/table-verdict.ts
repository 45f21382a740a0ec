// The table report's "Verdict" section: the verdict's sentences as the core and
// src/report/verdict.ts composed them.

import type { ChalkInstance } from 'chalk';
import type { Analysis } from '../core/analysis.js';
import { safeTerm } from './sanitize.js';

export function verdictSection(a: Analysis, chalk: ChalkInstance): string[] {
  if (!a.verdict) return [];
  return [chalk.bold('Verdict'), safeTerm(a.verdict.capping.summary), safeTerm(a.verdict.throttling.summary), safeTerm(a.verdict.recommendation), ''];
}
