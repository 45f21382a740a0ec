#!/usr/bin/env node
// Traces from simulated parallel devices whose ground truth is known: every IO's service demand
// (the work it needs from one unit of the device) is drawn from a known linear cost model, so
// the true device time of each zone is Σ of its IOs' service, whatever the device did with them.
//
//   node scripts/gen-parallel.mjs [--k K] [--discipline fifo|ps] [--load RHO] [--ios N]
//                                 [--seed S] [--noise exp|uniform|none] [--device NAME] > trace.csv
//   node scripts/gen-parallel.mjs --fixture > fixtures/parallel-ssd.csv
//
// A device has K units:
// - fifo: K servers behind one FIFO queue (each IO starts when it is first in line and a server
//   is free, then runs at rate 1);
// - ps: K-unit processor sharing (n IOs in flight each progress at rate min(1, K/n)).
// Both deliver min(n, K) units of service while n IOs are in flight. K = 1 with fifo is the
// serial disk of busy-period decomposition; K = 1 with ps is classic processor sharing.
//
// Four zones with Poisson arrivals (the fraction of IOs each issues, and what it issues):
//   rand4k  45 %  random 4 KiB reads
//   read16k 25 %  random 16 KiB reads
//   seq128k 10 %  sequential 128 KiB writes (consecutive offsets)
//   write8k 20 %  random 8 KiB writes
// Service demand = base(op, sequential or random) + pages × per-page cost(op), times a noise
// factor of mean 1 (exponential by default). With the default model the 128 KiB writer issues
// 10 % of the IOs and needs ~30 % of the service. Load ρ = λ · E[S] / K.
//
// Columns: issue_ns,done_ns,zone,device,op,bytes,offset (rows in issue order; times from 0),
// after `#` comment lines giving the options and each zone's true share of the service demand.
// The output depends only on the options. --fixture writes fixtures/parallel-ssd.csv: K = 8
// servers behind a FIFO queue at 70 % load, 4000 IOs, seed 2024, device nvme0.

import { pathToFileURL } from 'node:url';
import { mulberry32 } from './mulberry32.mjs';

/** Per-IO base costs (ns) and per-4-KiB-page costs (ns): the ground-truth linear model. */
export const DEFAULT_MODEL = {
  readSeq: 20_000,
  readRand: 80_000,
  writeSeq: 15_000,
  writeRand: 60_000,
  readPage: 5_000,
  writePage: 10_000,
};

export const ZONE_MIX = [
  { zone: 'rand4k', op: 'R', bytes: 4096, seq: false, fraction: 0.45 },
  { zone: 'read16k', op: 'R', bytes: 16384, seq: false, fraction: 0.25 },
  { zone: 'seq128k', op: 'W', bytes: 131072, seq: true, fraction: 0.1 },
  { zone: 'write8k', op: 'W', bytes: 8192, seq: false, fraction: 0.2 },
];

const PAGE = 4096;
const DISK_BYTES = 2 ** 40;

/** The model's service demand (ns, before noise) of one IO. */
export function modelCost(model, op, bytes, seq) {
  const pages = Math.max(1, Math.floor(bytes / PAGE)); // as blk-iocost counts them
  if (op === 'R') return (seq ? model.readSeq : model.readRand) + pages * model.readPage;
  return (seq ? model.writeSeq : model.writeRand) + pages * model.writePage;
}

/** Mean service demand (ns) of the zone mix under a model. */
export function meanDemand(model = DEFAULT_MODEL, mix = ZONE_MIX) {
  let s = 0;
  for (const z of mix) s += z.fraction * modelCost(model, z.op, z.bytes, z.seq);
  return s;
}

/**
 * Arrivals: `ios` IOs of the zone mix, Poisson at the rate that loads a K-unit device to `load`.
 * Each has zone, op, bytes, offset, seq, issue (ns, float) and service (ns, float).
 */
export function arrivals({ k = 1, load = 0.7, ios = 20000, seed = 1, noise = 'exp', model = DEFAULT_MODEL, mix = ZONE_MIX } = {}) {
  const r = mulberry32(seed);
  const rate = (load * k) / meanDemand(model, mix); // IOs per ns
  const cum = [];
  let acc = 0;
  for (const z of mix) cum.push((acc += z.fraction));
  const cursor = mix.map(() => Math.floor(r() * (DISK_BYTES / PAGE / 2)) * PAGE);
  const out = [];
  let t = 0;
  for (let i = 0; i < ios; i++) {
    t += -Math.log(1 - r()) / rate;
    const u = r() * acc;
    let zi = 0;
    while (zi < mix.length - 1 && u >= cum[zi]) zi++;
    const z = mix[zi];
    let offset;
    if (z.seq) {
      offset = cursor[zi];
      cursor[zi] += z.bytes;
    } else offset = Math.floor(r() * (DISK_BYTES / PAGE)) * PAGE;
    const f = noise === 'exp' ? -Math.log(1 - r()) : noise === 'uniform' ? 0.5 + r() : 1;
    out.push({ zone: z.zone, op: z.op, bytes: z.bytes, offset, seq: z.seq, issue: t, service: modelCost(model, z.op, z.bytes, z.seq) * f });
  }
  return out;
}

