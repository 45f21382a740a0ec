import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { FIXTURES, absoluteTime, fixture, run } from './dtrace-helpers.js';
import { dtraceIofairFormat } from '../src/parsers/dtrace-iofair.js';
import { iosnoopFormat, iosnoopCountsFormat } from '../src/parsers/iosnoop.js';
import { dtracePrintfFormat } from '../src/parsers/dtrace-printf.js';
import { dtraceAggFormat } from '../src/parsers/dtrace-agg.js';
import { sniffFormat } from '../src/parsers/registry.js';

const ALL = [dtraceIofairFormat, iosnoopFormat, iosnoopCountsFormat, dtracePrintfFormat, dtraceAggFormat];

describe('dtrace-iofair', () => {
  it('reads the disk-level fixture exactly, beyond 2^53', () => {
    const { sink, tb } = run(dtraceIofairFormat, fixture('iofair-disk.txt'));
    // base = the first walltimestamp, 1718000000000500123; times below are relative to it
    expect(tb.baseNs).toBe(1718000000000500123n);
    const t0 = 500123;
    expect(sink.ios).toEqual([
      // done 0, issue 0 - 500000 (Number(1718000000000500123) would lose the 123 of later ones)
      { zone: 'web01', device: 'sd1', op: 'R', bytes: 8192, issueNs: 123 - t0, doneNs: 500123 - t0 },
      { zone: 'global', device: 'sd1', op: 'W', bytes: 4096, issueNs: 400001 - t0, doneNs: 1000001 - t0 },
      // out of order (per-CPU buffer): emitted as read, the CLI's reorder window sorts it
      { zone: 'web01', device: 'sd1', op: 'R', bytes: 4096, issueNs: 600007 - t0, doneNs: 900007 - t0 },
      // zone name with a space is the last field: kept whole
      { zone: 'db zone', device: 'sd2', op: 'R', bytes: 131072, issueNs: 1000000 - t0, doneNs: 2000000 - t0 },
    ]);
    // 12 principal-buffer drops + 5 dynamic variable drops
    expect(sink.lostTotal).toBe(17);
    expect(sink.skips.map((s) => s.line)).toEqual([8, 11]);
    expect(sink.skips.map((s) => s.code)).toEqual(['NOT_A_NUMBER', 'TRUNCATED']);
    expect(sink.skips[0].reason).toMatch(/latency_ns.*"abc"/);
    expect(sink.skips[1].reason).toBe('truncated last line');
    expect(sink.warnings.some((w) => /level=disk.*global zone/.test(w))).toBe(true);
  });

  it('holds zio records until their zone id is named, in order', () => {
    const { sink } = run(dtraceIofairFormat, fixture('iofair-zio.txt'));
    // walltimestamps 1718000005.000000000 + k·100 µs; issue = done - latency
    expect(sink.ios.map((e) => [e.zone, e.op, e.issueNs, e.doneNs])).toEqual([
      ['web01', 'R', -250000, 0], // id 5 named only after the next record arrived
      ['global', 'W', 0, 100000],
      ['web01', 'R', 100000, 300000],
      ['zoneid:7', 'R', 350000, 400000], // id 7 never named
      ['global', 'W', 420000, 500000],
    ]);
    expect(sink.warnings.some((w) => /zone id\(s\) 7/.test(w))).toBe(true);
    expect(sink.skips).toEqual([]);
  });

  it('uses --zones for ids, and it wins over the trace', () => {
    const zones = new Map([
      ['7', 'db01'],
      ['5', 'webA'],
    ]);
    const { sink } = run(dtraceIofairFormat, fixture('iofair-zio.txt'), { zones });
    expect(sink.ios.map((e) => e.zone)).toEqual(['webA', 'global', 'webA', 'db01', 'global']);
    expect(sink.warnings.some((w) => /zone id 5.*"webA".*"web01"/.test(w))).toBe(true);
  });

  it('skips records before a header and unknown header versions', () => {
    const { sink } = run(dtraceIofairFormat, '1\t2\tsd1\tR\t3\tz\n# iofair-dtrace v9 level=disk fields=a\n1\t2\tsd1\tR\t3\tz\n');
    expect(sink.ios).toEqual([]);
    expect(sink.skips.map((s) => s.line)).toEqual([1, 2, 3]);
  });
});

