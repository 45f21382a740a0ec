import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { blkparseFormat, PENDING_NS } from '../src/parsers/blkparse.js';
import { sniffFormat } from '../src/parsers/registry.js';
import { linuxFixture, runLinux, rows } from './linux-tracer-helpers.js';

const us = 1e3;

/** One blkparse default-format line (blkparse_fmt.c: "%3d,%-3d %2d %8d %5d.%09lu %5u %2s %3s "). */
function line(dev: [number, number], cpu: number, seq: number, ns: number, pid: number, act: string, rwbs: string, payload: string): string {
  const s = Math.floor(ns / 1e9);
  const frac = String(ns % 1e9).padStart(9, '0');
  return `${String(dev[0]).padStart(3)},${String(dev[1]).padEnd(3)} ${String(cpu).padStart(2)} ${String(seq).padStart(8)} ${String(s).padStart(5)}.${frac} ${String(pid).padStart(5)} ${act.padStart(2)} ${rwbs.padStart(3)} ${payload}`;
}

describe('blkparse', () => {
  it('is sniffed as blkparse', () => {
    expect(sniffFormat(linuxFixture('blkparse.txt').split('\n'))?.name).toBe('blkparse');
  });

  it('pairs D with C, takes the issuer from Q through merges, splits, remaps, flushes and requeues', () => {
    const { sink } = runLinux(blkparseFormat, linuxFixture('blkparse.txt'));
    expect(rows(sink)).toEqual([
      ['postgres', '8:0', 'R', 4096, 10 * us, 510 * us],
      // back merge 2000+8, 2008+8 → D 2000+16, dispatched by a kworker: the issuer is nginx's Q
      ['nginx', '8:0', 'W', 8192, 1100 * us, 2100 * us],
      // front merge: 5008+8 queued first, 5000+8 merged in front
      ['tar', '8:0', 'R', 8192, 3001 * us, 4001 * us],
      // split 8000+1024 at 8512: two requests of 512 sectors
      ['dd', '8:16', 'W', 262144, 5001 * us, 7001 * us],
      ['dd', '8:16', 'W', 262144, 5002 * us, 8002 * us],
      // remapped from dm-0 (253,0): the lower Q is dmcrypt_write's, the issuer is mysqld; the
      // upper device's own completion is not a second IO
      ['mysqld', '8:16', 'W', 4096, 10003 * us, 11003 * us],
      // a flush: Q FWS [etcd] without sectors, D FN, C FN 0
      ['etcd', '8:0', 'W', 0, 12001 * us, 13001 * us],
      // D without a Q in the trace
      ['unknown', '8:0', 'R', 4096, 14000 * us, 14500 * us],
      // requeued and issued again: device time from the second D
      ['qemu-kvm', '8:0', 'R', 4096, 18100 * us, 19100 * us],
      // completed with an error: still device time
      ['backup', '8:0', 'W', 4096, 20001 * us, 21001 * us],
    ]);
    expect(sink.skips.map((s) => [s.line, s.code])).toEqual([[56, 'BAD_ROW']]);
    // where each request starts on the disk (512-byte sectors); the flush has no place
    expect(sink.ios[0].offset).toBe(1000 * 512);
    expect(sink.ios[2].offset).toBe(5000 * 512);
    expect(sink.ios.slice(3, 5).map((io) => io.offset)).toEqual([8000 * 512, 8512 * 512]);
    expect(sink.ios[6].offset).toBeUndefined();
    const note = sink.warnings.find((w) => w.startsWith('blkparse: '))!;
    expect(note).toMatch(/1 completion\(s\) without their issue/);
    expect(note).toMatch(/1 IO\(s\) still queued or in flight when the trace ended/);
    expect(note).toMatch(/1 request\(s\) issued without their queue event/);
    expect(note).toMatch(/2 passthrough/);
    expect(note).toMatch(/1 completion\(s\) with an error/);
    // Q→D per zone: nginx 100 µs, qemu-kvm 100 µs (from its Q to the second D), postgres 10 µs
    expect(sink.warnings.find((w) => /Q→D/.test(w))).toMatch(/nginx mean 0.1 ms, max 0.1 ms; qemu-kvm mean 0.1 ms, max 0.1 ms; postgres mean 0.01 ms/);
    expect(sink.warnings.some((w) => /^1 flush\(es\)/.test(w))).toBe(true);
  });

  it('keeps only outstanding IO: a bio never issued is dropped after the bound and counted', () => {
    const L: string[] = [];
    let seq = 0;
    // 1000 queued bios that are never issued, one every 100 ms (100 s in all), then one IO
    for (let i = 0; i < 1000; i++) L.push(line([8, 0], 0, ++seq, i * 100e6, 100, 'Q', 'R', `${i * 8} + 8 [lost]`));
    const t = 1000 * 100e6;
    L.push(line([8, 0], 0, ++seq, t, 200, 'Q', 'W', '999999 + 8 [kept]'));
    L.push(line([8, 0], 0, ++seq, t + 1e6, 200, 'D', 'W', '999999 + 8 [kept]'));
    L.push(line([8, 0], 0, ++seq, t + 2e6, 0, 'C', 'W', '999999 + 8 [0]'));
    const { sink } = runLinux(blkparseFormat, L.join('\n') + '\n');
    expect(rows(sink)).toEqual([['kept', '8:0', 'W', 4096, t + 1e6, t + 2e6]]);
    // dropped: those queued more than PENDING_NS before the last event; the rest are in flight
    const dropped = Math.ceil((t + 2e6 - PENDING_NS) / 100e6);
    const note = sink.warnings.find((w) => w.startsWith('blkparse: '))!;
    expect(note).toMatch(new RegExp(`${dropped} queued or issued IO\\(s\\) dropped`));
    expect(note).toMatch(new RegExp(`${1000 - dropped} IO\\(s\\) still queued or in flight`));
  });

  it('property: random requests made of merged bios, interleaved in time, pair exactly', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            q: fc.integer({ min: 0, max: 1e9 }),
            wait: fc.integer({ min: 0, max: 1e7 }),
            lat: fc.integer({ min: 0, max: 1e8 }),
            bios: fc.array(fc.integer({ min: 1, max: 256 }), { minLength: 1, maxLength: 4 }),
            write: fc.boolean(),
            comm: fc.constantFrom('postgres', 'nginx', 'Web Content', 'dd'),
            pid: fc.integer({ min: 1, max: 99999 }),
            dev: fc.constantFrom<[number, number]>([8, 0], [259, 1]),
          }),
          { minLength: 1, maxLength: 20 },
        ),
        (reqs) => {
          const events: [number, number, string][] = []; // time, order, line
          reqs.forEach((r, i) => {
            const start = 1e6 * (i + 1); // a distinct sector range per request
            const rw = r.write ? 'W' : 'R';
            let sector = start;
            r.bios.forEach((n, k) => {
              events.push([r.q + k, 0, line(r.dev, 0, 0, r.q + k, r.pid, 'Q', rw, `${sector} + ${n} [${r.comm}]`)]);
              if (k > 0) events.push([r.q + k, 1, line(r.dev, 0, 0, r.q + k, r.pid, 'M', rw, `${sector} + ${n} [${r.comm}]`)]);
              sector += n;
            });
            const d = r.q + r.bios.length + r.wait;
            const total = sector - start;
            events.push([d, 2, line(r.dev, 0, 0, d, 0, 'D', rw, `${start} + ${total} [kworker/0:1H]`)]);
            events.push([d + r.lat, 3, line(r.dev, 0, 0, d + r.lat, 0, 'C', rw, `${start} + ${total} [0]`)]);
          });
          events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          const { sink } = runLinux(blkparseFormat, events.map((e) => e[2]).join('\n') + '\n');
          expect(sink.skips).toEqual([]);
          const want = reqs
            .map((r) => {
              const d = r.q + r.bios.length + r.wait;
              const bytes = r.bios.reduce((s, n) => s + n, 0) * 512;
              return [r.comm, `${r.dev[0]}:${r.dev[1]}`, r.write ? 'W' : 'R', bytes, d, d + r.lat] as [string, string, string, number, number, number];
            })
            .sort((a, b) => a[5] - b[5]);
          const got = rows(sink).sort((a, b) => a[5] - b[5]);
          // completions at the same time may come out in either order: compare as multisets
          const key = (x: unknown[]) => JSON.stringify(x);
          expect(got.map(key).sort()).toEqual(want.map(key).sort());
        },
      ),
      { numRuns: 200 },
    );
  });
});
