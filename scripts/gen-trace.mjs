#!/usr/bin/env node
// Deterministic synthetic IO traces for the benchmark.
//
//   node scripts/gen-trace.mjs N [--seed S] [--shape 8z|50z] > trace.csv   N: 2000, 1M, 10M, 1e6 ...
//
// Columns: timestamp_ns,zone,op,bytes,latency_ns,device,offset (header line first), one IO per
// row, rows in completion order, timestamp = completion time in epoch nanoseconds (~1.7e18, like
// DTrace walltimestamp, so readers must take the exact-time path: the values exceed 2^53). A trace
// of N records has exactly N data rows. Both shapes share a pool of 4 devices (sd0..sd3), each a
// FIFO single server whose service time is a fixed part, a transfer part and an exponential
// jitter, so latencies contain real queueing.
//
// Shape 8z (the default): 8 zones. Six issue random 4 KiB IO (mostly reads) to a random device;
// two issue sequential 128 KiB IO (mostly writes) striped over the devices in 1 MiB stripes, and
// one of those ("backup") issues in bursts of 16 IOs at once. Arrivals are Poisson per zone (~20k
// IOPS in all; ~60-65 % utilisation per device, more during bursts). ~56 bytes a row (10M rows ≈
// 560 MB).
//
// Shape 50z: a multi-tenant host, 50 zones of very different sizes (tenantZones). Five heavy
// tenants take ~60 % of the IO: a database whose two threads each wait for their own IO (closed
// loop), a read-mostly search index, a backup that streams in bursts for 8 s of every 20 s, an
// analytics scan, a CI runner busy half the time. Eight medium web/app zones take ~a third. The
// other 37 light zones share the remaining ~6 % with Zipf-like rates (~300 down to a few IOPS):
// some sequential log writers, some bursty, some cron-like (on 3 s of every 30), two that fsync
// in closed loops with pauses of ~1 s. IO sizes 4-128 KiB. An open zone's arrivals are Poisson
// while it is on; a closed-loop zone issues a think time after one of its own IOs completes, with
// at most `depth` outstanding. ~18k IOPS in all, ~59 % utilisation per device; the light zones'
// mix is drawn from the seed too. ~60 bytes a row (10M rows ≈ 600 MB).
//
// The output depends only on (N, seed, shape, GEN_VERSION). Bump GEN_VERSION whenever the output
// for a given (N, seed, shape) changes: the benchmark's cache file names contain it.

import { openSync, writeSync, closeSync, renameSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export const GEN_VERSION = 1;
export const DEFAULT_SEED = 42;
export const HEADER = 'timestamp_ns,zone,op,bytes,latency_ns,device,offset\n';
/** The trace shapes, by name: how many zones, in a few words. */
export const SHAPES = {
  '8z': { zones: 8, label: '8 zones' },
  '50z': { zones: 50, label: '50 zones' },
};
export const DEFAULT_SHAPE = '8z';

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
const DEVICE_BYTES = 2 ** 41; // 2 TiB per device
const STRIPE = 1 << 20;
// Completion time base: 1712345678 s after the epoch, written as HI * 1e12 + LO (exceeds 2^53).
const BASE_HI = 1712345;
const BASE_LO = 678e9;

/** The cache file name of a trace (the 8-zone shape keeps the name it had before there were shapes). */
export function traceFileName(shape, n, seed) {
  const label = n % 1e6 === 0 ? `${n / 1e6}M` : n % 1e3 === 0 ? `${n / 1e3}k` : String(n);
  return `trace-v${GEN_VERSION}${shape === DEFAULT_SHAPE ? '' : `-${shape}`}-seed${seed}-${label}.csv`;
}

/**
 * Rows in completion order: IOs are pushed in arrival order with their completion time known
 * (each device is FIFO, so completion times increase per device), and flush(until) writes, in
 * completion order across devices, every one that completes at or before `until`, yielding the
 * text in batches of `batch` rows.
 */
function completionWriter(names, batch) {
  const nd = DEVICES.length;
  const qs = DEVICES.map(() => ({ head: 0, items: [] }));
  const w = {
    out: HEADER,
    rows: 0,
    push(it) {
      qs[it.dev].items.push(it);
    },
    *flush(until) {
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
        w.out += fmt(q.items[q.head]);
        q.head++;
        if (q.head > 4096 && q.head * 2 > q.items.length) {
          q.items = q.items.slice(q.head);
          q.head = 0;
        }
        if (++w.rows % batch === 0) {
          yield w.out;
          w.out = '';
        }
      }
    },
  };
  const fmt = (it) => {
    let lo = BASE_LO + it.done;
    const hi = BASE_HI + Math.floor(lo / 1e12);
    lo %= 1e12;
    return `${hi}${String(lo).padStart(12, '0')},${names[it.zone]},${it.op},${it.bytes},${it.done - it.arrive},${DEVICES[it.dev]},${it.offset}\n`;
  };
  return w;
}

