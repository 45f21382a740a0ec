// --format from the registry, --output written atomically, and which formats have a live mode.

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emitReport } from '../src/cli/report-output.js';
import { runCli } from './helpers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'iofair-out-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--format', () => {
  it('lists every format with what it is in --help (analyze and merge)', () => {
    for (const cmd of ['analyze', 'merge']) {
      const help = runCli([cmd, '--help']).stdout;
      expect(help).toMatch(/Formats \(--format\):\n {2}table {5}tables for a terminal/);
      for (const f of ['json', 'csv', 'markdown', 'prom', 'html']) expect(help).toMatch(new RegExp(`\\n  ${f} +\\S`));
      expect(help).toContain('--output');
    }
  });

  it('refuses an unknown format, naming the known ones (exit 2)', () => {
    const r = runCli(['analyze', '--format', 'yaml', 'fixtures/noisy-neighbor.csv']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are table, json, csv, markdown, prom, html/);
  });

  it('--every is for json and table only: other formats are a usage error', () => {
    for (const f of ['csv', 'markdown', 'prom', 'html']) {
      const r = runCli(['analyze', '--every', '1s', '--format', f, 'fixtures/noisy-neighbor.csv']);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`--every: the ${f} format has no live mode (table and json have)`);
    }
    const o = runCli(['analyze', '--every', '1s', '--json', '--output', join(dir, 'x.json'), 'fixtures/noisy-neighbor.csv']);
    expect(o.status).toBe(2);
    expect(o.stderr).toContain('--every prints to stdout');
  });
});

describe('--output', () => {
  it('writes every format to the file, the same text as on stdout, and nothing else in the folder', () => {
    for (const [f, ext] of [['table', 'txt'], ['json', 'json'], ['csv', 'csv'], ['markdown', 'md'], ['prom', 'prom'], ['html', 'html']]) {
      const out = join(dir, `fmt-${f}`);
      mkdirSync(out);
      const file = join(out, `iofair.${ext}`);
      const r = runCli(['analyze', '--format', f, '--output', file, '--policy', 'none', 'fixtures/noisy-neighbor.csv']);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('');
      expect(readFileSync(file, 'utf8')).toBe(runCli(['analyze', '--format', f, '--policy', 'none', 'fixtures/noisy-neighbor.csv']).stdout);
      expect(readdirSync(out)).toEqual([`iofair.${ext}`]);
    }
  });

  it('replaces an existing file whole; -o - is stdout', () => {
    const file = join(dir, 'replace.prom');
    writeFileSync(file, 'old\n');
    expect(runCli(['analyze', '--format', 'prom', '-o', file, 'fixtures/noisy-neighbor.csv']).status).toBe(0);
    expect(readFileSync(file, 'utf8')).toMatch(/^# HELP iofair_info/);
    const r = runCli(['analyze', '--format', 'prom', '-o', '-', 'fixtures/noisy-neighbor.csv']);
    expect(r.stdout).toMatch(/^# HELP iofair_info/);
  });

  it('a path that cannot be written: exit 74, the reason on stderr, no temporary file left', () => {
    const parentIsFile = join(dir, 'a-file');
    writeFileSync(parentIsFile, 'x');
    const target = join(dir, 'is-a-dir.prom');
    mkdirSync(target);
    mkdirSync(join(target, 'inside'));
    const cases: [string, RegExp][] = [
      [join(dir, 'no-such-dir', 'x.prom'), /ENOENT: no such file or directory/],
      [join(parentIsFile, 'x.prom'), /ENOTDIR/],
      // the temporary file is written, then the rename onto a directory fails: it must go
      [target, /EISDIR|ENOTEMPTY|EEXIST/],
    ];
    for (const [path, reason] of cases) {
      const r = runCli(['analyze', '--format', 'prom', '--output', path, 'fixtures/noisy-neighbor.csv']);
      expect(r.status).toBe(74);
      expect(r.stderr).toContain(`iofair: --output ${path}: cannot write the report`);
      expect(r.stderr).toMatch(reason);
      expect(r.stdout).toBe('');
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(target)).toEqual(['inside']);
  });

  it.skipIf(process.getuid?.() === 0)('an unwritable folder (not as root): exit 74, nothing left', () => {
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const r = runCli(['analyze', '--format', 'prom', '--output', join(ro, 'x.prom'), 'fixtures/noisy-neighbor.csv']);
    chmodSync(ro, 0o755);
    expect(r.status).toBe(74);
    expect(r.stderr).toMatch(/EACCES/);
    expect(readdirSync(ro)).toEqual([]);
  });

  it('a report that fails to render leaves the existing file as it was', async () => {
    const file = join(dir, 'keep.prom');
    writeFileSync(file, 'the last good report\n');
    await expect(
      emitReport(file, () => {
        throw new Error('renderer bug');
      }),
    ).rejects.toThrow('renderer bug');
    expect(readFileSync(file, 'utf8')).toBe('the last good report\n');
    expect(readdirSync(dir).filter((f) => f.startsWith('.keep.prom'))).toEqual([]);
  });
});
