import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMerged, HIGH_WATER } from '../src/cli/merge-sources.js';
import type { RecordTarget } from '../src/cli/input.js';
import type { Op } from '../src/records.js';
import { runCli } from './helpers.js';
import { left, right } from './linux-tracer-helpers.js';

type Rec = [done: number, issue: number, zone: string, device: string, op: Op, bytes: number];

const byContent = (a: Rec, b: Rec) =>
  a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0) || (a[3] < b[3] ? -1 : a[3] > b[3] ? 1 : 0) || (a[4] < b[4] ? -1 : a[4] > b[4] ? 1 : 0) || a[5] - b[5];

/** Merges `sources` (each cut into chunks) through readMerged; returns the records in order. */
async function merge(sources: { recs: Rec[]; chunks: number[]; yields: boolean[] }[]) {
  const out: Rec[] = [];
  let maxQueued = 0;
  const target: RecordTarget = {
    io: (zone, device, op, bytes, issue, done) => out.push([done, issue, zone, device, op, bytes]),
    interval() {},
    histogram() {},
  };
  const names = sources.map((_, i) => String(i));
  await readMerged(names, target, async (src, into, pace) => {
    const s = sources[Number(src)];
    let at = 0;
    let k = 0;
    while (at < s.recs.length) {
      const n = s.chunks[k % s.chunks.length];
      for (const r of s.recs.slice(at, at + n)) into.io(r[2], r[3], r[4], r[5], r[1], r[0]);
      at += n;
      // the queue never holds more than the high-water mark plus one chunk
      maxQueued = Math.max(maxQueued, (into as unknown as { size: number }).size);
      if (s.yields[k++ % s.yields.length]) await new Promise((r) => setImmediate(r));
      await pace();
    }
  });
  return { out, maxQueued };
}

describe('merging sources by completion time', () => {
  const recArb = fc.tuple(
    fc.integer({ min: 0, max: 1000 }),
    fc.integer({ min: 0, max: 50 }),
    fc.constantFrom('a', 'b', 'c'),
    fc.constantFrom('sda', 'sdb'),
    fc.constantFrom<Op>('R', 'W'),
    fc.integer({ min: 0, max: 3 }),
  ).map(([done, lat, z, d, op, b]): Rec => [done, done - lat, z, d, op, b]);
  const sourceArb = fc.record({
    recs: fc.array(recArb, { maxLength: 60 }).map((r) => r.sort(byContent)),
    chunks: fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 5 }),
    yields: fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
  });

  it('property: the output is every record in (completion, content) order, whatever the order of the sources', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(sourceArb, { minLength: 2, maxLength: 4 }), async (sources) => {
        const want = sources.flatMap((s) => s.recs).sort(byContent);
        const a = await merge(sources);
        const b = await merge([...sources].reverse());
        expect(a.out).toEqual(want);
        expect(b.out).toEqual(want);
      }),
      { numRuns: 200 },
    );
  });

  it('holds at most the high-water mark (plus one chunk) per source while another lags', async () => {
    // source 0 produces 100k records at once; source 1 trickles: source 0 must wait for it
    const early: Rec[] = Array.from({ length: 100000 }, (_, i): Rec => [i, i, 'a', 'sda', 'R', 0]);
    const late: Rec[] = Array.from({ length: 50 }, (_, i): Rec => [i * 2000, i * 2000, 'b', 'sda', 'W', 0]);
    const { out, maxQueued } = await merge([
      { recs: early, chunks: [1000], yields: [false] },
      { recs: late, chunks: [1], yields: [true] },
    ]);
    expect(out.length).toBe(100050);
    expect(maxQueued).toBeLessThanOrEqual(HIGH_WATER + 1000);
  });

  it('hands on each record\'s weight and device offset with it (none stays none)', async () => {
    const got: [string, number | undefined, number | undefined][] = [];
    const target: RecordTarget = { io: (zone, _d, _op, _b, _i, _dn, weight, offset) => void got.push([zone, weight, offset]), interval() {}, histogram() {} };
    await readMerged(['0', '1'], target, async (src, into) => {
      if (src === '0') {
        into.io('a', 'sda', 'R', 4096, 0, 10, 2, 8192);
        into.io('a', 'sda', 'R', 4096, 5, 30, undefined, undefined);
      } else into.io('b', 'sda', 'W', 4096, 0, 20, undefined, 0);
    });
    expect(got).toEqual([
      ['a', 2, 8192],
      ['b', undefined, 0],
      ['a', undefined, undefined],
    ]);
  });

  it("rejects with the failing source's error and stops the others", async () => {
    const target: RecordTarget = { io() {}, interval() {}, histogram() {} };
    await expect(
      readMerged(['0', '1'], target, async (src, into, pace) => {
        if (src === '1') throw new Error('no such file');
        for (let i = 0; ; i++) {
          into.io('a', 'd', 'R', 0, i, i);
          await pace();
        }
      }),
    ).rejects.toThrow('no such file');
  });
});

