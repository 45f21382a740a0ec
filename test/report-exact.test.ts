// Every renderer's exact output on fixtures/tenants.csv (zones named like a formula, a script
// tag, __proto__, a terminal escape sequence, Markdown). The expected files were generated once
// (UPDATE_EXPECTED=1 npx vitest run test/report-exact.test.ts) and read by hand; a change to a
// renderer, or to any number the core computes, shows up here as a diff to review.

import { describe, it, beforeAll } from 'vitest';
import type { Analysis } from '../src/core/analysis.js';
import { renderers } from '../src/report/registry.js';
import { analysisOf, expectExact, plain } from './report-helpers.js';

describe('exact output of every format', () => {
  let a: Analysis;
  beforeAll(() => {
    a = analysisOf('fixtures/tenants.csv');
  });
  for (const r of renderers)
    it(`${r.name} → test/expected/tenants.${r.extension}`, () => {
      expectExact(`tenants.${r.extension}`, r.render(a, plain(100)));
    });
});
