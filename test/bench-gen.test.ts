// The benchmark's trace generator (scripts/gen-trace.mjs) and its hand-written reference parser
// (scripts/bench.mjs --ref-parse). No timing here: the benchmark measures, the tests check that
// what it measures is a valid, deterministic trace and that its baselines compute the right sums.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// @ts-expect-error plain ESM script without type declarations
import { parseCount, generate, HEADER, tenantZones, traceFileName } from '../scripts/gen-trace.mjs';

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
function readTrace(text: string, shape = /^(\d+),([a-z0-9]+),([RW]),(\d+),(\d+),(sd[0-3]),(\d+)$/): Row[] {
  const lines = text.split('\n');
  expect(lines[0]).toBe('timestamp_ns,zone,op,bytes,latency_ns,device,offset');
  expect(lines[lines.length - 1]).toBe(''); // ends with a newline
  const rows: Row[] = [];
  const bad: string[] = [];
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

/**
 * Checks that each device served its IOs first come, first served, one at a time, each for at
 * least `minService` ns; returns how many IOs waited for the device.
 */
function fifoQueued(rows: Row[], minService: bigint): number {
  const prevDone = new Map<string, bigint>();
  const prevIssue = new Map<string, bigint>();
  let queued = 0;
  const bad: string[] = [];
  rows.forEach((r, i) => {
    const issue = r.ts - BigInt(r.lat);
    const pd = prevDone.get(r.device) ?? -1n;
    if (issue < (prevIssue.get(r.device) ?? -1n)) bad.push(`row ${i + 1}: issued before the IO served ahead of it`); // FIFO: served in arrival order
    const start = issue > pd ? issue : pd; // service starts when the server frees
    if (pd > issue) queued++;
    if (r.ts - start < minService) bad.push(`row ${i + 1}: served in ${r.ts - start} ns`); // smallest service time of the model
    prevDone.set(r.device, r.ts);
    prevIssue.set(r.device, issue);
  });
  expect(bad.slice(0, 3)).toEqual([]);
  return queued;
}

/** iofair analyze --json on `file` reads every row and reports the per-zone and per-device sums of `rows`; returns its report. */
function expectIofairSums(file: string, rows: Row[]) {
  const r = spawnSync(process.execPath, [BIN, 'analyze', '--json', file], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 26 });
  expect(r.status, r.stderr).toBe(0);
  const j = JSON.parse(r.stdout);
  expect(j.input.records).toBe(rows.length);
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
  // the last completion, exactly (seconds since the epoch)
  expect(j.input.end_s).toBeCloseTo(Number(rows[rows.length - 1].ts / 1000n) / 1e6, 6);
  return j;
}

