#!/usr/bin/env node
// Summarises V8 CPU profiles (`node --cpu-prof`, one .cpuprofile per thread):
//
//   node scripts/cpuprof.mjs [--top N] [--before REGEX] [--inclusive REGEX] FILE.cpuprofile...
//
// For each profile: its length, the self time of (idle), (garbage collector) and (program), the N
// functions (default 25) and source files with the most self time, and with --inclusive the
// inclusive time of every function whose name matches REGEX (time with it anywhere on the stack,
// each sample counted once). --before REGEX: how the time before the first sample with a function
// matching REGEX on its stack was spent (e.g. the main thread waiting for the parse worker's
// first records: --before ioAt).
//
// A sample's time is the interval to the next sample (the last sample's, the mean interval).

import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

function parseArgs(argv) {
  const o = { top: 25, before: null, inclusive: null, files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--top') o.top = Number(val());
    else if (a === '--before') o.before = new RegExp(val());
    else if (a === '--inclusive') o.inclusive = new RegExp(val());
    else if (a === '-h' || a === '--help') o.help = true;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else o.files.push(a);
  }
  if (!o.help && !o.files.length) throw new Error('give one or more .cpuprofile files (see --help)');
  return o;
}

const shortUrl = (url) => (url ? url.replace(/^file:\/\//, '').replace(/^.*\/(dist|scripts|node_modules)\//, '$1/') : '');
const label = (cf) => `${cf.functionName || '(anonymous)'}${cf.url ? ` ${shortUrl(cf.url)}:${cf.lineNumber + 1}` : ''}`;

function summarise(file, o) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const n = p.samples.length;
  const deltas = p.timeDeltas;
  const totalUs = p.endTime - p.startTime;
  const mean = n > 1 ? totalUs / n : 0;
  const dur = (i) => (i + 1 < n ? deltas[i + 1] : mean) / 1000; // ms
  const self = new Map();
  const files = new Map();
  const incl = new Map();
  let beforeMs = null;
  const beforeSplit = new Map();
  let firstHit = -1;
  const stackOf = (id) => {
    const s = [];
    for (let x = id; x !== undefined; x = parent.get(x)) s.push(byId.get(x));
    return s;
  };
  if (o.before)
    for (let i = 0; i < n && firstHit < 0; i++) if (stackOf(p.samples[i]).some((nd) => o.before.test(nd.callFrame.functionName))) firstHit = i;
  for (let i = 0; i < n; i++) {
    const node = byId.get(p.samples[i]);
    const ms = dur(i);
    const key = label(node.callFrame);
    self.set(key, (self.get(key) ?? 0) + ms);
    const f = node.callFrame.url ? shortUrl(node.callFrame.url) : node.callFrame.functionName;
    files.set(f, (files.get(f) ?? 0) + ms);
    if (o.inclusive) {
      const seen = new Set();
      for (const nd of stackOf(p.samples[i])) {
        if (!o.inclusive.test(nd.callFrame.functionName)) continue;
        const k = label(nd.callFrame);
        if (seen.has(k)) continue;
        seen.add(k);
        incl.set(k, (incl.get(k) ?? 0) + ms);
      }
    }
    if (firstHit >= 0 && i < firstHit) {
      const k = ['(idle)', '(garbage collector)', '(program)'].includes(node.callFrame.functionName) ? node.callFrame.functionName : 'running JavaScript';
      beforeSplit.set(k, (beforeSplit.get(k) ?? 0) + ms);
    }
  }
  if (firstHit >= 0) beforeMs = (p.timeDeltas.slice(0, firstHit + 1).reduce((s, x) => s + x, 0)) / 1000;
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]);
  const pct = (ms) => `${((ms / (totalUs / 1000)) * 100).toFixed(1).padStart(5)} %`;
  const out = [`${basename(file)}: ${(totalUs / 1e3).toFixed(0)} ms, ${n} samples`];
  for (const k of ['(idle)', '(garbage collector)', '(program)']) out.push(`  ${k.padEnd(20)} ${(self.get(k) ?? 0).toFixed(0).padStart(7)} ms ${pct(self.get(k) ?? 0)}`);
  out.push(`  top ${o.top} functions by self time:`);
  for (const [k, ms] of sorted(self).slice(0, o.top)) out.push(`    ${ms.toFixed(0).padStart(7)} ms ${pct(ms)}  ${k}`);
  out.push('  by source file (self time):');
  for (const [k, ms] of sorted(files).slice(0, o.top)) out.push(`    ${ms.toFixed(0).padStart(7)} ms ${pct(ms)}  ${k}`);
  if (o.inclusive) {
    out.push(`  inclusive time of functions matching ${o.inclusive}:`);
    for (const [k, ms] of sorted(incl).slice(0, o.top)) out.push(`    ${ms.toFixed(0).padStart(7)} ms ${pct(ms)}  ${k}`);
  }
  if (o.before)
    out.push(
      firstHit < 0
        ? `  no sample has a function matching ${o.before} on its stack`
        : `  before the first sample in ${o.before}: ${beforeMs.toFixed(0)} ms since the profile started (${[...beforeSplit].map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(', ')})`,
    );
  return out.join('\n');
}

try {
  const o = parseArgs(process.argv.slice(2));
  if (o.help) {
    const head = readFileSync(new URL(import.meta.url), 'utf8').split('\n').slice(1);
    const end = head.findIndex((l) => !l.startsWith('//'));
    process.stdout.write(head.slice(0, end).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n');
  } else process.stdout.write(o.files.map((f) => summarise(f, o)).join('\n\n') + '\n');
} catch (e) {
  process.stderr.write(`cpuprof: ${e.message}\n`);
  process.exitCode = 2;
}