/** An exponentially distributed sample with the given mean, from a uniform source. */
const expOf = (rnd, mean) => -Math.log(1 - rnd()) * mean;

/**
 * Yields the trace as strings (the header first, then batches of rows).
 * @param {number} n number of data rows
 * @param {{seed?: number, batch?: number, shape?: string}} [opts]
 */
export function* generate(n, opts = {}) {
  const shape = opts.shape ?? DEFAULT_SHAPE;
  if (!Object.hasOwn(SHAPES, shape)) throw new Error(`unknown trace shape '${shape}' (known: ${Object.keys(SHAPES).join(', ')})`);
  const seed = opts.seed ?? DEFAULT_SEED;
  const batch = opts.batch ?? 20000;
  if (shape === '8z') yield* eightZones(n, seed, batch);
  else yield* tenants(n, seed, batch, tenantZones(seed));
}

// ---------------------------------------------------------------------------------------------
// Shape 8z: one Poisson arrival stream, each arrival a zone drawn by its share of the rate.

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

function* eightZones(n, seed, batch) {
  const rnd = prng(seed);
  const nz = ZONES.length;
  const nd = DEVICES.length;
  const totalRate = ZONES.reduce((s, z) => s + z.rate / z.burst, 0); // arrival events per second
  const cum = [];
  let acc = 0;
  for (const z of ZONES) cum.push((acc += z.rate / z.burst / totalRate));
  const cursor = ZONES.map(() => Math.floor(rnd() * (DEVICE_BYTES / STRIPE)) * STRIPE); // per-zone sequential position
  const lastDone = new Float64Array(nd);
  const w = completionWriter(ZONES.map((z) => z.name), batch);
  const meanGapNs = 1e9 / totalRate;

  let t = 0; // arrival time, ns since the start
  let generated = 0;
  while (generated < n) {
    t += Math.max(1, Math.round(-Math.log(1 - rnd()) * meanGapNs));
    yield* w.flush(t);
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
      w.push({ zone: z, op, bytes, dev, offset, arrive: t, done });
      generated++;
    }
  }
  yield* w.flush(Infinity);
  if (w.out) yield w.out;
}

// ---------------------------------------------------------------------------------------------
// Shape 50z: a multi-tenant host. Every zone is one or more arrival sources (open: a Poisson
// process while the zone is on; closed: `depth` streams, each issuing a think time after its
// previous IO completed); the generator always takes the source with the earliest next arrival.

/**
 * @typedef {object} TenantZone
 * @property {string} name
 * @property {'heavy'|'medium'|'light'} tier
 * @property {'rand'|'seq'} kind  random IO to a random device, or sequential IO striped over the devices
 * @property {number[]} sizes     IO sizes in bytes, drawn uniformly per IO
 * @property {number} read        probability of a read
 * @property {'open'|'closed'} loop
 * @property {number} rate        open: arrivals (bursts) per second while on, times `burst` = IOs per second
 * @property {number} burst       open: IOs issued at the same instant
 * @property {{periodS: number, duty: number, phaseS: number}|null} on  open: on for duty × period of every period, from phase
 * @property {number} depth       closed: outstanding IOs at most (independent streams)
 * @property {{meanUs: number, pause: number, pauseMs: number}} think  closed: think time Exp(meanUs), or with probability `pause` Exp(pauseMs)
 */

