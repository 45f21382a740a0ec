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
        for (const [heading, cells] of [['## Zones', 10], ['### Latency', 7], ['### p99 latency by policy', 6], ['### p99 latency by ladder level', 9]] as const) {
          const rows = rowsOf(heading);
          expect(rows.length).toBe(names.length);
          for (const r of rows) expect(r.replace(/\\./g, '').split('|').length - 1).toBe(cells + 1);
        }
        // every row of every table (the what-if's zones whose p99 doubled or halved among them) has its header's cells
        for (const block of md.split('\n\n').map((b) => b.split('\n').filter((l) => l.startsWith('|')))) {
          if (!block.length) continue;
          const cells = (l: string) => l.replace(/\\./g, '').split('|').length;
          for (const l of block) expect(cells(l)).toBe(cells(block[0]));
        }
        expect(md.replace(/\\./g, '')).not.toMatch(/[<>*_`]/);
      }),
      { numRuns: 60 },
    );
  });

  it('the what-if and the cap ladder with their new figures, and every sentence of the verdict', () => {
    const story = analysisOf('fixtures/story.csv');
    const md = renderMarkdown(story);
    const v = story.verdict!;
    for (const s of [v.capping.summary, v.throttling.summary, v.fair!.summary, v.cap_ladder!, v.loop!, v.recommendation]) expect(md).toContain(mdText(s));
    // the cap row: 3,182 IOs done, 23,583 not done, 20.8 s idle on sd0 (52 % of the window)
    expect(md).toMatch(/^\| cap \| open \| 3,182 \| 200 MB \| 19 s \| 88\.1 % \| 93\.9 % \| 22\.2 % \| 23,583 \| 3\.08 GB \| 5\.43 s \|$/m);
    expect(md).toMatch(/^\| cap \| 20\.8 s \(52 %\) \| yes \| 552 s \|/m);
    // the ladder: one row per level, db01 protected at levels 2, 3 and 7
    const L = story.cap_ladder!;
    const rows = md.split('## Cap ladder')[1].split('\n').filter((l) => /^\| \d \|/.test(l));
    expect(rows.length).toBe(L.levels.length);
    expect(rows.map((r) => r.split(' | ').at(-1)!.replace(' |', ''))).toEqual(L.levels.map((l) => (l.protects ? 'yes' : 'no')));
    expect(rows[6]).toMatch(/^\| 7 \| 4,880 \| 0 % \| 0 % \| 0 % \| 2\.84 s sd0 \(7\.1 %\) \| yes \| 2,440 \| 118 ms \| 1\.02× \| 0 \| yes \|$/);
  });

  it('escapes links and mentions GitHub would create', () => {
    expect(mdText('see http://x.example and www.x.example, @alice #12')).toBe('see http\\://x.example and www\\.x.example, \\@alice \\#12');
  });
});
