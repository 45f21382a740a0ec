import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { biosnoopFormat, splitGlued } from '../src/parsers/biosnoop.js';
import { sniffFormat } from '../src/parsers/registry.js';
import { isKernelThread } from '../src/parsers/linux-tenant.js';
import { linuxFixture, runLinux, rows, left, right } from './linux-tracer-helpers.js';

const ms = 1e6;

describe('bcc biosnoop', () => {
  it('is sniffed as biosnoop, not as a DTrace printf trace', () => {
    for (const f of ['biosnoop-bcc.txt', 'biosnoop-bcc-Q.txt', 'biosnoop-bcc-PQ.txt', 'biosnoop-bcc-2016.txt', 'biosnoop-libbpf-Qt.txt'])
      expect(sniffFormat(linuxFixture(f).split('\n').slice(0, 50))?.name).toBe('biosnoop');
  });

  it('reads the current layout: T as the op, issue = TIME − LAT, COMM with a space, ? rows, a 7-digit size glued to LAT', () => {
    const { sink } = runLinux(biosnoopFormat, linuxFixture('biosnoop-bcc.txt'));
    expect(rows(sink)).toEqual([
      ['postgres', 'nvme0n1', 'R', 8192, 0.5 * ms, 1 * ms],
      ['postgres', 'nvme0n1', 'R', 8192, 1 * ms, 2 * ms],
      ['nginx', 'nvme0n1', 'W', 4096, 2.25 * ms, 2.5 * ms],
      ['kernel', 'nvme0n1', 'W', 65536, 8 * ms, 10 * ms], // kworker/u16:2
      ['Web Content', 'sda', 'R', 16384, 8 * ms, 12 * ms],
      ['kernel', 'nvme0n1', 'W', 12288, 19.25 * ms, 20 * ms], // jbd2/nvme0n1p1 (COMM cut to 14)
      ['unknown', 'unknown', 'R', 4096, 29.9 * ms, 30 * ms], // ? 0 <unknown>
      // "10485761234.56": BYTES 1048576 and LAT 1234.56 ms; issue = 1.5 s − 1.23456 s
      ['nginx', 'nvme0n1', 'W', 1048576, 265.44 * ms, 1500 * ms],
    ]);
    // SECTOR (512 bytes) is where the IO starts: the cost model's sequential/random
    expect(sink.ios.map((io) => io.offset)).toEqual([1000, 2048, 5000, 9000, 300, 7000, 0, 5008].map((s) => s * 512));
    expect(sink.kinds).toEqual(new Map([['kernel', 'kernel'], ['unknown', 'unknown']]));
    expect(sink.skips.map((s) => [s.line, s.code])).toEqual([
      [11, 'BAD_OP'],
      [12, 'BAD_ROW'],
      [13, 'TRUNCATED'],
    ]);
    expect(sink.lostTotal).toBe(3);
    expect(sink.warnings.some((w) => /bcc biosnoop prints LAT\(ms\) with 2 decimals: .*10 µs resolution/.test(w))).toBe(true);
    expect(sink.warnings.some((w) => /COMM.*not a tenant|not a tenant.*COMM/.test(w))).toBe(true);
  });

  it('-Q: queue time is reported apart from the device latency, per zone', () => {
    const { sink } = runLinux(biosnoopFormat, linuxFixture('biosnoop-bcc-Q.txt'));
    expect(rows(sink)).toEqual([
      ['kernel', 'nvme1n1', 'W', 4096, -0.55 * ms, 0],
      ['sync', 'nvme1n1', 'W', 3072, 0.771 * ms - 0.47 * ms, 0.771 * ms],
      ['mysqld', 'nvme1n1', 'R', 16384, 98.5 * ms, 100 * ms],
      ['mysqld', 'nvme1n1', 'R', 16384, 199.5 * ms, 200 * ms],
      // "10485761000.00": BYTES 1048576, QUE 1000.00; LAT 3.25
      ['backup', 'nvme1n1', 'W', 1048576, 1996.75 * ms, 2000 * ms],
      ['unknown', 'unknown', 'R', 512, 2_099_800_000, 2100 * ms],
    ]);
    const q = sink.warnings.find((w) => /QUE\(ms\)/.test(w))!;
    // per zone, by total queue time: backup 1000, mysqld (2 + 4) / 2 = 3 mean, 4 max, sync, kernel
    expect(q).toMatch(/backup mean 1000 ms, max 1000 ms; mysqld mean 3 ms, max 4 ms; sync mean 0.11 ms, max 0.11 ms; kernel mean 0.01 ms, max 0.01 ms/);
    expect(q).toMatch(/1 IO\(s\) have no queue time/); // the ? row
    expect(q).toMatch(/not part of the latencies/);
  });

  it('-P -Q: the pattern column, glued to a 7-digit size', () => {
    const { sink } = runLinux(biosnoopFormat, linuxFixture('biosnoop-bcc-PQ.txt'));
    expect(rows(sink)).toEqual([
      ['fio', 'sdb', 'R', 4096, -0.3 * ms, 0],
      ['fio', 'sdb', 'R', 4096, 0.8 * ms, 1 * ms],
      ['fio', 'sdb', 'R', 4096, 4 * ms - 5.1 * ms, 4 * ms],
      ['dd', 'sdb', 'W', 1048576, 50 * ms - 9.9 * ms, 50 * ms], // "1048576R"
    ]);
    expect(sink.skips).toEqual([]);
  });

  it('2016–2019 layout: 9-decimal TIME, ? rows with an empty DISK and SECTOR −1', () => {
    const { sink } = runLinux(biosnoopFormat, linuxFixture('biosnoop-bcc-2016.txt'));
    expect(rows(sink)).toEqual([
      ['supervise', 'xvda1', 'W', 4096, -0.74 * ms, 0],
      ['supervise', 'xvda1', 'W', 4096, 0.178 * ms - 0.61 * ms, 0.178 * ms],
      ['kernel', 'xvdc', 'W', 8192, 500 * ms - 0.23 * ms, 500 * ms], // xfsaild/md0
      ['unknown', 'unknown', 'W', 4096, 750 * ms - 0.4 * ms, 750 * ms],
      ['tar', 'xvdb', 'R', 131072, 1000 * ms - 7.53 * ms, 1000 * ms],
    ]);
    // SECTOR −1: no place on the disk known
    expect(sink.ios.map((io) => io.offset)).toEqual([13092560 * 512, 13092432 * 512, 62901512 * 512, undefined, 8457608 * 512]);
    expect(sink.skips).toEqual([]);
  });

  it('2019–2022 -Q layout: a negative TIME (per-CPU buffers) and an empty DISK', () => {
    const { sink } = runLinux(biosnoopFormat, linuxFixture('biosnoop-bcc-2019-Q.txt'));
    expect(rows(sink)).toEqual([
      ['mongod', 'sdc', 'W', 8192, -1 * ms, 0],
      ['mongod', 'sdc', 'W', 8192, -0.12 * ms - 0.9 * ms, -0.12 * ms],
      ['unknown', 'unknown', 'R', 4096, 299.5 * ms, 300 * ms],
      ['mongod', 'sdc', 'R', 32768, 397.5 * ms, 400 * ms],
    ]);
  });
});

