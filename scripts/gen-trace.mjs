#!/usr/bin/env node
// Deterministic synthetic IO trace for the benchmark (issue 6).
//
//   node scripts/gen-trace.mjs N [--seed S] > trace.csv      N: 2000, 1M, 10M, 1e6 ...
//
// Columns: timestamp_ns,zone,op,bytes,latency_ns,device,offset (header line first), one IO per
// row, rows in completion order, timestamp = completion time in epoch nanoseconds (~1.7e18, like
// DTrace walltimestamp, so readers must take the exact-time path: the values exceed 2^53).
//
// Workload: 8 zones sharing a pool of 4 devices (sd0..sd3). Six zones issue random 4 KiB IO
// (mostly reads) to a random device; two issue sequential 128 KiB IO (mostly writes) striped over
// the devices in 1 MiB stripes, and one of those ("backup") issues in bursts of 16 IOs at once.
// Arrivals are Poisson per zone (~20k IOPS in all). Each device is a FIFO single server with a
// service time of a fixed part, a transfer part and an exponential jitter, so latencies contain
// real queueing (~60-65 % utilisation per device, more during bursts). A trace of N records has
// exactly N data rows, ~56 bytes each (10M rows ≈ 560 MB).
//
// The output depends only on (N, seed, GEN_VERSION). Bump GEN_VERSION whenever the output for a
// given (N, seed) changes: the benchmark's cache file names contain it.

