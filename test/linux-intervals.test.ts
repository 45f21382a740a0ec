import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimeBase, type IntervalSample } from '../src/records.js';
import { cgroupIostatFormat } from '../src/parsers/cgroup-iostat.js';
import { cgroupFilesFormat, fileRef } from '../src/parsers/cgroup-files.js';
import { diskstatsFormat } from '../src/parsers/diskstats.js';
import { pidstatFormat } from '../src/parsers/pidstat.js';
import { igBlockioFormat } from '../src/parsers/ig-blockio.js';
import { IntervalAnalyzer } from '../src/core/intervals.js';
import { parseCapSpec } from '../src/cli/replay-options.js';
import { DEFAULT_THROTTLE } from '../src/core/replay/index.js';
import { cgroupScript } from '../src/scripts/cgroup.js';
import { lfixture, parseAll, readLinux, sumOf } from './linux-helpers.js';
import { biolatencyFormat } from '../src/parsers/biolatency.js';
import { bpftraceHistFormat } from '../src/parsers/bpftrace-hist.js';
import { dtraceIotopFormat } from '../src/parsers/dtrace-iotop.js';

const zones = (ss: IntervalSample[], name: string) => ss.filter((s) => s.kind === 'zone' && s.name === name);
const devices = (ss: IntervalSample[], name: string) => ss.filter((s) => s.kind === 'device' && s.name === name);
const ops = (ss: IntervalSample[]) => sumOf(ss.map((s) => s.readOps + s.writeOps));
const bytes = (ss: IntervalSample[]) => sumOf(ss.map((s) => s.readBytes + s.writeBytes));

function analyze(samples: IntervalSample[], policies: string[] = []) {
  const a = new IntervalAnalyzer();
  for (const s of samples) a.add(s);
  return a.finish({ weights: () => 1, policies, replay: { cap: parseCapSpec('auto'), throttle: DEFAULT_THROTTLE } });
}
const zoneOf = (r: ReturnType<typeof analyze>, name: string) => r.zones.find((z) => z.zone === name)!;

describe('iofair script cgroup output (v2: io.stat with cost.usage, io.pressure, /proc/pressure/io, /proc/diskstats)', () => {
  const r = parseAll(cgroupIostatFormat, readLinux('cgroup-script-v2.txt'));

  it('cost.usage deltas are each cgroup\'s device time; the parent charged nothing of its own has no sample', () => {
    expect(r.skips).toEqual([]);
    const db = zones(r.samples, '/system.slice/db.service').filter((s) => s.device);
    // db: +400 r +100 w, cost.usage +2 000 000 µs; then +200 r +50 w, +1 000 000 µs
    expect(db.map((s) => [s.readOps, s.writeOps, s.deviceTimeNs])).toEqual([
      [400, 100, 2e9],
      [200, 50, 1e9],
    ]);
    expect(db.map((s) => [s.startNs, s.durationNs])).toEqual([
      [0, 5e9],
      [5e9, 5e9],
    ]);
    expect(bytes(db)).toBe(1638400 + 409600 + 819200 + 204800);
    // /system.slice = db + web exactly: nothing of its own
    expect(zones(r.samples, '/system.slice')).toEqual([]);
  });

  it('IO pressure: PSI total deltas per cgroup and for the whole system, not subtracted', () => {
    const stall = (name: string) => zones(r.samples, name).filter((s) => s.pressureStallNs !== undefined).map((s) => [s.pressureStallNs, s.pressureFullNs]);
    expect(stall('/system.slice/db.service')).toEqual([
      [300000e3, 100000e3],
      [200000e3, 0],
    ]);
    expect(stall('/system.slice/web.service')).toEqual([
      [1000000e3, 500000e3],
      [2000000e3, 1000000e3],
    ]);
    expect(stall('(system)')).toEqual([
      [1500000e3, 600000e3],
      [2500000e3, 1000000e3],
    ]);
  });

  it('/proc/diskstats: device intervals with MAJ:MIN; the partition and the unused loop device are left out', () => {
    const sdb = devices(r.samples, 'sdb');
    expect(sdb.map((s) => [s.device, s.readOps, s.writeOps])).toEqual([
      ['8:16', 410, 190],
      ['8:16', 200, 350],
    ]);
    // sectors of 512 bytes: +3280 and +8000, then +1600 and +24400
    expect(sdb.map((s) => [s.readBytes, s.writeBytes])).toEqual([
      [3280 * 512, 8000 * 512],
      [1600 * 512, 24400 * 512],
    ]);
    // io_ticks +4000 ms and +4500 ms of 5 s; weighted ms +6000 and +8000 → queue depth
    expect(sdb.map((s) => [s.utilization, s.deviceTimeNs, s.queueDepth])).toEqual([
      [0.8, 4e9, 1.2],
      [0.9, 4.5e9, 1.6],
    ]);
    // reads took 2050 ms / 410 and 1000 ms / 200 = 5 ms; writes 3800 ms / 190 and 7000 ms / 350 = 20 ms
    expect(sdb.map((s) => [s.readLatencyNs, s.writeLatencyNs])).toEqual([
      [5e6, 20e6],
      [5e6, 20e6],
    ]);
    expect(devices(r.samples, 'sdb1')).toEqual([]);
    expect(devices(r.samples, 'loop0')).toEqual([]);
    expect(r.warnings.some((w) => /partitions sdb1 left out/.test(w))).toBe(true);
  });

  it('analysed: shares of iocost device time (db 3 s, web 2 s of 5 s → 0.6 / 0.4 against 0.5 fair), stall per zone, the disk\'s busy time', () => {
    const a = analyze(r.samples, ['fifo']);
    const db = zoneOf(a, '/system.slice/db.service');
    const web = zoneOf(a, '/system.slice/web.service');
    expect(db.device_time_s).toBeCloseTo(3, 9);
    expect(web.device_time_s).toBeCloseTo(2, 9);
    expect(db.device_share).toBeCloseTo(0.6, 9);
    expect(db.fair_share).toBeCloseTo(0.5, 9);
    expect(db.deviation).toBeCloseTo(0.1, 9);
    expect(a.fairness.share_basis).toBeUndefined();
    expect([db.io_stall_s, db.io_stall_full_s]).toEqual([0.5, 0.1]);
    expect([web.io_stall_s, web.io_stall_full_s]).toEqual([3, 1.5]);
    expect(zoneOf(a, '(system)').io_stall_s).toBe(4);
    expect(a.warnings.some((w) => /IO pressure: \/system\.slice\/web\.service: tasks stalled on IO for 3 s of 10 s, all of its tasks at once for 1\.5 s/.test(w))).toBe(true);
    const sdb = a.devices.find((d) => d.device === 'sdb')!;
    expect(sdb.busy_s).toBeCloseTo(8.5, 9);
    expect(sdb.utilization).toBeCloseTo(0.85, 9);
    // IOPS per busy second: 600 / (0.8 · 5) and 550 / (0.9 · 5)
    expect(sdb.capacity_iops.min).toBeCloseTo(550 / 4.5, 9);
    expect(sdb.capacity_iops.max).toBeCloseTo(150, 9);
    expect(r.warnings.some((w) => /cost\.usage is the device time each cgroup was charged under the cost model/.test(w))).toBe(true);
    expect(r.warnings.some((w) => /^cgroup script: cgroup v2 at \/sys\/fs\/cgroup/.test(w))).toBe(true);
  });
});

