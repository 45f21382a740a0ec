import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { vfsstatFormat } from '../src/parsers/vfsstat.js';
import { ziostatFormat } from '../src/parsers/ziostat.js';
import { iostatIllumosFormat } from '../src/parsers/iostat-illumos.js';
import { iostatLinuxFormat } from '../src/parsers/iostat-linux.js';
import { iostatJsonFormat } from '../src/parsers/iostat-json.js';
import { cgroupIostatFormat } from '../src/parsers/cgroup-iostat.js';
import { sniffFormat } from '../src/parsers/registry.js';
import { parse, readFixture, byName, ops, bytes, sum } from './intervals-helpers.js';

const close = (a: number | undefined, b: number, digits = 6) => expect(a).toBeCloseTo(b, digits);

describe('vfsstat', () => {
  it('-Z: per-zone sums equal the fixture rows, first report dropped, header repeated', () => {
    const r = parse(vfsstatFormat, readFixture('vfsstat-Z.txt'));
    expect(r.skips).toEqual([]);
    expect(r.samples.length).toBe(6); // 2 kept reports × 3 zones
    const web = byName(r.samples, 'webfront');
    // webfront, reports 2 and 3, 1 s each: r/s+w/s = 100+50, 50+50
    close(ops(web), 250);
    // kr/s+kw/s = 400+6400, 200+200 KiB
    close(bytes(web), 7200 * 1024);
    // d/s 10.0 in report 2, 0 in 3; del_t 50 µs
    close(sum(web.map((s) => s.throttledOps ?? 0)), 10);
    expect(web[0].throttleDelayNs).toBe(50_000);
    // ops-weighted latency of report 2: (100×200 + 50×1000)/150 µs
    close(web[0].avgLatencyNs, ((100 * 200 + 50 * 1000) / 150) * 1000, 3);
    close(web[0].utilization, 0.07);
    const db = byName(r.samples, 'db01');
    // 12640.2 overflows its column and touches the next one
    close(ops(db), 12640.2 + 1000 + 100, 4);
    close(bytes(db), (50560.8 + 4000 + 800) * 1024, 1);
    close(db[0].utilization, 1.26); // %r may exceed 100
    expect(r.samples.map((s) => s.startNs)).toEqual([1e9, 1e9, 1e9, 2e9, 2e9, 2e9]);
    expect(r.samples.every((s) => s.durationNs === 1e9)).toBe(true);
    expect(r.warnings.some((w) => /dropped the first report/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /no timestamps.*1 s apart/.test(w))).toBe(true);
  });

  it('--keep-first keeps the since-boot report', () => {
    const r = parse(vfsstatFormat, readFixture('vfsstat-Z.txt'), { keepFirst: true });
    expect(r.samples.length).toBe(9);
    close(ops(byName(r.samples, 'db01')), 803.2 + 120.6 + 12640.2 + 1100, 4);
    expect(r.warnings.some((w) => /dropped/.test(w))).toBe(false);
  });

  it('-M without -Z: one row per report, Mr/s in MiB, --interval scales rates', () => {
    const r = parse(vfsstatFormat, readFixture('vfsstat-M.txt'), { intervalNs: 5e9 });
    expect(r.samples.length).toBe(2);
    // (24+12640) + (20+7946) ops/s, 5 s each
    close(ops(r.samples), (24 + 12640 + 20 + 7946) * 5);
    // Mw/s 98 + 62, MiB
    close(bytes(r.samples), (98 + 62) * 1048576 * 5);
    close(sum(r.samples.map((s) => s.throttledOps ?? 0)), (12642 + 7947) * 5, 4);
    // the user gave the interval: no "assumed" warning
    expect(r.warnings.some((w) => /no timestamps/.test(w))).toBe(false);
    expect(r.samples.map((s) => s.startNs)).toEqual([5e9, 10e9]);
  });

  it('-I: per-interval counts are not multiplied by the interval', () => {
    const r = parse(vfsstatFormat, readFixture('vfsstat-I.txt'), { intervalNs: 5e9 });
    const z = byName(r.samples, 'a28faa4d');
    expect(z.length).toBe(1);
    close(ops(z), 500 + 250);
    close(bytes(z), (2000 + 1000) * 1024);
    close(z[0].throttledOps, 25);
    close(z[0].avgLatencyNs, ((500 * 20 + 250 * 60) / 750) * 1000, 3);
  });

  it('-r CSV: rows carry one more field (zone id) than the header', () => {
    const r = parse(vfsstatFormat, readFixture('vfsstat-r.csv'));
    expect(r.skips).toEqual([]);
    expect(r.samples.length).toBe(2);
    const e = byName(r.samples, 'e1273324');
    close(ops(e), 10);
    close(bytes(e), 40 * 1024);
    close(e[0].throttledOps, 2);
    close(ops(byName(r.samples, 'global')), 10);
  });

  it('zones whose truncated names collide are told apart by id', () => {
    const hdr = '  r/s   w/s  kr/s  kw/s ractv wactv read_t writ_t  %r  %w   d/s  del_t zone';
    const row = (id: number, r: number) => ` ${r}.0   0.0   0.0   0.0   0.0   0.0    0.0    0.0   0   0   0.0    0.0 abcdefgh (${id})`;
    const text = [hdr, row(1, 1), row(2, 2), hdr, row(1, 10), row(2, 20)].join('\n') + '\n';
    const r = parse(vfsstatFormat, text);
    expect(r.samples.map((s) => [s.name, s.readOps])).toEqual([
      ['abcdefgh', 10],
      ['abcdefgh(2)', 20],
    ]);
    expect(r.warnings.some((w) => /two zones print as "abcdefgh"/.test(w))).toBe(true);
  });

  it('a garbage line is skipped with a reason naming what was expected', () => {
    const r = parse(vfsstatFormat, readFixture('vfsstat-Z.txt').replace('webfront (3)\n', 'webfront (3)\n[root@node01 ~] # oops\n'));
    expect(r.skips.length).toBe(1);
    expect(r.skips[0][1]).toMatch(/expected 12 numbers then "zone \(id\)"/);
    expect(r.skips[0][2]).toBe('BAD_ROW');
  });
});