import { openSync, writeSync, closeSync, renameSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const GEN_VERSION = 1;
export const DEFAULT_SEED = 42;
export const HEADER = 'timestamp_ns,zone,op,bytes,latency_ns,device,offset\n';

/** sfc32 seeded through splitmix32: small, fast, deterministic (uses only 32-bit integer ops). */
export function prng(seed) {
  let s = seed >>> 0;
  const splitmix = () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix(), b = splitmix(), c = splitmix(), d = splitmix();
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296; // [0, 1)
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

const DEVICES = ['sd0', 'sd1', 'sd2', 'sd3'];
// kind: 'rand' = random 4 KiB to a random device, 'seq' = sequential 128 KiB striped.
// rate: IOs per second; read: probability of a read; burst: IOs issued at the same instant.
const ZONES = [
  { name: 'db01', kind: 'rand', rate: 5200, read: 0.7, burst: 1 },
  { name: 'db02', kind: 'rand', rate: 3400, read: 0.7, burst: 1 },
  { name: 'web01', kind: 'rand', rate: 2000, read: 0.9, burst: 1 },
  { name: 'web02', kind: 'rand', rate: 1900, read: 0.9, burst: 1 },
  { name: 'cache', kind: 'rand', rate: 2600, read: 0.5, burst: 1 },
  { name: 'mail', kind: 'rand', rate: 900, read: 0.4, burst: 1 },
  { name: 'backup', kind: 'seq', rate: 2400, read: 0.2, burst: 16 },
  { name: 'logs', kind: 'seq', rate: 1600, read: 0.05, burst: 1 },
];
const DEVICE_BYTES = 2 ** 41; // 2 TiB per device
const STRIPE = 1 << 20;
// Completion time base: 1712345678 s after the epoch, written as HI * 1e12 + LO (exceeds 2^53).
const BASE_HI = 1712345;
const BASE_LO = 678e9;

/**
 * Yields the trace as strings (the header first, then batches of rows).
 * @param {number} n number of data rows
 * @param {{seed?: number, batch?: number}} [opts]
 */
export function* generate(n, opts = {}) {
  const rnd = prng(opts.seed ?? DEFAULT_SEED);
  const batch = opts.batch ?? 20000;
  const nz = ZONES.length;
  const nd = DEVICES.length;
  const totalRate = ZONES.reduce((s, z) => s + z.rate / z.burst, 0); // arrival events per second
  const cum = [];
  let acc = 0;
  for (const z of ZONES) cum.push((acc += z.rate / z.burst / totalRate));
  const cursor = ZONES.map(() => Math.floor(rnd() * (DEVICE_BYTES / STRIPE)) * STRIPE); // per-zone sequential position
  const lastDone = new Float64Array(nd);
  // Per-device FIFO of completed-but-not-yet-written IOs (done times are increasing per device).
  const qs = DEVICES.map(() => ({ head: 0, items: [] }));
  const meanGapNs = 1e9 / totalRate;

  let out = HEADER;
  let rows = 0;
  let t = 0; // arrival time, ns since the start
  let generated = 0;

  const fmt = (it) => {
    let lo = BASE_LO + it.done;
    const hi = BASE_HI + Math.floor(lo / 1e12);
    lo %= 1e12;
    return `${hi}${String(lo).padStart(12, '0')},${ZONES[it.zone].name},${it.op},${it.bytes},${it.done - it.arrive},${DEVICES[it.dev]},${it.offset}\n`;
  };
  // Write, in completion order, every queued IO that completes at or before `until`.
  function* flush(until) {
    for (;;) {
      let best = -1;
      let bestDone = Infinity;
      for (let d = 0; d < nd; d++) {
        const q = qs[d];
        if (q.head < q.items.length) {
          const done = q.items[q.head].done;
          if (done < bestDone) {
            bestDone = done;
            best = d;
          }
        }
      }
      if (best < 0 || bestDone > until) return;
      const q = qs[best];
      out += fmt(q.items[q.head]);
      q.head++;
      if (q.head > 4096 && q.head * 2 > q.items.length) {
        q.items = q.items.slice(q.head);
        q.head = 0;
      }
      if (++rows % batch === 0) {
        yield out;
        out = '';
      }
    }
  }

  while (generated < n) {
    t += Math.max(1, Math.round(-Math.log(1 - rnd()) * meanGapNs));
    yield* flush(t);
    const u = rnd();
    let z = 0;
    while (z < nz - 1 && u >= cum[z]) z++;
    const zone = ZONES[z];
    const k = Math.min(zone.burst, n - generated);
    for (let j = 0; j < k; j++) {
      const op = rnd() < zone.read ? 'R' : 'W';
      let bytes, dev, offset, service;
      if (zone.kind === 'rand') {
        bytes = 4096;
        dev = Math.floor(rnd() * nd);
        offset = Math.floor(rnd() * (DEVICE_BYTES / 4096)) * 4096;
        // SSD-ish: 55 µs fixed (+15 µs for writes) + exponential jitter, mean 45 µs
        service = 55000 + (op === 'W' ? 15000 : 0) + Math.round(-Math.log(1 - rnd()) * 45000);
      } else {
        bytes = 131072;
        const pos = cursor[z];
        dev = Math.floor(pos / STRIPE) % nd;
        offset = Math.floor(pos / (STRIPE * nd)) * STRIPE + (pos % STRIPE);
        cursor[z] = (pos + bytes) % (DEVICE_BYTES * nd);
        // 40 µs fixed + 131072 B at ~800 MB/s (164 µs) + exponential jitter, mean 30 µs
        service = 40000 + 163840 + Math.round(-Math.log(1 - rnd()) * 30000);
      }
      const start = Math.max(t, lastDone[dev]);
      const done = start + service;
      lastDone[dev] = done;
      qs[dev].items.push({ zone: z, op, bytes, dev, offset, arrive: t, done });
      generated++;
    }
  }
  yield* flush(Infinity);
  if (out) yield out;
}

/** Parses "2000", "1M", "10M", "1e6", "500k" into a positive integer. */
export function parseCount(s) {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kKmM]?)$/.exec(String(s).trim());
  if (!m) throw new Error(`expected a record count like 2000, 1M or 1e6, found '${s}'`);
  const mult = m[2] === '' ? 1 : m[2].toLowerCase() === 'k' ? 1e3 : 1e6;
  const n = Math.round(Number(m[1]) * mult);
  if (!(n > 0) || !Number.isSafeInteger(n)) throw new Error(`record count out of range: '${s}'`);
  return n;
}

/** Writes a trace of n rows to `path` atomically (a temporary file renamed at the end). */
export function writeTraceFile(path, n, seed = DEFAULT_SEED) {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    for (const chunk of generate(n, { seed })) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

async function main(argv) {
  let n;
  let seed = DEFAULT_SEED;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seed') seed = Number(argv[++i]);
    else if (a.startsWith('--seed=')) seed = Number(a.slice(7));
    else if (a === '-h' || a === '--help') {
      process.stdout.write('usage: node scripts/gen-trace.mjs N [--seed S] > trace.csv   (N: 2000, 1M, 10M, 1e6)\n');
      return;
    } else if (n === undefined) n = parseCount(a);
    else throw new Error(`unexpected argument '${a}'`);
  }
  if (n === undefined) throw new Error('usage: node scripts/gen-trace.mjs N [--seed S] > trace.csv');
  if (!Number.isInteger(seed)) throw new Error('--seed: expected an integer');
  const out = process.stdout;
  out.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  for (const chunk of generate(n, { seed })) {
    if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`gen-trace: ${e.message}\n`);
    process.exit(2);
  });
}
