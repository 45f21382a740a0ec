// Runs the what-if replays on two threads. With two devices or more, each thread replays every
// simulation on its share of the devices (shares balanced by IO count): the core keeps every
// number and histogram per device and combines them in device order (combineReplays), so the
// result is the one `runReplays` gives on one thread, to the last digit. With one device, or
// devices that cannot be split at least a third to two thirds, the simulations are split instead:
// this thread replays the policies and the first levels of the cap ladder, the worker the other
// levels, each with its own baseline fifo (a level's results depend only on it and the baseline,
// so they too are the one-thread result). Without a ladder to split, one thread replays it all.
// test/replay-workers.test.ts.
//
// The call stays synchronous, like `runReplays` (Analyzer.finish is synchronous): once its own
// part is done this thread sleeps on a shared flag (Atomics.wait) until the worker signals, then
// takes the worker's answer with receiveMessageOnPort. The worker bumps a heartbeat after every
// block; if it stalls (crashed, killed) the part it was doing is run here instead.
//
// The worker reads the store itself: the blocks kept in memory are shared with it, the spilled
// ones it reads from the spool file through the same descriptor.

import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import {
  combineReplays,
  deviceUse,
  replayDevices,
  runReplays,
  type DeviceUse,
  type ReplayOptions,
  type ReplayPart,
  type ReplayResult,
  type ReplayRunner,
} from '../core/replay/index.js';
import type { DeviceInfo, ReplayStore, Span, ZoneInfo } from '../core/replay/types.js';
import { REPLAY_STRIDE } from '../core/replay/types.js';
import { SpillFile, type SpoolLayout } from './spool.js';

/** What the worker gets (structured-cloned). */
export interface ReplayJob {
  memory: [Float64Array, number][];
  /** The spool file's descriptor (shared by the threads of the process), or -1. */
  fd: number;
  spilled: number[];
  zones: ZoneInfo[];
  devices: DeviceInfo[];
  span: Span;
  opts: ReplayOptions;
  /** The worker's devices (it answers with its ReplayPart), or null: it replays opts whole (a ReplayResult). */
  split: boolean[] | null;
  use: DeviceUse | null;
  /** Int32 [state, heartbeat]: state 0 = running, 1 = answer posted. */
  flag: SharedArrayBuffer;
  port: MessagePort;
}

/** What the worker answers. */
export type ReplayAnswer = { ok: true; result: ReplayResult } | { ok: true; part: ReplayPart } | { ok: false; error: string };

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
  /** Told how each call ran: on one thread, with the worker, or here after the worker failed; and how the work was split. */
  report?: (how: 'single' | 'worker' | 'fallback', split?: 'devices' | 'simulations') => void;
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