describe('ziostat', () => {
  it('current layout -Z: ops, bytes, latency (wsvc_t+asvc_t) and service time (asvc_t)', () => {
    const r = parse(ziostatFormat, readFixture('ziostat-Z.txt'));
    expect(r.skips).toEqual([]);
    const z = byName(r.samples, 'a28faa4d');
    expect(z.length).toBe(2);
    close(ops(z), 200 + 100);
    close(bytes(z), (25600 + 400) * 1024);
    expect(z.map((s) => s.avgLatencyNs)).toEqual([10e6, 10e6]); // 2+8 ms, 0+10 ms
    expect(z.map((s) => s.serviceLatencyNs)).toEqual([8e6, 10e6]);
    expect(z.map((s) => s.writeOps)).toEqual([0, 0]);
    close(z[0].utilization, 0.95);
  });

  it('older layout with w/s kw/s wait and zone names without ids', () => {
    const r = parse(ziostatFormat, readFixture('ziostat-old.txt'));
    const m = byName(r.samples, 'mysql01');
    expect(m.length).toBe(1);
    expect([m[0].readOps, m[0].writeOps]).toEqual([60, 40]);
    close(bytes(m), (240 + 160) * 1024);
    close(m[0].avgLatencyNs, 12e6);
    close(m[0].queueDepth, 1.3);
  });

  it('-r CSV', () => {
    const r = parse(ziostatFormat, readFixture('ziostat-r.csv'));
    expect(r.skips).toEqual([]);
    const z = byName(r.samples, 'a28faa4d');
    close(ops(z), 200);
    close(bytes(z), 800 * 1024);
  });

  it('rows pasted without a header (as in the SmartOS docs)', () => {
    const text = readFixture('ziostat-Z.txt').split('\n').filter((l) => !l.includes('zone')).join('\n');
    const r = parse(ziostatFormat, text, { keepFirst: true });
    expect(r.skips).toEqual([]);
    close(ops(byName(r.samples, 'a28faa4d')), 5.4 + 200 + 100);
  });
});

