import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { biolatencyFormat, opOfFlags } from '../src/parsers/biolatency.js';
import { bpftraceHistFormat, bpftraceNumber, unitOfMapName } from '../src/parsers/bpftrace-hist.js';
import { parsePyLiteral, PyLiteralError, type PyValue } from '../src/parsers/python-literal.js';
import { HistogramAnalyzer } from '../src/core/histograms.js';
import { parseAll, readLinux, nonEmpty, sumOf } from './linux-helpers.js';

const US = 1e3;
const MS = 1e6;

// bcc's print_log2_hist, written out from its source (src/python/bcc/table.py) for the tests
function bccRows(counts: number[], unit: string): string[] {
  const max = Math.max(1, ...counts);
  const wide = counts.length > 32;
  const out = [wide ? `               ${unit.padEnd(29)} : count     distribution` : `     ${unit.padEnd(19)} : count     distribution`];
  counts.forEach((c, k) => {
    const i = k + 1;
    let lo = (2 ** i) / 2;
    const hi = 2 ** i - 1;
    if (lo === hi) lo -= 1;
    const w = wide ? 20 : 10;
    const stars = '*'.repeat(Math.floor(((wide ? 20 : 40) * c) / max));
    out.push(`${String(lo).padStart(w)} -> ${String(hi).padEnd(w)} : ${String(c).padEnd(8)} |${stars.padEnd(wide ? 20 : 40)}|`);
  });
  return out;
}

/** The buckets a log2 count list stands for, in ns. */
function log2Buckets(counts: number[], unit: number): [number, number, number][] {
  return counts
    .map((c, k): [number, number, number] => [k === 0 ? 0 : 2 ** k * unit, 2 ** (k + 1) * unit, c])
    .filter((b) => b[2] > 0);
}

