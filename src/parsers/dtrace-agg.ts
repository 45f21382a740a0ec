// DTrace aggregation output (libdtrace dt_consume.c), keyed by zone:
//
// quantize()/lquantize()/llquantize(), e.g. `@[zonename] = quantize(timestamp - self->ts)`:
//
//   web01                                   <- key line(s): "  %-50s" strings, " %16lld" integers
//                                           <- blank
//              value  ------------- Distribution ------------- count
//                < 0 |                                         0        <- lquantize below base
//                  0 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@     4450
//              >= 50 |                                         3        <- lquantize at/above max
//
//   quantize rows are powers of two: label v>0 holds [v, 2v), 0 holds 0, -v holds (-2v, -v].
//   lquantize rows are base + i·step, each [label, label + step), plus `< base` and `>= max`.
//   llquantize rows are contiguous: [label, next label). Leading/trailing zero rows are trimmed to
//   one on each side. Bars are `@` (or U+2588..U+258F with encoding=utf8), split around a centre
//   `|` when counts are negative; rows are read by content, not column positions, so rows
//   misaligned by a tool's bug still parse.
//
// default printa, e.g. `@[zonename] = count()`: a blank line, then "key   value" lines sorted by
// value. They are read as op counts per key (count-only histograms: one unbounded bucket); the
// text does not say whether the aggregating function was count(), sum() or avg(), so a warning
// says what was assumed.
//
// With more than one key (e.g. `@[zonename, execname]`) the first is the zone and the rest become
// `subkeys`; keys are split on runs of 2+ spaces (DTrace pads string keys to 50 columns).
// Values are ns unless --value-unit (opts.valueUnitNs) says otherwise.

import type { HistogramBucket, RecordSink } from '../records.js';
import type { InputFormat, Parser, ParserOptions } from './types.js';
import { wholeLineParser } from './lines.js';
import { DtraceMessages, contentLines } from './dtrace-common.js';