describe('illumos iostat', () => {
  it('-xnz -T u: devices last, epoch timestamps give durations, device-added notice', () => {
    const r = parse(iostatIllumosFormat, readFixture('iostat-illumos-xnz-Tu.txt'));
    expect(r.skips).toEqual([]);
    const c = byName(r.samples, 'c0t0d0');
    expect(c.length).toBe(3);
    expect(c.every((s) => s.durationNs === 5e9)).toBe(true);
    expect(c[1].startNs - c[0].startNs).toBe(5e9);
    // (400+100)×5 + (40+10)×5 + 1000×5
    close(ops(c), 2500 + 250 + 5000);
    close(bytes(c), (1600 + 12800 + 160 + 1280 + 4000) * 1024 * 5);
    expect(c.map((s) => s.utilization)).toEqual([0.9, 0.1, 1]);
    expect(c[0].serviceLatencyNs).toBeCloseTo(1.8e6, 3);
    const z = byName(r.samples, 'zones');
    close(z[2].avgLatencyNs, 13e6); // wsvc_t 12 + asvc_t 1
    close(z[2].queueDepth, 13);
    expect(byName(r.samples, 'ramdisk1').length).toBe(1);
    expect(byName(r.samples, 'sd3').length).toBe(1);
    expect(byName(r.samples, 'lofi1').length).toBe(0); // only in the dropped since-boot report
    expect(r.warnings.some((w) => /device added/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /no timestamps/.test(w))).toBe(false);
  });

  it('-x -T d: device first, svc_t, date(1) timestamps', () => {
    const r = parse(iostatIllumosFormat, readFixture('iostat-illumos-x-Td.txt'));
    expect(r.skips).toEqual([]);
    const s = byName(r.samples, 'sd1');
    expect(s.map((x) => x.durationNs)).toEqual([2e9, 2e9]);
    close(ops(s), (10 + 290) * 2 + (50 + 150) * 2);
    close(bytes(s), (40 + 2320 + 200 + 1200) * 1024 * 2);
    close(s[0].avgLatencyNs, 2e6);
    // no asvc_t without -n: actv / tps = 0.6 / 300 s
    close(s[0].serviceLatencyNs, (0.6 / 300) * 1e9, 3);
  });
});