describe('iofair script cgroup output on a v1 host (blkio throttle files) with a corrupted T line', () => {
  const r = parseAll(cgroupIostatFormat, readLinux('cgroup-script-v1.txt'));

  it('the bad T line is one counted skip; the snapshot after it is left out, not merged: the interval around it is exact', () => {
    expect(r.skips.map((s) => [s[0], s[1]])).toEqual([[93, 'NOT_A_NUMBER']]);
    expect(r.warnings.some((w) => /1 snapshot\(s\) \(44 line\(s\)\) left out after a bad time line/.test(w))).toBe(true);
    const abc = zones(r.samples, '/docker/abc');
    // 100 → 600 over 5 s, then 600 → 1100 over 10 s (the 900 of the left-out snapshot is not used)
    expect(abc.map((s) => [s.readOps, s.readBytes, s.startNs, s.durationNs])).toEqual([
      [500, 500 * 4096, 0, 5e9],
      [500, 500 * 4096, 5e9, 10e9],
    ]);
    expect(zones(r.samples, '/docker/def').map((s) => [s.writeOps, s.writeBytes])).toEqual([
      [200, 200 * 131072],
      [400, 400 * 131072],
    ]);
    // v1 plain files count the cgroup's own IO: the root is not reduced by its children
    expect(zones(r.samples, '/').map((s) => [s.readOps, s.writeOps])).toEqual([
      [100, 300],
      [200, 200],
    ]);
  });

  it('the v1 caveat is said; the recursive file is not double counted', () => {
    expect(r.warnings.some((w) => /cgroup v1 blkio \(throttle files\): buffered writes are written back by kernel threads/.test(w))).toBe(true);
    const a = analyze(r.samples);
    // by ops: abc 1000, def 600, / 800 of 2400
    expect(zoneOf(a, '/docker/abc').device_share).toBeCloseTo(1000 / 2400, 9);
    expect(zoneOf(a, '/').device_share).toBeCloseTo(800 / 2400, 9);
    expect(a.warnings.some((w) => /shares of ops, not of device time/.test(w))).toBe(true);
    expect(a.fairness.share_basis).toBe('ops');
  });
});

