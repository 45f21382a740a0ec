// The renderer registry and the json format.

import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { Chalk } from 'chalk';
import type { Analysis } from '../src/core/analysis.js';
import { prettyJson, compactJson } from '../src/report/json.js';
import { renderers, rendererByName } from '../src/report/registry.js';
import { analysisOf } from './report-helpers.js';

let tenants: Analysis;
beforeAll(() => {
  tenants = analysisOf('fixtures/tenants.csv');
});

describe('registry', () => {
  it('has the six formats, unique names and extensions, each ending its text with a newline', () => {
    expect(renderers.map((r) => r.name)).toEqual(['table', 'json', 'csv', 'markdown', 'prom', 'html']);
    expect(new Set(renderers.map((r) => r.extension)).size).toBe(renderers.length);
    for (const r of renderers) expect(r.render(tenants, { chalk: new Chalk({ level: 0 }), width: 100 }).endsWith('\n')).toBe(true);
    expect(rendererByName('yaml')).toBeUndefined();
  });

  it('machine-readable formats carry no colour even with a colour chalk', () => {
    const chalk = new Chalk({ level: 3 });
    for (const r of renderers.filter((x) => x.machineReadable)) expect(r.render(tenants, { chalk, width: 100 })).not.toContain('\x1b');
    // the table does colour (deviation, headings), and the zone's own ESC is still escaped
    const t = rendererByName('table')!.render(tenants, { chalk, width: 100 });
    expect(t).toContain('\x1b[1m');
    expect(t).toContain('\\x1b]0;pwned');
  });

  it('only json and table have a live form: NDJSON lines and the table', () => {
    expect(renderers.filter((r) => r.live).map((r) => [r.name, r.live!.mode])).toEqual([
      ['table', 'redraw'],
      ['json', 'append'],
    ]);
    const line = rendererByName('json')!.live!.render(tenants, { chalk: new Chalk({ level: 0 }), width: 80 });
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect(JSON.parse(line)).toEqual(tenants);
  });
});

describe('json', () => {
  it('the pretty form parses back to the same value, arrays of plain values on one line', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = prettyJson(v as unknown as Analysis);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
    const text = prettyJson(tenants);
    expect(JSON.parse(text)).toEqual(tenants);
    expect(text).toMatch(/"buckets": \[\[\d+, \d+\], \[/);
    expect(compactJson(tenants)).toBe(JSON.stringify(tenants) + '\n');
  });

  it('non-finite numbers become null', () => {
    const a = structuredClone(tenants);
    a.zones[0].iops = Infinity;
    a.zones[0].bytes_per_s = NaN;
    const z = JSON.parse(prettyJson(a)).zones[0];
    expect(z.iops).toBeNull();
    expect(z.bytes_per_s).toBeNull();
  });
});
