#!/usr/bin/env node
// Generates fixtures/tenants.csv, the small trace behind the report formats' exact-output tests:
//
//   node scripts/gen-tenants.mjs > fixtures/tenants.csv
//
// Six zones on two FIFO single-server disks for 4 s, named the way a hostile or careless tenant
// could name itself, so every renderer's escaping is exercised on real numbers:
// - sd0: db01 (4 KiB random reads, Poisson 40/s, 4 ms + Exp(2 ms) each), a zone named like a
//   spreadsheet formula that writes 64 KiB in four bursts of 25 IOs (1 ms each), and "+1|**md**"
//   (a few 16 KiB reads, 2 ms each).
// - sd1: "<script>alert(1)</script>" (8 KiB reads, Poisson 30/s, 3 ms each), "__proto__" (128 KiB
//   writes, Poisson 10/s, 8 ms each), and a zone whose name holds a terminal escape sequence
//   (ESC ] 0 ; … BEL: it would set the terminal's title) and a tab (4 KiB reads, 5/s, 2 ms).
// Every IO's device time is its service time; rows are in issue order, times in ns from 0.

import { mulberry32 } from './mulberry32.mjs';

const r = mulberry32(20261201);
const exp = (mean) => -Math.log(1 - r()) * mean;
const MS = 1e6;
const S = 1e9;
const END = 4 * S;

const FORMULA = '=HYPERLINK("http://evil.example/","x")';
const TERMINAL = '\x1b]0;pwned\x07web\ttab';
const ios = [];
function poisson(zone, device, op, bytes, perS, service) {
  for (let t = exp(S / perS); t < END; t += exp(S / perS)) ios.push({ zone, device, op, bytes, issue: Math.round(t), cost: Math.round(service()) });
}
poisson('db01', 'sd0', 'R', 4096, 40, () => 4 * MS + exp(2 * MS));
for (const at of [0.5, 1.5, 2.5, 3.5]) for (let i = 0; i < 25; i++) ios.push({ zone: FORMULA, device: 'sd0', op: 'W', bytes: 65536, issue: Math.round(at * S + i * 0.1 * MS), cost: MS });
poisson('+1|**md**', 'sd0', 'R', 16384, 3, () => 2 * MS);
poisson('<script>alert(1)</script>', 'sd1', 'R', 8192, 30, () => 3 * MS);
poisson('__proto__', 'sd1', 'W', 131072, 10, () => 8 * MS);
poisson(TERMINAL, 'sd1', 'R', 4096, 5, () => 2 * MS);

ios.sort((a, b) => a.issue - b.issue || a.zone.localeCompare(b.zone));
const free = new Map();
const quote = (s) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const out = ['issue_ns,done_ns,zone,device,op,bytes'];
for (const io of ios) {
  const start = Math.max(io.issue, free.get(io.device) ?? 0);
  const done = start + io.cost;
  free.set(io.device, done);
  out.push(`${io.issue},${done},${quote(io.zone)},${io.device},${io.op},${io.bytes}`);
}
process.stdout.write(out.join('\n') + '\n');
