#!/usr/bin/env node
// A/B of two builds of iofair's hot paths, for changes too small for `npm run bench` to see on a
// noisy machine (on the 2-core development VM the same command varies by up to 2× between runs):
//
//   node scripts/ab.mjs [--stage parse|observe|replay] [--loop open|closed] [--summary]
//                       [--no-timeline] [--pairs P] [--reps R] [--trace FILE | --shape 8z|50z] DIST_A DIST_B
//
// DIST_A and DIST_B are two dist/ directories (e.g. a copy of dist/ before the change, and dist/;
// a copy needs node_modules beside it: symlink the repository's). Each measurement is a fresh
// process that runs one stage R times (default 5) on the trace and reports the CPU time of each
// run; P pairs (default 3) alternate A and B. It prints per build the minimum and the median
// over all runs, and whether both builds computed the same result (a digest of it). The minimum
// is the number to compare: noise from other tenants of the host only ever adds time.
//
// Stages, all in one thread, on data prepared before the clock starts:
//   parse    the CSV parser (fast path) over the trace's bytes, records to a counting sink
//   observe  the observe pass (EventObserver) over the trace's records, no replay store
//            (--no-timeline: without the share timeline, as for the formats that do not show it)
//   replay   runReplays over the trace's replay store with the default options, as the cli runs
//            them (a build with per-zone loop models: each zone's model from its trace and the cap
//            ladder; an older build: both loop models), in memory (no spill files); --loop: every
//            zone under that loop model, --summary: summary only. Two builds that replay different
//            things compute different results: the digests then differ.
// The trace defaults to the benchmark's 1M-record trace of --shape (8z: 8 zones, the default;
// 50z: 50 zones), generated into the bench cache if missing. scripts/stages.mjs breaks one
// build's time down by stage instead.

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { SHAPES } from './gen-trace.mjs';
import { chunksOf, cpuMs, csvOf, defaultReplayOptions, defaultTrace, feed, headerComment, importFrom, noop, recordsOf, stats } from './stage-kit.mjs';

const SELF = fileURLToPath(import.meta.url);

function parseArgs(argv) {
  const o = { stage: 'observe', pairs: 3, reps: 5, loop: null, summary: false, timeline: true, trace: null, shape: undefined, dists: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--stage') o.stage = val();
    else if (a === '--pairs') o.pairs = Number(val());
    else if (a === '--reps') o.reps = Number(val());
    else if (a === '--loop') o.loop = val();
    else if (a === '--summary') o.summary = true;
    else if (a === '--no-timeline') o.timeline = false;
    else if (a === '--trace') o.trace = val();
    else if (a === '--shape') o.shape = val();
    else if (a === '--child') o.child = true;
    else if (a === '-h' || a === '--help') o.help = true;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else o.dists.push(resolve(a));
  }
  if (!['parse', 'observe', 'replay'].includes(o.stage)) throw new Error(`--stage: parse, observe or replay, not '${o.stage}'`);
  if (o.loop !== null && !['open', 'closed'].includes(o.loop)) throw new Error(`--loop: open or closed, not '${o.loop}'`);
  if (!(o.pairs >= 1 && o.reps >= 1)) throw new Error('--pairs and --reps must be at least 1');
  if (o.shape !== undefined && !Object.hasOwn(SHAPES, o.shape)) throw new Error(`--shape: one of ${Object.keys(SHAPES).join(', ')}, not '${o.shape}'`);
  return o;
}

