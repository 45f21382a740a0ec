#!/usr/bin/env node
// Where one build's full analysis spends its CPU time, stage by stage, on one thread:
//
//   node scripts/stages.mjs [--shape 8z|50z] [--trace FILE] [--reps R] [--dist DIR] [--json FILE]
//
// Each stage runs R times (default 3) on data prepared before its clock starts, in a fresh
// process per group of stages (parse and observe; the replay), the stages of a group taking turns;
// it prints the minimum and median CPU time of each (noise from other tenants of the host only
// ever adds time: compare minimums) and its share of the one-thread total. The replay's
// simulations all advance together over the store, so each policy and each level of the cap
// ladder is timed as the baseline fifo plus that one simulation, less the baseline alone: its
// marginal cost. The trace defaults to the benchmark's 1M-record trace of --shape (default 50z);
// --dist to the repository's dist/. Everything is held in memory (~0.2 GB per 1M records).
//
// Stages:
//   parse          the CSV fast path, records to a counting sink
//   intern         the parse worker's sink on top: names to ids through a Map, 7 numbers per IO
//   observe        the observe sweep (EventObserver) over the records by id, no replay store, with
//                  the share timeline (JSON and HTML reports show it); `timeline` its part
//   store          the same, keeping the replay store (as the full analysis does), less observe
//   plan           prepareReplay: the pass over the store that classifies each zone's loop
//                  (scanStore) and notes which zones use which device; `device use` alone
//   fifo           runReplays with the baseline only (its pairing collectors and the fidelity)
//   cap, throttle, fair, level 1..7   each one more simulation, less `fifo`
//   replay         runReplays as the analysis runs it (in memory), and `replay, spilling` with
//                  queued IO beyond the bound spilled to a temporary file, as the cli does
//   verdict        Analyzer.finish (plan, replay, cap-ladder summary, verdict) less plan and
//                  replay; `render json` the JSON report of it
// The cli runs parse/intern on a worker thread while this thread sweeps, and splits the replay
// between two threads by device; this is the work, not the wall time.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHAPES } from './gen-trace.mjs';
import { chunksOf, cpuMs, csvOf, defaultReplayOptions, defaultTrace, feed, headerComment, importFrom, noop, recordsOf, stats } from './stage-kit.mjs';

const SELF = fileURLToPath(import.meta.url);
const ROOT = resolve(dirname(SELF), '..');

function parseArgs(argv) {
  const o = { shape: '50z', trace: null, reps: 3, dist: join(ROOT, 'dist'), json: null, child: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--shape') o.shape = val();
    else if (a === '--trace') o.trace = val();
    else if (a === '--reps') o.reps = Number(val());
    else if (a === '--dist') o.dist = resolve(val());
    else if (a === '--json') o.json = val();
    else if (a === '--child') o.child = val();
    else if (a === '-h' || a === '--help') o.help = true;
    else throw new Error(`unknown argument '${a}'`);
  }
  if (!Object.hasOwn(SHAPES, o.shape)) throw new Error(`--shape: one of ${Object.keys(SHAPES).join(', ')}, not '${o.shape}'`);
  if (!(Number.isInteger(o.reps) && o.reps >= 1)) throw new Error('--reps: expected a positive integer');
  return o;
}

/** Runs each named thunk `reps` times, taking turns (the order rotates each round); CPU ms per run. */
function rounds(reps, stages) {
  const names = Object.keys(stages);
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < reps; r++)
    for (let k = 0; k < names.length; k++) {
      const n = names[(k + r) % names.length];
      const t0 = process.cpuUsage();
      stages[n]();
      times[n].push(cpuMs(t0));
    }
  return times;
}

