// scripts/cpuprof.mjs, the summary of V8 CPU profiles the performance notes quote: self and
// inclusive times and the time before a function first ran, checked on a profile built by hand.
import { describe, it, expect, onTestFinished } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers.js';

const CPUPROF = join(ROOT, 'scripts', 'cpuprof.mjs');

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 9, columnNumber: 0, scriptId: '0' });

describe('scripts/cpuprof.mjs', () => {
  it('attributes each sample the interval to the next one, by function, by file and inclusively', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iofair-cpuprof-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    // root → main → { sweep → record, parse }, plus (idle) and (garbage collector) under root
    const nodes = [
      { id: 1, callFrame: frame('(root)'), children: [2, 6, 7] },
      { id: 2, callFrame: frame('main', 'file:///x/dist/cli/main.js'), children: [3, 5] },
      { id: 3, callFrame: frame('sweep', 'file:///x/dist/core/observe.js'), children: [4] },
      { id: 4, callFrame: frame('record', 'file:///x/dist/core/histogram.js'), children: [] },
      { id: 5, callFrame: frame('parse', 'file:///x/dist/parsers/csv.js'), children: [] },
      { id: 6, callFrame: frame('(idle)'), children: [] },
      { id: 7, callFrame: frame('(garbage collector)'), children: [] },
    ];
    // samples (node) and the ms until the next sample: idle 30, parse 10, idle 20, sweep 40,
    // record 25, gc 5, parse 15, record 5 (the last: the mean interval, 150 / 8 = 18.75)
    const samples = [6, 5, 6, 3, 4, 7, 5, 4];
    const gaps = [30, 10, 20, 40, 25, 5, 15];
    const timeDeltas = [0, ...gaps].map((ms) => ms * 1000);
    const profile = { nodes, startTime: 0, endTime: 150_000, samples, timeDeltas };
    const file = join(dir, 'main.cpuprofile');
    writeFileSync(file, JSON.stringify(profile));
    const r = spawnSync(process.execPath, [CPUPROF, '--top', '10', '--before', '^sweep$', '--inclusive', '^(sweep|main)$', file], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/main\.cpuprofile: 150 ms, 8 samples/);
    expect(out).toMatch(/\(idle\)\s+50 ms\s+33\.3 %/);
    expect(out).toMatch(/\(garbage collector\)\s+5 ms/);
    expect(out).toMatch(/\n\s+40 ms\s+26\.7 %\s+sweep dist\/core\/observe\.js:10\n/);
    expect(out).toMatch(/\n\s+44 ms\s+29\.2 %\s+record dist\/core\/histogram\.js:10\n/); // 25 + 18.75
    expect(out).toMatch(/\n\s+25 ms\s+16\.7 %\s+parse dist\/parsers\/csv\.js:10\n/);
    // inclusive: sweep = sweep + its record samples; main = everything but idle and gc
    expect(out).toMatch(/\n\s+84 ms\s+55\.8 %\s+sweep dist\/core\/observe\.js:10\n/);
    expect(out).toMatch(/\n\s+109 ms\s+72\.5 %\s+main dist\/cli\/main\.js:10\n/);
    // before the first sweep sample: idle 30 + parse 10 + idle 20
    expect(out).toMatch(/before the first sample in \/\^sweep\$\/: 60 ms since the profile started \(\(idle\) 50 ms, running JavaScript 10 ms\)/);
  });

  it('refuses no file with a one-line error (exit 2)', () => {
    const r = spawnSync(process.execPath, [CPUPROF], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^cpuprof: give one or more \.cpuprofile files/);
  });
});
