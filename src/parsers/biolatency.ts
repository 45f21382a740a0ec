// bcc `biolatency` (tools/biolatency.py) and libbpf-tools `biolatency`: log2 latency histograms.
//
//      usecs               : count     distribution
//          0 -> 1          : 0        |                                        |
//        256 -> 511        : 33       |**********************                  |
//
// Rows are `low -> high : count |stars|` (20 digits wide past bucket 32); a row holds the values
// low ≤ v ≤ high in the header's unit (usecs, or msecs with -m), i.e. [low, high + 1). Layouts:
// - `-T`: an `HH:MM:SS` line before each report; with an interval, one report per interval
//   (each printed histogram is cleared, so repeated keys are summed);
// - `-D`: a `disk = sda` line before each histogram (older bcc: `Bucket disk = 'sda'` or
//   `disk = b'sda'`), `-F`: `flags = Sync-Write`; libbpf-tools prints both on one line
//   (`disk = sda<TAB>flags = Read`);
// - `-e`: `avg = 663 usecs, total: 16575 usecs, count: 25` after the report (exact mean);
// - `-j`: one Python dict per histogram (not JSON): {'ts': …, 'val_type': 'usecs', 'data':
//   [{'interval-start': 0, 'interval-end': 1, 'count': 0}, …], 'disk'|'flags'|'Bucket ptr': …}.
// Histograms are keyed by disk or by request flags, not by tenant: each key is reported as a
// zone, with a warning. What biolatency times (issue → completion, or with -Q from the queue) is
// not in its output; a pasted command line (`# ./biolatency -Q`) says.

import type { HistogramBucket, LatencyHistogram, RecordSink } from '../records.js';
import type { InputFormat, Parser, ParserOptions } from './types.js';
import { lineParser } from './lines.js';
import { parsePrompt, show } from './interval-common.js';
import { parsePyLiteral, PyLiteralError, type PyValue } from './python-literal.js';

const HEADER_RE = /^\s*(\w+)\s*:\s*count\s+distribution\s*$/;
const ROW_RE = /^\s*(\d+)\s*->\s*(\d+)\s*:\s*(\d+)\s*\|[*+ ]*\|?\s*$/;
const SECTION_RE = /^\s*(?:Bucket\s+)?(disk|flags|ptr)\s*=\s*(.*?)\s*$/;
const EXT_RE = /^\s*avg\s*=\s*(\d+(?:\.\d+)?)\s*(\w+),\s*total:\s*(\d+(?:\.\d+)?)\s*(\w+),\s*count:\s*(\d+)\s*$/;
const TIME_RE = /^\s*\d{1,2}:\d{2}:\d{2}\s*$/;
const NOISE_RE = /^\s*(?:Tracing block device I\/O.*|\^C|Detaching\.*|Hit Ctrl-C.*)\s*$/i;

const UNITS = new Map<string, number>([
  ['usecs', 1e3], ['us', 1e3], ['usec', 1e3],
  ['msecs', 1e6], ['ms', 1e6], ['msec', 1e6],
  ['nsecs', 1], ['ns', 1], ['nsec', 1],
]);