/** The child: runs the stage o.reps times with build o.dists[0]; prints {times, digest}. */
async function child(o) {
  const dist = o.dists[0];
  const file = o.trace;
  const times = [];
  let result = '';
  if (o.stage === 'parse') {
    const chunks = chunksOf(file);
    const parse = await csvOf(dist);
    for (let r = 0; r < o.reps; r++) {
      let n = 0;
      let sum = 0;
      const sink = { ...noop, io: (_z, _d, _op, b, i, d) => void (n++, (sum += d - i + b)) };
      const t0 = process.cpuUsage();
      parse(chunks, sink);
      times.push(cpuMs(t0));
      result = `${n} ${sum}`;
    }
  } else if (o.stage === 'observe') {
    // the records, parsed once by the build under test, as the parse worker hands them over
    const records = await recordsOf(dist, chunksOf(file));
    const { EventObserver } = await importFrom(dist, 'core/observe.js');
    for (let r = 0; r < o.reps; r++) {
      const obs = new EventObserver({ weightOf: () => undefined, reorderWindowNs: 2e9, store: null, timeline: o.timeline });
      const t0 = process.cpuUsage();
      feed(obs, records);
      const res = obs.finish();
      times.push(cpuMs(t0));
      result = JSON.stringify([res.zones, res.devices]);
    }
  } else {
    const { EventObserver } = await importFrom(dist, 'core/observe.js');
    const { MemoryReplayStore } = await importFrom(dist, 'core/replay/types.js');
    const { runReplays } = await importFrom(dist, 'core/replay/index.js');
    const analyze = await importFrom(dist, 'core/analyze.js');
    const store = new MemoryReplayStore();
    const obs = new EventObserver({ weightOf: () => undefined, reorderWindowNs: 2e9, store });
    (await csvOf(dist))(chunksOf(file), obs);
    const seen = obs.finish();
    const ro = await defaultReplayOptions(dist);
    // A build with per-zone loop models (prepareReplay) replays as its analysis does: the zones'
    // loop models from the trace (timed: the pass over the store is part of the replay) and the
    // cap ladder; --loop replays every zone under that model, --summary summary only. An older
    // build replays both loop models (compareLoops), or the one --loop names.
    const perZone = typeof analyze.prepareReplay === 'function';
    for (let r = 0; r < o.reps; r++) {
      const t0 = process.cpuUsage();
      let rr;
      if (perZone) {
        const plan = analyze.prepareReplay(store, seen, ro);
        const opts = { ...plan.opts, summaryOnly: o.summary };
        if (o.loop) opts.zoneLoops = seen.zoneInfo.map(() => o.loop);
        rr = runReplays(store, seen.zoneInfo, plan.devices, seen.span, opts, plan.use);
      } else {
        const opts = o.loop ? { ...ro, loop: o.loop, compareLoops: false, summaryOnly: o.summary } : { ...ro, compareLoops: true };
        rr = runReplays(store, seen.zoneInfo, seen.deviceInfo, seen.span, opts);
      }
      times.push(cpuMs(t0));
      result = JSON.stringify(rr);
    }
  }
  process.stdout.write(JSON.stringify({ times, digest: createHash('sha256').update(result).digest('hex').slice(0, 16) }) + '\n');
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.help) {
    process.stdout.write(headerComment(SELF));
    return;
  }
  if (o.dists.length !== (o.child ? 1 : 2)) throw new Error('give two dist/ directories (see --help)');
  o.trace ??= defaultTrace(o.shape);
  if (o.child) return child(o);
  const runs = [[], []];
  const digests = [new Set(), new Set()];
  for (let p = 0; p < o.pairs; p++) {
    // alternate which build goes first: a process started second may find the machine warmer
    for (const k of p % 2 ? [1, 0] : [0, 1]) {
      const args = [SELF, '--child', '--stage', o.stage, '--reps', String(o.reps), '--trace', o.trace, o.dists[k]];
      if (o.loop) args.push('--loop', o.loop);
      if (o.summary) args.push('--summary');
      if (!o.timeline) args.push('--no-timeline');
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (r.status !== 0) throw new Error(`${o.dists[k]}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      const { times, digest } = JSON.parse(r.stdout.trim().split('\n').at(-1));
      runs[k].push(...times);
      digests[k].add(digest);
      process.stderr.write(`pair ${p + 1}/${o.pairs} ${k ? 'B' : 'A'}: ${times.map((t) => t.toFixed(0)).join(' ')} ms\n`);
    }
  }
  const [a, b] = runs.map(stats);
  const same = digests[0].size === 1 && digests[1].size === 1 && [...digests[0]][0] === [...digests[1]][0];
  process.stdout.write(
    `stage ${o.stage}${o.loop ? ` (${o.loop} loop${o.summary ? ', summary only' : ''})` : ''}${o.timeline ? '' : ', no timeline'}, ${o.pairs} pairs × ${o.reps} runs, CPU ms\n` +
      `A ${o.dists[0]}: min ${a.min.toFixed(0)}, median ${a.median.toFixed(0)}\n` +
      `B ${o.dists[1]}: min ${b.min.toFixed(0)}, median ${b.median.toFixed(0)}\n` +
      `B ÷ A: min ${(b.min / a.min).toFixed(3)}, median ${(b.median / a.median).toFixed(3)}; results ${same ? 'identical' : 'DIFFER'}\n`,
  );
  if (!same) process.exitCode = 1;
}

main().catch((e) => {
  process.stderr.write(`ab: ${e.message}\n`);
  process.exitCode = 2;
});
