import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { vfsstatFormat } from '../src/parsers/vfsstat.js';
import { ziostatFormat } from '../src/parsers/ziostat.js';
import { iostatIllumosFormat } from '../src/parsers/iostat-illumos.js';
import { iostatLinuxFormat } from '../src/parsers/iostat-linux.js';
import { dtraceIotopFormat } from '../src/parsers/dtrace-iotop.js';
import { IntervalAnalyzer } from '../src/core/intervals.js';
import { parseCapSpec } from '../src/cli/replay-options.js';
import { DEFAULT_THROTTLE } from '../src/core/replay/index.js';
import { parsePrompt, promptIntervalNs } from '../src/parsers/interval-common.js';
import { formats } from '../src/parsers/registry.js';
import { parse, readFixture, byName, ops, bytes } from './intervals-helpers.js';
import type { IntervalSample } from '../src/records.js';

const close = (a: number | undefined, b: number, digits = 6) => expect(a).toBeCloseTo(b, digits);

function analyze(samples: IntervalSample[]) {
  const a = new IntervalAnalyzer();
  for (const s of samples) a.add(s);
  return a.finish({ weights: () => 1, policies: [], replay: { cap: parseCapSpec('auto'), throttle: DEFAULT_THROTTLE } });
}

describe('a lone first report (since boot), as pasted', () => {
  it('vfsstat -M -Z 5 with its prompt: read, with a warning; the interval comes from the command line', () => {
    const r = parse(vfsstatFormat, readFixture('vfsstat-lone.txt'));
    expect(r.skips).toEqual([]);
    expect(r.samples.map((s) => s.name)).toEqual(['global', 'db01', 'idle01']);
    expect(r.samples.every((s) => s.durationNs === 5e9)).toBe(true);
    const db = byName(r.samples, 'db01')[0];
    // (50 + 150) ops/s × 5 s; (0.2 + 2.0) MiB/s × 5 s; d/s 5 × 5 s
    close(db.readOps + db.writeOps, 1000);
    close(db.readBytes + db.writeBytes, 2.2 * 1048576 * 5, 3);
    close(db.throttledOps, 25);
    expect(r.warnings.some((w) => /single report, which averages everything since boot/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /5 s apart \(from the pasted command line "vfsstat -M -Z 5"/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /dropped the first report/.test(w))).toBe(false);
  });

  it('sysstat iostat -x without an interval: one report, read with the warning', () => {
    const r = parse(iostatLinuxFormat, readFixture('linux-iostat-lone.txt'));
    expect(r.skips).toEqual([]);
    const sda = byName(r.samples, 'sda')[0];
    expect([sda.readOps, sda.writeOps]).toEqual([20, 10]);
    close(sda.readBytes + sda.writeBytes, 1200 * 1024);
    close(sda.avgLatencyNs, ((20 * 4 + 10 * 10) / 30) * 1e6, 3);
    close(sda.utilization, 0.125);
    expect(r.warnings.some((w) => /single report/.test(w))).toBe(true);
  });

  it('with a second report the first is dropped as before (and --keep-first keeps it)', () => {
    const one = readFixture('linux-iostat-lone.txt');
    const two = one + one.split('\n').slice(3).join('\n');
    const r = parse(iostatLinuxFormat, two);
    expect(byName(r.samples, 'sda').length).toBe(1);
    expect(r.warnings.some((w) => /dropped the first report/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /single report/.test(w))).toBe(false);
    expect(byName(parse(iostatLinuxFormat, two, { keepFirst: true }).samples, 'sda').length).toBe(2);
  });
});

describe('rows pasted without their header', () => {
  it('ziostat -Z rows: sniffed from the `zone (id)` shape, read with the columns assumed named', () => {
    const text = readFixture('ziostat-headerless.txt');
    expect(ziostatFormat.sniff(text.split('\n'))).toBeGreaterThan(0);
    const r = parse(ziostatFormat, text);
    expect(r.skips).toEqual([]);
    const db = byName(r.samples, 'db01')[0];
    expect(db.readOps).toBe(40);
    close(db.readBytes, 160 * 1024);
    close(db.avgLatencyNs, 6.5e6, 3);
    close(db.serviceLatencyNs, 6e6, 3);
    expect(r.warnings.some((w) => /rows without a header line: columns assumed to be r\/s kr\/s actv wsvc_t asvc_t %b zone/.test(w))).toBe(true);
    // a single row is enough to sniff
    expect(ziostatFormat.sniff([text.split('\n')[1]])).toBeGreaterThan(0);
  });

  it('vfsstat rows: two reports (a zone seen again starts the second); the first is since boot', () => {
    const r = parse(vfsstatFormat, readFixture('vfsstat-headerless.txt'));
    expect(r.skips).toEqual([]);
    const web = byName(r.samples, 'web01');
    expect(web.length).toBe(1);
    close(ops(web), 90);
    close(bytes(web), (120 + 960) * 1024);
    close(web[0].avgLatencyNs, ((30 * 200 + 60 * 500) / 90) * 1000, 3);
    expect(r.warnings.some((w) => /columns assumed to be r\/s w\/s kr\/s kw\/s ractv wactv read_t writ_t %r %w d\/s del_t zone/.test(w))).toBe(true);
  });

  it('illumos iostat -xn rows (device last) and -x rows (device first, svc_t)', () => {
    const n = parse(iostatIllumosFormat, readFixture('iostat-xn-headerless.txt'));
    expect(n.skips).toEqual([]);
    const c = byName(n.samples, 'c0t0d0')[0];
    expect([c.readOps, c.writeOps, c.utilization]).toEqual([80, 20, 0.6]);
    close(c.serviceLatencyNs, 8e6, 3);
    expect(n.warnings.some((w) => /columns assumed to be r\/s w\/s kr\/s kw\/s wait actv wsvc_t asvc_t %w %b device \(iostat -xn/.test(w))).toBe(true);
    expect(n.warnings.some((w) => /single report/.test(w))).toBe(true);
    const x = parse(iostatIllumosFormat, readFixture('iostat-x-headerless.txt'));
    expect(x.skips).toEqual([]);
    const sd1 = byName(x.samples, 'sd1');
    expect(sd1.map((s) => [s.readOps, s.writeOps, s.utilization])).toEqual([[100, 50, 0.9]]);
    close(sd1[0].avgLatencyNs, 11.3e6, 3);
    expect(x.warnings.some((w) => /columns assumed to be device r\/s w\/s kr\/s kw\/s wait actv svc_t %w %b/.test(w))).toBe(true);
  });

  it('sysstat iostat -x rows: the layout from the number of columns (22 → sysstat ≥ 12.3.1)', () => {
    const r = parse(iostatLinuxFormat, readFixture('linux-iostat-headerless.txt'));
    expect(r.skips).toEqual([]);
    const sda = byName(r.samples, 'sda');
    expect(sda.map((s) => [s.readOps, s.writeOps, s.utilization])).toEqual([[50, 25, 0.55]]);
    close(bytes(sda), (200 + 1600) * 1024);
    expect(r.warnings.some((w) => /22 columns read as the sysstat ≥ 12\.3\.1 -x layout/.test(w))).toBe(true);
    // the legacy layout by its 13 columns
    const legacy = 'sda 0.50 2.00 80.00 20.00 320.00 2560.00 57.60 1.20 12.00 10.00 20.00 8.00 80.00\n';
    const l = parse(iostatLinuxFormat, legacy);
    expect(l.samples.map((s) => [s.readOps, s.writeOps, s.serviceLatencyNs])).toEqual([[80, 20, 8e6]]);
  });

  it('rows of a shape no layout has: an error naming the format they look like', () => {
    const head = (line: string) => formats.map((f) => f.resembles?.([line])).find((d) => d !== undefined);
    expect(head('sda ' + Array.from({ length: 17 }, (_, i) => `${i}.00`).join(' '))).toMatch(
      /^sysstat iostat -x output .* the header is missing or unknown and 17 numbers match no known layout/,
    );
    expect(head('   1.0 2.0 3.0 4.0 5.0 6.0 7.0 8.0 c0t0d0')).toMatch(/^illumos iostat -xn output .* 8 numbers/);
    expect(head('1.0 2.0 3.0 4.0 5.0 6.0 7.0 8.0 9.0 10.0 11.0 db01 (3)')).toMatch(/^SmartOS vfsstat or ziostat output .* 11 numbers/);
    expect(head('hello world')).toBeUndefined();
  });

  it('property: a headerless vfsstat paste of generated rows reads back the rates × 1 s of its last report', () => {
    const row = fc.record({ r: fc.nat(99999), w: fc.nat(99999), kr: fc.nat(99999), kw: fc.nat(99999) });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 4 }), fc.array(row, { minLength: 1, maxLength: 4 }), (first, second) => {
        const n = Math.min(first.length, second.length);
        const fmt = (x: { r: number; w: number; kr: number; kw: number }, i: number) =>
          `${(x.r / 10).toFixed(1)} ${(x.w / 10).toFixed(1)} ${(x.kr / 10).toFixed(1)} ${(x.kw / 10).toFixed(1)} 0.0 0.0 1.0 1.0 0 0 0.0 0.0 zone${i} (${i + 1})`;
        const text = [...first.slice(0, n).map(fmt), ...second.slice(0, n).map(fmt)].join('\n') + '\n';
        const r = parse(vfsstatFormat, text);
        expect(r.skips).toEqual([]);
        expect(r.samples.map((s) => [s.name, s.readOps, s.writeOps, s.readBytes, s.writeBytes])).toEqual(
          second.slice(0, n).map((x, i) => [`zone${i}`, x.r / 10, x.w / 10, (x.kr / 10) * 1024, (x.kw / 10) * 1024]).map((v) => v.map((y) => (typeof y === 'number' ? expect.closeTo(y, 6) : y))),
        );
      }),
      { numRuns: 100 },
    );
  });
});

