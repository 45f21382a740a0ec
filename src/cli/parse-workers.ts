// Main thread's half of parallel CSV parsing (see parse-worker.ts): used for big plain CSV files
// and for CSV on stdin, where parsing and the observe sweep each take about half of the time on
// one core.

import { Worker } from 'node:worker_threads';
import { takeParseWorker } from './parse-prestart.js';
import type { RecordSink, SkipCode, TimeBase } from '../records.js';

export const IO_STRIDE = 8; // zone id, device id, write, bytes, issue, done, offset (NaN: none), weight (NaN: none)
export const BATCH_IOS = 16384;
/** Batches in flight; the ack hands the batch's shared buffer back to the worker. */
export const MAX_UNACKED = 4;
/** Bad lines the worker reports one by one (with line and reason); the rest only as counts. */
export const DETAILED_SKIPS = 64;
/** Files smaller than this are parsed on the main thread (a worker costs ~40 ms to start). */
export const WORKER_MIN_BYTES = 16 * 1024 * 1024;

/** Why an IO was skipped as IMPLAUSIBLE_LATENCY (on either thread). */
export function implausible(latencyNs: number, maxNs: number): string {
  const days = latencyNs / 86400e9;
  const took = Number.isNaN(latencyNs) ? 'no latency' : days >= 365 ? `${(days / 365).toFixed(1)} years` : days >= 1 ? `${days.toFixed(1)} days` : `${(latencyNs / 3600e9).toFixed(1)} h`;
  return `an IO that took ${took}, longer than --max-latency ${maxNs / 3600e9} h (a stuck device or a corrupt time)`;
}

export interface ParseJob {
  /** The file to parse, or else the descriptor to read (stdin) after `head`. */
  path?: string;
  fd?: number;
  /** Bytes already read from `fd` (while sniffing the format), parsed first. */
  head?: Uint8Array;
  timeUnitNs?: number;
  columns?: [string, string][];
  /** --max-latency (ns): longer IOs are skipped as IMPLAUSIBLE_LATENCY, as on the main thread. */
  maxLatencyNs: number;
  /** The run's time base so far (a decimal string), so every source shares one. */
  baseNs: string | null;
}

export interface ParseBatch {
  /** The shared batch buffers, when new (the first batch, or after the pool grew). */
  pool?: Float64Array[];
  /** Which pool buffer holds this batch's records; the ack hands the index back. */
  slot: number;
  n: number;
  /** Names first seen in this batch, ids continuing from the last batch's. */
  names: string[];
  /** [record index, kind, line or count, text, skip code (skips only)], in input order. */
  events: [number, 'skip' | 'warn' | 'lost', number, string, SkipCode?][];
  /** Skips after the first DETAILED_SKIPS of the parse, as counts per code (line and reason not kept). */
  skipTally: [SkipCode, number][];
  bytes: number;
  baseNs: string | null;
  done: boolean;
}

/**
 * Where records go by id (the core's Analyzer): names are interned once per worker name id, so
 * the main thread handles no strings and no Map per record.
 */
export interface IdTarget {
  zoneIdOf(zone: string, weight?: number): number;
  deviceIdOf(device: string): number;
  /** write, bytes, issue, done and offset (NaN: none) at rec[o..o+4]. */
  ioAt(zoneId: number, deviceId: number, rec: Float64Array, o: number): void;
}

export interface WorkerParse {
  /** Resolves when the input is parsed or stop() was called; rejects on a worker failure. */
  done: Promise<void>;
  stop(): void;
}

/**
 * Parses `job.path` (or `job.head`, then `job.fd`) on a worker, delivering records and events to `sink` in input order; records
 * go to `ids` instead when given (the same calls in the same order, by id).
 */
export function parseInWorker(
  job: Omit<ParseJob, 'baseNs'>,
  sink: RecordSink,
  timeBase: TimeBase,
  onBytes: (n: number) => void,
  shouldStop: () => boolean,
  ids?: IdTarget,
): WorkerParse {
  const names: string[] = [];
  let pool: Float64Array[] = [];
  // worker name id → the target's zone / device id, -1 until the name is first used as one
  let zoneOf = new Int32Array(64).fill(-1);
  let devOf = new Int32Array(64).fill(-1);
  const data: ParseJob = { ...job, baseNs: timeBase.baseNs === null ? null : String(timeBase.baseNs) };
  // the worker bin/iofair.js started early (parse-prestart.ts) waits for its job as a message
  const early = takeParseWorker();
  const worker = early ?? new Worker(new URL('./parse-worker.js', import.meta.url), { workerData: data });
  if (early) early.postMessage(data);
  let stopped = false;
  let resolved = () => {};
  const done = new Promise<void>((resolve, reject) => {
    resolved = resolve;
    worker.on('message', (b: ParseBatch) => {
      if (stopped) return;
      try {
        if (b.baseNs !== null && timeBase.baseNs === null) timeBase.adopt(BigInt(b.baseNs));
        names.push(...b.names);
        if (names.length > zoneOf.length) {
          const len = Math.max(names.length, zoneOf.length * 2);
          const z = new Int32Array(len).fill(-1);
          z.set(zoneOf);
          zoneOf = z;
          const d = new Int32Array(len).fill(-1);
          d.set(devOf);
          devOf = d;
        }
        let e = 0;
        if (b.pool) pool = b.pool;
        const r = pool[b.slot];
        for (let i = 0; i <= b.n; i++) {
          while (e < b.events.length && b.events[e][0] === i) {
            const [, kind, num, text, code] = b.events[e++];
            if (kind === 'skip') sink.skip(num, code!, text);
            else if (kind === 'warn') sink.warn(text);
            else sink.lost(num, text);
          }
          if (i === b.n) break;
          const o = i * IO_STRIDE;
          if (ids) {
            // zone before device, as the string path interns them
            const zn = r[o];
            let z = zoneOf[zn];
            if (z < 0) {
              const w = r[o + 7];
              z = zoneOf[zn] = ids.zoneIdOf(names[zn], Number.isNaN(w) ? undefined : w);
            }
            const dn = r[o + 1];
            let d = devOf[dn];
            if (d < 0) d = devOf[dn] = ids.deviceIdOf(names[dn]);
            ids.ioAt(z, d, r, o + 2);
          } else {
            const w = r[o + 7];
            const off = r[o + 6];
            sink.io(names[r[o]], names[r[o + 1]], r[o + 2] ? 'W' : 'R', r[o + 3], r[o + 4], r[o + 5], Number.isNaN(w) ? undefined : w, Number.isNaN(off) ? undefined : off);
          }
        }
        for (const [code, count] of b.skipTally) for (let k = 0; k < count; k++) sink.skip(0, code, 'bad line past the first ones (counted only)');
        onBytes(b.bytes);
        if (b.done || shouldStop()) {
          stopped = true;
          void worker.terminate();
          // this listener outlives the call until the event loop runs again (not during a replay)
          pool = [];
          resolve();
        } else worker.postMessage(b.slot); // the ack: the buffer may be refilled
      } catch (err) {
        stopped = true;
        void worker.terminate();
        reject(err);
      }
    });
    worker.on('error', (err) => {
      if (!stopped) reject(err);
      stopped = true;
    });
    worker.on('exit', () => {
      if (!stopped) reject(new Error('the parsing worker exited early'));
      stopped = true;
    });
  });
  return {
    done,
    stop() {
      if (stopped) return;
      stopped = true;
      void worker.terminate();
      resolved();
    },
  };
}