describe('two biosnoop runs analysed together (CLI)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'iofair-merge-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** A bcc biosnoop file: `n` IOs of `comm`, one every `gapMs`, each `latMs` long. */
  function biosnoop(comm: string, n: number, gapMs: number, latMs: number, offsetMs: number): string {
    const lines = [`${left('TIME(s)', 11)} ${left('COMM', 14)} ${left('PID', 7)} ${left('DISK', 9)} T ${left('SECTOR', 10)} ${left('BYTES', 7)}${right('LAT(ms)', 7)}`];
    for (let i = 0; i < n; i++) {
      const t = (offsetMs + i * gapMs + latMs) / 1e3;
      lines.push(`${left(t.toFixed(6), 11)} ${left(comm, 14)} ${left(100, 7)} ${left('sda', 9)} ${comm === 'db' ? 'R' : 'W'} ${left(i * 8, 10)} ${left(4096, 7)}${right(latMs.toFixed(2), 7)}`);
    }
    return lines.join('\n') + '\n';
  }

  it('gives the same report in either order, with no record late', () => {
    // 4 s of each, over the same seconds: read one after the other, the second file's records
    // would arrive up to 4 s behind the first's, beyond the 2 s reorder window
    const a = join(tmp, 'db.txt');
    const b = join(tmp, 'backup.txt');
    writeFileSync(a, biosnoop('db', 800, 5, 2, 0));
    writeFileSync(b, biosnoop('backup', 400, 10, 3, 1));
    const ab = runCli(['analyze', '--json', a, b]);
    const ba = runCli(['analyze', '--json', b, a]);
    expect(ab.status).toBe(0);
    expect(ba.status).toBe(0);
    const ja = JSON.parse(ab.stdout);
    const jb = JSON.parse(ba.stdout);
    expect(ja.warnings.some((w: string) => /later than the reorder window/.test(w))).toBe(false);
    expect(ja.input.records).toBe(1200);
    // everything but the list of sources (and the order of the per-file notes) is identical
    const strip = (j: { input: { sources?: unknown }; warnings: string[] }) => ({ ...j, input: { ...j.input, sources: undefined }, warnings: [...j.warnings].sort() });
    expect(strip(jb)).toEqual(strip(ja));
    const z = Object.fromEntries(ja.zones.map((x: { zone: string; ops: number }) => [x.zone, x]));
    expect(z.db.ops).toBe(800);
    expect(z.backup.ops).toBe(400);
  });

  it('reading them one after the other would have made records late (what the merge avoids)', () => {
    const cat = runCli(['analyze', '--json', '--policy', 'none', '-'], { input: `${biosnoop('db', 800, 5, 2, 0)}${biosnoop('backup', 400, 10, 3, 1)}` });
    expect(JSON.parse(cat.stdout).warnings.some((w: string) => /later than the reorder window/.test(w))).toBe(true);
  });
});
