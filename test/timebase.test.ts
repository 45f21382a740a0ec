// One time base for the whole input, whatever the timestamps' magnitude: results do not depend on
// where a trace sits on the time line, only the absolute start and end do.

import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimeBase } from '../src/records.js';
import { csvFormat } from '../src/parsers/csv.js';
import { Analyzer } from '../src/core/analyze.js';
import { MemoryReplayStore } from '../src/core/replay/types.js';
import { replayOptionsFrom } from '../src/cli/replay-options.js';
import { prettyJson } from '../src/report/json.js';
import { rng, runCli } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'iofair-timebase-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Row {
  issue: bigint;
  done: bigint;
  zone: string;
  device: string;
}

const csv = (rows: Row[], shift: bigint) =>
  'issue_ns,done_ns,zone,device,op,bytes\n' + rows.map((r) => `${r.issue + shift},${r.done + shift},${r.zone},${r.device},R,4096`).join('\n') + '\n';

/** The JSON report without what legitimately moves with the trace: absolute starts and ends. */
function comparable(json: string): unknown {
  const a = JSON.parse(json);
  delete a.input.sources;
  return JSON.parse(JSON.stringify(a, (k, v) => (k === 'start_s' || k === 'end_s' ? undefined : v)));
}

/** Parses CSV text and analyzes it in this process, as the cli does (default policies unless given). */
function analyzeInProcess(text: string, policy = 'fifo,cap,throttle,fair'): string {
  const timeBase = new TimeBase();
  const analyzer = new Analyzer({
    toolVersion: 'test',
    weightOf: () => undefined,
    reorderWindowNs: 2e9,
    store: new MemoryReplayStore(),
    replay: replayOptionsFrom({ policy }),
  });
  const p = csvFormat.create({ ...analyzer, io: analyzer.io.bind(analyzer), interval() {}, histogram() {}, skip() {}, lost() {}, warn() {} }, { timeBase });
  p.write(text);
  p.end();
  const { analysis } = analyzer.finish(
    { sources: ['x'], format: 'csv', platform: 'neutral', skipped: 0, skipped_by_reason: {}, events_lost: 0, partial: false },
    (ns) => timeBase.seconds(ns),
  );
  return prettyJson(analysis);
}

const trace = fc.array(
  fc.record({
    issue: fc.bigInt({ min: 0n, max: 20_000_000_000n }),
    latency: fc.bigInt({ min: 0n, max: 300_000_000n }),
    zone: fc.constantFrom('a', 'b', 'c'),
    device: fc.constantFrom('sd0', 'sd1'),
  }),
  { minLength: 1, maxLength: 60 },
);

describe('one time base', () => {
  it('shifting every timestamp by 1 ns, 1 s, 10^15 ns or 10^18 ns changes nothing but start and end', () => {
    fc.assert(
      fc.property(trace, (gen) => {
        const rows: Row[] = gen.map((g) => ({ issue: g.issue, done: g.issue + g.latency, zone: g.zone, device: g.device }));
        const base = comparable(analyzeInProcess(csv(rows, 0n)));
        for (const shift of [1n, 1_000_000_000n, 999_999_999_999_999n, 10n ** 18n]) expect(comparable(analyzeInProcess(csv(rows, shift)))).toEqual(base);
      }),
      { numRuns: 25, seed: 16 },
    );
  });

  it('through the cli: a generated trace reports the same at small and epoch-sized timestamps, start and end moved exactly', () => {
    const r = rng(16);
    const rows: Row[] = [];
    let t = 0;
    for (let i = 0; i < 3000; i++) {
      t += Math.floor(r() * 400_000);
      const lat = 100_000 + Math.floor(r() * 5_000_000);
      rows.push({ issue: BigInt(t), done: BigInt(t + lat), zone: `z${i % 3}`, device: i % 4 ? 'sd0' : 'sd1' });
    }
    const shifts = [0n, 1n, 1_718_000_000_123_456_789n];
    const reports = shifts.map((shift, i) => {
      const f = join(tmp, `shift${i}.csv`);
      writeFileSync(f, csv(rows, shift));
      const out = runCli(['analyze', '--json', f]);
      expect(out.status).toBe(0);
      return out.stdout;
    });
    for (let i = 1; i < reports.length; i++) expect(comparable(reports[i])).toEqual(comparable(reports[0]));
    const start = (j: string) => JSON.parse(j).input.start_s as number;
    expect(start(reports[2]) - 1_718_000_000.123456789).toBeCloseTo(start(reports[0]), 6);
  });

  it('two IOs 1 ms apart across 10^15 ns are 1 ms apart; IOs 10 years apart are 10 years apart', () => {
    const near = comparable(
      analyzeInProcess('issue_ns,done_ns,zone,device,op,bytes\n999999999500000,999999999600000,z,d,R,1\n1000000000500000,1000000000600000,z,d,R,1\n', 'none'),
    ) as { input: { duration_s: number } };
    expect(near.input.duration_s).toBeCloseTo(0.0011, 9);
    const tenYears = 10n * 365n * 86400n * 1_000_000_000n;
    const far = comparable(
      analyzeInProcess(`issue_ns,done_ns,zone,device,op,bytes\n1000,2000,z,d,R,1\n${tenYears + 1000n},${tenYears + 2000n},z,d,R,1\n`, 'none'),
    ) as { input: { duration_s: number } };
    expect(far.input.duration_s).toBeCloseTo(Number(tenYears + 1000n) / 1e9, 3);
  });
});

describe('TimeBase', () => {
  it('fromParts (the CSV fast path) and toNs (every other parser) agree exactly, in every unit', () => {
    const units: [number, number][] = [[1, 0], [1e3, 3], [1e6, 6], [1e9, 9]];
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: 0n, max: 10n ** 19n }), { minLength: 1, maxLength: 20 }), fc.constantFrom(...units), (values, [u]) => {
        const a = new TimeBase();
        const b = new TimeBase();
        for (const v of values) {
          const s = String(v);
          const hi = s.length > 9 ? Number(s.slice(0, -9)) : 0;
          const lo = Number(s.slice(-9));
          const fast = a.fromParts(hi, lo, u);
          const exact = b.toNs(s, u);
          // both exact whenever the value is within 2^53 ns of the base; else within rounding
          const rel = v * BigInt(u) - b.baseNs!;
          if (rel >= -(2n ** 53n) && rel <= 2n ** 53n) {
            expect(exact).toBe(Number(rel));
            expect(fast).toBe(exact);
          } else expect(Math.abs(fast - exact)).toBeLessThanOrEqual(Math.abs(exact) * 1e-14);
        }
      }),
      { numRuns: 500, seed: 16 },
    );
  });

  it('decimal and signed values are exact, relative to the first', () => {
    const tb = new TimeBase();
    expect(tb.toNs('1591015999.5', 1e9)).toBe(0);
    expect(tb.toNs('1591016000.250000001', 1e9)).toBe(750_000_001);
    expect(tb.toNs('1591015999', 1e9)).toBe(-500_000_000);
    expect(tb.seconds(750_000_001)).toBeCloseTo(1591016000.250000001, 6);
    const small = new TimeBase();
    expect(small.toNs('-5', 1e3)).toBe(0);
    expect(small.toNs('12.5', 1e3)).toBe(17_500);
    expect(small.toNs('x', 1)).toBeNaN();
  });
});