describe('iosnoop', () => {
  it('-s -t -e -D -o: events from STIME and TIME (µs)', () => {
    const { sink } = run(iosnoopFormat, fixture('iosnoop-st.txt'), { timeBase: absoluteTime() });
    expect(sink.ios).toEqual([
      // STIME 1000000 µs = 1e9 ns, TIME 1000500 µs
      { zone: 'tar', device: 'sd1', op: 'R', bytes: 8192, issueNs: 1000000000, doneNs: 1000500000 },
      { zone: 'sched', device: 'sd2', op: 'W', bytes: 131072, issueNs: 1000100000, doneNs: 1000900000 },
      { zone: 'postgres', device: 'sd1', op: 'W', bytes: 8192, issueNs: 1000200000, doneNs: 1001300000 },
      { zone: 'tar', device: 'sd1', op: 'R', bytes: 4096, issueNs: 1002000000, doneNs: 1002250000 },
    ]);
    expect(sink.skips.map((s) => s.line)).toEqual([7]); // the row cut short; the banner is not bad
    expect(sink.lostTotal).toBe(1); // one "dtrace: error on enabled probe"
    expect(sink.warnings.some((w) => /zones taken from COMM/.test(w))).toBe(true);
  });

  it('--zone-from path maps /zones/NAME and keeps PATHNAME with spaces whole', () => {
    const { sink } = run(iosnoopFormat, fixture('iosnoop-st.txt'), { zoneFrom: 'path' });
    expect(sink.ios.map((e) => e.zone)).toEqual(['global', '<none>', 'global', 'global']);
    expect(sink.warnings.some((w) => /zones taken from PATH/.test(w))).toBe(true);
  });

  it('-t -N -D: issue = TIME - DELTA, device MAJ,MIN', () => {
    const { sink } = run(iosnoopFormat, fixture('iosnoop-tD.txt'), { timeBase: absoluteTime() });
    expect(sink.ios.map((e) => [e.zone, e.device, e.issueNs, e.doneNs])).toEqual([
      ['nginx', '32,8', 5000000000, 5000400000], // 5000400 - 400 µs
      ['nginx', '32,8', 5000250000, 5000900000], // 5000900 - 650 µs
      ['sched', '32,16', 5000000000, 5001000000], // 5001000 - 1000 µs
    ]);
  });

  it('-A dump with --zone-from mount', () => {
    const { sink } = run(iosnoopFormat, fixture('iosnoop-A.txt'), { zoneFrom: 'mount', timeBase: absoluteTime() });
    expect(sink.ios.map((e) => [e.zone, e.device, e.op, e.bytes, e.issueNs, e.doneNs])).toEqual([
      ['db01', 'sd1', 'R', 8192, 7000000000, 7000300000],
      ['web01', 'sd1', 'R', 4096, 7000100000, 7000500000],
      ['<none>', 'sd1', 'W', 131072, 7000400000, 7000900000],
    ]);
    expect(sink.lostTotal).toBe(2);
  });

  it('events format refuses layouts without timing, and says so', () => {
    const { sink } = run(iosnoopFormat, fixture('iosnoop-default.txt'));
    expect(sink.ios).toEqual([]);
    expect(sink.warnings.some((w) => /iosnoop-counts/.test(w))).toBe(true);
  });

  it('default layout: counts per COMM, latency unknown', () => {
    const { sink } = run(iosnoopCountsFormat, fixture('iosnoop-default.txt'));
    const got = sink.hists.map((h) => [h.key, ...(h.subkeys ?? []), h.buckets.length, h.buckets[0].count, h.buckets[0].lo, h.buckets[0].hi]);
    expect(got).toEqual([
      ['sched', 'all', 'W', 1, 2, -Infinity, Infinity],
      ['fsflush', 'all', 'W', 1, 1, -Infinity, Infinity],
      ['tar', 'all', 'R', 1, 3, -Infinity, Infinity],
      ['postgres', 'all', 'R', 1, 1, -Infinity, Infinity],
      ['postgres', 'all', 'W', 1, 1, -Infinity, Infinity],
    ]);
    expect(sink.skips).toEqual([{ line: 11, code: 'TRUNCATED', reason: 'truncated last line' }]);
    expect(sink.lostTotal).toBe(3);
    expect(sink.warnings.some((w) => /latency and device time need iosnoop -D, or -s -t/.test(w))).toBe(true);
  });

  it('default layout, --zone-from path: SmartOS zone roots', () => {
    const { sink } = run(iosnoopCountsFormat, fixture('iosnoop-default.txt'), { zoneFrom: 'path' });
    const total = new Map<string, number>();
    for (const h of sink.hists) total.set(h.key, (total.get(h.key) ?? 0) + h.buckets[0].count);
    // sched ×2 + fsflush: <none>; tar ×3 under /zones/web01; postgres ×2 under /zones/db01
    expect([...total.entries()].sort()).toEqual([
      ['<none>', 3],
      ['db01', 2],
      ['web01', 3],
    ]);
  });

  it('-v -i -D: counts with DELTA latency buckets, device insN', () => {
    const { sink } = run(iosnoopCountsFormat, fixture('iosnoop-viD.txt'));
    expect(sink.hists.map((h) => [h.key, ...(h.subkeys ?? []), h.buckets.map((b) => [b.lo, b.hi, b.count])])).toEqual([
      // 120 µs exact (1 µs buckets below 1 ms); 1500 µs → 3 significant digits: [1500, 1510) µs
      ['nginx', 'ins1', 'R', [[120000, 121000, 1], [1500000, 1510000, 1]]],
      ['nginx', 'ins1', 'W', [[2600000, 2610000, 1]]],
      ['sched', 'ins2', 'W', [[7000, 8000, 1]]],
    ]);
  });

  it('-a (PATHNAME ARGS, no COMM): zone from the first word of ARGS', () => {
    const { sink } = run(iosnoopCountsFormat, fixture('iosnoop-a.txt'));
    expect(sink.hists.map((h) => [h.key, h.buckets[0].count])).toEqual([
      ['nginx', 2],
      ['<none>', 1],
    ]);
    expect(sink.skips).toEqual([]);
  });
});

