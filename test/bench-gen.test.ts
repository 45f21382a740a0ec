// The benchmark's trace generator (scripts/gen-trace.mjs) and its hand-written reference parser
// (scripts/bench.mjs --ref-parse). No timing here: the benchmark measures, the tests check that
// what it measures is a valid, deterministic trace and that its baselines compute the right sums.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// @ts-expect-error plain ESM script without type declarations
import { parseCount, generate, HEADER } from '../scripts/gen-trace.mjs';

const ROOT = resolve(__dirname, '..');
const GEN = join(ROOT, 'scripts', 'gen-trace.mjs');
const BENCH = join(ROOT, 'scripts', 'bench.mjs');
const BIN = join(ROOT, 'bin', 'iofair.js');

function gen(args: string[]): string {
  const r = spawnSync(process.execPath, [GEN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

interface Row {
  ts: bigint;
  zone: string;
  op: string;
  bytes: number;
  lat: number;
  device: string;
  offset: number;
}

/** Strict reading of the generator's CSV, independent of iofair's parser. */
function readTrace(text: string): Row[] {
  const lines = text.split('\n');
  expect(lines[0]).toBe('timestamp_ns,zone,op,bytes,latency_ns,device,offset');
  expect(lines[lines.length - 1]).toBe(''); // ends with a newline
  const rows: Row[] = [];
  const bad: string[] = [];
  const shape = /^(\d+),([a-z0-9]+),([RW]),(\d+),(\d+),(sd[0-3]),(\d+)$/;
  for (const line of lines.slice(1, -1)) {
    const f = shape.exec(line);
    if (!f) {
      bad.push(line);
      continue;
    }
    rows.push({ ts: BigInt(f[1]), zone: f[2], op: f[3], bytes: Number(f[4]), lat: Number(f[5]), device: f[6], offset: Number(f[7]) });
  }
  expect(bad.slice(0, 3)).toEqual([]);
  return rows;
}

function sumsByZone(rows: Row[]): Map<string, { ops: number; bytes: number; lat: number }> {
  const m = new Map<string, { ops: number; bytes: number; lat: number }>();
  for (const r of rows) {
    const s = m.get(r.zone) ?? { ops: 0, bytes: 0, lat: 0 };
    s.ops++;
    s.bytes += r.bytes;
    s.lat += r.lat;
    m.set(r.zone, s);
  }
  return m;
}

describe('gen-trace', () => {
  let text2000 = '';
  let rows: Row[] = [];
  let dir = '';
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) spawnSync('npx', ['tsc', '-p', ROOT], { stdio: 'inherit' });
    text2000 = gen(['2000']);
    rows = readTrace(text2000);
    dir = mkdtempSync(join(tmpdir(), 'iofair-bench-gen-'));
    return () => rmSync(dir, { recursive: true, force: true });
  });

  it('is deterministic for a seed, and the seed matters', () => {
    expect(gen(['2000'])).toBe(text2000);
    expect(gen(['2k', '--seed', '42'])).toBe(text2000); // 42 is the default seed
    const other = gen(['2000', '--seed', '7']);
    expect(other).not.toBe(text2000);
    expect(readTrace(other)).toHaveLength(2000);
    // a shorter trace is not a prefix-truncation artefact: exactly N rows each time
    expect(readTrace(gen(['1']))).toHaveLength(1);
    expect(readTrace(gen(['17']))).toHaveLength(17);
  });

  it('writes the same bytes through the generator API as through the command', () => {
    expect([...generate(2000)].join('')).toBe(text2000);
    expect([...generate(0)].join('')).toBe(HEADER);
  });

  it('produces valid, completion-ordered rows with epoch-nanosecond timestamps beyond 2^53', () => {
    expect(rows).toHaveLength(2000);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      expect(r.ts > 2n ** 53n).toBe(true);
      expect(r.ts > 1_700_000_000_000_000_000n && r.ts < 1_800_000_000_000_000_000n).toBe(true);
      if (i > 0) expect(r.ts >= rows[i - 1].ts).toBe(true);
      expect([4096, 131072]).toContain(r.bytes);
      expect(r.offset % 4096).toBe(0);
      expect(r.lat).toBeGreaterThan(0);
    }
    // the mix: 8 zones, 4 devices, both IO sizes, both directions
    expect(new Set(rows.map((r) => r.zone)).size).toBe(8);
    expect(new Set(rows.map((r) => r.device)).size).toBe(4);
    expect(new Set(rows.map((r) => r.op)).size).toBe(2);
    const big = rows.filter((r) => r.bytes === 131072).length;
    expect(big / rows.length).toBeGreaterThan(0.1);
    expect(big / rows.length).toBeLessThan(0.4);
  });

  it('models each device as a FIFO single server: arrivals in completion order, service ≥ 55 µs, some queueing', () => {
    const byDev = new Map<string, Row[]>();
    for (const r of rows) byDev.set(r.device, [...(byDev.get(r.device) ?? []), r]);
    let queued = 0;
    for (const list of byDev.values()) {
      let prevDone = -1n;
      let prevIssue = -1n;
      for (const r of list) {
        const issue = r.ts - BigInt(r.lat);
        expect(issue >= prevIssue).toBe(true); // FIFO: served in arrival order
        const start = issue > prevDone ? issue : prevDone; // service starts when the server frees
        if (prevDone > issue) queued++;
        expect(r.ts - start >= 55_000n).toBe(true); // smallest service time of the model
        prevDone = r.ts;
        prevIssue = issue;
      }
    }
    expect(queued).toBeGreaterThan(rows.length * 0.1); // latencies include real waiting
  });

  it('is read by iofair analyze --json with every record and 0 skipped, and the same per-zone sums', () => {
    const file = join(dir, 'trace.csv');
    writeFileSync(file, text2000);
    const r = spawnSync(process.execPath, [BIN, 'analyze', '--json', file], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.input.records).toBe(2000);
    expect(j.input.skipped).toBe(0);
    expect(j.input.fidelity).toBe('events');
    const want = sumsByZone(rows);
    expect(j.zones).toHaveLength(want.size);
    for (const z of j.zones) {
      const w = want.get(z.zone)!;
      expect(w, z.zone).toBeDefined();
      expect(z.ops).toBe(w.ops);
      expect(z.bytes).toBe(w.bytes);
      expect(z.latency_us.mean * 1e3 * z.ops).toBeCloseTo(w.lat, -1);
    }
    const devOps = new Map<string, number>();
    for (const row of rows) devOps.set(row.device, (devOps.get(row.device) ?? 0) + 1);
    for (const d of j.devices) expect(d.ops).toBe(devOps.get(d.device));
    // the first and last completions, exactly (seconds since the epoch)
    expect(j.input.end_s).toBeCloseTo(Number(rows[rows.length - 1].ts / 1000n) / 1e6, 6);
  });

  it("the bench's hand-written reference parser computes the same per-zone sums (across 1 MiB read chunks)", () => {
    const text = gen(['40000']); // ~2.3 MB: lines straddle the parser's 1 MiB chunks
    const want = sumsByZone(readTrace(text));
    for (const body of [text, text.slice(0, -1)]) {
      // with and without the final newline
      const file = join(dir, 'ref.csv');
      writeFileSync(file, body);
      const r = spawnSync(process.execPath, [BENCH, '--ref-parse', file], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const got = new Map<string, { ops: number; bytes: number; lat: number }>();
      for (const line of r.stdout.trim().split('\n')) {
        const [z, ops, bytes, lat] = line.split(' ');
        got.set(z, { ops: Number(ops), bytes: Number(bytes), lat: Number(lat) });
      }
      expect(got).toEqual(want);
    }
  });

  it('parses record counts', () => {
    expect(parseCount('2000')).toBe(2000);
    expect(parseCount('1M')).toBe(1_000_000);
    expect(parseCount('10M')).toBe(10_000_000);
    expect(parseCount('1e6')).toBe(1_000_000);
    expect(parseCount('500k')).toBe(500_000);
    expect(() => parseCount('ten')).toThrow(/record count/);
    expect(() => parseCount('-5')).toThrow(/record count/);
  });
});
