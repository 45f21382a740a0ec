// --parallelism: how many IOs each device serves at once, as the operator knows it, instead of
// the estimate from the trace (src/core/parallelism.ts); the replay runs each device as that many
// slots.

import { usageError } from './errors.js';

/** The largest parallelism --parallelism accepts (NVMe allows 65535 commands per queue). */
export const MAX_PARALLELISM = 65536;

/** A device's parallelism as --parallelism gives it (undefined: estimate it), and the devices it names. */
export type ParallelismOption = ((device: string) => number | undefined) & { readonly devices: readonly string[] };

/**
 * --parallelism: `8` (every device), `sd0=1,nvme0=32` (per device), or both (`8,sd0=1`: the
 * per-device values win). Returns the parallelism of a device, or undefined to estimate it.
 */
export function parseParallelism(spec: string): ParallelismOption {
  let all: number | undefined;
  const per = new Map<string, number>();
  const value = (raw: string, what: string) => {
    const t = raw.trim();
    const k = Number(t);
    if (t === '' || !Number.isInteger(k) || k < 1 || k > MAX_PARALLELISM)
      throw usageError(`--parallelism: ${what} must be a whole number from 1 to ${MAX_PARALLELISM}, found '${raw}'`);
    return k;
  };
  for (const part of spec.split(',')) {
    if (part.trim() === '') continue;
    const eq = part.lastIndexOf('=');
    if (eq < 0) {
      if (all !== undefined) throw usageError(`--parallelism: '${spec}' gives more than one value for all devices`);
      all = value(part, 'the value for all devices');
      continue;
    }
    const device = part.slice(0, eq).trim();
    if (device === '') throw usageError(`--parallelism: '${part}' has no device name before '='`);
    if (per.has(device)) throw usageError(`--parallelism: device '${device}' given twice`);
    per.set(device, value(part.slice(eq + 1), `the value for ${device}`));
  }
  if (all === undefined && per.size === 0) throw usageError('--parallelism: empty (try 8, or sd0=1,nvme0=32)');
  return Object.assign((device: string) => per.get(device) ?? all, { devices: [...per.keys()] });
}