describe('dtrace-printf', () => {
  it('zilt10k.d: ENDTIME(us) LATENCY(ns), non-IO types counted in a warning', () => {
    const { sink } = run(dtracePrintfFormat, fixture('printf-zilt10k.txt'), { timeBase: absoluteTime() });
    expect(sink.ios).toEqual([
      // done = 1203 µs = 1203000 ns, issue = 1203000 - 15270
      { zone: 'web01', device: 'all', op: 'R', bytes: 8192, issueNs: 1187730, doneNs: 1203000 },
      { zone: 'db01', device: 'all', op: 'W', bytes: 131072, issueNs: 999600, doneNs: 1250000 },
      { zone: 'global', device: 'all', op: 'R', bytes: 4096, issueNs: 1238200, doneNs: 1248000 },
      { zone: 'db01', device: 'all', op: 'R', bytes: 65536, issueNs: 1302000, doneNs: 1390000 },
    ]);
    expect(sink.skips.map((s) => s.line)).toEqual([9, 10, 11]);
    expect(sink.skips[2].reason).toBe('truncated last line');
    expect(sink.lostTotal).toBe(40);
    expect(sink.warnings.some((w) => /1 getattr, 1 open/.test(w))).toBe(true);
  });

  it('dilt.d: LATENCY(us), zone from PROCESS', () => {
    const { sink } = run(dtracePrintfFormat, fixture('printf-dilt.txt'), { timeBase: absoluteTime() });
    expect(sink.ios.map((e) => [e.zone, e.op, e.issueNs, e.doneNs])).toEqual([
      ['sched', 'R', 380000, 500000], // 500 µs - 120 µs
      ['sched', 'W', 400000, 700000],
      ['postgres', 'R', 560000, 650000],
    ]);
  });

  it('zfsslowzone.d: %Y TIME, ms latency, KB size', () => {
    const { sink, tb } = run(dtracePrintfFormat, fixture('printf-zfsslowzone.txt'));
    const t0 = BigInt(Date.UTC(2012, 5, 28, 1, 44, 19) / 1000) * 1000000000n;
    expect(tb.baseNs).toBe(t0);
    expect(sink.ios).toEqual([
      { zone: 'db01', device: 'all', op: 'R', bytes: 8 * 1024, issueNs: -61e6, doneNs: 0 },
      { zone: 'web01', device: 'all', op: 'W', bytes: 128 * 1024, issueNs: 1e9 - 112e6, doneNs: 1e9 },
    ]);
    expect(sink.warnings.some((w) => /zfsslowzone/.test(w))).toBe(true);
  });
});

