// bpftrace `hist()` and `lhist()` maps as bpftrace prints them (text output):
//
//   @usecs:                          <- or @name[key]: / @[k1, k2]: for keyed maps
//   [128, 256)             2 |@@@@@@@@@@@@@                                       |
//   [256, 512)             8 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
//   [1K, 2K)               3 |@@@@@@@@@@@@@@@@@@@                                 |
//                                <- a blank line ends the map
// Labels: `[a, b)` holds a ≤ v < b, `[a]` holds v = a, `(..., a)` everything below a (lhist,
// and hist's negative values), `[a, ...)` everything from a up (lhist above its max). Numbers
// may carry K M G T P E suffixes (× 1024ⁿ); lhist uses them only when its step is a multiple of
// 1024. Values are integers, so `[a]` is [a, a + 1) and every bucket is read in the map's unit:
// `--value-unit` if given, else the map's name (`@usecs`, `@lat_ns`, `@ms`), else ns with a
// warning (a histogram of sizes, like bitesize.bt's, is not latency at all).
// Keys become zones (the first key; the rest are subkeys), unkeyed maps zone `all`.

import type { HistogramBucket, RecordSink } from '../records.js';
import type { InputFormat, Parser, ParserOptions } from './types.js';
import { lineParser } from './lines.js';
import { fmtNs } from './dtrace-agg.js';
import { show } from './interval-common.js';

const MAP_RE = /^@([A-Za-z_]\w*)?(?:\[(.*)\])?:\s*$/;
const VAL = '-?\\d+[KMGTPE]?';
const ROW_RE = new RegExp(
  `^\\s*(?:\\(\\.\\.\\.,\\s*(${VAL})\\)|\\[(${VAL})\\]|\\[(${VAL}),\\s*(${VAL})\\)|\\[(${VAL}),\\s*\\.\\.\\.\\))\\s+(\\d+)\\s*\\|[@ ]*\\|?\\s*$`,
);
const NOISE_RE = /^\s*(?:Attaching \d+ probes?\.*|Tracing .*|\^C|\d{1,2}:\d{2}:\d{2})\s*$/i;
const VALUE_LINE_RE = /^@\w*(?:\[.*\])?:\s+\S/;

const SUFFIX = 'KMGTPE';

/** `512` → 512, `1K` → 1024, `-2M` → -2097152. */
export function bpftraceNumber(tok: string): number {
  const m = /^(-?\d+)([KMGTPE]?)$/.exec(tok);
  if (!m) return NaN;
  return Number(m[1]) * 1024 ** (m[2] ? SUFFIX.indexOf(m[2]) + 1 : 0);
}

/** ns per unit from a map's name (`usecs`, `lat_us`, `ms`, `nsecs`), or undefined. */
export function unitOfMapName(name: string): number | undefined {
  const parts = name.toLowerCase().split('_');
  for (const p of parts.reverse()) {
    if (/^(?:us|usecs?|micros?|microseconds?)$/.test(p)) return 1e3;
    if (/^(?:ms|msecs?|millis?|milliseconds?)$/.test(p)) return 1e6;
    if (/^(?:ns|nsecs?|nanos?|nanoseconds?)$/.test(p)) return 1;
  }
  return undefined;
}