describe('biolatency (bcc, libbpf-tools)', () => {
  it('default layout: usecs rows become [low, high + 1) µs buckets; one histogram keyed "all"', () => {
    const r = parseAll(biolatencyFormat, readLinux('biolatency-default.txt'));
    expect(r.skips).toEqual([]);
    expect(r.histograms.length).toBe(1);
    const h = r.histograms[0];
    expect(h.key).toBe('all');
    expect(nonEmpty(h)).toEqual([
      [128 * US, 256 * US, 4],
      [256 * US, 512 * US, 20],
      [512 * US, 1024 * US, 10],
      [1024 * US, 2048 * US, 6],
    ]);
    // the zero rows are read too: 0 -> 1 is [0, 2) µs
    expect(h.buckets[0]).toEqual({ lo: 0, hi: 2 * US, count: 0 });
    expect(r.warnings.some((w) => /not keyed by tenant.*'all'/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /from its issue to the device to its completion/.test(w))).toBe(true);
    // mean from midpoints: (192·4 + 384·20 + 768·10 + 1536·6) / 40 µs = 633.6 µs; p50: rank 20 → 256 + 256·16/20
    const a = new HistogramAnalyzer();
    for (const x of r.histograms) a.add(x);
    const z = a.finish().zones[0];
    expect(z.ops).toBe(40);
    expect(z.latency_us.mean).toBeCloseTo(633.6, 9);
    expect(z.latency_us.p50).toBeCloseTo(460.8, 9);
  });

  it('-D -T -m: per-disk msecs histograms per interval, disk names in three spellings', () => {
    const r = parseAll(biolatencyFormat, readLinux('biolatency-D-T-m.txt'));
    expect(r.skips).toEqual([]);
    expect(r.histograms.map((h) => h.key)).toEqual(['sda', 'nvme0n1', 'sda', 'nvme0n1']);
    expect(nonEmpty(r.histograms[0])).toEqual([
      [0, 2 * MS, 10],
      [2 * MS, 4 * MS, 30],
      [4 * MS, 8 * MS, 5],
    ]);
    expect(nonEmpty(r.histograms[3])).toEqual([
      [0, 2 * MS, 40],
      [2 * MS, 4 * MS, 2],
    ]);
    // per disk: sda 45 + 20, nvme0n1 50 + 42 ops
    const a = new HistogramAnalyzer();
    for (const x of r.histograms) a.add(x);
    const zones = a.finish().zones;
    expect(Object.fromEntries(zones.map((z) => [z.zone, z.ops]))).toEqual({ sda: 65, nvme0n1: 92 });
    expect(r.warnings.some((w) => /keyed by disk \(-D\), not by tenant/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /millisecond buckets/.test(w))).toBe(true);
  });

  it('-F: request-flag keys, with the op they end with as a subkey (read/write split)', () => {
    const r = parseAll(biolatencyFormat, readLinux('biolatency-F.txt'));
    expect(r.skips).toEqual([]);
    expect(r.histograms.map((h) => [h.key, h.subkeys])).toEqual([
      ['Read', ['read']],
      ['Sync-Write', ['write']],
      ['Flush', undefined],
      ['ReadAhead-Read', ['read']],
    ]);
    expect(nonEmpty(r.histograms[1])).toEqual([
      [512 * US, 1024 * US, 3],
      [1024 * US, 2048 * US, 1],
    ]);
    const a = new HistogramAnalyzer();
    for (const x of r.histograms) a.add(x);
    const z = Object.fromEntries(a.finish().zones.map((x) => [x.zone, [x.read_ops, x.write_ops]]));
    expect(z).toEqual({ Read: [8, 0], 'Sync-Write': [0, 4], Flush: [0, 0], 'ReadAhead-Read': [4, 0] });
    expect(opOfFlags('ForcedUnitAccess-Metadata-Sync-Write')).toBe('write');
    expect(opOfFlags('Discard')).toBeUndefined();
  });

  it('-e: the printed total gives the exact mean (300 µs, where bucket midpoints give 336 µs)', () => {
    const r = parseAll(biolatencyFormat, readLinux('biolatency-e.txt'));
    expect(r.histograms[0].sumNs).toBe(1200 * US);
    const a = new HistogramAnalyzer();
    for (const x of r.histograms) a.add(x);
    const f = a.finish();
    expect(f.zones[0].latency_us.mean).toBeCloseTo(300, 9);
    expect(f.warnings.some((w) => /exact for 1 zone/.test(w))).toBe(true);
    // without the total: (192 + 384·3) / 4
    const b = new HistogramAnalyzer();
    b.add({ ...r.histograms[0], sumNs: undefined });
    expect(b.finish().zones[0].latency_us.mean).toBeCloseTo(336, 9);
  });

  it('-e with a total that does not match the counts is not used', () => {
    const text = [...bccRows([0, 0, 0, 0, 0, 0, 0, 1, 3], 'usecs'), '', 'avg = 300 usecs, total: 1500 usecs, count: 5'].join('\n') + '\n';
    const r = parseAll(biolatencyFormat, text);
    expect(r.histograms[0].sumNs).toBeUndefined();
    expect(r.warnings.some((w) => /did not match/.test(w))).toBe(true);
  });

  it('-j: Python dicts, not JSON (single quotes); a dict cut short is a BAD_JSON skip', () => {
    const r = parseAll(biolatencyFormat, readLinux('biolatency-j.txt'));
    expect(r.histograms.map(nonEmpty)).toEqual([
      [
        [128 * US, 256 * US, 3],
        [256 * US, 512 * US, 5],
      ],
      [[512 * US, 1024 * US, 2]],
    ]);
    expect(r.skips.map((s) => [s[0], s[1]])).toEqual([[10, 'BAD_JSON']]);
    expect(r.skips[0][2]).toMatch(/not a Python dict/);
  });

  it("-jD and -jmF: 'disk', the older 'Bucket ptr': b'…' and 'flags' keys; msecs", () => {
    const r = parseAll(biolatencyFormat, readLinux('biolatency-jD-jF.txt'));
    expect(r.skips).toEqual([]);
    expect(r.histograms.map((h) => [h.key, h.subkeys])).toEqual([
      ['sda', undefined],
      ['nvme0n1', undefined],
      ['Sync-Write', ['write']],
      ['Read', ['read']],
      ['Flush', undefined],
    ]);
    expect(nonEmpty(r.histograms[1])).toEqual([[16 * US, 32 * US, 1]]);
    expect(nonEmpty(r.histograms[2])).toEqual([
      [0, 2 * MS, 7],
      [2 * MS, 4 * MS, 1],
    ]);
  });

  it('libbpf-tools: `disk = X<TAB>flags = Y` on one line; -Q on the pasted command line (after sudo) is said', () => {
    const r = parseAll(biolatencyFormat, readLinux('biolatency-libbpf-QDF.txt'));
    expect(r.skips).toEqual([]);
    expect(r.histograms.map((h) => [h.key, h.subkeys])).toEqual([
      ['sda', ['Sync-Write', 'write']],
      ['sda', ['Read', 'read']],
      ['vdb', ['FUA-Sync-Write', 'write']],
    ]);
    expect(nonEmpty(r.histograms[0])).toEqual([
      [512 * US, 1024 * US, 2],
      [1024 * US, 2048 * US, 6],
    ]);
    expect(r.warnings.some((w) => /-Q: latencies include the time requests were queued/.test(w))).toBe(true);
    const a = new HistogramAnalyzer();
    for (const x of r.histograms) a.add(x);
    const sda = a.finish().zones.find((z) => z.zone === 'sda')!;
    expect([sda.read_ops, sda.write_ops]).toEqual([15, 8]);
  });

  it('bad lines are counted skips with codes', () => {
    const text = [
      '     usecs               : count     distribution',
      '         0 -> 1          : 0        |          |',
      '       512 -> 1023       : 2        |**        |',
      '       256 -> 511        : 1        |*         |', // out of order
      'some prose',
      '',
      '       128 -> 255        : 1        |*         |', // no header since the blank line
      '     furlongs            : count     distribution',
      "{'val_type': 'usecs', 'data': [{'interval-start': 4, 'interval-end': 2, 'count': 1}]}",
      '       2 -> 3',
    ].join('\n');
    const r = parseAll(biolatencyFormat, text);
    expect(r.skips.map((s) => [s[0], s[1]])).toEqual([
      [4, 'BAD_HISTOGRAM'],
      [5, 'BAD_ROW'],
      [7, 'NO_HEADER'],
      [8, 'BAD_HEADER'],
      [9, 'BAD_HISTOGRAM'],
      [10, 'TRUNCATED'],
    ]);
    expect(r.histograms.length).toBe(1);
  });

  it('property: generated bcc output (any counts, usecs or msecs, wide layout past bucket 32, -D sections) reads back exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ disk: fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), counts: fc.array(fc.nat({ max: 1e6 }), { minLength: 1, maxLength: 40 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.constantFrom(['usecs', US], ['msecs', MS], ['nsecs', 1]),
        fc.boolean(),
        (hists, [unitName, unit], perDisk) => {
          const lines: string[] = ['Tracing block device I/O... Hit Ctrl-C to end.', '^C'];
          for (const h of hists) {
            lines.push('');
            if (perDisk) lines.push(`disk = ${h.disk}`);
            lines.push(...bccRows(h.counts, unitName as string));
          }
          const r = parseAll(biolatencyFormat, lines.join('\n') + '\n');
          expect(r.skips).toEqual([]);
          expect(r.histograms.length).toBe(hists.length);
          hists.forEach((h, i) => {
            expect(nonEmpty(r.histograms[i])).toEqual(log2Buckets(h.counts, unit as number));
            expect(r.histograms[i].key).toBe(perDisk ? h.disk : 'all');
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('property: generated -j dicts read back exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1e9 }), { minLength: 1, maxLength: 30 }), fc.option(fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), { nil: undefined }), (counts, disk) => {
        const data = counts.map((c, k) => `{'interval-start': ${k === 0 ? 0 : 2 ** k}, 'interval-end': ${2 ** (k + 1) - 1}, 'count': ${c}}`);
        const line = `{'ts': '2024-03-04 12:00:00', 'val_type': 'usecs', 'data': [${data.join(', ')}]${disk ? `, 'disk': '${disk}'` : ''}}`;
        const r = parseAll(biolatencyFormat, line + '\n');
        expect(r.skips).toEqual([]);
        expect(nonEmpty(r.histograms[0])).toEqual(log2Buckets(counts, US));
        expect(r.histograms[0].key).toBe(disk ?? 'all');
      }),
      { numRuns: 150 },
    );
  });
});

