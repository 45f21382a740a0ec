import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { biosnoopBtFormat } from '../src/parsers/biosnoop-bt.js';
import { sniffFormat } from '../src/parsers/registry.js';
import { isKernelThread } from '../src/parsers/linux-tenant.js';
import { linuxFixture, runLinux, rows, left, right } from './linux-tracer-helpers.js';

const ms = 1e6;

describe('bpftrace biosnoop.bt', () => {
  it('2018 layout (TIME COMM PID LAT): one device, maps dumped at exit are not records', () => {
    const { sink } = runLinux(biosnoopBtFormat, linuxFixture('biosnoop-bt-2018.txt'));
    expect(rows(sink)).toEqual([
      ['bash', 'all', 'R', 0, 601 * ms, 611 * ms],
      ['cksum', 'all', 'R', 0, 611 * ms, 611 * ms], // LAT 0: under 1 ms, truncated
      ['cksum', 'all', 'R', 0, 612 * ms, 627 * ms],
      ['kernel', 'all', 'R', 0, 638 * ms, 641 * ms], // kworker/0:1
    ]);
    expect(sink.skips).toEqual([]);
    expect(sink.warnings.some((w) => /neither the operation nor the size.*IOPS, latency and device time only.*read of 0 bytes/.test(w))).toBe(true);
    expect(sink.warnings.some((w) => /whole milliseconds, truncated.*1 ms resolution.*no DISK column/.test(w))).toBe(true);
  });

  it('2021 layout (DISK name): a negative LAT is skipped', () => {
    const { sink } = runLinux(biosnoopBtFormat, linuxFixture('biosnoop-bt-2021.txt'));
    expect(rows(sink)).toEqual([
      ['kernel', 'nvme0n1', 'R', 0, 2966 * ms, 2966 * ms],
      ['kernel', 'nvme0n1', 'R', 0, 2967 * ms, 2967 * ms],
      ['Web Content', 'nvme0n1', 'R', 0, 2988 * ms, 3000 * ms],
      ['rsync', 'sda', 'R', 0, 2985 * ms, 3010 * ms],
    ]);
    expect(sink.skips.map((s) => [s.line, s.code])).toEqual([[7, 'NEGATIVE']]);
  });

  it('2025 layout: the two-line DISK ID / MAJOR MINOR header, devices as MAJ:MIN', () => {
    const { sink } = runLinux(biosnoopBtFormat, linuxFixture('biosnoop-bt-2025.txt'));
    expect(rows(sink)).toEqual([
      ['bash', '259:0', 'R', 0, 601 * ms, 611 * ms],
      ['cksum', '259:0', 'R', 0, 611 * ms, 611 * ms],
      ['cksum', '259:0', 'R', 0, 612 * ms, 627 * ms],
      ['kernel', '8:16', 'R', 0, 660 * ms, 700 * ms], // kswapd0
    ]);
    expect(sink.skips).toEqual([]);
  });

  it('is sniffed as itself in all three layouts', () => {
    for (const f of ['biosnoop-bt-2018.txt', 'biosnoop-bt-2021.txt', 'biosnoop-bt-2025.txt'])
      expect(sniffFormat(linuxFixture(f).split('\n'))?.name).toBe('biosnoop-bt');
  });

  it('property: random IOs rendered in each layout round-trip', () => {
    const COMMS = ['bash', 'cksum', 'Web Content', 'kworker/2:1', 'a b c', 'postgres: writer'];
    fc.assert(
      fc.property(
        fc.constantFrom('comm', 'disk', 'majmin'),
        fc.array(
          fc.record({
            t: fc.integer({ min: 0, max: 1e9 - 1 }), // below 1e15 ns: no time base (tested with TimeBase)
            lat: fc.integer({ min: 0, max: 1e5 }),
            comm: fc.constantFrom(...COMMS),
            pid: fc.integer({ min: 1, max: 4194304 }),
            disk: fc.constantFrom('sda', 'nvme0n1', 'vdb'),
            maj: fc.integer({ min: 0, max: 4095 }),
            min: fc.integer({ min: 0, max: 1048575 }),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        (layout, ios) => {
          const lines = ['Attaching 4 probes...'];
          if (layout === 'comm') lines.push(`${left('TIME(ms)', 12)} ${left('COMM', 16)} ${left('PID', 6)} ${right('LAT(ms)', 7)}`);
          if (layout === 'disk') lines.push(`${left('TIME(ms)', 12)} ${left('DISK', 7)} ${left('COMM', 16)} ${left('PID', 6)} ${right('LAT(ms)', 7)}`);
          if (layout === 'majmin') lines.push(`${left('TIME(ms)', 12)} ${left('DISK ID', 14)} ${left('COMM', 16)} ${left('PID', 6)} ${right('LAT(ms)', 7)}`, '             MAJOR MINOR');
          for (const io of ios) {
            const mid = layout === 'comm' ? '' : layout === 'disk' ? `${left(io.disk, 7)} ` : `${left(io.maj, 5)} ${left(io.min, 8)} `;
            lines.push(`${left(io.t, 12)} ${mid}${left(io.comm, 16)} ${left(io.pid, 6)} ${right(io.lat, 7)}`);
          }
          const { sink } = runLinux(biosnoopBtFormat, lines.join('\n') + '\n');
          expect(sink.skips).toEqual([]);
          expect(rows(sink)).toEqual(
            ios.map((io) => [
              isKernelThread(io.comm) ? 'kernel' : io.comm,
              layout === 'comm' ? 'all' : layout === 'disk' ? io.disk : `${io.maj}:${io.min}`,
              'R',
              0,
              (io.t - io.lat) * ms,
              io.t * ms,
            ]),
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});