/** A ReplayRunner that puts part of the replay on a worker thread when it pays. */
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
  const single: ReplayRunner = (store, zones, devices, span, opts, use) => {
    if (spare) void spare.terminate();
    spare = null;
    o.report?.('single');
    return runReplays(store, zones, devices, span, opts, use);
  };
  return (store, zones, devices, span, given, givenUse) => {
    // queued IO beyond what the simulations keep in memory goes to a temp file (the worker makes its own)
    const { spill: _, ...clonable } = given;
    const opts: ReplayOptions = { ...clonable, spill: given.spill ?? (() => new SpillFile()) };
    const levels = opts.ladder?.positions.length ?? 0;
    if (opts.throttle.probe || opts.onBlock || !hasLayout(store) || (devices.length < 2 && levels < 2)) return single(store, zones, devices, span, opts, givenUse);
    const lay = store.layout();
    let numbers = 0;
    for (const [, n] of lay.memory) numbers += n;
    for (const n of lay.spilled) numbers += n;
    if (numbers / REPLAY_STRIDE < minIos) return single(store, zones, devices, span, opts, givenUse);
    const use = givenUse ?? (devices.length >= 2 ? deviceUse(store, zones.length, devices.length) : null);
    const theirDevices = use && devices.length >= 2 ? splitDevices(use.ios) : null;
    const byDevice = use !== null && theirDevices !== null && balanced(use.ios, theirDevices);
    if (!byDevice && levels < 2) return single(store, zones, devices, span, opts, givenUse);

    const worker = spare ?? spawn();
    spare = null;
    if (!worker) return single(store, zones, devices, span, opts, givenUse);
    const flag = new SharedArrayBuffer(8);
    const state = new Int32Array(flag);
    const { port1, port2 } = new MessageChannel();
    const job: ReplayJob = { memory: lay.memory, fd: lay.fd, spilled: lay.spilled, zones, devices, span, opts: clonable, split: null, use: use ?? null, flag, port: port2 };
    try {
      if (byDevice) {
        // Each thread replays every simulation on its share of the devices, shares balanced by IO
        // count; the parts combine into exactly the one-thread result.
        worker.postMessage({ ...job, split: theirDevices } satisfies ReplayJob, [port2]);
        const mine = replayDevices(store, zones, devices, span, opts, theirDevices!.map((x) => !x), use!);
        const answer = await_(state, port1, stallMs);
        o.report?.(answer && 'part' in answer ? 'worker' : 'fallback', 'devices');
        const theirs = answer && 'part' in answer ? answer.part : replayDevices(store, zones, devices, span, opts, theirDevices!, use!);
        return combineReplays([mine, theirs], zones, devices, span, opts);
      }
      // One device (or one with most of the IO): this thread replays the policies and the first
      // ladder levels, the worker the other levels, so each runs about as many simulations.
      const policySims = 1 + opts.policies.filter((p) => p !== 'fifo').length + (opts.reference && !opts.policies.includes('fair') ? 1 : 0);
      const here = Math.max(0, Math.min(levels - 1, Math.round((levels - policySims + 1) / 2)));
      const theirOpts: ReplayOptions = { ...clonable, policies: [], reference: false, fidelity: false, ladderSlice: [here, levels] };
      worker.postMessage({ ...job, opts: theirOpts } satisfies ReplayJob, [port2]);
      const mine = runReplays(store, zones, devices, span, { ...opts, ladderSlice: [0, here] }, use ?? undefined);
      const answer = await_(state, port1, stallMs);
      o.report?.(answer && 'result' in answer ? 'worker' : 'fallback', 'simulations');
      const theirs = answer && 'result' in answer ? answer.result : runReplays(store, zones, devices, span, { ...opts, ...theirOpts, spill: opts.spill }, use ?? undefined);
      const warnings = [...mine.warnings];
      for (const w of theirs.warnings) if (!warnings.includes(w)) warnings.push(w);
      return { policies: mine.policies, hidden: mine.hidden, ladder: [...mine.ladder, ...theirs.ladder], fidelity: mine.fidelity, warnings };
    } finally {
      port1.close();
      void worker.terminate();
    }
  };
}

/**
 * Whether each side of the split has a third of the IO at least: the thread with the larger share
 * is the critical path, and splitting the simulations instead puts about half on each.
 */
function balanced(ios: Float64Array, theirs: boolean[]): boolean {
  let all = 0;
  let there = 0;
  for (let d = 0; d < ios.length; d++) {
    all += ios[d];
    if (theirs[d]) there += ios[d];
  }
  return Math.min(there, all - there) >= 0.33 * all;
}

/** The worker's devices: greedily, the busiest device to the lighter side (ties to this thread). */
export function splitDevices(ios: Float64Array): boolean[] {
  const order = Array.from(ios.keys()).sort((a, b) => ios[b] - ios[a] || a - b);
  const theirs = new Array<boolean>(ios.length).fill(false);
  let here = 0;
  let there = 0;
  for (const d of order) {
    if (there < here) {
      theirs[d] = true;
      there += ios[d];
    } else here += ios[d];
  }
  return theirs;
}

/** Sleeps until the worker has answered; null if it failed or stalled. */
function await_(state: Int32Array, port: MessagePort, stallMs: number): { result: ReplayResult } | { part: ReplayPart } | null {
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
  return answer.ok ? answer : null; // e.g. the spool file unreadable there: do that half here
}
