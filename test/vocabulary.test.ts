import { describe, it, expect } from 'vitest';
import { isNonIoOp, monthIndex, opOf, timeUnitNs, TIME_UNIT_NAMES } from '../src/parsers/vocabulary.js';

describe('the shared vocabulary of the parsers', () => {
  it('reads every spelling of a read and a write, and nothing else', () => {
    for (const r of ['R', 'r', 'read', 'Read', 'READ', 'rd', 'zfs_read']) expect(opOf(r)).toBe('R');
    for (const w of ['W', 'w', 'write', 'Write', 'wr', 'ZFS_WRITE']) expect(opOf(w)).toBe('W');
    for (const bad of ['', 'x', 'rw', 'reads', 'open', '1']) expect(opOf(bad)).toBeNull();
  });

  it('knows file-system operations that move no data, zfs_ prefixed or not', () => {
    for (const t of ['open', 'getattr', 'zfs_readdir', 'CLOSE']) expect(isNonIoOp(t)).toBe(true);
    for (const t of ['read', 'write', 'xyzzy', 'zfs_', '']) expect(isNonIoOp(t)).toBe(false);
  });

  it('time units in ns, months 0–11', () => {
    expect(TIME_UNIT_NAMES.map((u) => timeUnitNs(u))).toEqual([1, 1e3, 1e6, 1e9]);
    expect([timeUnitNs('µs'), timeUnitNs('USEC'), timeUnitNs('msec'), timeUnitNs('secs'), timeUnitNs('min')]).toEqual([1e3, 1e3, 1e6, 1e9, undefined]);
    expect(['Jan', 'feb', 'DEC', 'Foo'].map(monthIndex)).toEqual([0, 1, 11, undefined]);
  });
});