// bpftrace's hist() labels, written out from its source (src/types_format.cpp) for the tests
function suffixed(v: number): string {
  let p = 0;
  while (v >= 1024 && v % 1024 === 0 && p < 6) {
    v /= 1024;
    p++;
  }
  return `${v}${p ? 'KMGTPE'[p - 1] : ''}`;
}

describe('bpftrace hist() / lhist()', () => {
  it('the fixture: unkeyed and keyed maps, K suffixes, [0] and [1], lhist open buckets, a size map, value lines', () => {
    const r = parseAll(bpftraceHistFormat, readLinux('bpftrace-hist.txt'));
    expect(r.skips).toEqual([]);
    expect(r.histograms.map((h) => [h.key, h.subkeys])).toEqual([
      ['all', undefined],
      ['sda', undefined],
      ['nvme0n1', undefined],
      ['vdb', ['W']],
      ['dd', undefined],
    ]);
    expect(nonEmpty(r.histograms[0])).toEqual([
      [0, 1 * US, 1],
      [4 * US, 8 * US, 3],
      [128 * US, 256 * US, 6],
      [256 * US, 512 * US, 12],
      [512 * US, 1024 * US, 8],
      [1024 * US, 2048 * US, 2],
    ]);
    expect(sumOf(r.histograms[0].buckets.map((b) => b.count))).toBe(32);
    // lhist in ms: (..., 0), [0, 10), [10, 20), [20, 30) empty, [30, ...)
    expect(nonEmpty(r.histograms[3])).toEqual([
      [-Infinity, 0, 1],
      [0, 10 * MS, 5],
      [10 * MS, 20 * MS, 3],
      [30 * MS, Infinity, 1],
    ]);
    expect(r.histograms[3].resolution).toMatch(/linear/);
    expect(r.histograms[0].resolution).toMatch(/power-of-two/);
    // @sizes has no time unit: read as ns, with a warning
    expect(nonEmpty(r.histograms[4])).toEqual([
      [4096, 8192, 2],
      [1048576, 2097152, 1],
    ]);
    expect(r.warnings.some((w) => /@sizes: the name says no time unit/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /2 bpftrace map value line\(s\)/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /maps @usecs, @lat_ms, @sizes are merged per key/.test(w))).toBe(true);
    // the W subkey splits ops as writes
    const a = new HistogramAnalyzer();
    for (const x of r.histograms) a.add(x);
    const vdb = a.finish().zones.find((z) => z.zone === 'vdb')!;
    expect([vdb.ops, vdb.write_ops]).toEqual([10, 10]);
  });

  it('units from map names, numbers with suffixes', () => {
    expect(unitOfMapName('usecs')).toBe(1e3);
    expect(unitOfMapName('lat_ms')).toBe(1e6);
    expect(unitOfMapName('ns')).toBe(1);
    expect(unitOfMapName('bytes')).toBeUndefined();
    expect(bpftraceNumber('1K')).toBe(1024);
    expect(bpftraceNumber('2M')).toBe(2097152);
    expect(bpftraceNumber('-4')).toBe(-4);
    expect(bpftraceNumber('4X')).toBeNaN();
  });

  it('--value-unit overrides the map name', () => {
    const r = parseAll(bpftraceHistFormat, '@x:\n[2, 4)    3 |@@@|\n\n', { valueUnitNs: 1e6 });
    expect(nonEmpty(r.histograms[0])).toEqual([[2e6, 4e6, 3]]);
  });

  it('bad lines are counted skips with codes', () => {
    const text = ['[2, 4)   1 |@|', '@usecs:', '[8, 16)  1 |@|', '[4, 8)   1 |@|', 'garbage here', '[16, 32) 2 |@'].join('\n');
    const r = parseAll(bpftraceHistFormat, text);
    expect(r.skips.map((s) => [s[0], s[1]])).toEqual([
      [1, 'NO_HEADER'],
      [4, 'BAD_HISTOGRAM'],
      [5, 'BAD_ROW'],
    ]);
    // the cut last row still has its count
    expect(nonEmpty(r.histograms[0])).toEqual([
      [8e3, 16e3, 1],
      [16e3, 32e3, 2],
    ]);
  });

  it('property: generated hist() output (power-of-two buckets with suffixes, keyed or not) reads back exactly', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 1e6 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 20 }),
        fc.option(fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/), { nil: undefined }),
        (counts, firstPow, key) => {
          // buckets [2^p, 2^(p+1)) from 2^firstPow up
          const rows = counts.map((c, i) => {
            const lo = 2 ** (firstPow + i);
            return `${`[${suffixed(lo)}, ${suffixed(lo * 2)})`.padEnd(16)}${String(c).padStart(8)} |${'@'.repeat(c % 52).padEnd(52)}|`;
          });
          const text = [`@usecs${key ? `[${key}]` : ''}:`, ...rows, ''].join('\n') + '\n';
          const r = parseAll(bpftraceHistFormat, text);
          expect(r.skips).toEqual([]);
          if (counts.every((c) => c === 0)) return;
          expect(nonEmpty(r.histograms[0])).toEqual(
            counts.map((c, i) => [2 ** (firstPow + i) * US, 2 ** (firstPow + i + 1) * US, c]).filter((b) => b[2] > 0),
          );
          expect(r.histograms[0].key).toBe(key ?? 'all');
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** Python's repr of a value (the subset bcc prints). */
function pyRepr(v: unknown): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') {
    const q = v.includes("'") && !v.includes('"') ? '"' : "'";
    let s = '';
    for (const ch of v) {
      const c = ch.codePointAt(0)!;
      if (ch === '\\') s += '\\\\';
      else if (ch === q) s += '\\' + q;
      else if (ch === '\n') s += '\\n';
      else if (ch === '\t') s += '\\t';
      else if (c < 32 || c === 127) s += '\\x' + c.toString(16).padStart(2, '0');
      else s += ch;
    }
    return q + s + q;
  }
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  const o = v as Record<string, unknown>;
  return '{' + Object.keys(o).map((k) => `${pyRepr(k)}: ${pyRepr(o[k])}`).join(', ') + '}';
}

