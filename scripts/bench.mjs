#!/usr/bin/env node
// iofair benchmark. Run with `npm run bench` (builds first), or directly after a build:
//
//   node scripts/bench.mjs [--quick] [--rounds N] [--sizes 1M,10M] [--shapes 8z,50z] [--pipe-runs N]
//                          [--cache DIR] [--out FILE] [--seed S] [--no-micro] [--timeout SECONDS]
//                          [--budget SECONDS]
//   node scripts/bench.mjs --micro-only [N]     only the Histogram.record micro-benchmark
//
// Generates deterministic traces (scripts/gen-trace.mjs) of each shape (8z: 8 zones on 4 devices;
// 50z: a multi-tenant host, 50 zones of very different sizes on 4 devices) and size into a cache
// directory outside the repository (default $XDG_CACHE_HOME/iofair-bench or ~/.cache/iofair-bench;
// reused while the generator version matches), then runs, alternately and --rounds times each:
//   wc       wc -l FILE
//   mawk     mawk summing count/bytes/latency per zone (skipped with a note if mawk is missing)
//   ref      a hand-written Node byte parser doing the same sums (this file, --ref-parse)
//   observe  iofair analyze --policy none --json FILE          (observe only)
//   pipe     cat FILE | iofair analyze --policy none --json -  (same flags as observe)
//   full     iofair analyze --json FILE                        (default policies replayed)
// then, on the largest size of each shape, more observe/pipe pairs until there are --pipe-runs
// (default 5) of them. It prints median wall time, MB/s (1 MB = 1e6 bytes), records/s and peak
// RSS per command, shape and size; the performance goals (GOALS) as measured / target / met,
// computed from this run alone (with, per shape, the busiest thread's CPU time over mawk's CPU
// time: the wall-time ratio two free cores would give, which a busy machine hides); and a
// micro-benchmark of Histogram.record against an exact Float64Array sort. The same goes to a JSON file (--out, default bench-results.json in the cache
// directory). --quick: 1M records of each shape, one round, one pipe pair.
//
// Wall time: process.hrtime around spawn → exit of the measured command. Peak RSS and CPU time
// (user + sys): GNU /usr/bin/time -f '%M %U %S' wrapping the measured process only (for the pipe
// case it wraps iofair, not cat); without /usr/bin/time they are n/a. CPU time is printed
// because wall time suffers when other processes share the machine: the 1-minute load average is
// sampled before every command and printed as min / median / max.
// On Linux the bench also samples /proc every 50 ms for the CPU time of the measured process
// tree's busiest thread: when it is close to the wall time, that thread bounds the run.
// Outputs are checked: wc's line count, mawk/ref/iofair per-zone counts and sums must agree, and
// iofair must report every record with 0 skipped. If a command fails (e.g. an option the CLI does
// not accept yet) its row is n/a with the reason, and the bench goes on. A run longer than
// --timeout (600 s) is killed; no round starts that would push the bench past --budget (3600 s);
// a rebuild of dist/ during the bench is noticed and reported (the rows then mix two builds).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, mkdirSync, cpSync, rmSync, symlinkSync, readFileSync, statSync, writeFileSync, unlinkSync, openSync, readSync, closeSync } from 'node:fs';
import { homedir, cpus, totalmem, tmpdir, loadavg } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { GEN_VERSION, DEFAULT_SEED, SHAPES, writeTraceFile, parseCount, prng, traceFileName } from './gen-trace.mjs';
import { sampleThreads } from './threads.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
// The measured build: a snapshot of bin/ and dist/ taken at the start (see snapshotBuild), so a
// rebuild of dist/ while the bench runs (npm test in the same tree) does not change what is measured.
let APP = ROOT;
let BIN = join(ROOT, 'bin', 'iofair.js');
const SELF = fileURLToPath(import.meta.url);
const TIME = '/usr/bin/time';
const TIME_FMT = '%M %U %S'; // peak RSS KiB, user s, system s

/** The performance goals: on two cores, against the simplest tool an operator would reach for. */
const GOALS = {
  observeVsMawk: 1.0, // observe-only (--policy none) time ÷ mawk's time on the same trace
  fullVsMawk: 3.0, // full analysis (default policies) time ÷ mawk's time on the same trace
  rssMaxMiB: 150, // peak RSS of every iofair run, every shape and size
  rssFlat: 1.15, // RSS(largest size) ÷ RSS(smallest size), per shape and command
  pipeVsFile: 0.85, // pipe throughput ÷ file throughput (observe only), median of the pairs
};

// ---------------------------------------------------------------------------------------------
// The hand-written reference parser: per-zone count, Σ bytes, Σ latency_ns, from bytes, with no
// per-line strings or objects. Columns are those of gen-trace: timestamp_ns,zone,op,bytes,latency_ns,...

