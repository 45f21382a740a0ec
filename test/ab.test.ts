// scripts/ab.mjs, the A/B harness for small performance changes: it runs each stage and compares
// what two builds compute. No timing is asserted here; only that it runs and judges results.
import { describe, it, expect, onTestFinished } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers.js';
import { writeTraceFile } from '../scripts/gen-trace.mjs';

const AB = join(ROOT, 'scripts', 'ab.mjs');
const DIST = join(ROOT, 'dist');

describe('scripts/ab.mjs', () => {
  it('runs every stage on two builds and says their results are identical (the same build twice)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iofair-ab-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const trace = join(dir, 't.csv');
    writeTraceFile(trace, 20_000);
    for (const extra of [['--stage', 'parse'], ['--stage', 'observe'], ['--stage', 'observe', '--no-timeline'], ['--stage', 'replay'], ['--stage', 'replay', '--loop', 'closed', '--summary']]) {
      const r = spawnSync(process.execPath, [AB, ...extra, '--pairs', '1', '--reps', '1', '--trace', trace, DIST, DIST], { encoding: 'utf8' });
      expect(r.stderr).not.toMatch(/^ab:/m);
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/results identical/);
      expect(r.stdout).toMatch(/^A .*: min \d+, median \d+$/m);
    }
  }, 60_000);

  it('says when the two builds compute different results (exit 1)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iofair-ab-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const trace = join(dir, 't.csv');
    writeTraceFile(trace, 5_000);
    // a build that counts every IO twice
    const other = join(dir, 'dist');
    cpSync(DIST, other, { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const f = join(other, 'core', 'observe.js');
    const src = readFileSync(f, 'utf8');
    expect(src).toContain('zone.ops++');
    writeFileSync(f, src.replace('zone.ops++', 'zone.ops += 2'));
    const r = spawnSync(process.execPath, [AB, '--stage', 'observe', '--pairs', '1', '--reps', '1', '--trace', trace, DIST, other], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/results DIFFER/);
  }, 60_000);

  it('refuses a missing build or an unknown stage with a one-line error (exit 2)', () => {
    const one = spawnSync(process.execPath, [AB, DIST], { encoding: 'utf8' });
    expect(one.status).toBe(2);
    expect(one.stderr).toMatch(/^ab: give two dist\/ directories/);
    const bad = spawnSync(process.execPath, [AB, '--stage', 'sweep', DIST, DIST], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--stage: parse, observe or replay/);
    const shape = spawnSync(process.execPath, [AB, '--shape', '9z', DIST, DIST], { encoding: 'utf8' });
    expect(shape.status).toBe(2);
    expect(shape.stderr).toMatch(/^ab: --shape: one of 8z, 50z/);
  });
});
