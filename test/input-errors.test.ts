// A read that fails part-way through a file (EIO from a failing disk) is an input error naming the
// file (exit 3), not an internal error. The failure is injected: no real disk fails on demand.

import { describe, it, expect, vi, afterAll } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FAILING = 'failing-disk.csv';

vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  return {
    ...fs,
    createReadStream(path: string, opts: Parameters<typeof fs.createReadStream>[1]) {
      if (!String(path).endsWith(FAILING)) return fs.createReadStream(path, opts);
      // the first 64 KiB arrive, then the disk fails
      const first = Buffer.from('issue_ns,done_ns,zone,device,op,bytes\n' + '0,10,z,d,R,1\n'.repeat(6000)).subarray(0, 65536);
      let sent = false;
      return new Readable({
        read() {
          if (!sent) {
            sent = true;
            this.push(first);
          } else this.destroy(Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO', errno: -5, syscall: 'read' }));
        },
      });
    },
  };
});

const { readSources } = await import('../src/cli/input.js');
const { CliError } = await import('../src/cli/errors.js');
const { TimeBase } = await import('../src/records.js');

const tmp = mkdtempSync(join(tmpdir(), 'iofair-eio-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a read error part-way through a file', () => {
  it('is an input error (exit 3) naming the file and how far it got', async () => {
    const path = join(tmp, FAILING);
    writeFileSync(path, 'placeholder\n');
    let ios = 0;
    const target = { io: () => void ios++, interval() {}, histogram() {} };
    const err = await readSources([path], target, { strict: false, parser: { timeBase: new TimeBase() }, showSkipped: 5, drainTimeoutMs: 1000, maxLatencyNs: 3600e9 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CliError);
    expect((err as InstanceType<typeof CliError>).exitCode).toBe(3);
    expect((err as Error).message).toBe(`${path}: cannot read after 65536 bytes: i/o error (EIO)`);
    expect(ios).toBeGreaterThan(0);
  });
});