/** The bench's reference parser (bench.mjs --ref-parse) on `file`: per-zone count, Σ bytes, Σ latency. */
function refSums(file: string): Map<string, { ops: number; bytes: number; lat: number }> {
  const r = spawnSync(process.execPath, [BENCH, '--ref-parse', file], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const got = new Map<string, { ops: number; bytes: number; lat: number }>();
  for (const line of r.stdout.trim().split('\n')) {
    const [z, ops, bytes, lat] = line.split(' ');
    got.set(z, { ops: Number(ops), bytes: Number(bytes), lat: Number(lat) });
  }
  return got;
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
    expect(fifoQueued(rows, 55_000n)).toBeGreaterThan(rows.length * 0.1); // latencies include real waiting
  });

  it('is read by iofair analyze --json with every record and 0 skipped, and the same per-zone sums', () => {
    const file = join(dir, 'trace.csv');
    writeFileSync(file, text2000);
    expectIofairSums(file, rows);
  });

  it("the bench's hand-written reference parser computes the same per-zone sums (across 1 MiB read chunks)", () => {
    const text = gen(['40000']); // ~2.3 MB: lines straddle the parser's 1 MiB chunks
    const want = sumsByZone(readTrace(text));
    for (const body of [text, text.slice(0, -1)]) {
      // with and without the final newline
      const file = join(dir, 'ref.csv');
      writeFileSync(file, body);
      expect(refSums(file)).toEqual(want);
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

describe('gen-trace, the 50-zone multi-tenant shape', () => {
  const N = 100_000; // ~5.5 s of trace: every heavy and medium zone, most light ones
  const ROW_50Z = /^(\d+),([a-z0-9-]+),([RW]),(\d+),(\d+),(sd[0-3]),(\d+)$/;
  /** The trace's time origin: completion timestamps are this many ns after the epoch plus ns since the start. */
  const BASE_NS = 1_712_345_678_000_000_000n;
  let text = '';
  let rows: Row[] = [];
  let dir = '';
  const zones = tenantZones(42);
  const byName = new Map(zones.map((z: { name: string }) => [z.name, z]));
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) spawnSync('npx', ['tsc', '-p', ROOT], { stdio: 'inherit' });
    text = gen([String(N), '--shape', '50z']);
    rows = readTrace(text, ROW_50Z);
    dir = mkdtempSync(join(tmpdir(), 'iofair-bench-gen50-'));
    return () => rmSync(dir, { recursive: true, force: true });
  });

  it('is deterministic for a seed, the seed matters, and the default shape is unchanged by --shape 8z', () => {
    expect(rows).toHaveLength(N);
    expect([...generate(N, { shape: '50z' })].join('')).toBe(text);
    expect(gen(['100k', '--shape=50z', '--seed', '42'])).toBe(text);
    const other = gen([String(N), '--shape', '50z', '--seed', '7']);
    expect(other).not.toBe(text);
    expect(readTrace(other, ROW_50Z)).toHaveLength(N);
    for (const n of [1, 17, 2000]) expect(readTrace(gen([String(n), '--shape', '50z']), ROW_50Z)).toHaveLength(n);
    expect(gen(['2000', '--shape', '8z'])).toBe(gen(['2000']));
    // the light zones' mix comes from the seed too; the heavy tenants are fixed
    const names = (zs: { name: string }[]) => zs.map((z) => z.name);
    expect(names(tenantZones(42))).toEqual(names(zones));
    expect(names(tenantZones(7))).not.toEqual(names(zones));
    expect(names(tenantZones(7)).slice(0, 5)).toEqual(names(zones).slice(0, 5));
    expect(traceFileName('8z', 1e6, 42)).toBe('trace-v1-seed42-1M.csv');
    expect(traceFileName('50z', 1e7, 42)).toBe('trace-v1-50z-seed42-10M.csv');
    const bad = spawnSync(process.execPath, [GEN, '10', '--shape', '9z'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^gen-trace: --shape: one of 8z, 50z/);
  });

  it('has 50 zones of very different sizes: five heavy take over half the IO, 37 light under a tenth', () => {
    expect(zones).toHaveLength(50);
    expect(new Set(zones.map((z: { name: string }) => z.name)).size).toBe(50);
    const tierCount = (t: string) => zones.filter((z: { tier: string }) => z.tier === t).length;
    expect([tierCount('heavy'), tierCount('medium'), tierCount('light')]).toEqual([5, 8, 37]);
    const ops = sumsByZone(rows);
    const share = (t: string) => zones.filter((z: { tier: string }) => z.tier === t).reduce((s: number, z: { name: string }) => s + (ops.get(z.name)?.ops ?? 0), 0) / N;
    expect(share('heavy')).toBeGreaterThan(0.5);
    expect(share('light')).toBeLessThan(0.1);
    expect(ops.size).toBeGreaterThan(40); // the cron-like zones may still be off this early
    for (const name of ops.keys()) expect(byName.has(name), name).toBe(true);
    // the largest zone does over 100 times the IO of the smallest one seen
    const counts = [...ops.values()].map((v) => v.ops).sort((a, b) => a - b);
    expect(counts[counts.length - 1] / counts[0]).toBeGreaterThan(100);
    // every zone's IO has the sizes it declares; both directions; random and sequential IO
    expect(rows.filter((r) => !byName.get(r.zone).sizes.includes(r.bytes)).slice(0, 3)).toEqual([]);
    expect(new Set(rows.map((r) => r.op)).size).toBe(2);
    expect(new Set(rows.map((r) => r.device)).size).toBe(4);
  });

  it('models each device as a FIFO single server with real queueing', () => {
    const queued = fifoQueued(rows, 40_000n); // sequential IO: 40 µs fixed + transfer
    expect(queued).toBeGreaterThan(N * 0.1);
  });

  it("open zones issue at their rate while on (Poisson counts within 5 σ); closed zones never exceed their depth", () => {
    const issueNs = (r: Row) => Number(r.ts - BigInt(r.lat) - BASE_NS);
    let end = 0;
    for (const r of rows) end = Math.max(end, issueNs(r));
    /** Time a zone is on within [0, end]: on for duty × period of every period, from its phase. */
    const onWithin = (on: { periodS: number; duty: number; phaseS: number } | null) => {
      if (on === null) return end;
      const period = on.periodS * 1e9;
      let total = 0;
      for (let start = (on.phaseS * 1e9) % period; start < end; start += period) total += Math.min(end, start + on.duty * period) - start;
      return total;
    };
    const counts = sumsByZone(rows);
    let checked = 0;
    for (const z of zones) {
      if (z.loop !== 'open') continue;
      const bursts = (z.rate * onWithin(z.on)) / 1e9;
      if (bursts * z.burst < 200) continue; // too few to judge
      const got = counts.get(z.name)?.ops ?? 0;
      expect(Math.abs(got - bursts * z.burst), `${z.name}: ${got} IOs, expected ${(bursts * z.burst).toFixed(0)}`).toBeLessThan(5 * z.burst * Math.sqrt(bursts) + z.burst);
      checked++;
    }
    expect(checked).toBeGreaterThan(15);
    // a closed zone's IOs in flight, counted from issue and completion points
    for (const z of zones) {
      if (z.loop !== 'closed') continue;
      const points: [number, number][] = [];
      for (const r of rows)
        if (r.zone === z.name) {
          points.push([issueNs(r), 1]);
          points.push([Number(r.ts - BASE_NS), -1]);
        }
      points.sort((a, b) => a[0] - b[0] || a[1] - b[1]); // a completion before an issue at the same time
      let inFlight = 0;
      let most = 0;
      for (const [, d] of points) most = Math.max(most, (inFlight += d));
      expect(most, z.name).toBe(z.depth);
    }
  });

  it('is read by iofair with the same per-zone sums as an independent reading and the reference parser; iofair finds the closed-loop zones', () => {
    const file = join(dir, 'trace50.csv');
    writeFileSync(file, text);
    expect(refSums(file)).toEqual(sumsByZone(rows));
    const j = expectIofairSums(file, rows);
    const closed = j.zones.filter((z: { loop: { model: string } }) => z.loop.model === 'closed').map((z: { zone: string }) => z.zone);
    expect(closed.sort()).toEqual(zones.filter((z: { loop: string }) => z.loop === 'closed').map((z: { name: string }) => z.name).sort());
  });
});