describe('libbpf-tools biosnoop', () => {
  it('reads RWBS: flushes and discards are zero-byte writes, counted in one warning', () => {
    const { sink } = runLinux(biosnoopFormat, linuxFixture('biosnoop-libbpf.txt'));
    expect(rows(sink)).toEqual([
      ['postgres', 'nvme0n1', 'R', 4096, -0.125 * ms, 0], // RM
      ['postgres', 'nvme0n1', 'W', 16384, 0.4 * ms - 0.333 * ms, 0.4 * ms], // WS
      ['etcd', 'nvme0n1', 'W', 4096, 1 * ms - 0.05 * ms, 1 * ms], // WSM
      ['etcd', 'nvme0n1', 'W', 0, 2 * ms - 0.9 * ms, 2 * ms], // FWS, 0 bytes: a flush
      ['kernel', 'nvme0n1', 'W', 0, 3 * ms - 1.1 * ms, 3 * ms], // F: the flush operation
      ['fstrim', 'nvme0n1', 'W', 0, 1 * ms, 4 * ms], // D: a discard of 1 MiB
      ['cat', 'nvme0n1', 'R', 131072, 5 * ms - 0.777 * ms, 5 * ms], // RA
      ['mystery', 'unknown', 'W', 512, 6 * ms - 0.01 * ms, 6 * ms], // DISK Unknown
    ]);
    expect(sink.lostTotal).toBe(4);
    expect(sink.warnings.some((w) => /^2 flush\(es\).*1 discard\(s\).*covering 1048576 bytes counted as zero-byte writes/.test(w))).toBe(true);
    expect(sink.warnings.some((w) => /libbpf-tools biosnoop prints LAT\(ms\) with 3 decimals: .*1 µs resolution/.test(w))).toBe(true);
  });

  it('-t wall clock across midnight, -Q with a missed queue insert (-1)', () => {
    const { sink } = runLinux(biosnoopFormat, linuxFixture('biosnoop-libbpf-Qt.txt'));
    const day = 86400e3; // ms
    expect(rows(sink)).toEqual([
      ['redis-server', 'vda', 'W', 4096, (day - 10) * ms - 0.5 * ms, (day - 10) * ms],
      ['redis-server', 'vda', 'W', 4096, (day - 2) * ms - 1.25 * ms, (day - 2) * ms],
      ['redis-server', 'vda', 'R', 8192, (day + 4) * ms - 4000, (day + 4) * ms], // 00:00:00.004, next day
      ['kernel', 'vda', 'W', 12288, (day + 1500) * ms - 2 * ms, (day + 1500) * ms],
    ]);
    expect(sink.warnings.some((w) => /went back past midnight 1 time/.test(w))).toBe(true);
    expect(sink.warnings.some((w) => /TIMESTAMP is the wall clock when the IO was printed/.test(w))).toBe(true);
    // redis-server: 0.1 and 0.02 (the -1 is not a queue time)
    expect(sink.warnings.find((w) => /QUE/.test(w))).toMatch(/redis-server mean 0.06 ms, max 0.1 ms.*1 IO\(s\) have no queue time/);
  });

  it("counts the tool's other messages merged into the pipe instead of dropping them silently", () => {
    const text = linuxFixture('biosnoop-libbpf.txt').replace('lost 4 events on CPU #1\n', 'ERROR: failed to attach kprobe\nWARNING: kernel too old\n');
    const { sink } = runLinux(biosnoopFormat, text);
    expect(sink.ios.length).toBe(8);
    expect(sink.skips).toEqual([]);
    expect(sink.warnings).toContain('ignored 2 message(s) of biosnoop (first: "ERROR: failed to attach kprobe")');
  });

  it('reads the same in any chunking', () => {
    const text = linuxFixture('biosnoop-libbpf.txt');
    expect(rows(runLinux(biosnoopFormat, text, {}, 7).sink)).toEqual(rows(runLinux(biosnoopFormat, text).sink));
  });

  it('--zone-from pid names zones by PID; kernel threads stay grouped', () => {
    const { sink } = runLinux(biosnoopFormat, linuxFixture('biosnoop-libbpf.txt'), { zoneFrom: 'pid' });
    expect(sink.ios.map((e) => e.zone)).toEqual(['2201', '2201', '1800', '1800', 'kernel', '5000', '5100', '5200']);
  });
});