describe('Linux iostat', () => {
  it('-x current layout with -t C-locale timestamps and avg-cpu blocks', () => {
    const r = parse(iostatLinuxFormat, readFixture('linux-iostat-x-t.txt'));
    expect(r.skips).toEqual([]);
    const sda = byName(r.samples, 'sda');
    expect(sda.map((s) => s.durationNs)).toEqual([2e9, 2e9]);
    close(ops(sda), (100 + 50) * 2 + 200 * 2);
    close(bytes(sda), (400 + 6400) * 1024 * 2 + 800 * 1024 * 2);
    expect(sda.map((s) => s.utilization)).toEqual([0.9, 0.5]);
    close(sda[0].readLatencyNs, 8e6);
    close(sda[0].writeLatencyNs, 20e6);
    close(sda[0].avgLatencyNs, ((100 * 8 + 50 * 20) / 150) * 1e6, 3);
    close(sda[0].queueDepth, 1.8);
    close(ops(byName(r.samples, 'nvme0n1')), 2000);
  });

  it('-s short layout with ISO timestamps: tps counted as reads, with a warning', () => {
    const r = parse(iostatLinuxFormat, readFixture('linux-iostat-xs-iso.txt'));
    expect(r.skips).toEqual([]);
    const sda = byName(r.samples, 'sda');
    expect(sda.length).toBe(1);
    expect(sda[0].durationNs).toBe(5e9);
    close(sda[0].readOps, 200);
    close(sda[0].readBytes, 160 * 1024 * 5);
    close(sda[0].avgLatencyNs, 2e6);
    expect(r.warnings.some((w) => /without a read\/write split/.test(w))).toBe(true);
  });

  it('--pretty with epoch timestamps: groups merged per device', () => {
    const r = parse(iostatLinuxFormat, readFixture('linux-iostat-pretty-epoch.txt'));
    expect(r.skips).toEqual([]);
    expect(r.samples.length).toBe(2);
    const sda = byName(r.samples, 'sda')[0];
    expect(sda.durationNs).toBe(3e9);
    expect([sda.readOps, sda.writeOps]).toEqual([90, 30]);
    close(sda.readBytes + sda.writeBytes, (120 + 640) * 1024 * 3);
    close(sda.utilization, 0.6);
    close(sda.avgLatencyNs, ((90 * 2 + 30 * 6) / 120) * 1e6, 3);
    close(byName(r.samples, 'sdr')[0].writeOps, 12);
  });

  it('legacy layout (Device:, avgqu-sz, svctm), no timestamps', () => {
    const r = parse(iostatLinuxFormat, readFixture('linux-iostat-legacy.txt'));
    expect(r.skips).toEqual([]);
    const sda = byName(r.samples, 'sda');
    expect(sda.length).toBe(1);
    expect([sda[0].readOps, sda[0].writeOps]).toEqual([80, 20]);
    close(bytes(sda), (320 + 2560) * 1024);
    close(sda[0].avgLatencyNs, 12e6);
    close(sda[0].serviceLatencyNs, 8e6);
    close(sda[0].queueDepth, 1.2);
    expect(r.warnings.some((w) => /no timestamps/.test(w))).toBe(true);
  });

  it('-o JSON with 12-hour timestamps, streamed in small chunks', () => {
    for (const chunk of [0, 7, 64]) {
      const r = parse(iostatJsonFormat, readFixture('linux-iostat.json'), {}, chunk);
      expect(r.skips).toEqual([]);
      const sda = byName(r.samples, 'sda');
      expect(sda.map((s) => s.durationNs)).toEqual([4e9, 2e9]);
      close(ops(sda), 100 * 4 + 10 * 2);
      close(bytes(sda), 400 * 1024 * 4 + 40 * 1024 * 2);
      expect(sda.map((s) => s.utilization)).toEqual([0.7, 0.01]);
    }
  });

  it('-o JSON cut short keeps the complete reports and says so', () => {
    const text = readFixture('linux-iostat.json');
    const cut = text.slice(0, text.lastIndexOf('"disk_device"'));
    const r = parse(iostatJsonFormat, cut);
    expect(byName(r.samples, 'sda').length).toBe(1);
    expect(r.warnings.some((w) => /ended before its closing brackets/.test(w))).toBe(true);
  });
});

describe('cgroup io.stat', () => {
  it('differences counters, subtracts children, restarts on a counter reset', () => {
    const r = parse(cgroupIostatFormat, readFixture('cgroup-iostat.txt'));
    expect(r.skips).toEqual([]);
    const db = byName(r.samples, '/system.slice/db.service');
    // interval 1: rios 420-150, wios 300-200; interval 2: 560-420, 320-300
    expect(db.map((s) => [s.readOps, s.writeOps])).toEqual([
      [270, 100],
      [140, 20],
    ]);
    expect(bytes(db)).toBe(800000 + 200000 + 400000 + 50000);
    expect(db.every((s) => s.durationNs === 5e9 && s.device === '8:0')).toBe(true);
    const web = byName(r.samples, '/system.slice/web.service');
    // interval 1: wios 160-100; interval 2: recreated, counts restart at 10 r / 5 w; new device 259:0
    expect(web.map((s) => [s.device, s.readOps, s.writeOps])).toEqual([
      ['8:0', 0, 60],
      ['8:0', 10, 5],
      ['259:0', 1, 0],
    ]);
    // root's own IO = its delta minus /system.slice's: (900000-800000) rb, rios 300-280 ...
    const root = byName(r.samples, '/');
    expect(root.map((s) => [s.readOps, s.writeOps, s.readBytes, s.writeBytes])).toEqual([
      [20, 40, 100000, 100000],
      [40, 50, 100000, 100000],
    ]);
    // a slice's own IO: its delta minus its children's, interval 2: rios 160-140-10, wios 50-20-5
    const slice = byName(r.samples, '/system.slice');
    expect(slice.map((s) => [s.readOps, s.writeOps])).toEqual([
      [10, 0],
      [10, 25],
    ]);
    // every op of device 8:0 in interval 2 is charged once: Σ self = root's delta (200 r + 100 w)
    const i2 = r.samples.filter((s) => s.startNs === root[1].startNs && s.device === '8:0');
    expect(ops(i2)).toBe(300);
    expect(r.warnings.some((w) => /went backwards/.test(w))).toBe(true);
  });
});

