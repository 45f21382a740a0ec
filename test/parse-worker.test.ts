import { describe, it, expect, onTestFinished } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, fixture, runCli } from './helpers.js';

/** The same run with the CSV parsed on a worker thread (forced for small files) and on the main thread. */
const both = (args: string[]) => [runCli(args, { env: { IOFAIR_PARSE_WORKER: '1' } }), runCli(args, { env: { IOFAIR_PARSE_WORKER: '0' } })];

describe('CSV parsed on a worker thread', () => {
  for (const f of ['noisy-neighbor.csv', 'story.csv', 'weighted.csv', 'bad-lines.csv', 'out-of-order.csv']) {
    it(`gives exactly the main thread's report, stderr and exit code: ${f}`, () => {
      const [w, m] = both(['analyze', '--json', fixture(f)]);
      expect(w.status).toBe(m.status);
      expect(w.stdout).toBe(m.stdout);
      expect(w.stderr).toBe(m.stderr);
    });
  }

  it('--strict stops at the same line; --columns and --time-unit reach the worker', () => {
    const [w, m] = both(['analyze', '--strict', fixture('bad-lines.csv')]);
    expect(w.status).toBe(3);
    expect(w.stderr).toBe(m.stderr);
    const dir = mkdtempSync(join(tmpdir(), 'iofair-pw-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const f = join(dir, 'us.csv');
    writeFileSync(f, 't0,t1,tenant,dev,op,bytes\n0,1000,a,d,R,1\n500,3000,b,d,W,2\n');
    const [w2, m2] = both(['analyze', '--json', '--time-unit', 'us', '--columns', 'issue=t0,done=t1', f]);
    expect(w2.stdout).toBe(m2.stdout);
    expect(JSON.parse(w2.stdout).input.duration_s).toBeCloseTo(0.003, 12); // 3000 µs
  });

  it('two files share one time base', () => {
    const [w, m] = both(['analyze', '--json', fixture('noisy-neighbor.csv'), fixture('story.csv')]);
    expect(w.stdout).toBe(m.stdout);
  });

  it('CSV on stdin (a pipe: always the worker, which reads the descriptor after the sniffed head) gives the file report', () => {
    for (const f of ['story.csv', 'bad-lines.csv', 'out-of-order.csv']) {
      const input = readFileSync(fixture(f));
      const piped = runCli(['analyze', '--json', '-'], { input });
      const main = runCli(['analyze', '--json', '-'], { input, env: { IOFAIR_PARSE_WORKER: '0' } });
      const file = runCli(['analyze', '--json', fixture(f)], { env: { IOFAIR_PARSE_WORKER: '0' } });
      expect(piped.status).toBe(file.status);
      expect(piped.stdout).toBe(main.stdout);
      expect(piped.stderr).toBe(main.stderr);
      // the same report as the file but for its name
      const strip = (s: string) => JSON.stringify({ ...JSON.parse(s), input: { ...JSON.parse(s).input, sources: [] } });
      expect(strip(piped.stdout)).toBe(strip(file.stdout));
      expect(piped.stderr).toBe(file.stderr.replaceAll(fixture(f), '(stdin)'));
    }
  });

  it('stdin redirected from a file: the worker goes on from where sniffing stopped', () => {
    // bigger than one sniffing read (64 KiB), so the worker reads the rest at the file offset
    const f = fixture('story.csv');
    const r = spawnSync('sh', ['-c', `node "${BIN}" analyze --json --policy none - < "${f}"`], { cwd: ROOT, encoding: 'utf8' });
    const file = runCli(['analyze', '--json', '--policy', 'none', f], { env: { IOFAIR_PARSE_WORKER: '0' } });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).zones).toEqual(JSON.parse(file.stdout).zones);
    expect(JSON.parse(r.stdout).input.records).toBe(JSON.parse(file.stdout).input.records);
  });
});

describe('the parse worker started before the cli loads (bin/iofair.js)', () => {
  it('is started for analyze only, taken once, and a dropped one is not handed out', async () => {
    const { prestartParseWorker, takeParseWorker, dropParseWorker } = await import('../src/cli/parse-prestart.js');
    prestartParseWorker(['node', 'iofair', 'merge', 'a.json']);
    expect(takeParseWorker()).toBeNull();
    prestartParseWorker(['node', 'iofair', 'analyze', 'trace.csv']);
    dropParseWorker();
    expect(takeParseWorker()).toBeNull();
    prestartParseWorker(['node', 'iofair', 'analyze', 'trace.csv']);
    const w = takeParseWorker();
    expect(w).not.toBeNull();
    expect(takeParseWorker()).toBeNull(); // taken once
    await w!.terminate();
  });

  it('the cli on a big CSV file and on a small one (parsed on this thread) gives the same report either way', () => {
    const [w, m] = both(['analyze', '--json', '--policy', 'none', fixture('story.csv')]);
    expect(w.stdout).toBe(m.stdout);
    // a small file without the forcing variable: the early worker is dropped and the run ends normally
    const plain = runCli(['analyze', '--json', '--policy', 'none', fixture('story.csv')]);
    expect(plain.status).toBe(0);
    expect(plain.stdout).toBe(m.stdout);
  });
});