describe('pasted command lines', () => {
  it('find the tool and its interval, past sudo and options with arguments', () => {
    const c = parsePrompt('[root@node01 ~] # vfsstat -M -Z 5')!;
    expect([c.tool, promptIntervalNs(c)]).toEqual(['vfsstat', 5e9]);
    expect(parsePrompt('$ sudo -E ./biolatency.py -Q')!.tool).toBe('biolatency');
    expect(promptIntervalNs(parsePrompt('# iostat -T d 2 10')!, ['-T'])).toBe(2e9);
    expect(promptIntervalNs(parsePrompt('$ pidstat -p 1234 5')!, ['-p'])).toBe(5e9);
    expect(promptIntervalNs(parsePrompt('$ iostat -x')!)).toBeUndefined();
    expect(promptIntervalNs(parsePrompt('$ iostat -xn 5 | iofair analyze -')!)).toBe(5e9);
    expect(parsePrompt('8:16 rbytes=1')).toBeUndefined();
  });
});

describe('DTraceToolkit iotop', () => {
  it('-Z -o: DISKTIME per zone id is device time; zone names from --zones; the ZFS caveat', () => {
    const r = parse(dtraceIotopFormat, readFixture('iotop-Z-o.txt'), { zones: new Map([['3', 'db01'], ['5', 'backup']]) });
    expect(r.skips).toEqual([]);
    // interval 1 from the pasted `iotop -C -Z -o 5 2`, interval 2 from the timestamps
    const db = byName(r.samples, 'db01');
    // (times relative to the first report's end)
    expect(db.map((s) => [s.startNs, s.durationNs, s.deviceTimeNs])).toEqual([
      [-5e9, 5e9, 2e9],
      [0, 5e9, 1e9],
    ]);
    expect(byName(r.samples, 'backup').map((s) => s.deviceTimeNs)).toEqual([2e9, 3.5e9]);
    expect(byName(r.samples, 'zoneid:0').map((s) => s.deviceTimeNs)).toEqual([1e9]);
    expect(r.warnings.some((w) => /ZFS issues its disk IO from kernel taskq threads in the global zone/.test(w))).toBe(true);
    const a = analyze(r.samples);
    const z = Object.fromEntries(a.zones.map((x) => [x.zone, x]));
    // 3 s, 5.5 s and 1 s of 9.5 s; fair: 5 s among three, then 4.5 s between two
    close(z.db01.device_share!, 3 / 9.5, 9);
    close(z.backup.device_share!, 5.5 / 9.5, 9);
    close(z.db01.fair_share!, (5 / 3 + 2.25) / 9.5, 9);
    close(z['zoneid:0'].fair_share!, 5 / 3 / 9.5, 9);
    expect(z.db01.iops).toBeNull();
  });

  it('-P: %I/O × the interval; default: bytes per command (a CMD with a space), the clear-screen escape ignored', () => {
    const p = parse(dtraceIotopFormat, readFixture('iotop-P.txt'));
    expect(p.skips).toEqual([]);
    expect(byName(p.samples, 'mysqld').map((s) => s.deviceTimeNs)).toEqual([5e9, 3e9]);
    expect(byName(p.samples, 'fsflush').map((s) => s.deviceTimeNs)).toEqual([2e9]);
    const b = parse(dtraceIotopFormat, readFixture('iotop-bytes.txt'));
    expect(b.skips).toEqual([]);
    expect(byName(b.samples, 'mysqld').map((s) => [s.readBytes, s.writeBytes])).toEqual([[4194304, 1048576]]);
    expect(byName(b.samples, 'php worker').map((s) => s.readBytes)).toEqual([2097152, 2097152]);
    // iotop's default interval (5 s) for the first report, said
    expect(b.samples[0].durationNs).toBe(5e9);
    expect(b.warnings.some((w) => /first report's length is not in the output.*5 s \(assumed/.test(w))).toBe(true);
    const a = analyze(b.samples);
    close(a.zones.find((z) => z.zone === 'mysqld')!.device_share!, 5 / 9, 9);
  });

  it('its summary line alone does not settle the format (iopending prints the same line before a distribution)', () => {
    const summary = '2024 Mar  4 12:00:05,  load: 0.52,  disk_r:   8192 KB,  disk_w:   4096 KB';
    expect(dtraceIotopFormat.sniff([summary])).toBeLessThan(0.8);
  });

  it('bad rows are counted skips with codes', () => {
    const h = '  UID    PID   PPID CMD              DEVICE  MAJ MIN D            BYTES';
    const text = ['    0   1 0 dd sd1 32 0 R 512', h, '    0   1 0 dd sd1 32 0 X 512', '    0   1 0 dd sd1 32 0 R -5', '    0   x 0 dd sd1 32 0 R 5', '    0   1'].join('\n');
    const r = parse(dtraceIotopFormat, text);
    expect(r.skips.map((s) => [s[0], s[2]])).toEqual([
      [1, 'NO_HEADER'],
      [3, 'BAD_OP'],
      [4, 'NEGATIVE'],
      [5, 'NOT_A_NUMBER'],
      [6, 'TRUNCATED'],
    ]);
  });

  it('property: generated -o reports give each command its DISKTIME per interval', () => {
    const row = fc.record({ cmd: fc.constantFrom('mysqld', 'tar', 'php worker'), d: fc.constantFrom('R', 'W'), us: fc.nat(1e7) });
    fc.assert(
      fc.property(fc.array(fc.array(row, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }), (reports) => {
        const lines = ['Tracing... Please wait.'];
        reports.forEach((rows, k) => {
          lines.push(`2024 Mar  4 12:00:${String(10 + k * 5).padStart(2, '0')},  load: 0.10,  disk_r:      0 KB,  disk_w:      0 KB`, '');
          lines.push('  UID    PID   PPID CMD              DEVICE  MAJ MIN D         DISKTIME');
          for (const x of rows) lines.push(`${'0'.padStart(5)} ${'10'.padStart(6)} ${'1'.padStart(6)} ${x.cmd.padEnd(16)} ${'sd1'.padEnd(7)} ${'32'.padStart(3)} ${'0'.padStart(3)} ${x.d} ${String(x.us).padStart(16)}`);
          lines.push('');
        });
        const r = parse(dtraceIotopFormat, lines.join('\n'));
        expect(r.skips).toEqual([]);
        for (const cmd of ['mysqld', 'tar', 'php worker']) {
          const want = reports.map((rows) => rows.filter((x) => x.cmd === cmd)).filter((rows) => rows.length).map((rows) => rows.reduce((s, x) => s + x.us, 0) * 1000);
          expect(byName(r.samples, cmd).map((s) => s.deviceTimeNs)).toEqual(want);
        }
      }),
      { numRuns: 100 },
    );
  });
});