function refParse(file) {
  const fd = file === '-' ? 0 : openSync(file, 'r');
  const CHUNK = 1 << 20;
  let buf = Buffer.allocUnsafe(CHUNK * 2);
  let len = 0; // bytes in buf
  let header = true;
  // zone table: names as byte strings, looked up by a 32-bit FNV-1a hash then compared
  const names = [];
  const byHash = new Map();
  let cnt = new Float64Array(16), sb = new Float64Array(16), sl = new Float64Array(16);
  const zoneIndex = (b, s, e, h) => {
    let list = byHash.get(h);
    if (list !== undefined) {
      for (let k = 0; k < list.length; k++) {
        const nm = names[list[k]];
        if (nm.length !== e - s) continue;
        let j = 0;
        while (j < nm.length && nm[j] === b[s + j]) j++;
        if (j === nm.length) return list[k];
      }
    } else byHash.set(h, (list = []));
    const idx = names.length;
    names.push(Buffer.from(b.subarray(s, e)));
    list.push(idx);
    if (idx >= cnt.length) {
      const grow = (a) => {
        const n = new Float64Array(a.length * 2);
        n.set(a);
        return n;
      };
      cnt = grow(cnt);
      sb = grow(sb);
      sl = grow(sl);
    }
    return idx;
  };
  for (;;) {
    if (buf.length - len < CHUNK) {
      const nb = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(nb, 0, 0, len);
      buf = nb;
    }
    let got;
    try {
      got = readSync(fd, buf, len, CHUNK, null);
    } catch (e) {
      if (e.code === 'EAGAIN') continue;
      if (e.code === 'EOF') got = 0;
      else throw e;
    }
    const eof = got === 0;
    len += got;
    if (eof && len > 0 && buf[len - 1] !== 10) buf[len++] = 10; // last line without newline
    // parse every complete line
    let i = 0;
    let lineStart = 0;
    const b = buf;
    for (;;) {
      // find the end of this line first; stop at the last incomplete line
      let f = 0, zs = 0, ze = 0, h = 0x811c9dc5 | 0, nBytes = 0, nLat = 0;
      let p = lineStart;
      for (; p < len; p++) {
        const c = b[p];
        if (c === 10) break;
        if (c === 44) {
          f++;
          if (f === 1) zs = p + 1;
          else if (f === 2) ze = p;
          continue;
        }
        if (f === 1) h = Math.imul(h ^ c, 16777619);
        else if (f === 3) nBytes = nBytes * 10 + (c - 48);
        else if (f === 4) nLat = nLat * 10 + (c - 48);
      }
      if (p >= len) break; // incomplete line
      if (header) header = false;
      else if (f >= 4) {
        const z = zoneIndex(b, zs, ze, h);
        cnt[z]++;
        sb[z] += nBytes;
        sl[z] += nLat;
      }
      lineStart = p + 1;
      i = lineStart;
    }
    // keep the incomplete tail
    if (i > 0) {
      b.copy(b, 0, i, len);
      len -= i;
    }
    if (eof) break;
  }
  if (fd !== 0) closeSync(fd);
  const rows = names.map((nm, k) => `${nm.toString('latin1')} ${cnt[k]} ${sb[k]} ${sl[k]}`).sort();
  process.stdout.write(rows.join('\n') + '\n');
}

// ---------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const o = { rounds: 3, sizes: ['1M', '10M'], shapes: Object.keys(SHAPES), pipeRuns: 5, cache: null, out: null, seed: DEFAULT_SEED, micro: true, timeout: 600, budget: 3600 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const eq = a.indexOf('=');
      if (eq > 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) throw new Error(`${a}: missing value`);
      return argv[++i];
    };
    const key = a.split('=')[0];
    if (key === '--quick') {
      o.rounds = 1;
      o.sizes = ['1M'];
      o.pipeRuns = 1;
      o.quick = true;
    } else if (key === '--rounds') o.rounds = Number(val());
    else if (key === '--sizes') o.sizes = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (key === '--shapes') o.shapes = val().split(',').map((s) => s.trim()).filter(Boolean);
    else if (key === '--pipe-runs') o.pipeRuns = Number(val());
    else if (key === '--cache') o.cache = val();
    else if (key === '--out') o.out = val();
    else if (key === '--seed') o.seed = Number(val());
    else if (key === '--timeout') o.timeout = Number(val());
    else if (key === '--budget') o.budget = Number(val());
    else if (key === '--no-micro') o.micro = false;
    else if (key === '-h' || key === '--help') {
      process.stdout.write((() => {
        const lines = readFileSync(SELF, 'utf8').split('\n').slice(1);
        const end = lines.findIndex((l) => !l.startsWith('//'));
        return lines.slice(0, end).map((l) => l.replace(/^\/\/ ?/, '')).join('\n');
      })() + '\n');
      process.exit(0);
    } else throw new Error(`unknown argument '${a}'`);
  }
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1)) throw new Error('--rounds: expected a positive integer');
  if (!Number.isInteger(o.seed)) throw new Error('--seed: expected an integer');
  if (!(Number.isInteger(o.pipeRuns) && o.pipeRuns >= 1)) throw new Error('--pipe-runs: expected a positive integer');
  for (const s of o.sizes) parseCount(s);
  for (const s of o.shapes) if (!Object.hasOwn(SHAPES, s)) throw new Error(`--shapes: each one of ${Object.keys(SHAPES).join(', ')}, not '${s}'`);
  if (!o.shapes.length) throw new Error('--shapes: name at least one shape');
  o.shapes = [...new Set(o.shapes)];
  o.cache ??= join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'iofair-bench');
  o.out ??= join(o.cache, 'bench-results.json');
  return o;
}

