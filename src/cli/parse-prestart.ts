// The parse worker, started before the rest of the cli loads: booting a worker thread (its own
// isolate, then the CSV parser's modules) takes ~100 ms, which the main thread otherwise spends
// idle waiting for the first records of a big CSV input. bin/iofair.js starts it for `analyze`
// only, before it imports the cli, so the boot runs on the other core while this one loads the
// cli's modules; the input reader takes it (parse-workers.ts) or, when the input is not parsed
// on a worker (a small file, another format, gzip), drops it. Nothing else is imported here:
// what this module loads delays everything after it.

import { Worker } from 'node:worker_threads';

let early: Worker | null = null;
let earlyExited = false;

/** Starts the parse worker now when argv runs `analyze`; it waits for its job (a message). */
export function prestartParseWorker(argv: readonly string[]): void {
  if (early !== null || !argv.slice(2).includes('analyze') || process.env.IOFAIR_PARSE_WORKER === '0') return;
  try {
    const w = new Worker(new URL('./parse-worker.js', import.meta.url), { workerData: null });
    w.unref(); // an unused one never keeps the process alive
    // a worker that fails before it is taken is replaced by a fresh one then (takeParseWorker)
    w.on('error', () => {});
    w.on('exit', () => {
      if (early === w) earlyExited = true;
    });
    early = w;
    earlyExited = false;
  } catch {
    early = null;
  }
}

/** The prestarted worker, alive and waiting for its job (the caller posts it), or null. */
export function takeParseWorker(): Worker | null {
  const w = early;
  const usable = w !== null && !earlyExited;
  early = null;
  if (!usable) return null;
  w.ref();
  return w;
}

/** Ends the prestarted worker when the input is parsed here instead (it holds ~10 MB). */
export function dropParseWorker(): void {
  const w = early;
  early = null;
  if (w !== null) void w.terminate();
}