/** Parse and observe stages. */
async function frontChild(o) {
  const chunks = chunksOf(o.trace);
  const parse = await csvOf(o.dist);
  const { EventObserver } = await importFrom(o.dist, 'core/observe.js');
  const { MemoryReplayStore } = await importFrom(o.dist, 'core/replay/types.js');
  const records = await recordsOf(o.dist, chunks);
  return rounds(o.reps, {
    parse() {
      let n = 0;
      parse(chunks, { ...noop, io: () => void n++ });
    },
    intern() {
      // the parse worker's sink (src/cli/parse-worker.ts), without the posting
      const ids = new Map();
      const names = [];
      const id = (s) => {
        let i = ids.get(s);
        if (i === undefined) {
          i = ids.size;
          ids.set(s, i);
          names.push(s);
        }
        return i;
      };
      const recs = new Float64Array(16384 * 7);
      let n = 0;
      parse(chunks, {
        ...noop,
        io(zone, device, op, b, issue, done, weight) {
          const o7 = n * 7;
          recs[o7] = id(zone);
          recs[o7 + 1] = id(device);
          recs[o7 + 2] = op === 'W' ? 1 : 0;
          recs[o7 + 3] = b;
          recs[o7 + 4] = issue;
          recs[o7 + 5] = done;
          recs[o7 + 6] = weight === undefined ? NaN : weight;
          if (++n === 16384) n = 0;
        },
      });
    },
    observe() {
      const obs = new EventObserver({ weightOf: () => undefined, reorderWindowNs: 2e9, store: null });
      feed(obs, records);
      obs.finish();
    },
    observeNoTimeline() {
      const obs = new EventObserver({ weightOf: () => undefined, reorderWindowNs: 2e9, store: null, timeline: false });
      feed(obs, records);
      obs.finish();
    },
    observeStore() {
      const store = new MemoryReplayStore();
      const obs = new EventObserver({ weightOf: () => undefined, reorderWindowNs: 2e9, store });
      feed(obs, records);
      obs.finish();
      store.dispose();
    },
  });
}