const sizeLabel = (n) => (n % 1e6 === 0 ? `${n / 1e6}M` : n % 1e3 === 0 ? `${n / 1e3}k` : String(n));

function ensureTrace(cache, shape, n, seed) {
  const file = join(cache, traceFileName(shape, n, seed));
  if (existsSync(file) && statSync(file).size > 0) return { file, generated: false };
  process.stderr.write(`generating ${file} (${n} records) ... `);
  const t0 = process.hrtime.bigint();
  writeTraceFile(file, n, seed, shape);
  process.stderr.write(`${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s\n`);
  return { file, generated: true };
}

const SAMPLE_MS = 50;

/**
 * Runs argv (optionally under /usr/bin/time), returns wall seconds, peak RSS KiB, CPU seconds,
 * the busiest thread's CPU seconds (Linux: sampled every SAMPLE_MS, so up to that much of its
 * last slice is missed), stdout, exit.
 */
function run(argv, { rssFile, timeoutS, env }) {
  return new Promise((res) => {
    const out = [];
    let err = '';
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    const threads = new Map();
    const sampler = process.platform === 'linux' && child.pid ? setInterval(() => sampleThreads(child.pid, threads), SAMPLE_MS) : null;
    const busiest = () => (threads.size ? Math.max(...threads.values()) : null);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => {
      if (err.length < 4000) err += d.toString();
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      if (sampler) clearInterval(sampler);
      res({ ok: false, code: -1, wall: NaN, rssKiB: null, cpuS: null, threadS: null, stdout: '', stderr: String(e.message) });
    });
    child.on('close', (code, signal) => {
      const wall = Number(process.hrtime.bigint() - t0) / 1e9;
      clearTimeout(timer);
      if (sampler) clearInterval(sampler);
      let rssKiB = null, cpuS = null;
      if (rssFile && existsSync(rssFile)) {
        // "%M %U %S"; GNU time writes "Command exited with non-zero status N" first on failure
        const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
        const [m, u, s] = lines[lines.length - 1].trim().split(/\s+/).map(Number);
        if (Number.isFinite(m)) rssKiB = m;
        if (Number.isFinite(u) && Number.isFinite(s)) cpuS = u + s;
        unlinkSync(rssFile);
      }
      res({
        ok: code === 0,
        code: code ?? signal,
        wall,
        rssKiB,
        cpuS,
        threadS: busiest(),
        stdout: Buffer.concat(out).toString(),
        stderr: signal === 'SIGKILL' ? `timed out after ${timeoutS} s\n${err}` : err,
      });
    });
  });
}

const MAWK_PROG = 'NR > 1 { c[$2]++; b[$2] += $4; l[$2] += $5 } END { for (z in c) printf "%s %.0f %.0f %.0f\\n", z, c[z], b[z], l[z] }';

/** The measured commands, in the order each round runs them (pipe right after observe: the pair compared). */
function buildCommands(haveMawk) {
  const node = process.execPath;
  const obsFlags = ['--policy', 'none', '--json'];
  return [
    { id: 'wc', label: 'wc -l', argv: (f) => ['wc', '-l', f], kind: 'wc' },
    haveMawk
      ? { id: 'mawk', label: 'mawk per-zone sums', argv: (f) => ['mawk', '-F,', MAWK_PROG, f], kind: 'sums' }
      : { id: 'mawk', label: 'mawk per-zone sums', skip: 'mawk is not installed' },
    { id: 'ref', label: 'hand-written Node parser', argv: (f) => [node, SELF, '--ref-parse', f], kind: 'sums' },
    { id: 'observe', label: 'iofair --policy none', argv: (f) => [node, BIN, 'analyze', ...obsFlags, f], kind: 'iofair' },
    { id: 'pipe', label: 'cat | iofair --policy none -', pipe: true, flags: obsFlags, kind: 'iofair' },
    { id: 'full', label: 'iofair (default policies)', argv: (f) => [node, BIN, 'analyze', '--json', f], kind: 'iofair' },
  ];
}

function commandArgv(cmd, file, rssFile, haveTime) {
  if (cmd.pipe) {
    const inner = [process.execPath, BIN, 'analyze', ...cmd.flags, '-'].map(shq).join(' ');
    const timed = haveTime ? `${TIME} -f ${shq(TIME_FMT)} -o ${shq(rssFile)} ${inner}` : inner;
    return ['sh', '-c', `cat ${shq(file)} | ${timed}`];
  }
  const a = cmd.argv(file);
  return haveTime ? [TIME, '-f', TIME_FMT, '-o', rssFile, ...a] : a;
}

