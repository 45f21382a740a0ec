// The benchmark's per-thread CPU sampling (scripts/threads.mjs): it must find the busiest thread
// of a process tree, including a grandchild's worker thread, and report that thread's CPU time.
// The measured work is an amount of CPU time (read back from /proc), not of wall time, so a busy
// host makes the test slower but not wrong.

import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { CLK_TCK, sampleThreads } from '../scripts/threads.mjs';

const sampled = (seen: Map<string, number>) => [...seen.values()].sort((a, b) => b - a);

describe.runIf(process.platform === 'linux')('bench: busiest thread', () => {
  it("finds a grandchild's worker thread that burned 0.5 s of CPU while its main thread idled", async () => {
    // the worker spins until its own CPU time (utime + stime from /proc/thread-self) is 0.5 s,
    // then idles 300 ms so the last sample sees it
    const worker = `
      const fs = require('node:fs');
      const cpu = () => { const s = fs.readFileSync('/proc/thread-self/stat', 'utf8'); const f = s.slice(s.lastIndexOf(')') + 2).split(' '); return (+f[11] + +f[12]) / +process.env.TCK; };
      let x = 0;
      while (cpu() < 0.5) for (let i = 0; i < 1e5; i++) x += i;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
    `;
    const prog = `new (require('node:worker_threads').Worker)(${JSON.stringify(worker)}, { eval: true })`;
    // `; true` keeps sh from exec'ing node: node is sh's child, and the worker a thread of it
    const child = spawn('sh', ['-c', `"${process.execPath}" -e "$PROG"; true`], { env: { ...process.env, PROG: prog, TCK: String(CLK_TCK) }, stdio: 'ignore' });
    const seen = new Map<string, number>();
    const timer = setInterval(() => sampleThreads(child.pid, seen), 20);
    await new Promise((r) => child.on('exit', r));
    clearInterval(timer);
    const [busiest, next] = sampled(seen);
    expect(busiest).toBeGreaterThanOrEqual(0.5);
    expect(busiest).toBeLessThan(0.6);
    // node's main thread only started the worker; sh did nothing
    expect(next).toBeLessThan(0.35);
  }, 20_000);

  it('finds nothing for a process that is gone', () => {
    const seen = new Map<string, number>();
    sampleThreads(2 ** 22 + 12345, seen); // above the largest pid_max Linux allows (2^22)
    expect(seen.size).toBe(0);
  });
});
