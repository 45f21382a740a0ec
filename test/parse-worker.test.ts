import { describe, it, expect, onTestFinished } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixture, runCli } from './helpers.js';

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
});
