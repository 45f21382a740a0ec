// The words traces and tools print for units, months and operations, once for every parser.

import type { Op } from '../records.js';

/** Nanoseconds per unit of time, by the names tools and headers use (lower case). */
export const TIME_UNITS: ReadonlyMap<string, number> = new Map([
  ['ns', 1],
  ['us', 1e3],
  ['µs', 1e3],
  ['usec', 1e3],
  ['ms', 1e6],
  ['msec', 1e6],
  ['s', 1e9],
  ['sec', 1e9],
  ['secs', 1e9],
]);

/** The unit names an option like --time-unit accepts: the short forms. */
export const TIME_UNIT_NAMES = ['ns', 'us', 'ms', 's'] as const;

/** Nanoseconds per `name` (any spelling of TIME_UNITS, any case), or undefined. */
export function timeUnitNs(name: string): number | undefined {
  return TIME_UNITS.get(name.toLowerCase());
}

/** Bytes per unit of size, by the names printf traces put in their headers (lower case). */
export const SIZE_UNITS: ReadonlyMap<string, number> = new Map([
  ['bytes', 1],
  ['b', 1],
  ['byte', 1],
  ['kb', 1024],
  ['k', 1024],
  ['kbytes', 1024],
  ['mb', 1048576],
]);

const MONTHS: ReadonlyMap<string, number> = new Map(
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((m, i) => [m, i]),
);

/** 0–11 for an English month abbreviation (`Jan`, `jan`, `JAN`), or undefined. */
export function monthIndex(name: string): number | undefined {
  return MONTHS.get(name.toLowerCase());
}

/**
 * R or W from the spellings traces print for a read or a write: R/W, read/write in any case,
 * rd/wr, and the ZFS function names zfs_read/zfs_write (zilt10k.d's TYPE); null otherwise.
 */
export function opOf(tok: string): Op | null {
  switch (tok.length === 1 ? tok : tok.toLowerCase()) {
    case 'R':
    case 'r':
    case 'read':
    case 'rd':
    case 'zfs_read':
      return 'R';
    case 'W':
    case 'w':
    case 'write':
    case 'wr':
    case 'zfs_write':
      return 'W';
  }
  return null;
}

/**
 * File-system operations that move no data, as VFS-level scripts print them (zilt10k.d traces
 * open, close, readdir and getattr beside read and write; `zfs_` prefixed or not). A row of one
 * of these is not an IO and not a bad row.
 */
const NON_IO_OPS: ReadonlySet<string> = new Set([
  'open', 'close', 'readdir', 'getattr', 'setattr', 'access', 'lookup', 'create', 'remove', 'link',
  'rename', 'mkdir', 'rmdir', 'symlink', 'readlink', 'fsync', 'ioctl', 'space', 'seek', 'frlock',
  'map', 'addmap', 'delmap', 'putpage', 'getpage', 'inactive', 'fid', 'pathconf', 'getsecattr',
  'setsecattr', 'statfs', 'sync',
]);

/** Whether `tok` names a file-system operation that is not a read or a write (see NON_IO_OPS). */
export function isNonIoOp(tok: string): boolean {
  const t = tok.toLowerCase();
  return NON_IO_OPS.has(t.startsWith('zfs_') ? t.slice(4) : t);
}