describe('splitGlued', () => {
  it('splits BYTES from the number that ran into it', () => {
    expect(splitGlued('10485761234.56')).toEqual(['1048576', '1234.56']);
    expect(splitGlued('104857612345.67')).toEqual(['1048576', '12345.67']); // 10485761 is not a multiple of 512
    expect(splitGlued('167772161000.00')).toEqual(['16777216', '1000.00']);
    expect(splitGlued('1234.56')).toBeNull();
  });
});

// Rows rendered exactly as the tools' printf formats render them, from random IOs.
const COMMS = ['postgres', 'nginx', 'Web Content', 'a b c', 'x', 'kworker/u8:0', 'jbd2/sda1-8', 'java-with-a-long-name'];
const zoneOf = (comm: string) => (isKernelThread(comm.slice(0, 14)) ? 'kernel' : comm.slice(0, 14).trimEnd());
const ioArb = fc.record({
  doneUs: fc.integer({ min: 0, max: 5e9 }),
  comm: fc.constantFrom(...COMMS),
  pid: fc.integer({ min: 1, max: 4194304 }),
  disk: fc.constantFrom('sda', 'nvme0n1', 'vdb', 'dm-0'),
  sector: fc.integer({ min: 0, max: 2 ** 40 }),
  sectors: fc.integer({ min: 1, max: 65536 }),
  lat: fc.integer({ min: 0, max: 2e6 }),
  que: fc.integer({ min: 0, max: 2e6 }),
});

