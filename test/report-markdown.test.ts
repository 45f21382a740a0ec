// The markdown format: zone names never break a table or add markup.

import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import type { Analysis } from '../src/core/analysis.js';
import { renderMarkdown, mdText } from '../src/report/markdown.js';
import { analysisOf, renamed, zoneNames } from './report-helpers.js';

let tenants: Analysis;
beforeAll(() => {
  tenants = analysisOf('fixtures/tenants.csv');
});

describe('markdown', () => {
  it('a zone name never breaks a table row or adds markup', () => {
    fc.assert(
      fc.property(zoneNames(tenants.zones.length), (names) => {
        const md = renderMarkdown(renamed(tenants, names));
        // every zone row of the zone tables keeps its cells: pipes not escaped = cells + 1
        const rowsOf = (heading: string) => md.split(heading)[1].split('\n\n')[1].split('\n').slice(2);
        for (const [heading, cells] of [['## Zones', 10], ['### Latency', 7], ['### p99 latency by policy', 6]] as const) {
          const rows = rowsOf(heading);
          expect(rows.length).toBe(names.length);
          for (const r of rows) expect(r.replace(/\\./g, '').split('|').length - 1).toBe(cells + 1);
        }
        expect(md.replace(/\\./g, '')).not.toMatch(/[<>*_`]/);
      }),
      { numRuns: 60 },
    );
  });

  it('escapes links and mentions GitHub would create', () => {
    expect(mdText('see http://x.example and www.x.example, @alice #12')).toBe('see http\\://x.example and www\\.x.example, \\@alice \\#12');
  });
});
