import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { parse as csvParseSync } from 'csv-parse/sync';
import { csvFormat, splitPlain, splitQuoted } from '../src/parsers/csv.js';
import { TimeBase, type IntervalSample, type LatencyHistogram, type Op, type RecordSink } from '../src/records.js';

interface Rec { zone: string; device: string; op: Op; bytes: number; issue: number; done: number; weight?: number }

export function recorder() {
  const ios: Rec[] = [];
  const skips: [number, string, SkipCode][] = [];
  const warns: string[] = [];
  const intervals: IntervalSample[] = [];
  const hists: LatencyHistogram[] = [];
  let lost = 0;
  const sink: RecordSink = {
    io: (zone, device, op, bytes, issue, done, weight) => ios.push({ zone, device, op, bytes, issue, done, ...(weight !== undefined ? { weight } : {}) }),
    interval: (s) => intervals.push(s),
    histogram: (h) => hists.push(h),
    skip: (l, c, r) => skips.push([l, r, c]),
    lost: (n) => (lost += n),
    warn: (m) => warns.push(m),
  };
  return { sink, ios, skips, warns, intervals, hists, get lost() { return lost; } };
}

function parseText(text: string, opts: Partial<Parameters<typeof csvFormat.create>[1]> = {}, chunk = 7) {
  const r = recorder();
  const p = csvFormat.create(r.sink, { timeBase: new TimeBase(), ...opts });
  for (let i = 0; i < text.length; i += chunk) p.write(text.slice(i, i + chunk));
  p.end();
  return r;
}

