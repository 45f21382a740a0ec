import { mulberry32 } from '../scripts/mulberry32.mjs';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EventObserver } from '../src/core/observe.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = fileURLToPath(new URL('../bin/iofair.js', import.meta.url));
export const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** Run the built CLI (npm test builds first). */
export function runCli(
  args: string[],
  opts: { input?: string | Buffer; env?: Record<string, string | undefined> } = {},
): SpawnSyncReturns<string> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: env as NodeJS.ProcessEnv,
    timeout: 60000,
  });
}

/** Seeded PRNG (mulberry32, shared with the fixture generators). */
export const rng = mulberry32;

export interface SimIo {
  zone: string;
  device: string;
  op: 'R' | 'W';
  bytes: number;
  issue: number;
  done: number;
  service: number;
}

/**
 * A single-server FIFO device per name: each IO arrives at `issue`, needs `service` ns and is
 * served in arrival order, so its device-time cost is exactly `service`.
 */
export function fifoDevice(arrivals: Omit<SimIo, 'done'>[]): SimIo[] {
  const sorted = [...arrivals].sort((a, b) => a.issue - b.issue);
  const free = new Map<string, number>();
  return sorted.map((a) => {
    const start = Math.max(a.issue, free.get(a.device) ?? -Infinity);
    const done = start + a.service;
    free.set(a.device, done);
    return { ...a, done };
  });
}

export function observe(ios: SimIo[], weights: Record<string, number> = {}, reorderWindowNs = 2e9) {
  const obs = new EventObserver({ weightOf: (z) => weights[z], reorderWindowNs, store: null });
  for (const io of ios) obs.io(io.zone, io.device, io.op, io.bytes, io.issue, io.done);
  return obs.finish();
}

/** Exact nearest-rank quantile of a list. */
export function exactQuantile(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(q * s.length)) - 1];
}