const DIST_HEADER_RE = /^\s*value\s+-+\s*Distribution\s*-+\s*count\s*$/;
// label, then the bar section (must contain '|'), then the count.
const ROW_RE = /^\s*(<|>=)?\s*(-?\d+)\s+([ @|\u2580-\u259f]*\|[ @|\u2580-\u259f]*?)\s*(-?\d+)\s*$/;
const ROW_NO_COUNT_RE = /^\s*(<|>=)?\s*-?\d+\s*\|[ @|\u2580-\u259f]*$/;
const PRINTA_RE = /^(.*\S)\s+(-?\d+)\s*$/;
const DATE_LINE_RE = /^\s*\d{4} [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d\b/;
const NOISE_RE = /^\s*(?:Tracing\b.*|Hit Ctrl-C.*|#.*)$/i;

interface Row {
  kind: 'lt' | 'ge' | 'num';
  v: number;
  count: number;
  lineNo: number;
}

export function fmtNs(ns: number): string {
  const a = Math.abs(ns);
  if (a >= 1e9 && a % 1e8 === 0) return `${ns / 1e9} s`;
  if (a >= 1e6 && a % 1e5 === 0) return `${ns / 1e6} ms`;
  if (a >= 1e3 && a % 1e2 === 0) return `${ns / 1e3} µs`;
  return `${ns} ns`;
}

function isPow2(n: number): boolean {
  return n >= 1 && Number.isInteger(Math.log2(n)) && 2 ** Math.log2(n) === n;
}

function quantNext(v: number): number {
  if (v < -1) return v / 2;
  if (v === -1) return 0;
  if (v === 0) return 1;
  return v * 2;
}

/** Whether row b may come right after row a: `<` first, `>=` last, numeric labels increasing. */
function follows(a: Row, b: Row): boolean {
  return a.kind !== 'ge' && b.kind !== 'lt' && (b.v > a.v || (a.kind === 'lt' && b.v === a.v));
}

function label(r: Row): string {
  return `${r.kind === 'lt' ? '< ' : r.kind === 'ge' ? '>= ' : ''}${r.v}`;
}

/**
 * Buckets (in the aggregation's own units) for the rows of one distribution, and its resolution;
 * or a string saying why the rows are not a distribution.
 */
function bucketsOf(rows: Row[]): { buckets: HistogramBucket[]; kind: 'quantize' | 'linear' | 'log-linear'; step: number } | string {
  if (!rows.length) return 'distribution without rows';
  for (let i = 1; i < rows.length; i++) {
    if (!follows(rows[i - 1], rows[i])) return `distribution rows out of order at value ${label(rows[i])}`;
  }
  const nums = rows.filter((r) => r.kind === 'num');
  const quantize =
    rows.every((r) => r.kind === 'num') &&
    nums.every((r) => r.v === 0 || isPow2(Math.abs(r.v))) &&
    nums.every((r, i) => i === 0 || quantNext(nums[i - 1].v) === r.v);
  if (quantize) {
    return {
      kind: 'quantize',
      step: 0,
      buckets: rows.map((r) =>
        r.v > 0
          ? { lo: r.v, hi: 2 * r.v, count: r.count }
          : r.v === 0
            ? { lo: 0, hi: 1, count: r.count }
            : { lo: 2 * r.v + 1, hi: r.v + 1, count: r.count },
      ),
    };
  }
  const steps = new Set<number>();
  for (let i = 1; i < nums.length; i++) steps.add(nums[i].v - nums[i - 1].v);
  const step = steps.size === 1 ? [...steps][0] : nums.length >= 2 ? nums[nums.length - 1].v - nums[nums.length - 2].v : 1;
  const buckets: HistogramBucket[] = rows.map((r, i) => {
    if (r.kind === 'lt') return { lo: -Infinity, hi: r.v, count: r.count };
    if (r.kind === 'ge') return { lo: r.v, hi: Infinity, count: r.count };
    const next = rows[i + 1];
    return { lo: r.v, hi: next ? next.v : r.v + step, count: r.count };
  });
  return { kind: steps.size <= 1 ? 'linear' : 'log-linear', step, buckets };
}

function splitKey(text: string): string[] {
  return text.trim().split(/\s{2,}/).filter((s) => s !== '');
}

function createDtraceAggParser(sink: RecordSink, opts: ParserOptions): Parser {
  const msgs = new DtraceMessages(sink);
  const unit = opts.valueUnitNs && opts.valueUnitNs > 0 ? opts.valueUnitNs : 1;
  let pending: { text: string; lineNo: number } | null = null;
  let table: { key: string[]; keyLine: number; rows: Row[]; lineNo: number } | null = null;
  let printaLines = 0;
  let noKey = 0;
  const seen = new Map<string, number>();
  const resolutions = new Set<string>();

  const zoneOf = (k: string[]): string[] => {
    if (!k.length) return ['all'];
    const mapped = /^\d+$/.test(k[0]) ? opts.zones?.get(k[0]) : undefined;
    return mapped !== undefined ? [mapped, ...k.slice(1)] : k;
  };

  function countSeen(k: string[]): void {
    const id = k.join('\u0000');
    seen.set(id, (seen.get(id) ?? 0) + 1);
  }

  function finishTable(): void {
    if (!table) return;
    const t = table;
    table = null;
    const r = bucketsOf(t.rows);
    if (typeof r === 'string') {
      if (t.keyLine > 0) sink.skip(t.keyLine, 'BAD_HISTOGRAM', `key of a distribution that is skipped (line ${t.lineNo}: ${r})`);
      sink.skip(t.lineNo, 'BAD_HISTOGRAM', r);
      return;
    }
    const key = zoneOf(t.key);
    if (!t.key.length) noKey++;
    countSeen(key);
    const resolution =
      r.kind === 'quantize'
        ? 'power-of-two (quantize)'
        : r.kind === 'linear'
          ? `linear, ${fmtNs(r.step * unit)} steps (lquantize)`
          : 'log-linear (llquantize)';
    resolutions.add(resolution);
    sink.histogram({
      key: key[0],
      subkeys: key.length > 1 ? key.slice(1) : undefined,
      buckets: r.buckets.map((b) => ({ lo: b.lo * unit, hi: b.hi * unit, count: b.count })),
      resolution,
    });
  }

  function resolvePending(): void {
    if (!pending) return;
    const p = pending;
    pending = null;
    const m = PRINTA_RE.exec(p.text);
    if (m && /^\s/.test(p.text)) {
      const n = Number(m[2]);
      if (n < 0 || !Number.isSafeInteger(n)) {
        sink.skip(p.lineNo, 'NEGATIVE', `printa value: expected a non-negative count, found ${m[2]}`);
        return;
      }
      const key = zoneOf(splitKey(m[1]));
      printaLines++;
      countSeen(key);
      sink.histogram({
        key: key[0],
        subkeys: key.length > 1 ? key.slice(1) : undefined,
        buckets: [{ lo: -Infinity, hi: Infinity, count: n }],
        resolution: 'count only (printa)',
      });
      return;
    }
    sink.skip(
      p.lineNo,
      'BAD_ROW', `not an aggregation line: expected "key  value" (printa), a key before a distribution, or a distribution row; found "${p.text.trim().slice(0, 60)}"`,
    );
  }

  return wholeLineParser(
    sink,
    (text, lineNo) => {
      if (text.trim() === '') {
        finishTable();
        return;
      }
      if (msgs.handle(text)) return;
      if (DIST_HEADER_RE.test(text)) {
        finishTable();
        const key = pending ? splitKey(pending.text) : [];
        const keyLine = pending ? pending.lineNo : 0;
        pending = null;
        table = { key, keyLine, rows: [], lineNo };
        return;
      }
      if (table) {
        const m = ROW_RE.exec(text);
        if (m) {
          const count = Number(m[4]);
          if (!Number.isSafeInteger(count) || !Number.isSafeInteger(Number(m[2]))) {
            sink.skip(lineNo, 'NOT_A_NUMBER', `distribution row with a value or count beyond 2^53 (${m[2]}, ${m[4]}): a corrupt row`);
            return;
          }
          if (count < 0) {
            sink.skip(lineNo, 'NEGATIVE', `distribution row with a negative count (${m[4]}): quantize() with a negative increment is not a latency histogram`);
            return;
          }
          const row: Row = { kind: m[1] === '<' ? 'lt' : m[1] === '>=' ? 'ge' : 'num', v: Number(m[2]), count, lineNo };
          const last = table.rows[table.rows.length - 1];
          if (last && !follows(last, row)) {
            // a repeated or misplaced row (a corrupt copy): the row goes, the distribution stays
            sink.skip(lineNo, 'BAD_HISTOGRAM', `distribution row ${label(row)} does not follow row ${label(last)} (repeated or out of order)`);
            return;
          }
          table.rows.push(row);
          return;
        }
        if (ROW_NO_COUNT_RE.test(text)) {
          sink.skip(lineNo, 'BAD_ROW', 'distribution row without a count');
          return;
        }
        if (!NOISE_RE.test(text) && !DATE_LINE_RE.test(text)) {
          // dtrace ends a distribution with a blank line: anything else among its rows is corrupt
          sink.skip(lineNo, 'BAD_ROW', `not a distribution row: found "${text.trim().slice(0, 60)}"`);
          return;
        }
        finishTable();
      } else if (ROW_RE.test(text)) {
        sink.skip(lineNo, 'NO_HEADER', 'distribution row outside a distribution (no "value ---- Distribution ---- count" header before it)');
        return;
      }
      if (NOISE_RE.test(text) || DATE_LINE_RE.test(text)) {
        resolvePending();
        return;
      }
      resolvePending();
      pending = { text, lineNo };
    },
    () => {
      finishTable();
      resolvePending();
      if (printaLines) {
        sink.warn(
          `${printaLines} printa line(s) read as op counts per key (as from @[zonename] = count()); ` +
            'default printa output does not say the aggregating function: if it was sum() or avg(), these are not op counts',
        );
      }
      if (noKey) sink.warn(`${noKey} distribution(s) had no key (not keyed by zone): reported as zone 'all'`);
      const repeated = [...seen.entries()].filter(([, n]) => n > 1);
      if (repeated.length) {
        sink.warn(
          `${repeated.length} key(s) appeared more than once (e.g. "${repeated[0][0].split('\u0000').join(', ')}" ${repeated[0][1]} times): ` +
            'their counts are summed, which is right when each printa was followed by trunc() or clear(); for a cumulative aggregation keep only the last printout',
        );
      }
      if (unit !== 1) sink.warn(`aggregation values read in units of ${fmtNs(unit)} (--value-unit)`);
      msgs.finish();
    },
  );
}

export const dtraceAggFormat: InputFormat = {
  name: 'dtrace-agg',
  fidelity: 'histograms',
  platform: 'illumos',
  description: 'DTrace aggregations keyed by zone: quantize/lquantize distributions, default printa',
  sniff(head: string[]): number {
    if (head.some((l) => DIST_HEADER_RE.test(l))) return 0.95;
    const lines = contentLines(head, 20);
    if (!lines.length) return 0;
    const printa = lines.filter((l) => /^\s{2,}\S/.test(l) && PRINTA_RE.test(l) && !l.includes(','));
    if (printa.length === lines.length && /\S\s{2,}-?\d+\s*$/.test(printa[0])) return 0.4;
    return 0;
  },
  create: createDtraceAggParser,
};
