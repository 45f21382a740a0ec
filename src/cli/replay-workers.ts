// Runs the what-if replays on two threads: this thread replays every policy under the chosen loop
// model while a worker thread replays them under the other one (the verdict's comparison). The
// two halves share nothing but the input; each has its own fifo baseline, and the core records
// every histogram in arrival order, so the merged result is the one `runReplays` gives on one
// thread, to the last digit (test/replay-workers.test.ts).
//
// The call stays synchronous, like `runReplays` (Analyzer.finish is synchronous): once its own
// half is done this thread sleeps on a shared flag (Atomics.wait) until the worker signals, then
// takes the worker's answer with receiveMessageOnPort. The worker bumps a heartbeat after every
// block; if it stalls (crashed, killed) the half it was doing is run here instead.
//
// The worker reads the store itself: the blocks kept in memory are copied to it once, the spilled
// ones it reads from the spool file.

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { runReplays, type ReplayOptions, type ReplayResult, type ReplayRunner } from '../core/replay/index.js';
import type { DeviceInfo, ReplayStore, Span, ZoneInfo } from '../core/replay/types.js';
import { REPLAY_STRIDE } from '../core/replay/types.js';
import { SpillFile, type SpoolLayout } from './spool.js';

/** What the worker gets (structured-cloned). */
export interface ReplayJob {
  memory: [Float64Array, number][];
  file: string | null;
  spilled: number[];
  zones: ZoneInfo[];
  devices: DeviceInfo[];
  span: Span;
  opts: ReplayOptions;
  /** Int32 [state, heartbeat]: state 0 = running, 1 = answer posted. */
  flag: SharedArrayBuffer;
  port: MessagePort;
}

/** What the worker answers. */
export type ReplayAnswer = { ok: true; result: ReplayResult } | { ok: false; error: string };

export interface ParallelReplayOptions {
  /** Below this many IOs the replay runs on this thread alone (a worker costs ~30–50 ms to start). */
  minIos?: number;
  /** Give up on a worker whose heartbeat has not moved for this long, and do its half here. */
  stallMs?: number;
  /** The worker's entry module (default: replay-worker.js next to this module, in dist/). */
  workerUrl?: URL;
  /**
   * Start the worker at once (while the input is being read, when the other core is idle) rather
   * than when the replay begins: its start-up (~50 ms) then stays off the replay's critical path.
   */
  prestart?: boolean;
  /** Told how each call ran: on one thread, with the worker, or here after the worker failed. */
  report?: (how: 'single' | 'worker' | 'fallback') => void;
}

interface LaidOut extends ReplayStore {
  layout(): SpoolLayout;
}

function hasLayout(store: ReplayStore): store is LaidOut {
  return typeof (store as Partial<LaidOut>).layout === 'function';
}

function defaultWorkerUrl(): URL {
  // under vitest this module is the .ts source: the worker runs the built one
  return import.meta.url.endsWith('.ts')
    ? new URL('../../dist/cli/replay-worker.js', import.meta.url)
    : new URL('./replay-worker.js', import.meta.url);
}

/** A ReplayRunner that puts the other loop model's half on a worker thread when it pays. */
export function parallelReplayRunner(o: ParallelReplayOptions = {}): ReplayRunner {
  const minIos = o.minIos ?? 50_000;
  const stallMs = o.stallMs ?? 60_000;
  const spawn = (): Worker | null => {
    try {
      const w = new Worker(o.workerUrl ?? defaultWorkerUrl());
      w.unref(); // never keeps the process alive
      w.on('error', () => {}); // reported through the flag (or the stall) instead
      return w;
    } catch {
      return null;
    }
  };
  let spare = o.prestart ? spawn() : null;
  const single: ReplayRunner = (store, zones, devices, span, opts) => {
    if (spare) void spare.terminate();
    spare = null;
    o.report?.('single');
    return runReplays(store, zones, devices, span, opts);
  };
  return (store, zones, devices, span, given) => {
    // queued IO beyond what the simulations keep in memory goes to a temp file (the worker makes its own)
    const { spill: _, ...clonable } = given;
    const opts: ReplayOptions = { ...clonable, spill: given.spill ?? (() => new SpillFile()) };
    if (!opts.compareLoops || opts.throttle.probe || opts.onBlock || !hasLayout(store)) return single(store, zones, devices, span, opts);
    const lay = store.layout();
    let numbers = 0;
    for (const [, n] of lay.memory) numbers += n;
    for (const n of lay.spilled) numbers += n;
    if (numbers / REPLAY_STRIDE < minIos) return single(store, zones, devices, span, opts);

    const other = opts.loop === 'open' ? 'closed' : 'open';
    const flag = new SharedArrayBuffer(8);
    const state = new Int32Array(flag);
    const { port1, port2 } = new MessageChannel();
    const worker = spare ?? spawn();
    spare = null;
    if (!worker) return single(store, zones, devices, span, opts);
    const job: ReplayJob = {
      memory: lay.memory,
      file: lay.file,
      spilled: lay.spilled,
      zones,
      devices,
      span,
      opts: { ...clonable, loop: other, compareLoops: false, fidelity: false }, // fidelity: this thread's
      flag,
      port: port2,
    };
    worker.postMessage(job, [port2]);

    try {
      const mine = runReplays(store, zones, devices, span, { ...opts, compareLoops: false });
      const theirs = await_(state, port1, stallMs);
      o.report?.(theirs ? 'worker' : 'fallback');
      const otherHalf = theirs ?? runReplays(store, zones, devices, span, { ...opts, loop: other, compareLoops: false });
      return { policies: mine.policies, other_loop: otherHalf.policies, fidelity: mine.fidelity, warnings: mine.warnings };
    } finally {
      port1.close();
      void worker.terminate();
    }
  };
}

/** Sleeps until the worker has answered; null if it failed or stalled. */
function await_(state: Int32Array, port: MessagePort, stallMs: number): ReplayResult | null {
  let beat = Atomics.load(state, 1);
  let since = Date.now();
  for (;;) {
    if (Atomics.wait(state, 0, 0, 200) !== 'timed-out' || Atomics.load(state, 0) !== 0) break;
    const b = Atomics.load(state, 1);
    if (b !== beat) {
      beat = b;
      since = Date.now();
    } else if (Date.now() - since > (beat === 0 ? Math.min(stallMs, 5000) : stallMs)) return null; // never started, or stalled
  }
  const m = receiveMessageOnPort(port);
  if (!m) return null;
  const answer = m.message as ReplayAnswer;
  return answer.ok ? answer.result : null; // e.g. the spool file unreadable there: do that half here

}
