// The table report fits the terminal: no line wider than the width at 60, 80, 100 and 160
// columns (colour on, escape codes not counted), with the compact layout below 100, on the
// fixtures and on zone names that are long, wide (CJK) or hostile.

import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { stripVTControlCharacters } from 'node:util';
import stringWidth from 'string-width';
import { Chalk } from 'chalk';
import type { Analysis } from '../src/core/analysis.js';
import { renderTable } from '../src/report/table.js';
import { wrapText, fitTable } from '../src/report/table-layout.js';
import { analysisOf, renamed } from './report-helpers.js';
import { runCli } from './helpers.js';

const WIDTHS = [60, 80, 100, 160];
const widest = (text: string) => Math.max(...text.split('\n').map((l) => stringWidth(stripVTControlCharacters(l))));

let story: Analysis;
let tenants: Analysis;
beforeAll(() => {
  story = analysisOf('fixtures/story.csv');
  tenants = analysisOf('fixtures/tenants.csv');
});

describe('the table fits the width', () => {
  it('story and tenants, coloured, at 60, 80, 100 and 160 columns', () => {
    const chalk = new Chalk({ level: 3 });
    for (const a of [story, tenants])
      for (const width of WIDTHS) {
        const text = renderTable(a, { chalk, width });
        expect(widest(text), `width ${width}`).toBeLessThanOrEqual(width);
        expect(text).toContain('\x1b['); // the colour is there, just not counted
      }
  });

  it('compact below 100 columns: fewer columns, the what-if details on lines of their own', () => {
    const plain = new Chalk({ level: 0 });
    const zonesHead = (t: string) => t.split('\n').find((l) => l.startsWith(' zone'))!;
    const wide = renderTable(story, { chalk: plain, width: 160 });
    const narrow = renderTable(story, { chalk: plain, width: 80 });
    expect(zonesHead(wide).trim().split(/\s+/)).toEqual(['zone', 'weight', 'ops', 'reads', 'writes', 'bytes', 'IOPS', 'bytes/s', 'dev', 'time', 'share', 'fair', 'deviation']);
    expect(zonesHead(narrow).trim().split(/\s+/)).toEqual(['zone', 'ops', 'bytes', 'dev', 'time', 'share', 'fair', 'deviation']);
    expect(wide).toContain('p99 doubled');
    expect(narrow).toMatch(/^throttle: p99 halved db01 862 ms → 116 ms$/m);
    expect(narrow).toMatch(/^cap: p99 doubled backup 996 ms → 514 s \(\+1 more\)$/m);
  });

  it('any zone names (long, CJK, control characters) at any width from 60 to 200', () => {
    const name = fc.oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 90 }),
      fc.constantFrom('数据库-主节点-上海-第一可用区', 'x'.repeat(150), 'a b c d e f g h i j k l m n o p q r s t u v w x y z', '\x1b[31mred\t\u202e'),
    );
    fc.assert(
      fc.property(fc.uniqueArray(name, { minLength: tenants.zones.length, maxLength: tenants.zones.length }), fc.integer({ min: 60, max: 200 }), (names, width) => {
        const text = renderTable(renamed(tenants, names), { chalk: new Chalk({ level: 1 }), width });
        expect(widest(text)).toBeLessThanOrEqual(width);
      }),
      { numRuns: 40 },
    );
  });

  it('the CLI takes the width from COLUMNS when stdout is not a terminal', () => {
    for (const width of [60, 100]) {
      const r = runCli(['analyze', '--policy', 'none', 'fixtures/tenants.csv'], { env: { COLUMNS: String(width) } });
      expect(r.status).toBe(0);
      expect(widest(r.stdout)).toBeLessThanOrEqual(width);
    }
    expect(widest(runCli(['analyze', '--policy', 'none', 'fixtures/tenants.csv'], { env: { COLUMNS: undefined } }).stdout)).toBeGreaterThan(100);
  });
});

describe('wrapText and fitTable', () => {
  it('wrap at spaces, keep a number with its unit, indent continuation lines, cut what cannot fit', () => {
    expect(wrapText('cost 22.2 % of throughput and 1.26 s more', 12, 2)).toEqual(['cost 22.2 %', '  of', '  throughput', '  and 1.26 s', '  more']);
    expect(wrapText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    expect(wrapText('数据库数据库', 5)).toEqual(['数据', '库数', '据库']);
    expect(wrapText('', 10)).toEqual(['']);
  });

  it('drops the lowest-ranked columns first, then wraps the text column', () => {
    const cols = [{ head: 'zone', align: 'left' as const, wrap: true }, { head: 'a', drop: 2 }, { head: 'b', drop: 1 }, { head: 'c' }];
    const rows = [['a-rather-long-zone-name', '1', '2', '3']];
    const all = fitTable(cols, rows, 80).split('\n');
    expect(all[0].trim().split(/\s+/)).toEqual(['zone', 'a', 'b', 'c']);
    const noB = fitTable(cols, rows, 34).split('\n');
    expect(noB[0].trim().split(/\s+/)).toEqual(['zone', 'a', 'c']);
    const wrapped = fitTable(cols, rows, 16).split('\n');
    expect(wrapped[0].trim().split(/\s+/)).toEqual(['zone', 'c']);
    expect(widest(wrapped.join('\n'))).toBeLessThanOrEqual(16);
    expect(wrapped.slice(1).map((l) => l.trim().split(/\s+/)[0]).join('')).toBe('a-rather-long-zone-name');
  });
});