describe('sniffing', () => {
  const cases: [string, string][] = [
    ['vfsstat-Z.txt', 'vfsstat'],
    ['vfsstat-M.txt', 'vfsstat'],
    ['vfsstat-I.txt', 'vfsstat'],
    ['vfsstat-r.csv', 'vfsstat'],
    ['ziostat-Z.txt', 'ziostat'],
    ['ziostat-old.txt', 'ziostat'],
    ['ziostat-r.csv', 'ziostat'],
    ['iostat-illumos-xnz-Tu.txt', 'iostat-illumos'],
    ['iostat-illumos-x-Td.txt', 'iostat-illumos'],
    ['linux-iostat-x-t.txt', 'iostat-linux'],
    ['linux-iostat-xs-iso.txt', 'iostat-linux'],
    ['linux-iostat-pretty-epoch.txt', 'iostat-linux'],
    ['linux-iostat-legacy.txt', 'iostat-linux'],
    ['linux-iostat.json', 'iostat-json'],
    ['cgroup-iostat.txt', 'cgroup-iostat'],
  ];
  for (const [file, name] of cases) {
    it(`${file} → ${name}`, () => {
      const head = readFixture(file).split('\n').slice(0, 50);
      expect(sniffFormat(head)?.name).toBe(name);
    });
  }
  it('a pasted session with a shell prompt first is still recognised', () => {
    const head = ['[root@node01 ~] iostat -xzn 1', ...readFixture('iostat-illumos-xnz-Tu.txt').split('\n').slice(1, 10)];
    expect(sniffFormat(head)?.name).toBe('iostat-illumos');
  });
  it('does not claim the event CSV', () => {
    const head = ['issue_ns,done_ns,zone,device,op,bytes', '0,1000,db,sd0,R,4096', '10,2000,web,sd0,W,8192'];
    for (const f of [vfsstatFormat, ziostatFormat, iostatIllumosFormat, iostatLinuxFormat, iostatJsonFormat, cgroupIostatFormat]) {
      expect(f.sniff(head)).toBe(0);
    }
  });
});

describe('parsers never throw on garbage', () => {
  const formats = [vfsstatFormat, ziostatFormat, iostatIllumosFormat, iostatLinuxFormat, iostatJsonFormat, cgroupIostatFormat];
  const fixtureLines = [
    'vfsstat-Z.txt', 'vfsstat-r.csv', 'ziostat-old.txt', 'iostat-illumos-xnz-Tu.txt', 'iostat-illumos-x-Td.txt',
    'linux-iostat-x-t.txt', 'linux-iostat-pretty-epoch.txt', 'linux-iostat.json', 'cgroup-iostat.txt',
  ].flatMap((f) => readFixture(f).split('\n'));
  const line = fc.oneof(
    fc.constantFrom(...fixtureLines),
    fc.string(),
    fc.constantFrom(...fixtureLines).map((l) => l.slice(0, Math.floor(l.length / 2))),
    fc.array(fc.constantFrom('1.0', '-3', 'NaN', '1e400', '(4)', 'zone', 'Device', '{', '}', '"statistics":[', ',', '\t', 'T', '8:0', 'rbytes=9'), { maxLength: 16 }).map((t) => t.join(' ')),
  );
  it('property: any mix of lines, any chunking', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), fc.integer({ min: 0, max: 50 }), fc.boolean(), (lines, chunk, keepFirst) => {
        const text = lines.join(Math.random() < 0.5 ? '\n' : '\r\n');
        for (const f of formats) {
          const r = parse(f, text, { keepFirst }, chunk);
          for (const s of r.samples) {
            expect(Number.isNaN(s.readOps + s.writeOps)).toBe(false);
            expect(s.durationNs).toBeGreaterThan(0);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