describe('dtrace-agg', () => {
  it('quantize keyed by zone, negative and zero buckets, repeated key', () => {
    const { sink } = run(dtraceAggFormat, fixture('agg-quantize.txt'));
    const nz = (i: number) => sink.hists[i].buckets.filter((b) => b.count > 0).map((b) => [b.lo, b.hi, b.count]);
    expect(sink.hists.map((h) => h.key)).toEqual(['web01', 'db01', 'web01']);
    // -1 holds (-2, -1] = [-1, 0) for integers; 0 holds 0; 1024 holds [1024, 2048)
    expect(nz(0)).toEqual([[-1, 0, 1], [0, 1, 2], [1024, 2048, 5], [2048, 4096, 10], [4096, 8192, 3]]);
    expect(sink.hists[0].buckets[0]).toEqual({ lo: -3, hi: -1, count: 0 }); // -2 holds {-3, -2}
    expect(nz(1)).toEqual([[65536, 131072, 4], [131072, 262144, 4]]);
    expect(nz(2)).toEqual([[1024, 2048, 1]]);
    expect(sink.hists[0].resolution).toMatch(/power-of-two/);
    expect(sink.lostTotal).toBe(7);
    expect(sink.skips).toEqual([]);
    expect(sink.warnings.some((w) => /appeared more than once/.test(w))).toBe(true);
  });

  it('--value-unit us scales buckets', () => {
    const { sink } = run(dtraceAggFormat, fixture('agg-quantize.txt'), { valueUnitNs: 1000 });
    expect(sink.hists[1].buckets[1]).toEqual({ lo: 65536000, hi: 131072000, count: 4 });
  });

  it('lquantize with < and >= rows, utf8 bars, misaligned rows', () => {
    const { sink } = run(dtraceAggFormat, fixture('agg-lquantize.txt'));
    expect(sink.hists.map((h) => h.key)).toEqual(['web01', 'db01', 'batch']);
    expect(sink.hists[0].buckets.map((b) => [b.lo, b.hi, b.count])).toEqual([
      [-Infinity, 0, 0],
      [0, 10, 4],
      [10, 20, 6],
      [20, 30, 0],
      [30, 40, 2],
      [40, Infinity, 1],
    ]);
    expect(sink.hists[0].resolution).toMatch(/linear, 10 ns steps/);
    expect(sink.hists[1].buckets.map((b) => b.count)).toEqual([0, 3, 1, 0]); // utf8 bars
    // misaligned "   10 |@@@…@ 8" parsed; "              30 |" (no count) skipped
    expect(sink.hists[2].buckets.map((b) => [b.lo, b.hi, b.count])).toEqual([
      [0, 10, 0],
      [10, 20, 8],
      [20, 30, 0],
    ]);
    expect(sink.skips).toEqual([
      { line: 27, code: 'BAD_ROW', reason: 'distribution row without a count' },
      { line: 28, code: 'TRUNCATED', reason: 'truncated last line' },
    ]);
  });

  it('default printa: counts per zone, repeated intervals', () => {
    const { sink } = run(dtraceAggFormat, fixture('agg-printa.txt'));
    const sum = new Map<string, number>();
    for (const h of sink.hists) sum.set(h.key, (sum.get(h.key) ?? 0) + h.buckets[0].count);
    expect(sum).toEqual(new Map([['global', 20], ['web01', 440], ['db01', 2100]])); // 12+8, 340+100, 1200+900
    expect(sink.lostTotal).toBe(1);
    expect(sink.warnings.some((w) => /count\(\)/.test(w))).toBe(true);
  });

  it('a row outside a distribution is a skipped line, not a record', () => {
    const { sink } = run(dtraceAggFormat, '           1024 |@@@@   4\n');
    expect(sink.hists).toEqual([]);
    expect(sink.skips.length).toBe(1);
  });
});