/** K servers behind one FIFO queue. Sets done (ns, float) on each IO (in issue order). */
export function runFifo(ios, k) {
  const free = new Float64Array(k); // a min-heap of server free times
  for (const io of ios) {
    const start = Math.max(io.issue, free[0]);
    io.done = start + io.service;
    // replace the root and sift down
    free[0] = io.done;
    let i = 0;
    for (;;) {
      const a = 2 * i + 1;
      const b = a + 1;
      let m = i;
      if (a < k && free[a] < free[m]) m = a;
      if (b < k && free[b] < free[m]) m = b;
      if (m === i) break;
      [free[i], free[m]] = [free[m], free[i]];
      i = m;
    }
  }
  return ios;
}

/**
 * K-unit processor sharing: the n IOs in flight each progress at min(1, K/n). All progress at
 * the same rate, so an IO finishes when the attained service per IO, A(t) = ∫ min(1, K/n) dt,
 * reaches A(issue) + service; IOs in flight are kept sorted by that finishing level.
 */
export function runPs(ios, k) {
  const live = []; // [finishLevel, io], sorted by finishLevel descending (pop the smallest)
  let t = 0;
  let level = 0;
  const rate = () => Math.min(1, k / live.length);
  const advanceTo = (until) => {
    // complete IOs until `until` (or forever when until = Infinity and none remain)
    while (live.length) {
      const [fin, io] = live[live.length - 1];
      const r = rate();
      const tFin = t + (fin - level) / r;
      if (tFin > until) {
        level += (until - t) * r;
        t = until;
        return;
      }
      level = fin;
      t = tFin;
      io.done = tFin;
      live.pop();
    }
    t = until;
  };
  for (const io of ios) {
    advanceTo(io.issue);
    const fin = level + io.service;
    // insert keeping descending order (binary search)
    let lo = 0;
    let hi = live.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (live[mid][0] > fin) lo = mid + 1;
      else hi = mid;
    }
    live.splice(lo, 0, [fin, io]);
  }
  advanceTo(Infinity);
  return ios;
}

/**
 * A simulated trace: arrivals served by a device of `k` units under `discipline`. Times are
 * rounded to integer ns (done ≥ issue kept); `service` stays exact for ground truth.
 */
export function simulate(opts = {}) {
  const k = opts.k ?? 1;
  const ios = arrivals(opts);
  if ((opts.discipline ?? 'fifo') === 'ps') runPs(ios, k);
  else runFifo(ios, k);
  for (const io of ios) {
    io.issue = Math.round(io.issue);
    io.done = Math.max(io.issue, Math.round(io.done));
  }
  return ios;
}

/** The true service demand per zone (ns): Σ of its IOs' service. */
export function trueDemand(ios) {
  const m = new Map();
  for (const io of ios) m.set(io.zone, (m.get(io.zone) ?? 0) + io.service);
  return m;
}

export function toCsv(ios, device = 'nvme0', comments = []) {
  const lines = [...comments.map((c) => `# ${c}`), 'issue_ns,done_ns,zone,device,op,bytes,offset'];
  for (const io of ios) lines.push(`${io.issue},${io.done},${io.zone},${device},${io.op},${io.bytes},${io.offset}`);
  return lines.join('\n') + '\n';
}

function main(argv) {
  const opts = { k: 4, discipline: 'fifo', load: 0.7, ios: 20000, seed: 1, noise: 'exp', device: 'nvme0' };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const val = () => inline ?? argv[++i];
    if (flag === '--k') opts.k = Number(val());
    else if (flag === '--discipline') opts.discipline = val();
    else if (flag === '--load') opts.load = Number(val());
    else if (flag === '--ios') opts.ios = Number(val());
    else if (flag === '--seed') opts.seed = Number(val());
    else if (flag === '--noise') opts.noise = val();
    else if (flag === '--device') opts.device = val();
    else if (flag === '--fixture') Object.assign(opts, { k: 8, discipline: 'fifo', load: 0.7, ios: 4000, seed: 2024, noise: 'exp', device: 'nvme0' });
    else {
      process.stderr.write(
        'usage: node scripts/gen-parallel.mjs [--k K] [--discipline fifo|ps] [--load RHO] [--ios N] [--seed S] [--noise exp|uniform|none] [--device NAME] [--fixture]\n',
      );
      process.exit(flag === '-h' || flag === '--help' ? 0 : 2);
    }
  }
  if (!(opts.k >= 1 && Number.isInteger(opts.k)) || !(opts.load > 0 && opts.load < 1) || !['fifo', 'ps'].includes(opts.discipline)) {
    process.stderr.write('gen-parallel: --k must be a positive integer, --load in (0, 1), --discipline fifo or ps\n');
    process.exit(2);
  }
  const ios = simulate(opts);
  const demand = trueDemand(ios);
  let total = 0;
  for (const v of demand.values()) total += v;
  const shares = [...demand].map(([z, v]) => `${z} ${((100 * v) / total).toFixed(2)} %`).join(', ');
  const comments = [
    `generated by scripts/gen-parallel.mjs: K=${opts.k} ${opts.discipline} load=${opts.load} ios=${opts.ios} seed=${opts.seed} noise=${opts.noise}`,
    `true share of service demand: ${shares}`,
  ];
  process.stdout.write(toCsv(ios, opts.device, comments));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main(process.argv.slice(2));