/** The 50 zones of the multi-tenant shape, drawn from the seed (the heavy tenants are fixed). */
export function tenantZones(seed = DEFAULT_SEED) {
  const rnd = prng((seed ^ 0x7e9a7c5) >>> 0); // a stream of its own: the mix, not the rows
  const open = (o) => ({ loop: 'open', burst: 1, on: null, depth: 0, think: null, ...o });
  /** @type {TenantZone[]} */
  const zones = [
    { name: 'db-orders', tier: 'heavy', kind: 'rand', sizes: [8192], read: 0.7, loop: 'closed', rate: 0, burst: 1, on: null, depth: 2, think: { meanUs: 20, pause: 0.1, pauseMs: 2 } },
    open({ name: 'db-search', tier: 'heavy', kind: 'rand', sizes: [4096], read: 0.95, rate: 3000 }),
    open({ name: 'backup', tier: 'heavy', kind: 'seq', sizes: [131072], read: 0.05, rate: 150, burst: 16, on: { periodS: 20, duty: 0.4, phaseS: 3 } }),
    open({ name: 'analytics', tier: 'heavy', kind: 'seq', sizes: [131072], read: 0.9, rate: 300, burst: 4 }),
    open({ name: 'ci-runner', tier: 'heavy', kind: 'rand', sizes: [4096, 16384], read: 0.3, rate: 3000, on: { periodS: 9, duty: 0.5, phaseS: 0 } }),
  ];
  const roles = ['web', 'app', 'api', 'shop', 'blog', 'wiki', 'git', 'mail', 'dns', 'mq', 'kv', 'ldap', 'vpn', 'mon', 'log', 'dev', 'stage', 'cms', 'crm', 'chat', 'ftp', 'proxy', 'auth', 'cdn'];
  const used = new Set(zones.map((z) => z.name));
  const nameOf = (role) => {
    for (;;) {
      const name = `${role ?? roles[Math.floor(rnd() * roles.length)]}${String(1 + Math.floor(rnd() * 60)).padStart(2, '0')}`;
      if (!used.has(name)) {
        used.add(name);
        return name;
      }
    }
  };
  // eight medium web/app zones, 400-1200 IOPS, random small IO
  for (let i = 0; i < 8; i++) {
    zones.push(open({ name: nameOf(i < 4 ? 'web' : 'app'), tier: 'medium', kind: 'rand', sizes: rnd() < 0.5 ? [4096] : [4096, 8192, 16384], read: 0.6 + 0.35 * rnd(), rate: Math.round(400 * 3 ** rnd()) }));
  }
  // 37 light zones, Zipf-like: rank k gets ~300 / k^1.1 IOPS on average (±35 %)
  for (let k = 1; k <= 37; k++) {
    const iops = (300 / k ** 1.1) * (0.65 + 0.7 * rnd());
    const u = rnd();
    if (k === 6 || k === 21) {
      // fsync-bound: back-to-back 4 KiB writes in runs of ~100, then a pause of ~1 s
      zones.push({ name: nameOf('mail'), tier: 'light', kind: 'rand', sizes: [4096], read: 0.1, loop: 'closed', rate: 0, burst: 1, on: null, depth: 1, think: { meanUs: 15, pause: 0.01, pauseMs: 1000 } });
    } else if (u < 0.2) {
      // a log writer: sequential 64 KiB writes
      zones.push(open({ name: nameOf('log'), tier: 'light', kind: 'seq', sizes: [65536], read: 0.02, rate: iops }));
    } else if (u < 0.3) {
      // bursty: 4-8 IOs at once
      const burst = 4 + Math.floor(rnd() * 5);
      zones.push(open({ name: nameOf(), tier: 'light', kind: 'rand', sizes: [4096, 8192], read: 0.5 + 0.4 * rnd(), rate: iops / burst, burst }));
    } else if (u < 0.4) {
      // cron-like: on for 3 s of every 30, at ten times its average rate
      zones.push(open({ name: nameOf('cron'), tier: 'light', kind: 'rand', sizes: [4096, 16384], read: 0.5, rate: iops * 10, on: { periodS: 30, duty: 0.1, phaseS: rnd() * 30 } }));
    } else {
      zones.push(open({ name: nameOf(), tier: 'light', kind: 'rand', sizes: rnd() < 0.7 ? [4096] : [4096, 8192, 16384], read: 0.5 + 0.45 * rnd(), rate: iops }));
    }
  }
  return zones;
}

/**
 * The arrival time (ns) of on-time `u` (ns spent on) of a zone that is on for duty × period of
 * every period, starting at phase: on-time maps onto the on stretches one after another.
 */
export function onTimeToWall(u, on) {
  if (on === null) return u;
  const period = on.periodS * 1e9;
  const len = on.duty * period;
  const phase = (on.phaseS * 1e9) % period;
  const k = Math.floor(u / len);
  return phase + k * period + (u - k * len);
}