describe('CSV parser', () => {
  it('reads the canonical header', () => {
    const r = parseText('issue_ns,done_ns,zone,device,op,bytes\n0,1000,a,sd0,R,4096\n10,30,b,sd1,W,512\n');
    expect(r.ios).toEqual([
      { zone: 'a', device: 'sd0', op: 'R', bytes: 4096, issue: 0, done: 1000 },
      { zone: 'b', device: 'sd1', op: 'W', bytes: 512, issue: 10, done: 30 },
    ]);
    expect(r.skips).toEqual([]);
  });

  it('accepts other spellings with unit suffixes, CRLF and a latency column', () => {
    const r = parseText('timestamp_us,lat_ms,zonename,disk,rw,size\r\n2000,1.5,db,sd0,read,8192\r\n3000,0.25,db,sd0,Write,8192\r\n');
    const t0 = 2_000_000; // times are relative to the first one parsed
    expect(r.ios).toEqual([
      { zone: 'db', device: 'sd0', op: 'R', bytes: 8192, issue: 2_000_000 - 1_500_000 - t0, done: 2_000_000 - t0 },
      { zone: 'db', device: 'sd0', op: 'W', bytes: 8192, issue: 3_000_000 - 250_000 - t0, done: 3_000_000 - t0 },
    ]);
  });

  it('--time-unit applies to unsuffixed time columns; --columns maps anything else', () => {
    const r = parseText('t0,t1,tenant_name,dev,op,len\n1,2,x,d,r,1\n', {
      timeUnitNs: 1e6,
      columns: new Map([['issue', 't0'], ['done', 't1'], ['zone', 'tenant_name'], ['bytes', 'len']]),
    });
    // relative to the first time parsed (issue, 1 ms)
    expect(r.ios).toEqual([{ zone: 'x', device: 'd', op: 'R', bytes: 1, issue: 0, done: 1e6 }]);
  });

  it('keeps epoch-nanosecond timestamps above 2^53 exact', () => {
    // 1732550400123456789 and ...790: Number() would make both 1732550400123456800
    const r = parseText('issue_ns,done_ns,zone,device,op,bytes\n1732550400123456789,1732550400123457790,z,d,R,1\n');
    expect(r.ios[0].done - r.ios[0].issue).toBe(1001);
  });

  it('skips and names each kind of bad record', () => {
    const r = parseText(
      [
        'issue_ns,done_ns,zone,device,op,bytes',
        '0,1,a,d,R,1', // ok (line 2)
        '0,1,a,d,X,1', // bad op
        '5,1,a,d,R,1', // done < issue
        '0,1,a,d,R,-5', // negative bytes
        '0,x,a,d,R,1', // not a number
        '0,1,a', // missing fields
      ].join('\n') + '\n0,1,a,d,R', // truncated last line
    );
    expect(r.ios.length).toBe(1);
    expect(r.skips.map(([l]) => l)).toEqual([3, 4, 5, 6, 7, 8]);
    expect(r.skips.map(([, , c]) => c)).toEqual(['BAD_OP', 'DONE_BEFORE_ISSUE', 'NEGATIVE', 'NOT_A_NUMBER', 'FIELD_COUNT', 'TRUNCATED']);
    expect(r.skips[0][1]).toMatch(/op 'X' is not a read or a write/);
    expect(r.skips[1][1]).toMatch(/before issue/);
    expect(r.skips[2][1]).toMatch(/negative/);
    expect(r.skips[3][1]).toMatch(/'x' is not a number/);
    expect(r.skips[4][1]).toMatch(/expected 6 fields, found 3/);
    expect(r.skips[5][1]).toMatch(/truncated/);
  });

  it('an unusable header says what is missing', () => {
    const r = parseText('a,b,c\n1,2,3\n');
    expect(r.ios).toEqual([]);
    expect(r.skips[0][1]).toMatch(/no completion-time column/);
    expect(r.skips.length).toBe(2);
  });

  it('quoted fields, including a quoted newline, go through csv-parse', () => {
    const r = parseText('issue_ns,done_ns,zone,device,op,bytes\n0,1,"web, ""east""",d,R,1\n0,2,"multi\nline",d,W,2\n');
    expect(r.ios.map((x) => x.zone)).toEqual(['web, "east"', 'multi\nline']);
    expect(r.skips).toEqual([]);
  });

  it('the plain-line splitter gives the same fields as csv-parse (property)', () => {
    const cell = fc.stringMatching(/^[A-Za-z0-9_.:\/ -]{0,12}$/).map((s) => s.trim());
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 8 }), (cells) => {
        const line = cells.join(',');
        fc.pre(line.trim() !== ''); // blank lines are skipped before splitting
        const viaLib = (csvParseSync(line + '\n', { relax_column_count: true, trim: true }) as string[][])[0];
        expect(splitPlain(line, ',')).toEqual(viaLib);
        expect(splitQuoted(line, ',')).toEqual(viaLib);
      }),
      { numRuns: 500 },
    );
  });

  it('the in-place fast path and the general path (csv-parse) give the same records (property)', () => {
    // a quoted zone sends a line down the general path; the same line unquoted takes the fast path
    const rec = fc.record({
      done: fc.bigInt({ min: 0n, max: 999_999_999_999_999n }), // within 11 days of the base
      lat: fc.integer({ min: 0, max: 1e9 }),
      zone: fc.stringMatching(/^[a-z0-9_.-]{1,10}$/),
      dev: fc.stringMatching(/^[a-z0-9]{1,6}$/),
      op: fc.constantFrom('R', 'W', 'r', 'w', 'read', 'Write', 'X', ''),
      bytes: fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }).map(String), fc.constantFrom('-1', '1.5', 'x', '')),
    });
    fc.assert(
      fc.property(fc.array(rec, { minLength: 1, maxLength: 20 }), fc.constantFrom('ns', 'us', 'ms'), fc.boolean(), fc.constantFrom('\n', '\r\n'), fc.boolean(), (recs, unit, epoch, eol, extra) => {
        // CRLF line ends, and a last column iofair does not use (or none)
        const header = `done_${unit},latency_${unit},zone,device,op,bytes${extra ? ',offset' : ''}${eol}`;
        const tail = extra ? ',123456789' : '';
        // epoch-like absolute times (above 2^53 in ns) or small relative ones, as real traces have
        const base = epoch ? { ns: 1_732_550_400_000_000_000n, us: 1_732_550_400_000_000n, ms: 1_732_550_400_000n }[unit] : 0n;
        const span = { ns: 1_000_000_000_000_000n, us: 1_000_000_000_000n, ms: 1_000_000_000n }[unit]; // 11 days
        const plain = recs.map((r) => `${(r.done % span) + base},${r.lat},${r.zone},${r.dev},${r.op},${r.bytes}${tail}`).join(eol) + eol;
        const quoted = recs.map((r) => `${(r.done % span) + base},${r.lat},"${r.zone}",${r.dev},${r.op},${r.bytes}${tail}`).join(eol) + eol;
        const a = parseText(header + plain, {}, 64);
        const b = parseText(header + quoted, {}, 64);
        expect(a.ios).toEqual(b.ios);
        expect(a.skips).toEqual(b.skips);
      }),
      { numRuns: 300 },
    );
  });

  it('a line over 1 MiB is skipped (counted) and reading resumes at the next line', () => {
    const r = parseText('issue_ns,done_ns,zone,device,op,bytes\n' + 'x'.repeat(3 << 20) + '\n0,1,a,d,R,1\n', {}, 1 << 16);
    expect(r.ios.length).toBe(1);
    expect(r.skips.length).toBe(1);
    expect(r.skips[0][1]).toMatch(/longer than/);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (a, b) => {
        parseText('issue_ns,done_ns,zone,device,op,bytes\n' + a + '\n' + b);
        parseText(a + '\n' + b);
      }),
      { numRuns: 500 },
    );
  });

  it('sniffs CSV headers it can use and not prose', () => {
    expect(csvFormat.sniff(['issue_ns,done_ns,zone,device,op,bytes'])).toBeGreaterThan(0.5);
    expect(csvFormat.sniff(['# comment', 'timestamp,latency,zone,bytes'])).toBeGreaterThan(0.5);
    expect(csvFormat.sniff(['extended device statistics'])).toBe(0);
    expect(csvFormat.sniff(['  UID   PID D    BLOCK   SIZE       COMM PATHNAME'])).toBe(0);
  });
});
