// Output of `iofair script cgroup`: snapshots of every cgroup v2 io.stat.
//
//   # iofair-cgroup-iostat v1 root=/sys/fs/cgroup interval=5
//   T 1717171717.123456789
//   /system.slice/db.service<TAB>8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0
//
// Counters are cumulative since the cgroup was created: each interval is the difference between
// consecutive snapshots. A counter that goes backwards means the cgroup was removed and
// recreated: the delta restarts from the new value (never negative). A (cgroup, device) pair
// absent from the previous snapshot counts from 0. io.stat is hierarchical (a parent includes
// its children), so each cgroup is charged its own delta minus its direct children's deltas.
// io.stat has no latency. Discard counters (dbytes, dios) are not counted.

import type { InputFormat } from './types.js';
import type { IntervalSample } from '../records.js';
import { lineParser } from './lines.js';
import { NS_PER_S, show } from './interval-common.js';

const HEADER = /^#\s*iofair-cgroup-iostat\s+v1\b/;
const TS = /^T\s+(\d+(?:\.\d+)?)\s*$/;
const DEV = /^\d+:\d+$/;

interface Counters {
  path: string;
  dev: string;
  rbytes: number;
  wbytes: number;
  rios: number;
  wios: number;
}

function parentOf(path: string): string | undefined {
  if (path === '/' || path === '') return undefined;
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Parses `8:16 rbytes=1 wbytes=2 rios=3 wios=4 ...`; returns a reason string when malformed. */
function parseStat(path: string, rest: string): Counters | string {
  const toks = rest.trim().split(/\s+/);
  const dev = toks[0];
  if (!dev || !DEV.test(dev)) return `io.stat: expected MAJ:MIN first, found ${show(rest)}`;
  const c: Counters = { path, dev, rbytes: NaN, wbytes: NaN, rios: NaN, wios: NaN };
  for (let i = 1; i < toks.length; i++) {
    const eq = toks[i].indexOf('=');
    if (eq < 0) continue;
    const k = toks[i].slice(0, eq);
    const vs = toks[i].slice(eq + 1);
    if (k !== 'rbytes' && k !== 'wbytes' && k !== 'rios' && k !== 'wios') continue;
    if (!/^\d+$/.test(vs)) return `io.stat: ${k} is not a counter: ${show(vs)}`;
    c[k] = Number(vs);
  }
  if (Number.isNaN(c.rbytes + c.wbytes + c.rios + c.wios)) return `io.stat: expected rbytes= wbytes= rios= wios=, found ${show(rest)}`;
  return c;
}

export const cgroupIostatFormat: InputFormat = {
  name: 'cgroup-iostat',
  fidelity: 'intervals',
  platform: 'linux',
  description: 'cgroup v2 io.stat snapshots printed by `iofair script cgroup` (differenced per interval)',
  sniff(head: string[]): number {
    let rows = 0;
    for (const line of head) {
      if (HEADER.test(line)) return 0.99;
      if (/^\/\S*\t\d+:\d+ .*rbytes=\d+/.test(line)) rows++;
    }
    return rows >= 1 ? 0.9 : 0;
  },
  create(sink, opts) {
    let prev: Map<string, Counters> | null = null;
    let prevTs: number | undefined;
    let cur: Map<string, Counters> | null = null;
    let curTs: number | undefined;
    let headerInterval: number | undefined;
    let resets = 0;
    let badDur = 0;
    const fallbackNs = () => opts.intervalNs ?? headerInterval ?? NS_PER_S;

    const finishSnapshot = () => {
      if (!cur || curTs === undefined) return;
      if (prev && prevTs !== undefined) {
        let dur = curTs - prevTs;
        if (!(dur > 0)) {
          badDur++;
          dur = fallbackNs();
        }
        emit(prev, cur, curTs - dur, dur);
        // a pair missing from this snapshot (cgroup removed, or a snapshot cut short) keeps its
        // last counters, so it does not count from 0 if it shows up again
        for (const [k, v] of prev) if (!cur.has(k)) cur.set(k, v);
      }
      prev = cur;
      prevTs = curTs;
      cur = null;
      curTs = undefined;
    };

    const emit = (p: Map<string, Counters>, c: Map<string, Counters>, startNs: number, durationNs: number) => {
      // per (path, dev) delta
      const delta = new Map<string, Counters>();
      for (const [key, now] of c) {
        const was = p.get(key);
        let d: Counters;
        if (!was) d = { ...now };
        else {
          d = {
            path: now.path,
            dev: now.dev,
            rbytes: now.rbytes - was.rbytes,
            wbytes: now.wbytes - was.wbytes,
            rios: now.rios - was.rios,
            wios: now.wios - was.wios,
          };
          if (d.rbytes < 0 || d.wbytes < 0 || d.rios < 0 || d.wios < 0) {
            resets++;
            d = { ...now };
          }
        }
        delta.set(key, d);
      }
      // subtract direct children (io.stat is hierarchical)
      const self = new Map<string, Counters>();
      for (const [key, d] of delta) self.set(key, { ...d });
      for (const d of delta.values()) {
        const parent = parentOf(d.path);
        if (parent === undefined) continue;
        const ps = self.get(`${parent}\0${d.dev}`);
        if (!ps) continue;
        ps.rbytes -= d.rbytes;
        ps.wbytes -= d.wbytes;
        ps.rios -= d.rios;
        ps.wios -= d.wios;
      }
      for (const s of self.values()) {
        const readOps = Math.max(0, s.rios);
        const writeOps = Math.max(0, s.wios);
        const readBytes = Math.max(0, s.rbytes);
        const writeBytes = Math.max(0, s.wbytes);
        if (readOps + writeOps + readBytes + writeBytes === 0) continue;
        const sample: IntervalSample = {
          kind: 'zone',
          name: s.path,
          device: s.dev,
          startNs,
          durationNs,
          readOps,
          writeOps,
          readBytes,
          writeBytes,
        };
        sink.interval(sample);
      }
    };

    return lineParser(
      (text, lineNo, truncated) => {
        if (text.trim() === '') return;
        if (HEADER.test(text)) {
          const m = /\binterval=(\d+(?:\.\d+)?)/.exec(text);
          if (m && Number(m[1]) > 0) headerInterval = Number(m[1]) * NS_PER_S;
          return;
        }
        const t = TS.exec(text);
        if (t) {
          finishSnapshot();
          curTs = opts.timeBase.toNs(t[1], NS_PER_S);
          cur = new Map();
          if (!Number.isFinite(curTs)) {
            sink.skip(lineNo, 'NOT_A_NUMBER', `cgroup io.stat: bad timestamp ${show(text)}`);
            cur = null;
            curTs = undefined;
          }
          return;
        }
        let path: string;
        let rest: string;
        const tab = text.lastIndexOf('\t');
        if (tab >= 0) {
          path = text.slice(0, tab);
          rest = text.slice(tab + 1);
        } else {
          const m = /^(\/.*?)\s+(\d+:\d+\s.*)$/.exec(text);
          if (!m) {
            sink.skip(lineNo, 'BAD_ROW', `cgroup io.stat: expected "<cgroup path><TAB>MAJ:MIN rbytes=...", found ${show(text)}`);
            return;
          }
          path = m[1];
          rest = m[2];
        }
        if (!cur) {
          sink.skip(lineNo, 'NO_HEADER', 'cgroup io.stat: row before the first "T <time>" line');
          return;
        }
        const c = parseStat(path || '/', rest);
        if (typeof c === 'string') {
          if (truncated) sink.skip(lineNo, 'TRUNCATED', `${c} (truncated last line)`);
          else sink.skip(lineNo, 'BAD_ROW', c);
          return;
        }
        cur.set(`${c.path}\0${c.dev}`, c);
      },
      () => {
        finishSnapshot();
        if (resets > 0) {
          sink.warn(`cgroup io.stat: ${resets} counter set(s) went backwards (cgroup recreated): those intervals restart from the new values`);
        }
        if (badDur > 0) {
          sink.warn(`cgroup io.stat: ${badDur} snapshot(s) did not advance the clock; taken as ${fallbackNs() / NS_PER_S} s`);
        }
      },
    );
  },
};
