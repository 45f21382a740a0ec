import { InvalidArgumentError } from 'commander';

const DURATION_UNITS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** "2s", "500ms", "250us", "1.5" (seconds) → ns. Throws InvalidArgumentError on anything else. */
export function parseDurationNs(text: string, defaultUnit = 's'): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ns|us|µs|ms|s|m|h)?\s*$/.exec(text);
  if (!m) throw new InvalidArgumentError(`'${text}' is not a duration (examples: 2s, 500ms, 250us, 1m)`);
  return Number(m[1]) * DURATION_UNITS[m[2] ?? defaultUnit];
}

/** Commander argParser for durations in ns. */
export const durationOption = (defaultUnit = 's') => (v: string) => parseDurationNs(v, defaultUnit);
