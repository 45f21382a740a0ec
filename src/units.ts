// The unit tables every part of iofair reads numbers with: nanoseconds per duration unit and
// bytes per byte unit. Dependency-free so that parsers, the core and the cli can share them.

/** Nanoseconds per duration unit as written on the command line (`us`, `µs` and `μs` are one unit). */
export const DURATION_UNIT_NS: ReadonlyMap<string, number> = new Map([
  ['ns', 1],
  ['us', 1e3],
  ['µs', 1e3], // U+00B5 MICRO SIGN
  ['μs', 1e3], // U+03BC GREEK SMALL LETTER MU
  ['ms', 1e6],
  ['s', 1e9],
  ['m', 60e9],
  ['h', 3600e9],
]);

/** The duration units, one spelling each, largest first (for help texts and for formatting). */
export const DURATION_UNIT_NAMES: readonly string[] = ['h', 'm', 's', 'ms', 'us', 'ns'];

/** Bytes per byte unit, keyed in lower case: SI (powers of 1000) and IEC (powers of 1024). */
export const BYTE_UNITS: ReadonlyMap<string, number> = new Map([
  ['b', 1],
  ['kb', 1e3],
  ['mb', 1e6],
  ['gb', 1e9],
  ['tb', 1e12],
  ['kib', 1024],
  ['mib', 1024 ** 2],
  ['gib', 1024 ** 3],
  ['tib', 1024 ** 4],
]);