function* tenants(n, seed, batch, zones) {
  const rnd = prng(seed);
  const nd = DEVICES.length;
  const lastDone = new Float64Array(nd);
  const cursor = zones.map(() => Math.floor(rnd() * (DEVICE_BYTES / STRIPE)) * STRIPE);
  const w = completionWriter(zones.map((z) => z.name), batch);
  // sources: one per open zone, `depth` per closed zone; next[s] = the source's next arrival (ns)
  const zoneOf = [];
  const onTime = []; // open sources: the on-time of the next arrival
  const next = [];
  const think = (z) => {
    const th = z.think;
    return Math.round(th.pause > 0 && rnd() < th.pause ? expOf(rnd, th.pauseMs * 1e6) : expOf(rnd, th.meanUs * 1e3));
  };
  zones.forEach((z, zi) => {
    if (z.loop === 'open') {
      const u = Math.max(1, Math.round(expOf(rnd, 1e9 / z.rate)));
      zoneOf.push(zi);
      onTime.push(u);
      next.push(Math.round(onTimeToWall(u, z.on)));
    } else
      for (let k = 0; k < z.depth; k++) {
        zoneOf.push(zi);
        onTime.push(0);
        next.push(Math.round(rnd() * 1e6)); // the streams start within the first millisecond
      }
  });
  const ns = next.length;
  let generated = 0;
  while (generated < n) {
    let s = 0;
    for (let j = 1; j < ns; j++) if (next[j] < next[s]) s = j;
    const t = next[s];
    yield* w.flush(t);
    const zi = zoneOf[s];
    const z = zones[zi];
    const k = Math.min(z.burst, n - generated);
    let done = 0;
    for (let j = 0; j < k; j++) {
      const op = rnd() < z.read ? 'R' : 'W';
      const bytes = z.sizes.length === 1 ? z.sizes[0] : z.sizes[Math.floor(rnd() * z.sizes.length)];
      let dev, offset, service;
      if (z.kind === 'rand') {
        dev = Math.floor(rnd() * nd);
        offset = Math.floor(rnd() * (DEVICE_BYTES / bytes)) * bytes;
        // 55 µs fixed (+15 µs for writes) + the transfer at ~800 MB/s + exponential jitter, mean 45 µs
        service = 55000 + (op === 'W' ? 15000 : 0) + Math.round(bytes * 1.25) + Math.round(expOf(rnd, 45000));
      } else {
        const pos = cursor[zi];
        dev = Math.floor(pos / STRIPE) % nd;
        offset = Math.floor(pos / (STRIPE * nd)) * STRIPE + (pos % STRIPE);
        cursor[zi] = (pos + bytes) % (DEVICE_BYTES * nd);
        // 40 µs fixed + the transfer at ~800 MB/s + exponential jitter, mean 30 µs
        service = 40000 + Math.round(bytes * 1.25) + Math.round(expOf(rnd, 30000));
      }
      const start = Math.max(t, lastDone[dev]);
      done = start + service;
      lastDone[dev] = done;
      w.push({ zone: zi, op, bytes, dev, offset, arrive: t, done });
      generated++;
    }
    if (z.loop === 'closed') next[s] = done + think(z);
    else {
      onTime[s] += Math.max(1, Math.round(expOf(rnd, 1e9 / z.rate)));
      next[s] = Math.round(onTimeToWall(onTime[s], z.on));
    }
  }
  yield* w.flush(Infinity);
  if (w.out) yield w.out;
}

// ---------------------------------------------------------------------------------------------

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
export function writeTraceFile(path, n, seed = DEFAULT_SEED, shape = DEFAULT_SHAPE) {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    for (const chunk of generate(n, { seed, shape })) writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

const USAGE = 'usage: node scripts/gen-trace.mjs N [--seed S] [--shape 8z|50z] > trace.csv   (N: 2000, 1M, 10M, 1e6)';

async function main(argv) {
  let n;
  let seed = DEFAULT_SEED;
  let shape = DEFAULT_SHAPE;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--seed') seed = Number(argv[++i]);
    else if (a.startsWith('--seed=')) seed = Number(a.slice(7));
    else if (a === '--shape') shape = argv[++i];
    else if (a.startsWith('--shape=')) shape = a.slice(8);
    else if (a === '-h' || a === '--help') {
      process.stdout.write(`${USAGE}\n`);
      return;
    } else if (n === undefined) n = parseCount(a);
    else throw new Error(`unexpected argument '${a}'`);
  }
  if (n === undefined) throw new Error(USAGE);
  if (!Number.isInteger(seed)) throw new Error('--seed: expected an integer');
  if (!Object.hasOwn(SHAPES, shape ?? '')) throw new Error(`--shape: one of ${Object.keys(SHAPES).join(', ')}, not '${shape}'`);
  const out = process.stdout;
  out.on('error', (e) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  for (const chunk of generate(n, { seed, shape })) {
    if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`gen-trace: ${e.message}\n`);
    process.exit(2);
  });
}