describe('biosnoop property: random IOs rendered in the layouts round-trip', () => {
  it('bcc (BYTES %-7s glued to QUE/LAT at 7 digits; LAT in 10 µs steps)', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ io: ioArb, w: fc.boolean() }), { minLength: 1, maxLength: 30 }), fc.boolean(), (ios, withQue) => {
        const lines = [
          `${left('TIME(s)', 11)} ${left('COMM', 14)} ${left('PID', 7)} ${left('DISK', 9)} ${left('T', 1)} ${left('SECTOR', 10)} ${left('BYTES', 7)}` +
            (withQue ? `${right('QUE(ms)', 7)} ` : '') +
            right('LAT(ms)', 7),
        ];
        for (const { io, w } of ios) {
          const lat = (io.lat / 100).toFixed(2); // 10 µs units
          lines.push(
            `${left((io.doneUs / 1e6).toFixed(6), 11)} ${left(io.comm.slice(0, 14), 14)} ${left(io.pid, 7)} ${left(io.disk, 9)} ${w ? 'W' : 'R'} ${left(io.sector, 10)} ${left(io.sectors * 512, 7)}` +
              (withQue ? `${right((io.que / 100).toFixed(2), 7)} ` : '') +
              right(lat, 7),
          );
        }
        const { sink } = runLinux(biosnoopFormat, lines.join('\n') + '\n');
        expect(sink.skips).toEqual([]);
        expect(rows(sink)).toEqual(
          ios.map(({ io, w }) => [zoneOf(io.comm), io.disk, w ? 'W' : 'R', io.sectors * 512, io.doneUs * 1000 - io.lat * 10000, io.doneUs * 1000]),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('libbpf-tools (RWBS, LAT in µs, optional wall clock)', () => {
    const RWBS: [string, 'R' | 'W', boolean][] = [
      ['R', 'R', true],
      ['RA', 'R', true],
      ['RM', 'R', true],
      ['W', 'W', true],
      ['WS', 'W', true],
      ['WSM', 'W', true],
      ['WFS', 'W', true],
      ['F', 'W', false],
      ['D', 'W', false],
    ];
    fc.assert(
      fc.property(
        fc.array(fc.record({ io: ioArb, t: fc.constantFrom(...RWBS) }), { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        (ios, wall) => {
          const lines = [`${wall ? left('TIMESTAMP', 12) : left('TIME(s)', 11)} ${left('COMM', 14)} ${left('PID', 7)} ${left('DISK', 7)} ${left('T', 4)} ${left('SECTOR', 10)} ${left('BYTES', 7)} ${right('LAT(ms)', 7)}`];
          // wall clock: ms since midnight, kept within one day and in order
          const sorted = wall ? [...ios].sort((a, b) => a.io.doneUs - b.io.doneUs) : ios;
          const doneMs = (us: number) => Math.floor(us / 1000) % 86400000;
          for (const { io, t } of sorted) {
            const bytes = t[2] ? io.sectors * 512 : 0;
            let time: string;
            if (wall) {
              const m = doneMs(io.doneUs);
              const hms = [Math.floor(m / 3600000), Math.floor(m / 60000) % 60, Math.floor(m / 1000) % 60].map((x) => String(x).padStart(2, '0')).join(':');
              time = `${left(hms, 8)}.${String(m % 1000).padStart(3, '0')}`;
            } else time = left((io.doneUs / 1e6).toFixed(6), 11);
            lines.push(`${time} ${left(io.comm.slice(0, 14), 14)} ${left(io.pid, 7)} ${left(io.disk, 7)} ${left(t[0], 4)} ${left(io.sector, 10)} ${left(bytes, 7)} ${right((io.lat / 1000).toFixed(3), 7)}`);
          }
          const { sink } = runLinux(biosnoopFormat, lines.join('\n') + '\n');
          expect(sink.skips).toEqual([]);
          // wall clock across midnight only if the sorted times wrapped (they cannot: within a day)
          expect(rows(sink)).toEqual(
            sorted.map(({ io, t }) => {
              const done = wall ? doneMs(io.doneUs) * 1e6 : io.doneUs * 1000;
              return [zoneOf(io.comm), io.disk, t[1], t[2] ? io.sectors * 512 : 0, done - io.lat * 1000, done];
            }),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