/** Copies bin/, dist/ and package.json to DIR, with node_modules linked: a frozen build. */
function snapshotBuild(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const d of ['bin', 'dist']) cpSync(join(ROOT, d), join(dir, d), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Names, sizes and mtimes of dist/*.js: changes when someone rebuilds during the bench. */
function distStamp() {
  const parts = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.js')) {
        const st = statSync(p);
        parts.push(`${p}:${st.size}:${st.mtimeMs}`);
      }
    }
  };
  try {
    walk(join(ROOT, 'dist'));
  } catch {
    return 'unreadable';
  }
  return parts.sort().join('|');
}

function gitDescribe() {
  const r = spawnSync('git', ['-C', ROOT, 'describe', '--always', '--dirty'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown';
}

const shq = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

function parseSums(text) {
  const m = new Map();
  for (const line of text.trim().split('\n')) {
    const p = line.trim().split(/\s+/);
    if (p.length === 4) m.set(p[0], { ops: Number(p[1]), bytes: Number(p[2]), latNs: Number(p[3]) });
  }
  return m;
}

/** Checks a run's output; returns a problem string or null. */
function checkOutput(cmd, r, n, expect) {
  try {
    if (cmd.kind === 'wc') {
      const lines = Number(r.stdout.trim().split(/\s+/)[0]);
      return lines === n + 1 ? null : `wc counted ${lines} lines, expected ${n + 1}`;
    }
    if (cmd.kind === 'sums') {
      const s = parseSums(r.stdout);
      let total = 0;
      for (const v of s.values()) total += v.ops;
      if (total !== n) return `counted ${total} records, expected ${n}`;
      if (!expect.sums) {
        expect.sums = s;
        return null;
      }
      for (const [z, v] of expect.sums) {
        const w = s.get(z);
        if (!w || w.ops !== v.ops || w.bytes !== v.bytes || w.latNs !== v.latNs) return `per-zone sums for '${z}' differ from the other baseline`;
      }
      return null;
    }
    const j = JSON.parse(r.stdout);
    if (j.input?.records !== n) return `iofair reported ${j.input?.records} records, expected ${n}`;
    if (j.input?.skipped !== 0) return `iofair skipped ${j.input?.skipped} records`;
    if (expect.sums) {
      for (const z of j.zones ?? []) {
        const v = expect.sums.get(z.zone);
        if (!v) return `iofair reports unknown zone '${z.zone}'`;
        if (z.ops !== v.ops || z.bytes !== v.bytes) return `iofair's ops/bytes for '${z.zone}' differ from the baselines' sums`;
        const mean = z.latency_us?.mean;
        if (typeof mean === 'number' && Math.abs(mean * 1e3 * z.ops - v.latNs) > 1e-6 * v.latNs + 1) return `iofair's mean latency for '${z.zone}' differs from the baselines' sums`;
      }
    }
    return null;
  } catch (e) {
    return `unreadable output: ${e.message}`;
  }
}

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------------------------------------
// Micro-benchmark: Histogram.record vs storing into a Float64Array and sorting it.

async function micro(n, seed) {
  const { Histogram, bucketOf } = await import(pathToFileURL(join(APP, 'dist', 'core', 'histogram.js')).href);
  // latency-like values: log-normal around 200 µs (in ns), sigma 1
  const rnd = prng(seed);
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - rnd(), u2 = rnd();
    const r = Math.sqrt(-2 * Math.log(u1));
    vals[i] = Math.round(2e5 * Math.exp(r * Math.cos(2 * Math.PI * u2)));
    if (i + 1 < n) vals[i + 1] = Math.round(2e5 * Math.exp(r * Math.sin(2 * Math.PI * u2)));
  }
  const histOnce = () => {
    const h = new Histogram();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) h.record(vals[i]);
    const dt = Number(process.hrtime.bigint() - t0);
    return { ns: dt / n, p99: h.quantile(0.99) };
  };
  const sortOnce = () => {
    const t0 = process.hrtime.bigint();
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) a[i] = vals[i];
    a.sort();
    const dt = Number(process.hrtime.bigint() - t0);
    return { ns: dt / n, p99: a[Math.max(0, Math.ceil(0.99 * n) - 1)] };
  };
  // warm up the JIT on a slice-sized run
  {
    const h = new Histogram();
    for (let i = 0; i < Math.min(n, 200000); i++) h.record(vals[i]);
  }
  const bucketOnce = () => {
    let acc = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) acc += bucketOf(vals[i]);
    const dt = Number(process.hrtime.bigint() - t0);
    return { ns: dt / n, acc };
  };
  const hs = [], ss = [], bs = [];
  let hp99 = NaN, sp99 = NaN;
  for (let k = 0; k < 3; k++) {
    const h = histOnce();
    hs.push(h.ns);
    hp99 = h.p99;
    if (typeof bucketOf === 'function') bs.push(bucketOnce().ns);
    const s = sortOnce();
    ss.push(s.ns);
    sp99 = s.p99;
  }
  return {
    values: n,
    distribution: 'log-normal latencies in ns, median 200 µs, sigma 1',
    histogram_record_ns_per_value: median(hs),
    bucketOf_ns_per_value: bs.length ? median(bs) : null,
    float64array_sort_ns_per_value: median(ss),
    histogram_p99_ns: hp99,
    exact_p99_ns: sp99,
    p99_relative_error: Math.abs(hp99 - sp99) / sp99,
    runs: { histogram: hs, bucketOf: bs, sort: ss },
  };
}