describe('cgroup files as pasted (cat, grep -r) and /proc/diskstats', () => {
  it('one cat of each io.stat: totals, read with no rates, no replay and a warning', () => {
    const r = parseAll(cgroupFilesFormat, readLinux('cgroup-cat-once.txt'));
    expect(r.skips).toEqual([]);
    const db = zones(r.samples, '/system.slice/db.service');
    expect(db.map((s) => [s.device, s.readOps, s.writeOps, s.cumulative])).toEqual([
      ['8:16', 10000, 2000, true],
      ['259:0', 1, 0, true],
    ]);
    // the idle cgroup's bare `8:16` has nothing to count
    expect(zones(r.samples, '/system.slice/idle.service')).toEqual([]);
    // /proc/pressure/io: the system's total since boot
    expect(zones(r.samples, '(system)')[0].pressureStallNs).toBe(90e9);
    expect(r.warnings.some((w) => /IO pressure at the snapshot.*\(system\): some 1\.5 % \/ 0\.75 % \/ 0\.25 %, full 0\.5 % \/ 0\.25 % \/ 0\.1 %/.test(w))).toBe(true);
    const a = analyze(r.samples, ['fifo', 'cap']);
    const z = zoneOf(a, '/system.slice/db.service');
    expect(z.device_share).toBeCloseTo(12001 / 13001, 9);
    expect([z.iops, z.bytes_per_s]).toEqual([null, null]);
    expect([a.startNs, a.endNs]).toEqual([null, null]);
    expect(a.policies).toEqual([]);
    expect(a.warnings.some((w) => /one snapshot of cumulative counters/.test(w))).toBe(true);
  });

  it('grep -r with date lines: snapshots by time, other cgroup files ignored with a note, pressure per cgroup', () => {
    const r = parseAll(cgroupFilesFormat, readLinux('cgroup-grep-r.txt'));
    expect(r.skips).toEqual([]);
    const db = zones(r.samples, '/system.slice/db.service').filter((s) => s.device);
    expect(db.map((s) => [s.readOps, s.durationNs])).toEqual([
      [600, 10e9],
      [200, 10e9],
    ]);
    expect(zones(r.samples, '/system.slice/web.service').filter((s) => s.device).map((s) => [s.writeOps, s.writeBytes])).toEqual([
      [100, 100 * 131072],
      [300, 300 * 131072],
    ]);
    expect(zones(r.samples, '/system.slice/db.service').filter((s) => s.pressureStallNs !== undefined).map((s) => s.pressureStallNs)).toEqual([2e9, 0.5e9]);
    expect(r.warnings.some((w) => /6 line\(s\) of other cgroup files \(cpu\.stat, memory\.current\) ignored/.test(w))).toBe(true);
  });

  it('with /proc/diskstats of the same times (a second input): device-time estimates from busy time per op', () => {
    // one time base, as analyze gives every source
    const timeBase = new TimeBase();
    const cg = parseAll(cgroupFilesFormat, readLinux('cgroup-grep-r.txt'), { timeBase });
    const ds = parseAll(diskstatsFormat, readLinux('diskstats-dated.txt'), { timeBase });
    expect(ds.skips).toEqual([]);
    const a = analyze([...cg.samples, ...ds.samples], ['fifo']);
    // sda: 700 ops in 3000 ms busy, then 500 ops in 8000 ms busy
    // db: 600·3000/700 + 200·8000/500 ms; web: 100·3000/700 + 300·8000/500 ms; together 11 000 ms
    const dbMs = (600 * 3000) / 700 + 200 * 16;
    const webMs = (100 * 3000) / 700 + 300 * 16;
    const db = zoneOf(a, '/system.slice/db.service');
    expect(db.device_time_s).toBeCloseTo(dbMs / 1000, 9);
    expect(zoneOf(a, '/system.slice/web.service').device_time_s).toBeCloseTo(webMs / 1000, 9);
    expect(db.device_share).toBeCloseTo(dbMs / 11000, 9);
    // by ops it would have been 800 / 1200
    expect(db.device_share).not.toBeCloseTo(800 / 1200, 2);
    expect(db.fair_share).toBeCloseTo(0.5, 9);
    expect(a.warnings.some((w) => /estimated from the device's busy time per op/.test(w))).toBe(true);
    // the cgroups' device 8:0 is sda
    const sda = a.devices.find((d) => d.device === 'sda')!;
    expect([sda.ops, sda.busy_s]).toEqual([1200, 11]);
    expect(a.devices.map((d) => d.device).sort()).toEqual(['nvme0n1', 'sda']);
  });

  it('a 14-field /proc/diskstats cat twice: a read counter wrapped at 2^32 is unwrapped; no timestamps → --interval', () => {
    const r = parseAll(diskstatsFormat, readLinux('diskstats-14.txt'), { intervalNs: 2e9 });
    expect(r.skips).toEqual([]);
    const sda = devices(r.samples, 'sda');
    // 4294967000 → 704: 296 + 704 reads
    expect(sda.map((s) => [s.readOps, s.writeOps, s.durationNs, s.utilization])).toEqual([[1000, 100, 2e9, 0.25]]);
    expect(r.warnings.some((w) => /no timestamps|carry no time/.test(w))).toBe(false);
    const r1 = parseAll(diskstatsFormat, readLinux('diskstats-14.txt'));
    expect(r1.warnings.some((w) => /snapshots carry no time: taken to be 1 s apart \(assumed/.test(w))).toBe(true);
  });

  it('v1 blkio without its file name is a skip: ops cannot be told from bytes', () => {
    const r = parseAll(cgroupFilesFormat, '8:0 Read 12\n8:0 Write 3\nTotal 15\n');
    expect(r.skips.map((s) => [s[0], s[1]])).toEqual([
      [1, 'NO_HEADER'],
      [2, 'NO_HEADER'],
    ]);
    const t = parseAll(
      cgroupFilesFormat,
      [
        '==> /sys/fs/cgroup/blkio/docker/abc/blkio.throttle.io_serviced <==',
        '8:0 Read 12',
        '8:0 Write 3',
        '==> /sys/fs/cgroup/blkio/docker/abc/blkio.throttle.io_service_bytes <==',
        '8:0 Read 49152',
        '8:0 Write 393216',
        '1700000000',
        '==> /sys/fs/cgroup/blkio/docker/abc/blkio.throttle.io_serviced <==',
        '8:0 Read 20',
        '8:0 Write 5',
        '==> /sys/fs/cgroup/blkio/docker/abc/blkio.throttle.io_service_bytes <==',
        '8:0 Read 81920',
        '8:0 Write 655360',
      ].join('\n'),
    );
    expect(t.skips).toEqual([]);
    expect(t.samples.map((s) => [s.name, s.readOps, s.writeOps, s.readBytes, s.writeBytes])).toEqual([['/docker/abc', 8, 2, 32768, 262144]]);
  });

  it('watch -n 5 cat io.stat: its header gives the time, the file and the interval', () => {
    const hdr = (t: string) => `Every 5.0s: cat /sys/fs/cgroup/system.slice/db.service/io.stat          db01: Mon Mar  4 12:00:${t} 2024`;
    const text = [hdr('00'), '', '8:16 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0', hdr('07'), '', '8:16 rbytes=409600 wbytes=0 rios=100 wios=0 dbytes=0 dios=0'].join('\n');
    const r = parseAll(cgroupFilesFormat, text + '\n');
    expect(r.skips).toEqual([]);
    // the times say 7 s (watch's 5 s is only its request)
    expect(r.samples.map((s) => [s.name, s.readOps, s.readBytes, s.durationNs])).toEqual([['/system.slice/db.service', 99, 405504, 7e9]]);
  });

  it('file paths name cgroups below the mount', () => {
    expect(fileRef('/sys/fs/cgroup/system.slice/db.service/io.stat')).toEqual({ path: '/system.slice/db.service', file: 'io.stat' });
    expect(fileRef('/sys/fs/cgroup/unified/user.slice/io.pressure')).toEqual({ path: '/user.slice', file: 'io.pressure' });
    expect(fileRef('/sys/fs/cgroup/blkio/docker/abc/blkio.throttle.io_serviced')).toEqual({ path: '/docker/abc', file: 'blkio.throttle.io_serviced' });
    expect(fileRef('/sys/fs/cgroup/io.stat')).toEqual({ path: '/', file: 'io.stat' });
    expect(fileRef('io.stat')).toEqual({ path: '(cgroup)', file: 'io.stat' });
    expect(fileRef('/proc/pressure/io')).toEqual({ path: '(system)', file: 'io.pressure' });
  });

  it('bad lines are counted skips with codes', () => {
    const text = [
      '/sys/fs/cgroup/a/io.stat:8:0 rbytes=x wbytes=0 rios=1 wios=0',
      '/sys/fs/cgroup/a/io.stat:8:0 rbytes=1 junk',
      '/sys/fs/cgroup/a/io.pressure:some avg10=0.00 total=',
      '   8       0 sda 1 2 3',
      'hello world',
    ].join('\n');
    const r = parseAll(cgroupFilesFormat, text + '\n');
    expect(r.skips.map((s) => [s[0], s[1]])).toEqual([
      [1, 'NOT_A_NUMBER'],
      [2, 'BAD_ROW'],
      [3, 'BAD_ROW'],
      [4, 'BAD_ROW'],
      [5, 'BAD_ROW'],
    ]);
  });

  it('property: cat of io.stat snapshots (no timestamps) gives each cgroup its increments', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(fc.nat(1e6), fc.nat(1e6)), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 60 }),
        (incs, seconds) => {
          // two cgroups (no parent/child relation), snapshots 0..n
          const totals = [
            [0, 0],
            [0, 0],
          ];
          const lines: string[] = [];
          const snap = () => {
            lines.push(`$ cat /sys/fs/cgroup/a.service/io.stat`);
            lines.push(`8:0 rbytes=${totals[0][0] * 4096} wbytes=${totals[0][1] * 512} rios=${totals[0][0]} wios=${totals[0][1]} dbytes=0 dios=0`);
            lines.push(`$ cat /sys/fs/cgroup/b.service/io.stat`);
            lines.push(`8:0 rbytes=${totals[1][0] * 4096} wbytes=${totals[1][1] * 512} rios=${totals[1][0]} wios=${totals[1][1]} dbytes=0 dios=0`);
          };
          snap();
          for (const step of incs) {
            step.forEach(([r, w], i) => {
              totals[i][0] += r;
              totals[i][1] += w;
            });
            snap();
          }
          const r = parseAll(cgroupFilesFormat, lines.join('\n') + '\n', { intervalNs: seconds * 1e9 });
          expect(r.skips).toEqual([]);
          ['/a.service', '/b.service'].forEach((name, i) => {
            const got = zones(r.samples, name).map((s) => [s.startNs / 1e9 / seconds, s.readOps, s.writeOps, s.writeBytes]);
            const want = incs.map((step, k) => [k, step[i][0], step[i][1], step[i][1] * 512]).filter((x) => x[1] + x[2] > 0);
            expect(got).toEqual(want);
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('property: /proc/diskstats snapshots with epoch lines give the counter increments per device', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ reads: fc.nat(1e5), writes: fc.nat(1e5), ticks: fc.nat(5000), gap: fc.integer({ min: 1, max: 30 }) }), { minLength: 1, maxLength: 6 }),
        (steps) => {
          let t = 1700000000;
          const c = { reads: 7, writes: 3, ticks: 11 };
          const lines: string[] = [];
          const snap = () => {
            lines.push(String(t));
            lines.push(`   8       0 sda ${c.reads} 0 ${c.reads * 8} ${c.reads * 2} ${c.writes} 0 ${c.writes * 16} ${c.writes * 3} 0 ${c.ticks} ${c.ticks} 0 0 0 0 0 0`);
          };
          snap();
          for (const s of steps) {
            c.reads += s.reads;
            c.writes += s.writes;
            c.ticks += s.ticks;
            t += s.gap;
            snap();
          }
          const r = parseAll(diskstatsFormat, lines.join('\n') + '\n');
          expect(r.skips).toEqual([]);
          expect(r.samples.map((s) => [s.readOps, s.writeOps, s.readBytes, s.writeBytes, s.durationNs, s.deviceTimeNs])).toEqual(
            steps.map((s) => [s.reads, s.writes, s.reads * 8 * 512, s.writes * 16 * 512, s.gap * 1e9, s.ticks * 1e6]),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it('property: io.pressure snapshots give the stall increments', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(1e9), fc.nat(1e9)), { minLength: 1, maxLength: 6 }), (incs) => {
        let some = 5;
        let full = 1;
        let t = 1700000000;
        const lines: string[] = [];
        const snap = () => {
          lines.push(String(t));
          lines.push(`/sys/fs/cgroup/a/io.pressure:some avg10=0.00 avg60=0.00 avg300=0.00 total=${some}`);
          lines.push(`/sys/fs/cgroup/a/io.pressure:full avg10=0.00 avg60=0.00 avg300=0.00 total=${full}`);
        };
        snap();
        for (const [s, f] of incs) {
          some += s + f;
          full += f;
          t += 10;
          snap();
        }
        const r = parseAll(cgroupFilesFormat, lines.join('\n') + '\n');
        const got = zones(r.samples, '/a').map((x) => [x.pressureStallNs, x.pressureFullNs]);
        expect(got).toEqual(incs.filter(([s, f]) => s + f > 0).map(([s, f]) => [(s + f) * 1000, f * 1000]));
      }),
      { numRuns: 100 },
    );
  });
});

