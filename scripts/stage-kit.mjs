// What scripts/ab.mjs and scripts/stages.mjs share: the benchmark's cached traces, the trace's bytes
// read before any clock starts, and a build's CSV parser, observe pass and replay, each driven as
// the cli drives it but on one thread, on data prepared in memory.

import { existsSync, openSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEFAULT_SEED, DEFAULT_SHAPE, traceFileName, writeTraceFile } from './gen-trace.mjs';

/** The benchmark's 1M-record trace of `shape`, generated into the bench cache if missing. */
export function defaultTrace(shape = DEFAULT_SHAPE) {
  const cache = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'iofair-bench');
  const file = join(cache, traceFileName(shape, 1e6, DEFAULT_SEED));
  if (!(existsSync(file) && statSync(file).size > 0)) {
    process.stderr.write(`generating ${file} ... `);
    writeTraceFile(file, 1e6, DEFAULT_SEED, shape);
    process.stderr.write('done\n');
  }
  return file;
}

/** The trace's bytes in 256 KiB chunks, read before any clock starts (runs measure parsing, not reading). */
export function chunksOf(file) {
  const chunks = [];
  const fd = openSync(file, 'r');
  for (;;) {
    const b = Buffer.allocUnsafe(1 << 18);
    const got = readSync(fd, b, 0, b.length, null);
    if (!got) break;
    chunks.push(b.subarray(0, got));
  }
  closeSync(fd);
  return chunks;
}

export const importFrom = (dist, path) => import(pathToFileURL(join(dist, path)).href);

/** A function feeding chunks to a new CSV parser of build `dist`, records to `sink`. */
export async function csvOf(dist) {
  const { csvFormat } = await importFrom(dist, 'parsers/csv.js');
  const { TimeBase } = await importFrom(dist, 'records.js');
  return (chunks, sink) => {
    const p = csvFormat.create(sink, { timeBase: new TimeBase() });
    for (const c of chunks) p.writeBytes(c);
    p.end();
  };
}

/** A record sink that drops everything but IOs. */
export const noop = { skip() {}, warn() {}, lost() {}, interval() {}, histogram() {} };

/** CPU milliseconds (user + system) of this process since `t0` (a process.cpuUsage()). */
export const cpuMs = (t0) => {
  const c = process.cpuUsage(t0);
  return (c.user + c.system) / 1000;
};

/**
 * The trace's records as the parse worker hands them to the main thread: 7 numbers per IO (zone
 * name id, device name id, write, bytes, issue, done, offset or NaN) and the names.
 */
export async function recordsOf(dist, chunks) {
  const names = new Map();
  const id = (s) => names.get(s) ?? (names.set(s, names.size), names.size - 1);
  const recs = [];
  (await csvOf(dist))(chunks, { ...noop, io: (z, d, op, b, i, dn, _w, off) => recs.push(id(z), id(d), op === 'W' ? 1 : 0, b, i, dn, off ?? NaN) });
  return { rec: Float64Array.from(recs), list: [...names.keys()] };
}

/** Feeds records (recordsOf) to an observer (EventObserver or Analyzer) by id, as the cli's main thread does. */
export function feed(obs, { rec, list }) {
  const zid = new Int32Array(list.length).fill(-1);
  const did = new Int32Array(list.length).fill(-1);
  // write, bytes, issue, done, offset at rec[o + 2 ..]: a build whose ioAt reads four ignores the offset
  for (let o7 = 0; o7 < rec.length; o7 += 7) {
    const zn = rec[o7];
    const dn = rec[o7 + 1];
    const z = zid[zn] >= 0 ? zid[zn] : (zid[zn] = obs.zoneIdOf(list[zn]));
    const d = did[dn] >= 0 ? did[dn] : (did[dn] = obs.deviceIdOf(list[dn]));
    obs.ioAt(z, d, rec, o7 + 2);
  }
}

/** The replay options the cli's defaults give (no option on the command line). */
export async function defaultReplayOptions(dist) {
  const { replayOptionsFrom, addReplayOptions } = await importFrom(dist, 'cli/replay-options.js');
  const { Command } = await import('commander');
  const cmd = addReplayOptions(new Command('stages'));
  cmd.parse([], { from: 'user' });
  return replayOptionsFrom(cmd.opts());
}

/** Minimum and median of a list of times. */
export function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[s.length >> 1] };
}

/** The comment at the top of a script (its --help), without the comment markers. */
export function headerComment(file) {
  const head = readFileSync(file, 'utf8').split('\n').slice(1);
  const end = head.findIndex((l) => !l.startsWith('//'));
  return head.slice(0, end).map((l) => l.replace(/^\/\/ ?/, '')).join('\n') + '\n';
}
