// scripts/stages.mjs, the per-stage breakdown of one build's full analysis. No timing is asserted:
// only that every stage runs on the build and is reported, with the trace's zones, loop models and
// ladder levels, and that bad arguments get a one-line error.
import { describe, it, expect, onTestFinished } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './helpers.js';
import { writeTraceFile } from '../scripts/gen-trace.mjs';

const STAGES = join(ROOT, 'scripts', 'stages.mjs');

describe('scripts/stages.mjs', () => {
  it('times every stage of the full analysis on the 50-zone shape and says what it ran', () => {
    const dir = mkdtempSync(join(tmpdir(), 'iofair-stages-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const trace = join(dir, 't.csv');
    writeTraceFile(trace, 60_000, 42, '50z'); // ~3 s of trace: busy seconds of different capacity, so a ladder of 7 levels
    const json = join(dir, 'stages.json');
    const r = spawnSync(process.execPath, [STAGES, '--trace', trace, '--reps', '1', '--json', json], { encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/^stages:/m);
    expect(r.status).toBe(0);
    const iofair = spawnSync(process.execPath, [join(ROOT, 'bin', 'iofair.js'), 'analyze', '--json', trace], { encoding: 'utf8' });
    const report = JSON.parse(iofair.stdout);
    const closed = report.zones.filter((z: { loop: { model: string } }) => z.loop.model === 'closed').length;
    const levels = report.cap_ladder.levels.length;
    expect(r.stdout).toContain(`${report.zones.length} zones (${closed} closed loop), 4 devices, ${levels} ladder levels`);
    const out = JSON.parse(readFileSync(json, 'utf8'));
    const names = out.stages.map((s: { stage: string }) => s.stage);
    for (const stage of ['parse (CSV fast path)', 'observe sweep (no replay store; with the timeline, as for --json)', 'replay plan (prepareReplay)', '+ cap', '+ throttle', '+ fair', 'render json'])
      expect(names).toContain(stage);
    for (let k = 1; k <= levels; k++) expect(names).toContain(`cap ladder level ${k}`);
    expect(names).not.toContain(`cap ladder level ${levels + 1}`);
    // every stage printed is a number of milliseconds; the total is the sum of the top-level stages
    for (const s of out.stages) expect(Number.isFinite(s.min_ms), s.stage).toBe(true);
    const line = r.stdout.split('\n').find((l) => l.startsWith('one-thread total'));
    expect(line).toMatch(/100\.0%$/);
  }, 120_000);

  it('refuses an unknown shape or argument with a one-line error (exit 2)', () => {
    const bad = spawnSync(process.execPath, [STAGES, '--shape', '9z'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^stages: --shape: one of 8z, 50z/);
    const unknown = spawnSync(process.execPath, [STAGES, '--fast'], { encoding: 'utf8' });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^stages: unknown argument '--fast'/);
  });
});