function toPlain(v: PyValue): unknown {
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, toPlain(x)]));
  if (Array.isArray(v)) return v.map(toPlain);
  return v;
}

describe('Python literal reader', () => {
  it('reads reprs without evaluating them', () => {
    expect(toPlain(parsePyLiteral("{'a': [1, 2.5, -3], 'b': None, 'c': (True, False), \"d'\": b'sda\\x00'}"))).toEqual({
      a: [1, 2.5, -3],
      b: null,
      c: [true, false],
      "d'": 'sda\0',
    });
    // __proto__ is an ordinary key
    const m = parsePyLiteral("{'__proto__': 1}") as Map<string, PyValue>;
    expect(m.get('__proto__')).toBe(1);
    for (const bad of ["{'a': 1", "{'a' 1}", '__import__("os")', "{'a': 1} x", "'unterminated", "{'a': \\u}"]) {
      expect(() => parsePyLiteral(bad)).toThrow(PyLiteralError);
    }
  });

  it('property: repr of any JSON-like value reads back equal', () => {
    const key = fc.string({ maxLength: 8 });
    const value = fc.letrec((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.string({ maxLength: 12 }),
        fc.array(tie('v'), { maxLength: 4 }),
        fc.dictionary(key, tie('v'), { maxKeys: 4 }),
      ),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        expect(toPlain(parsePyLiteral(pyRepr(v)))).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });
});