/** `sda`, `'sda'`, `b'sda'`, `"sda"` → `sda`. */
function unquote(v: string): string {
  const m = /^b?(['"])(.*)\1$/.exec(v.trim());
  return m ? m[2] : v.trim();
}

/** The op a request-flags label ends with (`Sync-Write` → write), or undefined (Flush, Discard…). */
export function opOfFlags(label: string): 'read' | 'write' | undefined {
  const last = label.split('-').pop() ?? '';
  return last === 'Read' ? 'read' : last === 'Write' ? 'write' : undefined;
}

interface Pending {
  disk?: string;
  flags?: string;
}

function createBiolatencyParser(sink: RecordSink, opts: ParserOptions): Parser {
  let section: Pending = {};
  let table: { unit: number; unitName: string; buckets: HistogramBucket[]; lineNo: number; key: Pending } | null = null;
  /** Histograms of the current report, held until an `avg = …` line or the next report. */
  let report: LatencyHistogram[] = [];
  let queued = false;
  let sawCommand = false;
  let extensionSpread = 0;
  let extensionMismatch = 0;
  const keyKinds = new Set<string>();
  const units = new Set<string>();

  const emitReport = () => {
    for (const h of report) sink.histogram(h);
    report = [];
  };

  const keyOf = (p: Pending): { key: string; subkeys?: string[] } => {
    const op = p.flags !== undefined ? opOfFlags(p.flags) : undefined;
    const sub = [...(p.disk !== undefined && p.flags !== undefined ? [p.flags] : []), ...(op ? [op] : [])];
    if (p.disk !== undefined) keyKinds.add('disk');
    if (p.flags !== undefined) keyKinds.add('flags');
    if (p.disk === undefined && p.flags === undefined) keyKinds.add('none');
    const key = p.disk ?? p.flags ?? 'all';
    return { key, subkeys: sub.length ? sub : undefined };
  };

  const finishTable = () => {
    if (!table) return;
    const t = table;
    table = null;
    if (!t.buckets.length) {
      sink.skip(t.lineNo, 'BAD_HISTOGRAM', 'biolatency: a histogram header without rows');
      return;
    }
    units.add(t.unitName);
    report.push({ ...keyOf(t.key), buckets: t.buckets, resolution: `power-of-two (biolatency, ${t.unitName})` });
  };

  const newReport = () => {
    finishTable();
    emitReport();
    section = {};
  };

  const dict = (text: string, lineNo: number) => {
    let v: PyValue;
    try {
      v = parsePyLiteral(text);
    } catch (e) {
      sink.skip(lineNo, 'BAD_JSON', `biolatency -j: not a Python dict: ${e instanceof PyLiteralError ? e.message : String(e)}`);
      return;
    }
    const data = v instanceof Map ? v.get('data') : undefined;
    const unitName = v instanceof Map ? v.get('val_type') : undefined;
    const unit = typeof unitName === 'string' ? UNITS.get(unitName) ?? opts.valueUnitNs : undefined;
    if (!(v instanceof Map) || !Array.isArray(data) || unit === undefined) {
      sink.skip(lineNo, 'BAD_JSON', `biolatency -j: expected {'val_type': 'usecs'|'msecs', 'data': [...]}, found ${show(text)}`);
      return;
    }
    const buckets: HistogramBucket[] = [];
    for (const e of data) {
      const lo = e instanceof Map ? e.get('interval-start') : undefined;
      const hi = e instanceof Map ? e.get('interval-end') : undefined;
      const n = e instanceof Map ? e.get('count') : undefined;
      if (typeof lo !== 'number' || typeof hi !== 'number' || typeof n !== 'number' || !(hi >= lo) || !(n >= 0) || !Number.isInteger(n)) {
        sink.skip(lineNo, 'BAD_HISTOGRAM', `biolatency -j: a bucket without interval-start ≤ interval-end and a count ≥ 0`);
        return;
      }
      buckets.push({ lo: lo * unit, hi: (hi + 1) * unit, count: n });
    }
    const p: Pending = {};
    for (const [k, x] of v) {
      if (k === 'ts' || k === 'val_type' || k === 'data') continue;
      if (typeof x !== 'string' && typeof x !== 'number') continue;
      if (k === 'flags') p.flags = String(x);
      else p.disk = String(x); // 'disk', or 'Bucket ptr' in older bcc
    }
    units.add(String(unitName));
    // every dict is a complete histogram: one report per line
    sink.histogram({ ...keyOf(p), buckets, resolution: `power-of-two (biolatency, ${String(unitName)})` });
  };

  return lineParser(
    (text, lineNo, truncated) => {
      const t = text.trim();
      if (t === '') {
        finishTable();
        return;
      }
      if (t.startsWith('{')) {
        if (table) newReport();
        dict(t, lineNo);
        return;
      }
      const cmd = parsePrompt(t);
      if (cmd && /biolatency/.test(cmd.tool)) {
        sawCommand = true;
        if (cmd.args.some((a) => /^-[A-Za-z]*Q[A-Za-z]*$/.test(a) || a === '--queued')) queued = true;
        newReport();
        return;
      }
      if (NOISE_RE.test(t)) return;
      if (TIME_RE.test(t)) {
        newReport();
        return;
      }
      const ext = EXT_RE.exec(t);
      if (ext) {
        finishTable();
        const unit = UNITS.get(ext[4]);
        const count = Number(ext[5]);
        const total = report.reduce((s, h) => s + h.buckets.reduce((a, b) => a + b.count, 0), 0);
        if (report.length === 1 && unit !== undefined && total === count) report[0].sumNs = Number(ext[3]) * unit;
        else if (report.length > 1) extensionSpread++;
        else extensionMismatch++;
        emitReport();
        return;
      }
      const h = HEADER_RE.exec(t);
      if (h) {
        finishTable();
        const unit = UNITS.get(h[1]) ?? opts.valueUnitNs;
        if (unit === undefined) {
          sink.skip(lineNo, 'BAD_HEADER', `biolatency: unknown unit "${h[1]}" (usecs, msecs or nsecs; --value-unit sets one)`);
          return;
        }
        table = { unit, unitName: h[1], buckets: [], lineNo, key: section };
        return;
      }
      const r = ROW_RE.exec(t);
      if (r) {
        if (!table) {
          sink.skip(lineNo, 'NO_HEADER', 'biolatency: a histogram row without its "usecs : count distribution" header');
          return;
        }
        const lo = Number(r[1]);
        const hi = Number(r[2]);
        const prev = table.buckets[table.buckets.length - 1];
        if (hi < lo || (prev && lo * table.unit < prev.hi)) {
          sink.skip(lineNo, 'BAD_HISTOGRAM', `biolatency: rows out of order or overlapping at ${lo} -> ${hi}`);
          return;
        }
        table.buckets.push({ lo: lo * table.unit, hi: (hi + 1) * table.unit, count: Number(r[3]) });
        return;
      }
      // `disk = sda`, `flags = Read`, `disk = sda<TAB>flags = Read`
      const parts = t.split(/\t+/).map((x) => SECTION_RE.exec(x));
      if (parts.length && parts.every((m) => m)) {
        finishTable();
        // a new key starts a new histogram within the same report
        const p: Pending = {};
        for (const m of parts) {
          if (m![1] === 'flags') p.flags = unquote(m![2]);
          else p.disk = unquote(m![2]);
        }
        section = p;
        return;
      }
      if (truncated) {
        sink.skip(lineNo, 'TRUNCATED', `biolatency: the last line is cut off: ${show(text)}`);
        return;
      }
      sink.skip(lineNo, 'BAD_ROW', `biolatency: expected a histogram row ("low -> high : count |***|"), a header, "disk = …" or "flags = …"; found ${show(text)}`);
    },
    () => {
      finishTable();
      emitReport();
      const kinds = [...keyKinds];
      if (kinds.includes('disk') || kinds.includes('flags')) {
        const what = kinds.filter((k) => k !== 'none').map((k) => (k === 'disk' ? 'disk (-D)' : 'request flags (-F)')).join(' and ');
        sink.warn(`biolatency histograms are keyed by ${what}, not by tenant: each key is reported as a zone`);
      } else if (kinds.length) {
        sink.warn("biolatency histograms are not keyed by tenant: all of the host's block IO is reported as one zone, 'all'");
      }
      if (queued) {
        sink.warn('biolatency -Q: latencies include the time requests were queued in the OS before being issued to the device, not device time alone');
      } else if (kinds.length) {
        sink.warn(
          `biolatency times each request from its issue to the device to its completion${sawCommand ? '' : ' (or, if run with -Q, from when it was queued in the OS: the output does not say which)'}`,
        );
      }
      if (extensionSpread) sink.warn(`biolatency -e: ${extensionSpread} total(s) cover several histograms of one report and were not used for the means`);
      if (extensionMismatch) sink.warn(`biolatency -e: ${extensionMismatch} total(s) did not match their histogram's count and were not used`);
      if (units.has('msecs') || units.has('ms')) sink.warn('biolatency -m: millisecond buckets: everything under 2 ms falls in one bucket');
    },
  );
}

export const biolatencyFormat: InputFormat = {
  name: 'biolatency',
  fidelity: 'histograms',
  platform: 'linux',
  description: 'bcc / libbpf-tools biolatency log2 histograms (-m, -D, -F, -T, -Q, -e, and -j Python dicts)',
  sniff(head: string[]): number {
    let rows = 0;
    for (const line of head) {
      const h = HEADER_RE.exec(line);
      if (h && UNITS.has(h[1])) return 0.95;
      if (/^\s*\{.*'val_type'\s*:.*'data'\s*:\s*\[/.test(line)) return 0.95;
      if (ROW_RE.test(line)) rows++;
    }
    return rows >= 2 ? 0.6 : 0;
  },
  create: createBiolatencyParser,
};
