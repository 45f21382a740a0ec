// Worker entry for src/cli/replay-workers.ts: replays its part (some devices, or some of the cap
// ladder's levels) of the what-if replays over the spool (memory blocks copied in, spilled blocks read from the spool file) and
// posts the result back, then raises the shared flag.

import { parentPort } from 'node:worker_threads';
import { replayDevices, runReplays } from '../core/replay/index.js';
import type { ReplayStore } from '../core/replay/types.js';
import type { ReplayAnswer, ReplayJob } from './replay-workers.js';
import { SpillFile, spoolBlocks } from './spool.js';

/** The spool seen from here: memory blocks, then the file's blocks (spoolBlocks) through the shared descriptor. */
function storeOf(job: ReplayJob): ReplayStore {
  return {
    append() {
      throw new Error('read-only store');
    },
    blocks: () => spoolBlocks(job.memory, job.fd, job.spilled),
    dispose() {},
  };
}

parentPort!.once('message', (job: ReplayJob) => {
  const state = new Int32Array(job.flag);
  Atomics.add(state, 1, 1);
  const store = storeOf(job);
  let answer: ReplayAnswer;
  try {
    const opts = { ...job.opts, spill: () => new SpillFile(), onBlock: () => Atomics.add(state, 1, 1) };
    answer = job.split
      ? { ok: true, part: replayDevices(store, job.zones, job.devices, job.span, opts, job.split, job.use ?? undefined) }
      : { ok: true, result: runReplays(store, job.zones, job.devices, job.span, opts, job.use ?? undefined) };
  } catch (e) {
    answer = { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
  job.port.postMessage(answer);
  Atomics.store(state, 0, 1);
  Atomics.notify(state, 0);
  job.port.close();
});
