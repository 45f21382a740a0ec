#!/usr/bin/env node
// Generates fixtures/story.csv, the trace that tells iofair's story:
//
//   node scripts/gen-story.mjs > fixtures/story.csv
//
// One disk (sd0), a FIFO single server, shared by two zones:
// - db01: random 4 KiB reads for 40 s, Poisson 60/s, or 15/s in quiet windows from 0.5 s before
//   to 2.5 s after each flush; each needs 5 ms + Exp(mean 6 ms) of device time (seek + rotation:
//   ~90 IOPS while busy). At 60/s it keeps the disk ~66 % busy.
// - backup: sequential 128 KiB writes in five flushes (at 8, 14, 20, 27 and 33 s) of 5000 IOs
//   issued over 20 ms; each needs 0.2 ms + Exp(mean 0.005 ms) (streaming, ~5000 IOPS).
// So the IOPS the disk delivers per busy second vary from ~90 (db01 alone) to ~4000 (flush
// seconds), ~40× (iofair prints the measured min/median/max). Most busy seconds are db01's, so
// the median capacity is ~90 IOPS: a static cap at half of it throttles the backup to ~45 IOPS,
// while under FIFO db01's IOs queue behind each 1 s flush. Every IO's device-time cost is known (it is the service time), completions
// follow FIFO order, and the output depends only on the seed. Columns:
//   issue_ns,done_ns,zone,device,op,bytes
// with epoch-nanosecond timestamps (> 2^53, written exactly), rows in issue order.

import { mulberry32 } from './mulberry32.mjs';

const SEED = 20240603;

const r = mulberry32(SEED);
const exp = (mean) => -Math.log(1 - r()) * mean;
const MS = 1e6;
const S = 1e9;
const ios = [];

const FLUSHES = [8, 14, 20, 27, 33];
const quiet = (x) => FLUSHES.some((f) => x >= (f - 0.5) * S && x < (f + 2.5) * S);
let t = 0;
for (;;) {
  // db01's load varies: 60/s, or 15/s in the quiet windows around the flushes (thinning of a 60/s stream)
  t += exp(S / 60);
  if (t >= 40 * S) break;
  if (quiet(t) && r() >= 0.25) continue;
  ios.push({ issue: Math.round(t), cost: Math.round(5 * MS + exp(6 * MS)), zone: 'db01', op: 'R', bytes: 4096 });
}
for (const start of FLUSHES) {
  for (let k = 0; k < 5000; k++)
    ios.push({ issue: Math.round(start * S + k * 4000 + r() * 1000), cost: Math.round(0.2 * MS + exp(0.005 * MS)), zone: 'backup', op: 'W', bytes: 131072 });
}
ios.sort((a, b) => a.issue - b.issue);
let free = 0;
for (const io of ios) {
  io.done = Math.max(free, io.issue) + io.cost;
  free = io.done;
}

const BASE = 1717400000000000000n; // 2024-06-03T07:33:20Z in epoch ns
const out = ['issue_ns,done_ns,zone,device,op,bytes'];
for (const io of ios) out.push(`${BASE + BigInt(io.issue)},${BASE + BigInt(io.done)},${io.zone},sd0,${io.op},${io.bytes}`);
process.stdout.write(out.join('\n') + '\n');
