// Worker entry: parses one big CSV file, or CSV on stdin, on a second core and posts the records
// to the main thread in batches (8 numbers per IO, names sent once), so parsing and the observe
// sweep run at the same time. At most MAX_UNACKED batches are in flight: memory stays flat even
// when the sweep is the slower side. See parse-workers.ts for the main thread's half.

import { parentPort, workerData } from 'node:worker_threads';
import { open } from 'node:fs/promises';
import { readFd } from './fdread.js';
import { csvFormat } from '../parsers/csv.js';
import { TimeBase, type RecordSink, type SkipCode } from '../records.js';
import { BATCH_IOS, DETAILED_SKIPS, IO_STRIDE, MAX_UNACKED, implausible, type ParseJob, type ParseBatch } from './parse-workers.js';

const port = parentPort!;
/** The job: in workerData, or as the first message when the worker was started before its input was known (parse-prestart.ts). */
const job: ParseJob = (workerData as ParseJob | null) ?? (await new Promise<ParseJob>((resolve) => port.once('message', resolve)));

let unacked = 0;
let wake: (() => void) | null = null;
/**
 * MAX_UNACKED + 1 batch buffers in shared memory, sent to the main thread once: a batch message
 * names its buffer by index and the ack hands the index back. A fresh 900 KB buffer per batch
 * costs ~240 ms of this thread and ~170 ms of the main thread's GC on the 1M trace; transferring
 * the buffers back and forth costs the main thread ~200 ms in postMessage.
 */
const newBuffer = () => new Float64Array(new SharedArrayBuffer(BATCH_IOS * IO_STRIDE * 8));
const pool = Array.from({ length: MAX_UNACKED + 1 }, newBuffer);
const free = pool.map((_, i) => pool.length - 1 - i);
let poolSent = false;
port.on('message', (m) => {
  if (typeof m === 'number') {
    free.push(m);
    unacked--;
    const w = wake;
    wake = null;
    w?.();
  }
});

const tb = new TimeBase();
if (job.baseNs !== null) tb.adopt(BigInt(job.baseNs));
const ids = new Map<string, number>();
let names: string[] = [];
let slot = free.pop()!;
let recs = pool[slot];
let n = 0;
let events: ParseBatch['events'] = [];
let bytes = 0;
/**
 * Skips beyond the first DETAILED_SKIPS go as counts per code (the main thread shows only the first
 * few anyway): events held until the next batch stay bounded however many lines are bad.
 */
let detailedSkips = 0;
let skipTally = new Map<SkipCode, number>();
const warned = new Set<string>();

function id(s: string): number {
  let i = ids.get(s);
  if (i === undefined) {
    i = ids.size;
    ids.set(s, i);
    names.push(s);
  }
  return i;
}

function post(done: boolean): void {
  const batch: ParseBatch = {
    pool: poolSent ? undefined : pool,
    slot,
    n,
    names,
    events,
    skipTally: [...skipTally],
    bytes,
    baseNs: tb.baseNs === null ? null : String(tb.baseNs),
    done,
  };
  poolSent = true;
  port.postMessage(batch);
  unacked++;
  if (done) return;
  if (!free.length) {
    // more than MAX_UNACKED batches from one chunk (very short lines): one more buffer
    pool.push(newBuffer());
    free.push(pool.length - 1);
    poolSent = false;
  }
  slot = free.pop()!;
  recs = pool[slot];
  n = 0;
  names = [];
  events = [];
  skipTally = new Map();
  bytes = 0;
}

const sink: RecordSink = {
  io(zone, device, op, b, issue, done, weight, offset) {
    const lat = done - issue; // the CSV parser has already skipped a completion before its issue
    if (!(lat <= job.maxLatencyNs)) return sink.skip(0, 'IMPLAUSIBLE_LATENCY', implausible(lat, job.maxLatencyNs));
    const o = n * IO_STRIDE;
    recs[o] = id(zone);
    recs[o + 1] = id(device);
    recs[o + 2] = op === 'W' ? 1 : 0;
    recs[o + 3] = b;
    recs[o + 4] = issue;
    recs[o + 5] = done;
    recs[o + 6] = offset === undefined ? NaN : offset;
    recs[o + 7] = weight === undefined ? NaN : weight;
    if (++n === BATCH_IOS) post(false);
  },
  skip(line, code, reason) {
    if (detailedSkips < DETAILED_SKIPS) {
      detailedSkips++;
      events.push([n, 'skip', line, reason, code]);
    } else skipTally.set(code, (skipTally.get(code) ?? 0) + 1);
  },
  warn(message) {
    if (warned.has(message)) return;
    warned.add(message);
    events.push([n, 'warn', 0, message]);
  },
  lost: (count, what) => void events.push([n, 'lost', count, what]),
  interval() {},
  histogram() {},
};

const parser = csvFormat.create(sink, { timeBase: tb, timeUnitNs: job.timeUnitNs, columns: job.columns ? new Map(job.columns) : undefined });
const fh = job.path === undefined ? null : await open(job.path, 'r');
/**
 * Two buffers: the next chunk is read (on libuv's thread pool) while this one is parsed, so the
 * read's latency is off the parse's path. That matters for a pipe, read 64 KiB at a time.
 */
const bufs = [Buffer.allocUnsafe(1 << 18), Buffer.allocUnsafe(1 << 18)];
const readChunk = (buf: Buffer): Promise<number> => (fh ? fh.read(buf, 0, buf.length, null).then((r) => r.bytesRead) : readFd(job.fd!, buf));
/**
 * A pipe may bring a few lines a second (`tail -f`): what was parsed goes out within 100 ms
 * even when a batch is far from full, so live reports (--every) see it.
 */
let flushTimer: NodeJS.Timeout | null = null;
const flushSoon = () => {
  flushTimer = null;
  if (n === 0) return;
  if (unacked < MAX_UNACKED) post(false);
  else flushTimer = setTimeout(flushSoon, 100);
};
try {
  // the bytes read while sniffing were counted by the main thread
  if (job.head) parser.writeBytes!(Buffer.from(job.head.buffer, job.head.byteOffset, job.head.byteLength));
  let which = 0;
  let next = readChunk(bufs[which]);
  for (;;) {
    if (n >= BATCH_IOS / 4) post(false);
    else if (!fh && n > 0 && !flushTimer) flushTimer = setTimeout(flushSoon, 100);
    while (unacked >= MAX_UNACKED) await new Promise<void>((r) => (wake = r));
    const bytesRead = await next;
    if (bytesRead === 0) break;
    const buf = bufs[which];
    which ^= 1;
    next = readChunk(bufs[which]);
    next.catch(() => {}); // awaited above on the next turn; never an unhandled rejection if parsing fails first
    bytes += bytesRead;
    parser.writeBytes!(buf.subarray(0, bytesRead)); // the parser copies what it keeps
  }
  parser.end();
} finally {
  if (flushTimer) clearTimeout(flushTimer);
  await fh?.close();
}
post(true);