// ---------------------------------------------------------------------------------------------

const fmtNum = (x, d = 1) => (x == null || !Number.isFinite(x) ? 'n/a' : x.toFixed(d));
const fmtRate = (x) => (x == null || !Number.isFinite(x) ? 'n/a' : x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(0)}k` : x.toFixed(0));

function table(rows, header) {
  const all = [header, ...rows];
  const w = header.map((_, c) => Math.max(...all.map((r) => String(r[c]).length)));
  const line = (r) => r.map((v, c) => (c < 2 ? String(v).padEnd(w[c]) : String(v).padStart(w[c]))).join('  ');
  return [line(header), w.map((x) => '-'.repeat(x)).join('  '), ...rows.map(line)].join('\n');
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === '--ref-parse') return refParse(argv[1]);
  if (argv[0] === '--micro-only') {
    const r = await micro(argv[1] ? parseCount(argv[1]) : 1e7, DEFAULT_SEED);
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
    return;
  }
  const o = parseArgs(argv);
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm run bench does it)');
  mkdirSync(o.cache, { recursive: true });
  const haveTime = existsSync(TIME) && spawnSync(TIME, ['-f', '%M', 'true'], { encoding: 'utf8' }).status === 0;
  const haveMawk = spawnSync('mawk', ['-W', 'version'], { stdio: 'ignore' }).status === 0;
  const env = { ...process.env, NO_COLOR: '1', LC_ALL: 'C' };
  delete env.FORCE_COLOR;
  const notes = [];
  if (!haveTime) notes.push('GNU /usr/bin/time not found: peak RSS is n/a');
  if (!haveMawk) notes.push('mawk not installed: the mawk baseline and the full ÷ mawk goal are n/a');

  // freeze the build under test
  const distBefore = distStamp();
  const snap = join(o.cache, `build-${process.pid}`);
  try {
    APP = snapshotBuild(snap);
    BIN = join(APP, 'bin', 'iofair.js');
    if (distStamp() !== distBefore) notes.push('dist/ changed while it was being copied: the snapshot may mix two builds');
  } catch (e) {
    notes.push(`could not snapshot the build (${e.message}): measuring dist/ in place`);
    APP = ROOT;
    BIN = join(ROOT, 'bin', 'iofair.js');
  }
  const cleanup = () => {
    if (APP !== ROOT) rmSync(snap, { recursive: true, force: true });
  };
  process.on('exit', cleanup);

  const sizes = [...new Set(o.sizes.map(parseCount))].sort((a, b) => a - b);
  const traces = [];
  for (const shape of o.shapes)
    for (const n of sizes) {
      const t = { shape, n, id: `${shape}@${sizeLabel(n)}`, ...ensureTrace(o.cache, shape, n, o.seed) };
      t.bytes = statSync(t.file).size;
      traces.push(t);
    }
  const cmds = buildCommands(haveMawk);
  // warm the page cache
  for (const t of traces) spawnSync('sh', ['-c', `cat ${shq(t.file)} > /dev/null`]);

  const results = new Map(); // `${command}@${trace.id}` → { times[], rssKiB[], cpuS[], threadS[], failure, problems[] }
  const key = (id, t) => `${id}@${t.id}`;
  for (const c of cmds) for (const t of traces) results.set(key(c.id, t), { times: [], rssKiB: [], cpuS: [], threadS: [], failure: c.skip ?? null, problems: [] });
  const expect = new Map(traces.map((t) => [t.id, {}]));
  /** Per trace: observe and pipe run back to back, as their wall times and observe ÷ pipe (= pipe MB/s ÷ file MB/s). */
  const pairs = new Map(traces.map((t) => [t.id, []]));
  const rssFile = join(tmpdir(), `iofair-bench-rss-${process.pid}.txt`);
  const loads = []; // the 1-minute load average before each command

  const loadBefore = loadavg()[0];
  const tStart = process.hrtime.bigint();
  const elapsedS = () => Number(process.hrtime.bigint() - tStart) / 1e9;
  const gitAtStart = gitDescribe();
  let distChanged = null;
  /** Runs command c on trace t; its times go to the command's row unless `row` is false. Returns the run, or null if it failed. */
  const runOne = async (c, t, label, row = true) => {
    const res = results.get(key(c.id, t));
    if (!distChanged && distStamp() !== distBefore) {
      distChanged = `${label}, before ${c.id}@${t.id}`;
      notes.push(
        APP === ROOT
          ? `dist/ was rebuilt during the bench (noticed at ${distChanged}): rows mix two builds of iofair; run the bench again on a quiet tree`
          : `dist/ was rebuilt during the bench (noticed at ${distChanged}); the bench measured its snapshot of the build taken at the start`,
      );
    }
    loads.push(loadavg()[0]);
    const r = await run(commandArgv(c, t.file, rssFile, haveTime), { rssFile: haveTime ? rssFile : null, timeoutS: o.timeout, env });
    const where = `${label} ${t.shape.padStart(3)} ${sizeLabel(t.n).padStart(4)} ${c.id.padEnd(8)}`;
    if (!r.ok) {
      const failure = `exit ${r.code}: ${r.stderr.trim().split('\n').slice(-1)[0] || '(no message)'}`;
      if (row) res.failure = failure;
      process.stderr.write(`${where} FAILED ${failure}\n`);
      return null;
    }
    const problem = checkOutput(c, r, t.n, expect.get(t.id));
    if (problem && !res.problems.includes(problem)) res.problems.push(problem);
    if (r.rssKiB != null) res.rssKiB.push(r.rssKiB); // peak RSS: every run, the extra pairs' too
    if (row) {
      res.times.push(r.wall);
      if (r.cpuS != null) res.cpuS.push(r.cpuS);
      if (r.threadS != null) res.threadS.push(r.threadS);
    }
    process.stderr.write(`${where} ${r.wall.toFixed(2).padStart(7)} s  ${r.rssKiB != null ? (r.rssKiB / 1024).toFixed(0).padStart(5) + ' MiB' : ''}  load ${loads[loads.length - 1].toFixed(1)}${problem ? '  CHECK: ' + problem : ''}\n`);
    return r;
  };

  let roundsRun = 0;
  for (let round = 1; round <= o.rounds; round++) {
    // stay within the time budget: skip a round the previous rounds say would not fit
    const elapsed = elapsedS();
    if (round > 1 && elapsed + elapsed / (round - 1) > o.budget) {
      notes.push(`stopped after ${round - 1} round(s) of ${o.rounds}: another round (~${(elapsed / (round - 1)).toFixed(0)} s) would exceed the ${o.budget} s budget (--budget)`);
      break;
    }
    roundsRun = round;
    for (const t of traces) {
      let observed = null;
      for (const c of cmds) {
        if (results.get(key(c.id, t)).failure) continue;
        const r = await runOne(c, t, `round ${round}`);
        if (c.id === 'observe') observed = r;
        if (c.id === 'pipe' && r && observed) pairs.get(t.id).push({ observe_s: observed.wall, pipe_s: r.wall, ratio: observed.wall / r.wall });
      }
    }
  }
  // more observe/pipe pairs on the largest trace of each shape, within the budget
  const roundsSeconds = elapsedS();
  const observeCmd = cmds.find((c) => c.id === 'observe');
  const pipeCmd = cmds.find((c) => c.id === 'pipe');
  for (const shape of o.shapes) {
    const t = traces.find((x) => x.shape === shape && x.n === sizes[sizes.length - 1]);
    const list = pairs.get(t.id);
    while (list.length < o.pipeRuns && list.length > 0) {
      const last = list[list.length - 1];
      if (elapsedS() + last.observe_s + last.pipe_s > o.budget) {
        notes.push(`${t.id}: ${list.length} observe/pipe pair(s) of ${o.pipeRuns}: another would exceed the ${o.budget} s budget (--budget)`);
        break;
      }
      const label = `pair ${list.length + 1}`;
      const a = await runOne(observeCmd, t, label, false);
      const b = a && (await runOne(pipeCmd, t, label, false));
      if (!a || !b) break;
      list.push({ observe_s: a.wall, pipe_s: b.wall, ratio: a.wall / b.wall });
    }
  }
  const benchSeconds = elapsedS();
  const loadAfter = loadavg()[0];

  // rows
  const rows = [];
  for (const t of traces) {
    for (const c of cmds) {
      const res = results.get(key(c.id, t));
      const med = res.times.length ? median(res.times) : null;
      rows.push({
        command: c.id,
        label: c.label,
        shape: t.shape,
        records: t.n,
        size: sizeLabel(t.n),
        file_bytes: t.bytes,
        runs: res.times.length,
        times_s: res.times,
        median_s: med,
        mb_per_s: med ? t.bytes / 1e6 / med : null,
        records_per_s: med ? t.n / med : null,
        median_cpu_s: res.cpuS.length ? median(res.cpuS) : null,
        median_busiest_thread_cpu_s: res.threadS.length ? median(res.threadS) : null,
        peak_rss_mib: res.rssKiB.length ? Math.max(...res.rssKiB) / 1024 : null,
        failure: res.times.length ? null : res.failure,
        problems: res.problems,
      });
    }
  }
  const row = (id, t) => rows.find((r) => r.command === id && r.shape === t.shape && r.records === t.n);

  // the goals, from this run alone
  const goals = [];
  const ratio = (a, b) => (a != null && b != null && b > 0 ? a / b : null);
  const goal = (name, t, sizeText, measured, target, cmp, digits, extra = {}) => {
    const met = measured == null || !Number.isFinite(measured) ? null : cmp === '>=' ? measured >= target : measured <= target;
    goals.push({ goal: name, shape: t.shape, size: sizeText, measured, target, cmp, met, shown: measured == null ? 'n/a' : fmtNum(measured, digits), ...extra });
  };
  const info = [];
  for (const shape of o.shapes) {
    const mine = traces.filter((t) => t.shape === shape);
    for (const t of mine) {
      const mawk = row('mawk', t);
      goal('observe-only time ÷ mawk time', t, sizeLabel(t.n), ratio(row('observe', t).median_s, mawk.median_s), GOALS.observeVsMawk, '<=', 2);
      goal('full analysis time ÷ mawk time', t, sizeLabel(t.n), ratio(row('full', t).median_s, mawk.median_s), GOALS.fullVsMawk, '<=', 2);
    }
    for (const t of mine) {
      const rss = ['observe', 'pipe', 'full'].map((id) => [id, row(id, t).peak_rss_mib]).filter(([, v]) => v != null);
      const worst = rss.reduce((w, x) => (w === null || x[1] > w[1] ? x : w), null);
      goal('peak RSS MiB, every iofair run', t, sizeLabel(t.n), worst?.[1] ?? null, GOALS.rssMaxMiB, '<=', 0, { detail: Object.fromEntries(rss), shown: worst ? `${fmtNum(worst[1], 0)} (${worst[0]})` : 'n/a' });
    }
    const small = mine[0], big = mine[mine.length - 1];
    const span = `${sizeLabel(big.n)} ÷ ${sizeLabel(small.n)}`;
    if (small !== big) {
      const flat = ['observe', 'pipe', 'full'].map((id) => [id, ratio(row(id, big).peak_rss_mib, row(id, small).peak_rss_mib)]).filter(([, v]) => v != null);
      const worst = flat.reduce((w, x) => (w === null || x[1] > w[1] ? x : w), null);
      goal('RSS(large) ÷ RSS(small), every iofair command', big, span, worst?.[1] ?? null, GOALS.rssFlat, '<=', 2, { detail: Object.fromEntries(flat), shown: worst ? `${fmtNum(worst[1], 2)} (${worst[0]})` : 'n/a' });
    } else goal('RSS(large) ÷ RSS(small), every iofair command', big, 'needs two sizes', null, GOALS.rssFlat, '<=', 2);
    const ps = pairs.get(big.id).map((p) => p.ratio);
    const pm = median(ps);
    goal('pipe MB/s ÷ file MB/s (observe only), median', big, sizeLabel(big.n), pm, GOALS.pipeVsFile, '>=', 2, {
      spread: ps.length ? { min: Math.min(...ps), max: Math.max(...ps), runs: ps.length } : null,
      shown: pm == null ? 'n/a' : `${fmtNum(pm, 2)} (${fmtNum(Math.min(...ps), 2)}–${fmtNum(Math.max(...ps), 2)}, ${ps.length} runs)`,
    });
    info.push({
      shape,
      size: sizeLabel(big.n),
      observe_mb_per_s: row('observe', big).mb_per_s,
      observe_vs_ref: ratio(row('observe', big).median_s, row('ref', big).median_s),
      full_vs_observe: ratio(row('full', big).median_s, row('observe', big).median_s),
      // on a busy machine the wall-time ratios punish iofair's two threads more than mawk's one: the
      // busiest thread's CPU time (which bounds the wall time on two free cores) over mawk's CPU time
      observe_busiest_vs_mawk_cpu: ratio(row('observe', big).median_busiest_thread_cpu_s, row('mawk', big).median_cpu_s),
      full_busiest_vs_mawk_cpu: ratio(row('full', big).median_busiest_thread_cpu_s, row('mawk', big).median_cpu_s),
    });
  }

  let microRes = null;
  if (o.micro) {
    process.stderr.write('micro-benchmark: Histogram.record vs Float64Array sort ...\n');
    microRes = await micro(o.quick ? 1e6 : 1e7, o.seed);
  }

  // print
  const cpu = cpus();
  const machine = { cpus: cpu.length, cpu_model: cpu[0]?.model ?? '', mem_gib: +(totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${process.platform} ${process.arch}` };
  const loadStats = loads.length ? { min: Math.min(...loads), median: median(loads), max: Math.max(...loads) } : null;
  const out = [];
  out.push(`iofair benchmark: ${machine.cpus} × ${machine.cpu_model}, ${machine.mem_gib} GiB, Node ${machine.node}; ${roundsRun} round(s), warm page cache; iofair ${gitAtStart}`);
  out.push(`traces: ${traces.map((t) => `${t.id} = ${(t.bytes / 1e6).toFixed(0)} MB`).join(', ')} (${o.shapes.map((sh) => `${sh}: ${SHAPES[sh].label}`).join(', ')}, 4 devices; generator v${GEN_VERSION}, seed ${o.seed}, ${o.cache})`);
  out.push(`wall time: hrtime around spawn→exit, median of rounds; cpu s (user+sys, median) and peak RSS (max of all runs): ${haveTime ? 'GNU /usr/bin/time, iofair only in the pipe row' : 'n/a'}`);
  out.push(`busiest thread s: the CPU time of the measured process tree's busiest thread, median of rounds (${process.platform === 'linux' ? `/proc, sampled every ${SAMPLE_MS} ms` : 'n/a: Linux only'}); near median s, that thread is what bounds the wall time`);
  out.push(`load average (1 min): ${loadBefore.toFixed(2)} at the start, ${loadAfter.toFixed(2)} at the end; before each command min ${fmtNum(loadStats?.min, 2)}, median ${fmtNum(loadStats?.median, 2)}, max ${fmtNum(loadStats?.max, 2)} (${machine.cpus} cores: load beyond the measured command's own threads is other work competing with it)`);
  out.push('');
  out.push(
    table(
      rows.map((r) => [r.label, r.shape, r.size, fmtNum(r.median_s, 2), fmtNum(r.median_cpu_s, 2), fmtNum(r.median_busiest_thread_cpu_s, 2), fmtNum(r.mb_per_s, 0), fmtRate(r.records_per_s), fmtNum(r.peak_rss_mib, 0)]),
      ['command', 'shape', 'size', 'median s', 'cpu s', 'busiest thread s', 'MB/s', 'records/s', 'peak RSS MiB'],
    ),
  );
  out.push('');
  out.push(
    table(
      goals.map((g) => [g.goal, g.shape, g.size, g.shown, `${g.cmp} ${g.target}`, g.met === null ? 'n/a' : g.met ? 'met' : 'NOT met']),
      ['goal', 'shape', 'size', 'measured', 'target', 'met'],
    ),
  );
  out.push('');
  for (const i of info)
    out.push(
      `also ${i.shape}@${i.size}: observe ${fmtNum(i.observe_mb_per_s, 0)} MB/s, observe ÷ hand-written parser ${fmtNum(i.observe_vs_ref, 2)}, full ÷ observe ${fmtNum(i.full_vs_observe, 2)}; ` +
        `busiest thread's CPU ÷ mawk's CPU (less sensitive to load): observe ${fmtNum(i.observe_busiest_vs_mawk_cpu, 2)}, full ${fmtNum(i.full_busiest_vs_mawk_cpu, 2)}`,
    );
  if (microRes) {
    out.push('');
    out.push(`micro (${microRes.values.toExponential(0)} values, ${microRes.distribution}):`);
    out.push(`  Histogram.record          ${fmtNum(microRes.histogram_record_ns_per_value, 1)} ns/value`);
    if (microRes.bucketOf_ns_per_value != null) out.push(`  of which bucketOf         ${fmtNum(microRes.bucketOf_ns_per_value, 1)} ns/value`);
    out.push(`  Float64Array store + sort ${fmtNum(microRes.float64array_sort_ns_per_value, 1)} ns/value (8 B per value)`);
    out.push(`  p99 histogram ${microRes.histogram_p99_ns.toFixed(0)} ns vs exact ${microRes.exact_p99_ns.toFixed(0)} ns (relative error ${(microRes.p99_relative_error * 100).toFixed(2)} %)`);
  }
  for (const r of rows) if (r.failure) out.push(`n/a: ${r.command}@${r.shape}@${r.size}: ${r.failure}`);
  for (const c of cmds)
    for (const t of traces) {
      const res = results.get(key(c.id, t));
      if (res.failure && res.times.length && !c.skip) out.push(`note: ${c.id}@${t.id} failed in a later round (${res.failure}); its row uses the ${res.times.length} successful run(s)`);
    }
  const problems = rows.filter((r) => r.problems.length).map((r) => `${r.command}@${r.shape}@${r.size}: ${r.problems.join('; ')}`);
  for (const p of problems) out.push(`CHECK FAILED ${p}`);
  for (const nt of notes) out.push(`note: ${nt}`);
  out.push(`bench time ${benchSeconds.toFixed(0)} s (rounds ${roundsSeconds.toFixed(0)} s); JSON: ${o.out}`);
  process.stdout.write(out.join('\n') + '\n');

  const json = {
    schema: 'iofair-bench/2',
    date: new Date().toISOString(),
    machine,
    generator: { version: GEN_VERSION, seed: o.seed, shapes: o.shapes },
    rounds: roundsRun,
    git: gitAtStart,
    dist_rebuilt_during_bench: distChanged,
    rss_method: haveTime ? 'GNU /usr/bin/time -f %M' : null,
    traces: traces.map((t) => ({ shape: t.shape, records: t.n, file: t.file, bytes: t.bytes })),
    rows,
    goals: goals.map(({ shown, ...g }) => g),
    pipe_pairs: Object.fromEntries(pairs),
    info,
    micro: microRes,
    notes,
    problems,
    bench_seconds: benchSeconds,
    load_average_1m: { start: loadBefore, end: loadAfter, before_commands: loadStats },
  };
  mkdirSync(dirname(resolve(o.out)), { recursive: true });
  writeFileSync(o.out, JSON.stringify(json, null, 2) + '\n');
}

main().catch((e) => {
  process.stderr.write(`bench: ${e.message}\n`);
  process.exit(2);
});
