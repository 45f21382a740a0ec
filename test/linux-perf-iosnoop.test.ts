import { describe, it, expect } from 'vitest';
import { TimeBase } from '../src/records.js';
import fc from 'fast-check';
import { perfIosnoopFormat, perfIosnoopCountsFormat } from '../src/parsers/perf-iosnoop.js';
import { sniffFormat } from '../src/parsers/registry.js';
import { LatencyCounts } from '../src/parsers/linux-common.js';
import { linuxFixture, runLinux, rows, left, right } from './linux-tracer-helpers.js';

const us = 1e3;

describe('perf-tools iosnoop', () => {
  it('sniffs -s/-t layouts as events and the default layout as counts', () => {
    expect(sniffFormat(linuxFixture('perf-iosnoop-ts.txt').split('\n'))?.name).toBe('perf-iosnoop');
    expect(sniffFormat(linuxFixture('perf-iosnoop-Qt.txt').split('\n'))?.name).toBe('perf-iosnoop');
    expect(sniffFormat(linuxFixture('perf-iosnoop-default.txt').split('\n'))?.name).toBe('perf-iosnoop-counts');
  });

  it('-ts: STARTs and ENDs since boot (a time base), RWBS TYPE, an FF flush with BLOCK 2^64−1', () => {
    const { sink, tb } = runLinux(perfIosnoopFormat, linuxFixture('perf-iosnoop-ts.txt'), { timeBase: new TimeBase() });
    expect(tb.baseNs).toBe(5982800302061000n); // the first STARTs: times are relative to it
    const t0 = 302061 * us;
    expect(rows(sink)).toEqual([
      ['supervise', '202:1', 'W', 4096, 302061 * us - t0, 302679 * us - t0],
      ['randread', '202:32', 'R', 8192, 302100 * us - t0, 302260 * us - t0],
      ['supervise', '202:1', 'W', 4096, 304962 * us - t0, 305442 * us - t0], // WS
      ['randread', '202:32', 'R', 8192, 298302 * us - t0, 318332 * us - t0],
      ['sync', '202:1', 'W', 0, 320000 * us - t0, 321000 * us - t0], // FF: a flush
    ]);
    expect(sink.skips.map((s) => [s.line, s.code])).toEqual([[9, 'DONE_BEFORE_ISSUE']]);
    expect(sink.lostTotal).toBe(3); // WARNING: CPU:1 [LOST 3 EVENTS]
    expect(sink.warnings.some((w) => /^1 flush\(es\)/.test(w))).toBe(true);
    expect(sink.warnings.some((w) => /with -Q: from the queue insert.*does not say which/.test(w))).toBe(true);
  });

  it('-t only (the 2014 %-14s width): issue = ENDs − LATms', () => {
    const { sink } = runLinux(perfIosnoopFormat, linuxFixture('perf-iosnoop-Qt.txt'), { timeBase: new TimeBase() });
    const t0 = 18133 * us; // the first ENDs (6037596.018133 s): times are relative to it
    expect(rows(sink)).toEqual([
      ['kernel', '202:16', 'W', 45056, 18133 * us - 141120 * us - t0, 18133 * us - t0], // kjournald
      ['dd', '202:16', 'W', 4096, 18150 * us - 180 * us - t0, 18150 * us - t0],
      ['gawk', '202:16', 'W', 20480, 34000 * us - 16160 * us - t0, 34000 * us - t0],
    ]);
  });

  it('default layout: latency histograms per zone, device and op (bounded buckets)', () => {
    const { sink } = runLinux(perfIosnoopCountsFormat, linuxFixture('perf-iosnoop-default.txt'));
    const h = sink.hists.map((x) => [x.key, ...(x.subkeys ?? []), x.buckets.map((b) => [b.lo, b.hi, b.count])]);
    expect(h).toEqual([
      ['supervise', '202:1', 'W', [[1320 * us, 1330 * us, 1]]],
      // 10 µs buckets up to 1 ms... and 3 significant digits above: 14.90 ms in [14.9, 15.0)
      ['tar', '202:1', 'R', [[7530 * us, 7540 * us, 1], [14900 * us, 15000 * us, 1]]],
      ['kernel', '202:1', 'W', [[41500 * us, 41600 * us, 1]]], // jbd2/xvda1-212: 41.52 ms
      ['unknown', '202:32', 'R', [[180 * us, 190 * us, 1]]], // <...>
      ['kernel', '202:16', 'W', [[520 * us, 530 * us, 1]]], // flush:16-1279
      ['dd', '202:16', 'W', [[2100 * us, 2110 * us, 1]]], // FF flush
    ]);
    expect(sink.kinds).toEqual(new Map([['kernel', 'kernel'], ['unknown', 'unknown']]));
    expect(sink.skips).toEqual([]);
  });

  it('latency buckets hold their value, are exact below 1 ms and within 1 % above, and stay few', () => {
    const c = new LatencyCounts(10000);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e7 }), (k) => {
        const v = k * 10000; // LATms has 10 µs steps
        const [lo, hi] = c.bucketOf(v);
        expect(lo <= v && v < hi).toBe(true);
        if (v < 1e6) expect(hi - lo).toBe(10000);
        else expect((hi - lo) / lo).toBeLessThanOrEqual(0.01);
      }),
    );
    const distinct = new Set<number>();
    for (let v = 0; v <= 100e9; v += 10000) if (v % 1e7 === 0 || v < 2e6) distinct.add(c.bucketOf(v)[0]);
    expect(distinct.size).toBeLessThan(100 + 900 * 5 + 1); // up to 100 s: 1 ms … 100 s is 5 decades
  });

  it('the default layout read as events skips its rows and says why', () => {
    const { sink } = runLinux(perfIosnoopFormat, linuxFixture('perf-iosnoop-default.txt'));
    expect(sink.ios).toEqual([]);
    expect(sink.skips.every((s) => s.code === 'MISSING_COLUMN')).toBe(true);
    expect(sink.warnings.some((w) => /no time column.*perf-iosnoop-counts/.test(w))).toBe(true);
  });

  it('property: random IOs in the -s, -t and -ts layouts round-trip', () => {
    const TYPES: [string, 'R' | 'W', boolean][] = [
      ['R', 'R', true],
      ['RM', 'R', true],
      ['W', 'W', true],
      ['WS', 'W', true],
      ['FF', 'W', false],
      ['FWS', 'W', false],
    ];
    const BOOT = 5000000; // s since boot of the first time printed
    fc.assert(
      fc.property(
        fc.constantFrom([true, false], [false, true], [true, true]),
        fc.array(
          fc.record({
            startUs: fc.integer({ min: 0, max: 1e9 }),
            latUs10: fc.integer({ min: 0, max: 1e6 }), // 10 µs steps
            comm: fc.constantFrom('supervise', 'tar', 'randread', 'a-b-c'),
            pid: fc.integer({ min: 1, max: 99999 }),
            maj: fc.integer({ min: 0, max: 300 }),
            min: fc.integer({ min: 0, max: 300 }),
            block: fc.integer({ min: 0, max: 2 ** 40 }),
            sectors: fc.integer({ min: 1, max: 2048 }),
            type: fc.constantFrom(...TYPES),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        ([s, t], ios) => {
          const fmtT = (v: number) => `${BOOT + Math.floor(v / 1e6)}.${String(v % 1e6).padStart(6, '0')}`;
          const lines = [(s ? left('STARTs', 15) + ' ' : '') + (t ? left('ENDs', 15) + ' ' : '') + `${left('COMM', 12)} ${left('PID', 6)} ${left('TYPE', 4)} ${left('DEV', 8)} ${left('BLOCK', 12)} ${left('BYTES', 6)} ${right('LATms', 8)}`];
          for (const io of ios) {
            const bytes = io.type[2] ? io.sectors * 512 : 0;
            const block = io.type[2] ? String(io.block) : '18446744073709551615';
            const endUs = io.startUs + io.latUs10 * 10;
            lines.push(
              (s ? left(fmtT(io.startUs), 15) + ' ' : '') +
                (t ? left(fmtT(endUs), 15) + ' ' : '') +
                `${left(io.comm, 12)} ${left(io.pid, 6)} ${left(io.type[0], 4)} ${left(`${io.maj},${io.min}`, 8)} ${left(block, 12)} ${left(bytes, 6)} ${right((io.latUs10 / 100).toFixed(2), 8)}`,
            );
          }
          const { sink, tb } = runLinux(perfIosnoopFormat, lines.join('\n') + '\n');
          expect(sink.skips).toEqual([]);
          const base = Number(tb.baseNs ?? 0n);
          expect(rows(sink)).toEqual(
            ios.map((io) => {
              const start = (BOOT * 1e6 + io.startUs) * 1000 - base;
              const end = start + io.latUs10 * 10000;
              return [io.comm, `${io.maj}:${io.min}`, io.type[1], io.type[2] ? io.sectors * 512 : 0, start, end];
            }),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
