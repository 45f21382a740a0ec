// Reading durations, percentages and bandwidths from the command line, and writing durations in
// the form they are read back in (help defaults). Durations always carry a unit: a bare number
// has meant ms, µs or s depending on the option in other tools, so it is refused rather than
// guessed. The one exception is 0, which is the same in every unit (as in Go's ParseDuration).

import { InvalidArgumentError, Option } from 'commander';
import { BYTE_UNITS, DURATION_UNIT_NAMES, DURATION_UNIT_NS } from '../units.js';

export const DURATION_UNITS_TEXT = 'ns, us (or µs), ms, s, m, h';

const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)`;
const DURATION = new RegExp(String.raw`^\s*(${NUMBER})\s*([^\s\d.+-]*)\s*$`);

/**
 * "2s", "500ms", "250us", "1.5m" → integer ns. A bare number other than 0, an unknown unit or a
 * negative value throws InvalidArgumentError with a message that names the units.
 */
export function parseDurationNs(text: string): number {
  const m = DURATION.exec(text);
  if (!m) throw new InvalidArgumentError(`'${text}' is not a duration (a number and a unit: ${DURATION_UNITS_TEXT}; e.g. 100ms, 2s)`);
  const n = Number(m[1]);
  if (n < 0) throw new InvalidArgumentError(`A duration cannot be negative: '${text}'`);
  if (m[2] === '') {
    if (n === 0) return 0;
    throw new InvalidArgumentError(`A duration needs a unit (${DURATION_UNITS_TEXT}; e.g. 100ms, 2s): '${text.trim()}' has none`);
  }
  const unit = DURATION_UNIT_NS.get(m[2]);
  if (unit === undefined) throw new InvalidArgumentError(`Unknown unit '${m[2]}' in '${text}' (durations take ${DURATION_UNITS_TEXT})`);
  return Math.round(n * unit);
}

/**
 * ns → the shortest exact spelling parseDurationNs reads back to the same value: 100000000 →
 * "100ms", 5000 → "5us", 0 → "0s".
 */
export function formatDuration(ns: number): string {
  if (ns === 0) return '0s';
  for (const u of DURATION_UNIT_NAMES) {
    const per = DURATION_UNIT_NS.get(u)!;
    const v = ns / per;
    if (Number.isInteger(v) && Math.round(v * per) === ns) return `${v}${u}`;
  }
  return `${ns}ns`;
}

/** Inclusive bounds of a duration option, in ns, each with the reason it exists. */
export interface DurationBounds {
  min?: number;
  minWhy?: string;
  max?: number;
  maxWhy?: string;
}

/** Throws InvalidArgumentError when `ns` is outside `b`; the message says the bound and why. */
export function checkDurationBounds(ns: number, b: DurationBounds, what = 'the value'): void {
  if (b.min !== undefined && ns < b.min)
    throw new InvalidArgumentError(`${what} must be at least ${formatDuration(b.min)}${b.minWhy ? ` (${b.minWhy})` : ''}`);
  if (b.max !== undefined && ns > b.max)
    throw new InvalidArgumentError(`${what} must be at most ${formatDuration(b.max)}${b.maxWhy ? ` (${b.maxWhy})` : ''}`);
}

/** Commander argParser for a duration option: ns within bounds. */
export function durationArg(bounds: DurationBounds = {}): (v: string) => number {
  return (v: string) => {
    const ns = parseDurationNs(v);
    checkDurationBounds(ns, bounds, 'It');
    return ns;
  };
}

/** "80" or "80%" → 80; throws InvalidArgumentError outside 0..100. */
export function parsePercent(text: string): number {
  const m = new RegExp(String.raw`^\s*(${NUMBER})\s*(%?)\s*$`).exec(text);
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 0 && n <= 100)) throw new InvalidArgumentError(`'${text}' is not a percentage from 0 to 100 (e.g. 80 or 80%)`);
  return n;
}

/** "50MB/s", "20MiB/s", "8kB/s" → bytes per second; null when the text is not a bandwidth. */
export function parseBandwidth(text: string): number | null {
  const m = new RegExp(String.raw`^\s*(${NUMBER})\s*([kmgt]?i?b)/s\s*$`, 'i').exec(text);
  if (!m) return null;
  const unit = BYTE_UNITS.get(m[2].toLowerCase());
  return unit === undefined ? null : Number(m[1]) * unit;
}

/**
 * A duration option whose help prints its default in the form it is read back in
 * (`(default: 100ms)`); without a default, the option is undefined unless given.
 */
export function durationOption(flags: string, description: string, defaultNs?: number, bounds: DurationBounds = {}): Option {
  const o = new Option(flags, description).argParser(durationArg(bounds));
  return defaultNs === undefined ? o : o.default(defaultNs, formatDuration(defaultNs));
}
