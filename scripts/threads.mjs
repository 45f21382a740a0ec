// CPU time per thread of a process tree, from Linux's /proc: the benchmark's "busiest thread"
// column (scripts/bench.mjs). Elsewhere there is no /proc and nothing is sampled.

import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/** Clock ticks per second, the unit of /proc stat times. */
export const CLK_TCK = process.platform === 'linux' ? Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100 : 100;

/**
 * Adds to `seen`, by "pid/tid", the CPU seconds so far (utime + stime) of every thread of `pid`
 * and of its descendants. Sample repeatedly while the tree runs: a thread's time stays at its
 * last sample after it exits, so up to one sampling interval of its last slice is missed.
 */
export function sampleThreads(pid, seen) {
  const stack = [pid];
  while (stack.length) {
    const p = stack.pop();
    let tids;
    try {
      tids = readdirSync(`/proc/${p}/task`);
    } catch {
      continue; // exited, or no /proc
    }
    for (const t of tids) {
      try {
        const st = readFileSync(`/proc/${p}/task/${t}/stat`, 'utf8');
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        seen.set(`${p}/${t}`, (Number(f[11]) + Number(f[12])) / CLK_TCK);
        for (const c of readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' ')) if (c.trim()) stack.push(Number(c));
      } catch {
        // the thread exited between readdir and read
      }
    }
  }
}