describe('sniffing', () => {
  const expected = new Map([
    ['iofair-disk.txt', 'dtrace-iofair'],
    ['iofair-zio.txt', 'dtrace-iofair'],
    ['iosnoop-default.txt', 'iosnoop-counts'],
    ['iosnoop-st.txt', 'iosnoop'],
    ['iosnoop-tD.txt', 'iosnoop'],
    ['iosnoop-viD.txt', 'iosnoop-counts'],
    ['iosnoop-a.txt', 'iosnoop-counts'],
    ['iosnoop-A.txt', 'iosnoop'],
    ['printf-zilt10k.txt', 'dtrace-printf'],
    ['printf-dilt.txt', 'dtrace-printf'],
    ['printf-zfsslowzone.txt', 'dtrace-printf'],
    ['agg-quantize.txt', 'dtrace-agg'],
    ['agg-lquantize.txt', 'dtrace-agg'],
    ['agg-printa.txt', 'dtrace-agg'],
  ]);
  it('every fixture has an expectation', () => {
    expect(readdirSync(FIXTURES).filter((f) => f.endsWith('.txt')).sort()).toEqual([...expected.keys()].sort());
  });
  for (const [file, name] of expected) {
    it(`${file} → ${name}`, () => {
      const head = fixture(file).split('\n').slice(0, 50);
      expect(sniffFormat(head)?.name).toBe(name);
    });
  }
  it('does not claim a plain CSV', () => {
    const csv = ['issue_ns,done_ns,zone,device,op,bytes', '1000,2000,web01,sd1,R,4096', '1500,2600,db01,sd1,W,8192'];
    for (const f of ALL) expect(f.sniff(csv)).toBeLessThan(0.5);
  });
  it('does not claim each other', () => {
    for (const [file, name] of expected) {
      const head = fixture(file).split('\n').slice(0, 50);
      for (const f of ALL) if (f.name !== name) expect(f.sniff(head), `${f.name} on ${file}`).toBeLessThan(0.9);
    }
  });
});

describe('robustness', () => {
  it('chunk boundaries do not change results', () => {
    for (const [file, fmt] of [
      ['iofair-zio.txt', dtraceIofairFormat],
      ['iosnoop-st.txt', iosnoopFormat],
      ['agg-lquantize.txt', dtraceAggFormat],
      ['printf-zilt10k.txt', dtracePrintfFormat],
    ] as const) {
      const whole = run(fmt, fixture(file)).sink;
      for (const c of [1, 7, 64]) {
        const parts = run(fmt, fixture(file), {}, c).sink;
        expect(parts.ios).toEqual(whole.ios);
        expect(parts.hists).toEqual(whole.hists);
        expect(parts.skips).toEqual(whole.skips);
      }
    }
  });

  it('never throws on garbage', () => {
    const fragments = [
      '# iofair-dtrace v1 level=zio fields=timestamp_ns,latency_ns,device,op,bytes,zoneid',
      '# iofair-zone\t5\tweb',
      '           value  ------------- Distribution ------------- count',
      '  UID   PID D    BLOCK   SIZE       COMM PATHNAME',
      'ENDTIME(us) LATENCY(ns) TYPE SIZE(bytes) ZONENAME PROCESS',
      'TIME STIME DELTA DEVICE INS MAJ MIN UID PID PPID D BLOCK SIZE MOUNT FILE PATH COMM ARGS',
      '             < 0 |@@@ 3',
      '            >= 9 | 1',
      'dtrace: 99 drops on CPU 1',
      '\t',
      '__proto__',
    ];
    const line = fc.oneof(fc.string(), fc.constantFrom(...fragments), fc.array(fc.oneof(fc.integer(), fc.string()), { maxLength: 8 }).map((a) => a.join(' ')));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 20 }), fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.integer({ min: 0, max: 9 }), (lines, nl, cut, chunk) => {
        const text = lines.join(nl) + (cut ? '' : nl);
        for (const f of ALL) {
          const zones = new Map([['5', 'x']]);
          run(f, text, { zones, zoneFrom: 'path', valueUnitNs: 1000 }, chunk);
          f.sniff(lines);
        }
      }),
      { numRuns: 300 },
    );
  });
});