function createBpftraceParser(sink: RecordSink, opts: ParserOptions): Parser {
  let map: { name: string; key: string[]; unit: number; buckets: HistogramBucket[]; lineNo: number; linear: boolean } | null = null;
  const mapNames = new Set<string>();
  const noUnit = new Set<string>();
  let unkeyed = 0;
  let valueLines = 0;

  const finish = () => {
    if (!map) return;
    const m = map;
    map = null;
    if (!m.buckets.length) return; // an empty map prints no rows
    // lhist: an open top bucket, or equal steps wider than one (hist's buckets double)
    const widths = new Set(m.buckets.filter((b) => Number.isFinite(b.lo) && Number.isFinite(b.hi)).map((b) => b.hi - b.lo));
    m.linear = m.buckets.some((b) => b.hi === Infinity) || (widths.size === 1 && m.buckets.length >= 2 && ![...widths].includes(m.unit));
    mapNames.add(m.name);
    const key = m.key.length ? m.key : ['all'];
    if (!m.key.length) unkeyed++;
    sink.histogram({
      key: key[0],
      subkeys: key.length > 1 ? key.slice(1) : undefined,
      buckets: m.buckets,
      resolution: `${m.linear ? 'linear (lhist)' : 'power-of-two (hist)'}, ${fmtNs(m.unit)} units`,
    });
  };

  return lineParser(
    (text, lineNo, truncated) => {
      const t = text.trim();
      if (t === '') {
        finish();
        return;
      }
      const mm = MAP_RE.exec(t);
      if (mm) {
        finish();
        const name = mm[1] ?? '';
        let unit = opts.valueUnitNs;
        if (unit === undefined) {
          unit = unitOfMapName(name);
          if (unit === undefined) {
            unit = 1;
            noUnit.add(`@${name}`);
          }
        }
        const key = mm[2] === undefined ? [] : mm[2].split(/,\s*/).map((k) => k.replace(/^"(.*)"$/, '$1'));
        map = { name: `@${name}`, key, unit, buckets: [], lineNo, linear: false };
        return;
      }
      const r = ROW_RE.exec(t);
      if (r) {
        if (!map) {
          sink.skip(lineNo, 'NO_HEADER', 'bpftrace: a histogram row before any "@map:" line');
          return;
        }
        let lo: number, hi: number;
        if (r[1] !== undefined) [lo, hi] = [-Infinity, bpftraceNumber(r[1])];
        else if (r[2] !== undefined) [lo, hi] = [bpftraceNumber(r[2]), bpftraceNumber(r[2]) + 1];
        else if (r[3] !== undefined) [lo, hi] = [bpftraceNumber(r[3]), bpftraceNumber(r[4])];
        else [lo, hi] = [bpftraceNumber(r[5]), Infinity];
        const prev = map.buckets[map.buckets.length - 1];
        if (!(hi > lo) || (prev && lo * map.unit < prev.hi)) {
          sink.skip(lineNo, 'BAD_HISTOGRAM', `bpftrace: histogram rows out of order or overlapping at ${show(t)}`);
          return;
        }
        map.buckets.push({ lo: lo * map.unit, hi: hi * map.unit, count: Number(r[6]) });
        return;
      }
      if (NOISE_RE.test(t)) return;
      if (VALUE_LINE_RE.test(t)) {
        // count()/sum()/avg() maps, printed `@name[key]: value`: not distributions
        valueLines++;
        finish();
        return;
      }
      if (truncated) {
        sink.skip(lineNo, 'TRUNCATED', `bpftrace: the last line is cut off: ${show(text)}`);
        return;
      }
      sink.skip(lineNo, 'BAD_ROW', `bpftrace: expected "@map:" or a histogram row ("[256, 512)   2 |@@@|"), found ${show(text)}`);
    },
    () => {
      finish();
      if (mapNames.size) {
        sink.warn(
          `bpftrace histograms are reported per map key, as zones: the keys are whatever the script used (a disk, a command, a cgroup id), ` +
            `not necessarily tenants` + (mapNames.size > 1 ? `; maps ${[...mapNames].join(', ')} are merged per key` : ''),
        );
      }
      if (unkeyed) sink.warn(`${unkeyed} bpftrace histogram(s) had no key: reported as zone 'all'`);
      if (noUnit.size) {
        sink.warn(
          `bpftrace map(s) ${[...noUnit].join(', ')}: the name says no time unit, so values were read as ns (--value-unit us|ms sets it); ` +
            'a histogram of anything but latency (sizes, counts) gives meaningless latency percentiles',
        );
      }
      if (valueLines) sink.warn(`${valueLines} bpftrace map value line(s) (@name[key]: value, from count()/sum()/avg()) ignored: not distributions`);
    },
  );
}

export const bpftraceHistFormat: InputFormat = {
  name: 'bpftrace-hist',
  fidelity: 'histograms',
  platform: 'linux',
  description: 'bpftrace hist()/lhist() maps as printed (@name[key]: then [a, b) rows, K/M suffixes)',
  sniff(head: string[]): number {
    let maps = 0;
    let rows = 0;
    for (const line of head) {
      if (MAP_RE.test(line.trim())) maps++;
      else if (ROW_RE.test(line)) rows++;
    }
    if (maps && rows) return 0.95;
    return rows >= 2 ? 0.6 : 0;
  },
  create: createBpftraceParser,
};