/** Replay stages, on one replay store prepared first. */
async function replayChild(o) {
  const records = await recordsOf(o.dist, chunksOf(o.trace));
  const { EventObserver } = await importFrom(o.dist, 'core/observe.js');
  const { MemoryReplayStore } = await importFrom(o.dist, 'core/replay/types.js');
  const { runReplays, scanStore, deviceUse } = await importFrom(o.dist, 'core/replay/index.js');
  const { Analyzer, prepareReplay } = await importFrom(o.dist, 'core/analyze.js');
  const { SpillFile } = await importFrom(o.dist, 'cli/spool.js');
  const { jsonRenderer } = await importFrom(o.dist, 'report/json.js');
  const store = new MemoryReplayStore();
  const obs = new EventObserver({ weightOf: () => undefined, reorderWindowNs: 2e9, store });
  feed(obs, records);
  const seen = obs.finish();
  const ro = await defaultReplayOptions(o.dist);
  const plan = prepareReplay(store, seen, ro);
  const run = (opts, use = plan.use) => runReplays(store, seen.zoneInfo, plan.devices, seen.span, opts, use);
  const base = { ...plan.opts, policies: [], reference: false, ladder: null };
  const stages = {
    plan: () => prepareReplay(store, seen, ro),
    scan: () => scanStore(store, seen.zoneInfo.length, seen.deviceInfo.length),
    deviceUse: () => deviceUse(store, seen.zoneInfo.length, seen.deviceInfo.length),
    fifo: () => run(base),
  };
  for (const p of plan.opts.policies) if (p !== 'fifo') stages[p] = () => run({ ...base, policies: [p] });
  if (plan.opts.reference && !plan.opts.policies.includes('fair')) stages.fair = () => run({ ...base, policies: ['fair'] });
  const levels = plan.opts.ladder?.positions.length ?? 0;
  for (let k = 0; k < levels; k++) stages[`level ${k + 1}`] = () => run({ ...base, ladder: plan.opts.ladder, ladderSlice: [k, k + 1] });
  stages.replay = () => run(plan.opts);
  stages.replaySpill = () => run({ ...plan.opts, spill: () => new SpillFile() });
  let last = null;
  stages.analysis = () => {
    const a = new Analyzer({ toolVersion: 'stages', weightOf: () => undefined, reorderWindowNs: 2e9, store: new MemoryReplayStore(), replay: ro });
    feed(a, records);
    last = a.finish({ sources: [o.trace], format: 'csv', platform: 'neutral', skipped: 0, skipped_by_reason: {}, events_lost: 0, partial: false }, (ns) => ns / 1e9).analysis;
  };
  stages.observeStore = () => {
    const s = new MemoryReplayStore();
    const ob = new EventObserver({ weightOf: () => undefined, reorderWindowNs: 2e9, store: s });
    feed(ob, records);
    ob.finish();
  };
  const times = rounds(o.reps, stages);
  const t = rounds(o.reps, { render: () => jsonRenderer.render(last, { chalk: null, width: 80 }) });
  return { ...times, ...t, ladder: levels, closedZones: plan.loops.filter((l) => l.model === 'closed').length, zones: seen.zoneInfo.length, devices: seen.deviceInfo.length };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.help) {
    process.stdout.write(headerComment(SELF));
    return;
  }
  o.trace ??= defaultTrace(o.shape);
  if (o.child) {
    const r = o.child === 'front' ? await frontChild(o) : await replayChild(o);
    process.stdout.write(JSON.stringify(r) + '\n');
    return;
  }
  const times = {};
  let info = {};
  for (const group of ['front', 'replay']) {
    const r = spawnSync(process.execPath, [SELF, '--child', group, '--trace', o.trace, '--reps', String(o.reps), '--dist', o.dist], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status !== 0) throw new Error(`${group} stages failed (exit ${r.status})`);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
    for (const [k, v] of Object.entries(out)) if (Array.isArray(v)) times[k] = stats(v);
    if (group === 'replay') info = { ladder: out.ladder, closedZones: out.closedZones, zones: out.zones, devices: out.devices };
  }
  // derived stages: the difference of two measurements, minimum from minimums
  const diff = (a, b) => ({ min: times[a].min - times[b].min, median: times[a].median - times[b].median });
  const lines = [];
  const add = (name, v, indent = 0, inTotal = false) => lines.push({ name: `${' '.repeat(indent)}${name}`, ...v, inTotal });
  add('parse (CSV fast path)', times.parse, 0, true);
  add('names → ids, 7 numbers per IO (parse worker sink)', diff('intern', 'parse'), 0, true);
  add('observe sweep (no replay store; with the timeline, as for --json)', times.observe, 0, true);
  add('of which the share timeline', diff('observe', 'observeNoTimeline'), 2);
  add('replay store appends', diff('observeStore', 'observe'), 0, true);
  add('replay plan (prepareReplay)', times.plan, 0, true);
  add('loop classification (scanStore, less device use)', diff('scan', 'deviceUse'), 2);
  add('device use', times.deviceUse, 2);
  add('replay, as the analysis runs it (in memory)', times.replay, 0, true);
  add('fifo baseline, pairing collectors, fidelity', times.fifo, 2);
  const sims = Object.keys(times).filter((k) => ['cap', 'throttle', 'fair'].includes(k) || k.startsWith('level '));
  let sum = { min: times.fifo.min, median: times.fifo.median };
  for (const k of sims) {
    const d = diff(k, 'fifo');
    add(k.startsWith('level ') ? `cap ladder ${k}` : `+ ${k}`, d, 2);
    sum = { min: sum.min + d.min, median: sum.median + d.median };
  }
  const ladder = sims.filter((k) => k.startsWith('level ')).reduce((s, k) => ({ min: s.min + diff(k, 'fifo').min, median: s.median + diff(k, 'fifo').median }), { min: 0, median: 0 });
  add('the ladder, all levels', ladder, 2);
  add('sum of the simulations timed alone', sum, 2);
  add('replay, spilling queued IO to a temp file (as the cli)', times.replaySpill, 0);
  add('verdict, cap-ladder summary (analysis less the above)', {
    min: times.analysis.min - times.observeStore.min - times.plan.min - times.replay.min,
    median: times.analysis.median - times.observeStore.median - times.plan.median - times.replay.median,
  }, 0, true);
  add('render json', times.render, 0, true);
  const total = lines.filter((l) => l.inTotal).reduce((s, l) => ({ min: s.min + l.min, median: s.median + l.median }), { min: 0, median: 0 });
  add('one-thread total (the unindented rows but spilling)', total);
  const w = Math.max(...lines.map((l) => l.name.length));
  const out = [
    `stages of the full analysis, one thread, CPU ms (min and median of ${o.reps}); ${o.trace}`,
    `${info.zones} zones (${info.closedZones} closed loop), ${info.devices} devices, ${info.ladder} ladder levels; build ${o.dist}`,
    '',
    `${'stage'.padEnd(w)}  ${'min ms'.padStart(8)}  ${'median ms'.padStart(9)}  ${'% of total (min)'.padStart(16)}`,
    ...lines.map((l) => `${l.name.padEnd(w)}  ${l.min.toFixed(0).padStart(8)}  ${l.median.toFixed(0).padStart(9)}  ${((l.min / total.min) * 100).toFixed(1).padStart(15)}%`),
  ];
  process.stdout.write(out.join('\n') + '\n');
  if (o.json) writeFileSync(o.json, JSON.stringify({ trace: o.trace, reps: o.reps, ...info, raw: times, stages: lines.map(({ name, min, median }) => ({ stage: name.trim(), min_ms: min, median_ms: median })) }, null, 2) + '\n');
}

main().catch((e) => {
  process.stderr.write(`stages: ${e.message}\n`);
  process.exitCode = 2;
});