describe('pidstat -d', () => {
  it('rates × interval = bytes; processes of one command summed; the Average block and midnight handled', () => {
    const r = parseAll(pidstatFormat, readLinux('pidstat-d.txt'));
    expect(r.skips).toEqual([]);
    const pg = zones(r.samples, 'postgres');
    // header 23:59:58, rows 00:00:00: a 2 s interval across midnight, then 2 s
    expect(pg.map((s) => s.durationNs)).toEqual([2e9, 2e9]);
    // (400 + 100) kB/s read and 50 kB/s written for 2 s, then 200 kB/s
    expect(pg.map((s) => [s.readBytes, s.writeBytes])).toEqual([
      [500 * 1024 * 2, 50 * 1024 * 2],
      [200 * 1024 * 2, 0],
    ]);
    // iodelay 20 + 5 ticks, then 10 ticks, of 10 ms
    expect(pg.map((s) => s.pressureStallNs)).toEqual([250e6, 100e6]);
    expect(zones(r.samples, 'my app')[0].writeBytes).toBe(10 * 1024 * 2);
    expect(r.samples.every((s) => s.readOps + s.writeOps === 0)).toBe(true);
    expect(r.warnings.some((w) => /Average: block \(2 row\(s\)\) was left out/.test(w))).toBe(true);
    const a = analyze(r.samples, ['fifo']);
    // by bytes: postgres 1 536 000, kworker 4 915 200, my app 20 480
    const total = 1536000 + 4915200 + 20480;
    expect(zoneOf(a, 'postgres').device_share).toBeCloseTo(1536000 / total, 9);
    expect(zoneOf(a, 'postgres').io_stall_s).toBeCloseTo(0.35, 9);
    expect(zoneOf(a, 'postgres').iops).toBeNull();
    expect(a.policies).toEqual([]);
    expect(a.warnings.some((w) => /shares of bytes/.test(w))).toBe(true);
    expect(a.fairness.share_basis).toBe('bytes');
    // a zone that never stalled gets no note
    expect(a.warnings.filter((w) => /^IO pressure: /.test(w)).length).toBe(2);
    expect(a.warnings.some((w) => /no what-if replay: the input counts no ops/.test(w))).toBe(true);
  });

  it('-h: epoch times, other statistics on the line; the first interval from the pasted command line', () => {
    const r = parseAll(pidstatFormat, readLinux('pidstat-dh.txt'));
    expect(r.skips).toEqual([]);
    const pg = zones(r.samples, 'postgres');
    expect(pg.map((s) => [s.durationNs, s.readBytes, s.writeBytes, s.pressureStallNs])).toEqual([
      [5e9, 1000 * 1024 * 5, 0, 0.5e9],
      [5e9, 500 * 1024 * 5, 100 * 1024 * 5, 0.25e9],
    ]);
    expect(r.warnings.some((w) => /first report's length .* 5 s \(from the pasted command line "pidstat -u -d -h 5"\)/.test(w))).toBe(true);
  });

  it('-t -U with 12-hour times: thread rows left out (their process row counts them)', () => {
    const r = parseAll(pidstatFormat, readLinux('pidstat-dt-U.txt'));
    expect(r.skips).toEqual([]);
    expect(zones(r.samples, 'postgres').map((s) => [s.durationNs, s.readBytes])).toEqual([
      [1e9, 300 * 1024],
      [1e9, 100 * 1024],
    ]);
    expect(r.warnings.some((w) => /4 thread row\(s\) left out/.test(w))).toBe(true);
    // --zone-from uid groups by the USER column
    const u = parseAll(pidstatFormat, readLinux('pidstat-dt-U.txt'), { zoneFrom: 'uid' });
    expect([...new Set(u.samples.map((s) => s.name))].sort()).toEqual(['postgres', 'www-data']);
  });

  it('bad lines are counted skips with codes', () => {
    const text = [
      '12:00:01 postgres 3 1.0',
      '12:00:00      UID       PID   kB_rd/s   kB_wr/s kB_ccwr/s iodelay  Command',
      '12:00:01      999      1201    abc      0.00      0.00      20  postgres',
      'nonsense 1 2 3 4 5 6 7',
      '12:00:01      999',
    ].join('\n');
    const r = parseAll(pidstatFormat, text);
    expect(r.skips.map((s) => [s[0], s[1]])).toEqual([
      [1, 'NO_HEADER'],
      [3, 'NOT_A_NUMBER'],
      [4, 'BAD_ROW'],
      [5, 'TRUNCATED'],
    ]);
  });

  it('property: generated pidstat -d reports read back as rate × interval', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.record({ rd: fc.nat(99999), wr: fc.nat(99999), delay: fc.nat(500), cmd: fc.constantFrom('postgres', 'nginx', 'my app') }), { minLength: 1, maxLength: 4 }), {
          minLength: 1,
          maxLength: 5,
        }),
        (reports) => {
          const lines = ['Linux 6.1.0 (h) \t03/04/24 \t_x86_64_\t(8 CPU)', ''];
          let sec = 3600;
          const hms = (x: number) => [Math.floor(x / 3600), Math.floor(x / 60) % 60, x % 60].map((n) => String(n).padStart(2, '0')).join(':');
          for (const rep of reports) {
            lines.push(`${hms(sec)}      UID       PID   kB_rd/s   kB_wr/s kB_ccwr/s iodelay  Command`);
            sec += 3;
            rep.forEach((p, i) => lines.push(`${hms(sec)} ${String(1000).padStart(8)} ${String(100 + i).padStart(9)} ${(p.rd / 100).toFixed(2).padStart(9)} ${(p.wr / 100).toFixed(2).padStart(9)} ${'0.00'.padStart(9)} ${String(p.delay).padStart(7)}  ${p.cmd}`));
            lines.push('');
          }
          const r = parseAll(pidstatFormat, lines.join('\n'));
          expect(r.skips).toEqual([]);
          for (const cmd of ['postgres', 'nginx', 'my app']) {
            const want = reports
              .map((rep) => rep.filter((p) => p.cmd === cmd))
              .filter((ps) => ps.length)
              .map((ps) => [sumOf(ps.map((p) => p.rd)) / 100 * 1024 * 3, sumOf(ps.map((p) => p.delay)) * 10e6]);
            const got = zones(r.samples, cmd).map((s) => [s.readBytes, s.pressureStallNs]);
            expect(got.length).toBe(want.length);
            got.forEach((g, i) => {
              expect(g[0]).toBeCloseTo(want[i][0], 3);
              expect(g[1]).toBeCloseTo(want[i][1], 3);
            });
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('Inspektor Gadget top block-io', () => {
  it('top_blockio (image gadget): tenant namespace/pod/container, host processes, RW cut to wr…, header per refresh', () => {
    const r = parseAll(igBlockioFormat, readLinux('ig-top-blockio.txt'));
    expect(r.skips).toEqual([]);
    const db = zones(r.samples, 'shop/db-0/postgres');
    // 100 reads (4000 µs) + 50 writes (1000 µs), then 50 reads (2500 µs)
    expect(db.map((s) => [s.device, s.readOps, s.writeOps, s.readBytes, s.writeBytes, s.avgLatencyNs])).toEqual([
      ['8:0', 100, 50, 409600, 819200, (5000 / 150) * 1000],
      ['8:0', 50, 0, 204800, 0, 50000],
    ]);
    expect(zones(r.samples, 'host:kworker/u16:2').map((s) => [s.writeOps, s.writeBytes])).toEqual([[8, 1048576]]);
    expect(r.samples.map((s) => s.startNs)).toEqual([0, 0, 0, 1e9, 1e9]);
    const a = analyze(r.samples);
    // device time = Σ US: db 7500 µs, nginx 1500, kworker 3000 of 12 000
    expect(zoneOf(a, 'shop/db-0/postgres').device_share).toBeCloseTo(0.625, 9);
    expect(zoneOf(a, 'host:kworker/u16:2').device_share).toBeCloseTo(0.25, 9);
    // fair: 8600 µs among 3 zones, then 3400 µs between 2
    expect(zoneOf(a, 'shop/web-7d9f/nginx').fair_share).toBeCloseTo((8600 / 3 + 1700) / 12000, 9);
  });

  it('builtin gadget (K8S.*, R/W, TIME(µs), IOs) and ig (RUNTIME.CONTAINERNAME, TIME, OPS)', () => {
    const b = parseAll(igBlockioFormat, readLinux('ig-builtin.txt'), { intervalNs: 2e9 });
    expect(b.skips).toEqual([]);
    expect(zones(b.samples, 'default/test-pod/test-pod').map((s) => [s.writeOps, s.writeBytes, s.durationNs])).toEqual([
      [4, 1564672, 2e9],
      [2, 1048576, 2e9],
    ]);
    expect(zones(b.samples, 'kube-system/etcd-minikube/etcd')[1]).toMatchObject({ readOps: 2, readBytes: 8192, readLatencyNs: 200000, device: '253:0' });
    const g = parseAll(igBlockioFormat, readLinux('ig-runtime.txt'));
    expect(g.skips).toEqual([]);
    expect(zones(g.samples, 'test-top-block-io').map((s) => [s.writeOps, s.writeBytes, s.avgLatencyNs])).toEqual([[10, 2121728, ((428 + 4816) / 10) * 1000]]);
  });

  it('bad rows are counted skips with codes', () => {
    // columns as the gadget aligns them: text columns start under their headers
    const w = [9, 14, 12, 18];
    const h = ['K8S.NODE', 'K8S.NAMESPACE', 'K8S.PODNAME', 'K8S.CONTAINERNAME'].map((x, i) => x.padEnd(w[i])).join(' ') + ' PID COMM R/W MAJOR MINOR BYTES TIME(µs) IOs';
    const row = (rest: string) => ['n1', 'ns', 'p', 'c'].map((x, i) => x.padEnd(w[i])).join(' ') + ' ' + rest;
    const text = [row('1 dd W 8 0 4096 10 1'), 'x', h, row('1 dd X 8 0 4096 10 1'), row('1 dd W 8 0 4k 10 1'), row('1 dd W')].join('\n');
    const r = parseAll(igBlockioFormat, text);
    expect(r.skips.map((s) => [s[0], s[1]])).toEqual([
      [1, 'NO_HEADER'],
      [2, 'NO_HEADER'],
      [4, 'BAD_OP'],
      [5, 'NOT_A_NUMBER'],
      [6, 'TRUNCATED'],
    ]);
  });

  it('property: generated rows are summed per tenant and device per refresh', () => {
    const row = fc.record({ pod: fc.constantFrom('a', 'b'), w: fc.boolean(), bytes: fc.nat(1e9), us: fc.nat(1e7), ios: fc.integer({ min: 1, max: 1000 }) });
    fc.assert(
      fc.property(fc.array(fc.array(row, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }), (refreshes) => {
        const h = `${'K8S.NODE'.padEnd(10)} ${'K8S.NAMESPACE'.padEnd(14)} ${'K8S.PODNAME'.padEnd(12)} ${'K8S.CONTAINERNAME'.padEnd(18)} PID COMM R/W MAJOR MINOR BYTES TIME(µs) IOs`;
        const lines: string[] = [];
        for (const rows of refreshes) {
          lines.push(h);
          for (const x of rows) lines.push(`${'n1'.padEnd(10)} ${'ns'.padEnd(14)} ${x.pod.padEnd(12)} ${'c'.padEnd(18)} 7 dd ${x.w ? 'W' : 'R'} 8 0 ${x.bytes} ${x.us} ${x.ios}`);
        }
        const r = parseAll(igBlockioFormat, lines.join('\n') + '\n');
        expect(r.skips).toEqual([]);
        for (const pod of ['a', 'b']) {
          const want = refreshes
            .map((rows) => rows.filter((x) => x.pod === pod))
            .filter((rows) => rows.length)
            .map((rows) => [sumOf(rows.filter((x) => !x.w).map((x) => x.ios)), sumOf(rows.filter((x) => x.w).map((x) => x.ios)), sumOf(rows.map((x) => x.bytes))]);
          expect(zones(r.samples, `ns/${pod}/c`).map((s) => [s.readOps, s.writeOps, s.readBytes + s.writeBytes])).toEqual(want);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('iofair script cgroup on v1, v2 and hosts without an io controller', () => {
  const run = (tree: string, proc: string) => {
    const root = mkdtempSync(join(tmpdir(), 'iofair-cgs-'));
    try {
      const script = join(root, 'cg.sh');
      writeFileSync(script, cgroupScript.render({}));
      return execFileSync('sh', [script, '0', '1'], {
        env: { ...process.env, IOFAIR_CGROUP_ROOT: tree, IOFAIR_PROC: proc },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };

  it('a v1 blkio tree: the throttle files, /proc/diskstats and /proc/pressure/io, read back by the parser', () => {
    const root = mkdtempSync(join(tmpdir(), 'iofair-v1-'));
    try {
      const tree = join(root, 'blkio');
      const proc = join(root, 'proc');
      mkdirSync(join(tree, 'docker', 'abc'), { recursive: true });
      mkdirSync(join(proc, 'pressure'), { recursive: true });
      const serviced = (r: number, w: number) => `8:0 Read ${r}\n8:0 Write ${w}\n8:0 Sync ${r}\n8:0 Async ${w}\n8:0 Discard 0\n8:0 Total ${r + w}\nTotal ${r + w}\n`;
      const setTree = (k: number) => {
        writeFileSync(join(tree, 'blkio.throttle.io_serviced'), serviced(1000 * k, 500 * k));
        writeFileSync(join(tree, 'blkio.throttle.io_service_bytes'), serviced(4096000 * k, 2048000 * k));
        writeFileSync(join(tree, 'docker', 'abc', 'blkio.throttle.io_serviced'), serviced(10 * k, 20 * k));
        writeFileSync(join(tree, 'docker', 'abc', 'blkio.throttle.io_service_bytes'), serviced(40960 * k, 81920 * k));
        writeFileSync(join(proc, 'diskstats'), `   8       0 sda ${1010 * k} 0 ${8000 * k} ${10 * k} ${520 * k} 0 ${16000 * k} ${40 * k} 0 ${100 * k} ${50 * k} 0 0 0 0 0 0\n`);
        writeFileSync(join(proc, 'pressure', 'io'), `some avg10=0.00 avg60=0.00 avg300=0.00 total=${1000 * k}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=${100 * k}\n`);
      };
      setTree(1);
      const first = run(tree, proc);
      setTree(3);
      const out = first + run(tree, proc);
      expect(out.split('\n')[0]).toMatch(/ hierarchy=v1$/);
      const r = parseAll(cgroupIostatFormat, out);
      expect(r.skips).toEqual([]);
      expect(zones(r.samples, '/docker/abc').map((s) => [s.readOps, s.writeOps, s.readBytes, s.writeBytes])).toEqual([[20, 40, 81920, 163840]]);
      expect(zones(r.samples, '/').filter((s) => s.device).map((s) => [s.readOps, s.writeOps])).toEqual([[2000, 1000]]);
      expect(devices(r.samples, 'sda').map((s) => [s.readOps, s.writeOps, s.deviceTimeNs])).toEqual([[2020, 1040, 200e6]]);
      expect(zones(r.samples, '(system)').map((s) => s.pressureStallNs)).toEqual([2000e3]);
      expect(r.warnings.some((w) => /cgroup script: cgroup v1 or hybrid host/.test(w))).toBe(true);
      expect(r.warnings.some((w) => /buffered writes are written back by kernel threads/.test(w))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('no io controller: says so (in the output and on stderr) and still collects /proc/diskstats', () => {
    const root = mkdtempSync(join(tmpdir(), 'iofair-none-'));
    try {
      const proc = join(root, 'proc');
      mkdirSync(proc);
      writeFileSync(join(proc, 'diskstats'), '   8       0 sda 1 0 8 1 0 0 0 0 0 1 1\n');
      const out = run(join(root, 'empty'), proc);
      expect(out).toMatch(/hierarchy=none/);
      expect(out).toMatch(/^# note: no cgroup io \(v2\) or blkio \(v1\) controller found/m);
      const r = parseAll(cgroupIostatFormat, out);
      expect(r.warnings.some((w) => /no per-cgroup numbers/.test(w))).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('its help names the filesystems with cgroup writeback', () => {
    expect(cgroupScript.help).toMatch(/ext2, ext4, btrfs, f2fs, xfs/);
    expect(cgroupScript.render({})).toMatch(/ext2, ext4, btrfs, f2fs, xfs/);
  });
});

describe('the new parsers never throw on garbage', () => {
  const fmts = [cgroupIostatFormat, cgroupFilesFormat, diskstatsFormat, pidstatFormat, igBlockioFormat];
  const lines = readdirSync(lfixture('.'))
    .flatMap((f) => readLinux(f).split('\n'))
    .concat(['T', 'T 17', '-\t/proc/diskstats\t1 2 3', '{', "{'data': [", '8:0 Read', 'some total=', '==> x <==', '\x1b[H', 'Every 1s: x  h: y']);
  const line = fc.oneof(
    fc.constantFrom(...lines),
    fc.string(),
    fc.constantFrom(...lines).map((l) => l.slice(0, Math.floor(l.length / 2))),
  );
  it('property: any mix of lines, any chunking', () => {
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), fc.integer({ min: 0, max: 50 }), (ls, chunk) => {
        const text = ls.join(Math.random() < 0.5 ? '\n' : '\r\n');
        for (const f of [...fmts, biolatencyFormat, bpftraceHistFormat, dtraceIotopFormat]) {
          const r = parseAll(f, text, {}, chunk);
          for (const s of r.samples) {
            for (const v of [s.readOps, s.writeOps, s.readBytes, s.writeBytes, s.startNs]) expect(Number.isFinite(v)).toBe(true);
            expect(s.durationNs).toBeGreaterThan(0);
          }
          for (const h of r.histograms) for (const b of h.buckets) expect(b.hi > b.lo && b.count >= 0).toBe(true);
        }
      }),
      { numRuns: 150 },
    );
  });
});
