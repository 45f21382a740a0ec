// Shared helpers for the interval-tool parsers (vfsstat, ziostat, iostat illumos/Linux, sysstat
// JSON, cgroup io.stat): number and timestamp parsing, and the BlockAssembler that turns the
// rows of one report ("block") into IntervalSample records with a start and a duration.
//
// Interval tools print one block per interval. The first block averages everything since boot;
// it is dropped unless --keep-first. When the tool prints timestamps, a block's duration is the
// gap to the previous timestamp; otherwise blocks are consecutive and --interval (default 1 s)
// long, and a warning says so.

import type { IntervalSample, RecordSink, TimeBase } from '../records.js';
import type { Parser, ParserOptions } from './types.js';
import { lineParser } from './lines.js';
import { monthIndex } from './vocabulary.js';

export const NS_PER_S = 1e9;
const DEFAULT_INTERVAL_NS = NS_PER_S;

const NUM_RE = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A decimal number token, or NaN when the token is not one (no hex, no '', no 'Infinity'). */
export function num(tok: string | undefined): number {
  if (tok === undefined || !NUM_RE.test(tok)) return NaN;
  return Number(tok);
}

/** Whitespace-separated tokens (values that overflow their column are still space-separated). */
export function tokens(line: string): string[] {
  const t = line.trim();
  return t === '' ? [] : t.split(/\s+/);
}

/** Shortens a line for a skip reason. */
export function show(line: string): string {
  const t = line.length > 60 ? line.slice(0, 57) + '...' : line;
  return JSON.stringify(t);
}

function msToRel(ms: number, timeBase: TimeBase): number {
  if (!Number.isFinite(ms)) return NaN;
  const s = Math.floor(ms / 1000);
  const frac = String(Math.round(ms - s * 1000)).padStart(3, '0');
  return timeBase.toNs(`${s}.${frac}`, NS_PER_S);
}

function year4(y: number): number {
  return y < 100 ? (y < 70 ? 2000 + y : 1900 + y) : y;
}

/**
 * Parses a timestamp line printed by an interval tool and returns base-relative ns, or undefined
 * when the line is not a timestamp. Recognises:
 * - epoch seconds (illumos `-T u`, sysstat `-U`): `1591015999` or `1591015999.5`;
 * - ISO 8601 (sysstat with S_TIME_FORMAT=ISO): `2020-06-01T12:53:20+0000`;
 * - locale date + time (sysstat `-t`): `06/01/20 12:53:20`, `06/01/2020 12:53:20 PM`,
 *   `01.06.2020 12:53:20`, `2020-06-01 12:53:20`;
 * - date(1) style (illumos `-T d`): `Mon Jun  1 12:53:20 UTC 2020`, `Mon Jun  1 12:53:20 2020`.
 * Time-zone names are ignored (only differences between timestamps matter); numeric offsets
 * are applied. Slash dates are read month/day unless the first number exceeds 12.
 */
export function parseTimestampLine(line: string, timeBase: TimeBase): number | undefined {
  const t = line.trim();
  if (t === '') return undefined;
  let m = /^(\d{9,11})(?:\.(\d{1,9}))?$/.exec(t);
  if (m) return timeBase.toNs(m[2] ? `${m[1]}.${m[2]}` : m[1], NS_PER_S);
  m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{1,2}):(\d{2}):(\d{2})(?:\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (m) {
    let ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
    if (m[7] && m[7] !== 'Z') {
      const sign = m[7][0] === '-' ? -1 : 1;
      const hh = +m[7].slice(1, 3);
      const mm = +m[7].slice(-2);
      ms -= sign * (hh * 60 + mm) * 60000;
    }
    return msToRel(ms, timeBase);
  }
  m = /^(\d{1,4})([/.-])(\d{1,2})\2(\d{2,4})\s+(\d{1,2}):(\d{2}):(\d{2})(?:\s*([AaPp][Mm]))?$/.exec(t);
  if (m) {
    let y: number, mo: number, d: number;
    const a = +m[1], b = +m[3], c = +m[4];
    if (m[1].length === 4) {
      y = a; mo = b; d = c;
    } else if (m[2] === '.' || a > 12) {
      d = a; mo = b; y = year4(c);
    } else {
      mo = a; d = b; y = year4(c);
    }
    let h = +m[5];
    if (m[8]) {
      const pm = m[8].toLowerCase() === 'pm';
      if (h === 12) h = pm ? 12 : 0;
      else if (pm) h += 12;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23) return undefined;
    return msToRel(Date.UTC(y, mo - 1, d, h, +m[6], +m[7]), timeBase);
  }
  m = /^[A-Za-z]{3},?\s+([A-Za-z]{3})\s+(\d{1,2}),?\s+(\d{1,2}):(\d{2}):(\d{2})(?:\s+[A-Za-z][A-Za-z0-9+-]*)?\s+(\d{4})$/.exec(t);
  if (m) {
    const mo = monthIndex(m[1]);
    if (mo === undefined) return undefined;
    return msToRel(Date.UTC(+m[6], mo, +m[2], +m[3], +m[4], +m[5]), timeBase);
  }
  return undefined;
}

/** Ops-weighted mean of the read and write latencies; undefined when neither applies. */
export function meanLatency(readOps: number, readLat: number | undefined, writeOps: number, writeLat: number | undefined): number | undefined {
  let w = 0;
  let s = 0;
  if (readLat !== undefined && Number.isFinite(readLat) && readOps > 0) {
    w += readOps;
    s += readOps * readLat;
  }
  if (writeLat !== undefined && Number.isFinite(writeLat) && writeOps > 0) {
    w += writeOps;
    s += writeOps * writeLat;
  }
  if (w > 0) return s / w;
  if (readLat !== undefined || writeLat !== undefined) return 0;
  return undefined;
}

/** One row of a block, before its duration is known. */
export interface PendingRow {
  kind: 'zone' | 'device';
  name: string;
  device?: string;
  /** Column name (normalised by the parser) → value as printed. */
  values: Map<string, number>;
  line: number;
}

/** Turns a row into a sample once the block's duration is known; a string is a skip reason. */
export type RowConverter = (row: PendingRow, startNs: number, durationNs: number) => IntervalSample | string;

/**
 * Collects the rows of one report at a time and emits them as IntervalSamples with a start and
 * duration. Memory: one block of rows.
 */
export class BlockAssembler {
  private rows = new Map<string, PendingRow>();
  private blockTs: number | undefined;
  private prevTs: number | undefined;
  private prevEnd = 0;
  private blockIndex = 0;
  private assumedInterval = false;
  private droppedFirst = false;
  private badDurations = 0;
  private readonly intervalNs: number;

  constructor(
    private readonly sink: RecordSink,
    private readonly opts: ParserOptions,
    private readonly tool: string,
    private readonly convert: RowConverter,
    /** false for inputs whose first block is not since boot (none today; kept for io.stat-like tools). */
    private readonly firstIsSinceBoot = true,
  ) {
    const iv = opts.intervalNs;
    this.intervalNs = iv !== undefined && Number.isFinite(iv) && iv > 0 ? iv : DEFAULT_INTERVAL_NS;
  }

  /** A timestamp line: it belongs to the next block (ends the current one if it has rows). */
  timestamp(relNs: number): void {
    if (this.rows.size > 0) this.flush();
    if (Number.isFinite(relNs)) {
      this.blockTs = relNs;
    }
  }

  /** A banner or header that starts a new report. */
  boundary(): void {
    if (this.rows.size > 0) this.flush();
  }

  has(key: string): boolean {
    return this.rows.has(key);
  }

  get size(): number {
    return this.rows.size;
  }

  /** Adds a row; if the key is already in the block, its values are merged (later wins). */
  add(key: string, row: PendingRow): void {
    const prev = this.rows.get(key);
    if (prev) {
      for (const [k, v] of row.values) prev.values.set(k, v);
    } else {
      this.rows.set(key, row);
    }
  }

  end(): void {
    if (this.rows.size > 0) this.flush();
    if (this.droppedFirst) {
      this.sink.warn(
        `${this.tool}: dropped the first report: it averages everything since boot, not an interval (--keep-first keeps it)`,
      );
    }
    if (this.assumedInterval) {
      this.sink.warn(
        `${this.tool}: the output has no timestamps, so reports were taken to be ${this.intervalNs / NS_PER_S} s apart` +
          (this.opts.intervalNs ? ' (--interval)' : ' (assumed; pass --interval with the tool\'s interval)'),
      );
    }
    if (this.badDurations > 0) {
      this.sink.warn(
        `${this.tool}: ${this.badDurations} timestamp(s) did not advance; those reports were taken to be ${this.intervalNs / NS_PER_S} s long`,
      );
    }
  }

  private flush(): void {
    const k = this.blockIndex++;
    const ts = this.blockTs;
    this.blockTs = undefined;
    let dur = this.intervalNs;
    let fromTs = false;
    let start: number;
    if (ts !== undefined) {
      if (this.prevTs !== undefined) {
        if (ts > this.prevTs) {
          dur = ts - this.prevTs;
          fromTs = true;
        } else this.badDurations++;
      }
      start = ts - dur;
      this.prevTs = ts;
    } else {
      start = this.prevEnd;
    }
    this.prevEnd = start + dur;
    const rows = this.rows;
    this.rows = new Map();
    if (k === 0 && this.firstIsSinceBoot && !this.opts.keepFirst) {
      this.droppedFirst = true;
      return;
    }
    if (!fromTs && !this.opts.intervalNs) this.assumedInterval = true;
    for (const row of rows.values()) {
      const s = this.convert(row, start, dur);
      if (typeof s === 'string') this.sink.skip(row.line, 'MISSING_COLUMN', s);
      else if (!countsAreSane(s)) this.sink.skip(row.line, 'NEGATIVE', `${this.tool}: a negative or non-finite rate or count (a corrupt row)`);
      else this.sink.interval(s);
    }
  }
}

/** Ops and bytes that can be counts: finite and not negative. */
function countsAreSane(s: IntervalSample): boolean {
  return s.readOps >= 0 && s.writeOps >= 0 && s.readBytes >= 0 && s.writeBytes >= 0 && Number.isFinite(s.readOps + s.writeOps + s.readBytes + s.writeBytes);
}

/**
 * Zone names as the SmartOS tools print them: truncated to 8 characters and followed by
 * `(zoneid)`. Two zones whose truncated names collide are told apart as `name(id)`.
 */
export class ZoneNamer {
  private ids = new Map<string, string>();
  private collided = new Set<string>();
  constructor(private readonly sink: RecordSink, private readonly tool: string) {}

  name(short: string, id: string | undefined): string {
    if (id === undefined) return short;
    const prev = this.ids.get(short);
    if (prev === undefined) {
      this.ids.set(short, id);
      return short;
    }
    if (prev === id) return short;
    if (!this.collided.has(short)) {
      this.collided.add(short);
      this.sink.warn(
        `${this.tool}: two zones print as "${short}" (ids ${prev} and ${id}); the second is reported as "${short}(${id})"`,
      );
    }
    return `${short}(${id})`;
  }
}

/**
 * Splits a SmartOS zone tool's text row into its numbers and zone: `<n numbers> <name> (<id>)`.
 * Returns undefined when the shape does not match.
 */
export function splitZoneRow(toks: string[], nNumbers: number): { nums: number[]; zone: string; id?: string } | undefined {
  if (toks.length < nNumbers + 1) return undefined;
  const nums: number[] = [];
  for (let i = 0; i < nNumbers; i++) {
    const v = num(toks[i]);
    if (!Number.isFinite(v)) return undefined;
    nums.push(v);
  }
  const rest = toks.slice(nNumbers);
  let id: string | undefined;
  const last = rest[rest.length - 1];
  const m = /^\((\d+)\)$/.exec(last);
  if (m && rest.length >= 2) {
    id = m[1];
    rest.pop();
  } else {
    // `name(id)` touching, when the name is exactly 8 chars and the printf had no space
    const t = /^(.+)\((\d+)\)$/.exec(last);
    if (t && rest.length === 1) {
      return { nums, zone: t[1], id: t[2] };
    }
  }
  if (rest.length !== 1) return undefined;
  return { nums, zone: rest[0], id };
}

/** Header token normalisation shared by the SmartOS tools: `r/i` → `r/s` (per interval), `Mr/s` → `kr/s` scale. */
export interface HeaderInfo {
  cols: string[];
  perInterval: boolean;
  /** Bytes per unit of the k/M columns (1024 for k, 1048576 for M). */
  byteUnit: number;
}

/** Normalises rate column names: `r/i`→`r/s`, `Mr/s`/`kr/i`→`kr/s` etc.; reports the units. */
export function normaliseRateHeader(cols: string[]): HeaderInfo {
  let perInterval = false;
  let byteUnit = 1024;
  const out = cols.map((c) => {
    let n = c;
    if (/\/i$/.test(n)) {
      perInterval = true;
      n = n.slice(0, -2) + '/s';
    }
    const m = /^([kM])([rw])\/s$/.exec(n);
    if (m) {
      if (m[1] === 'M') byteUnit = 1024 * 1024;
      n = `k${m[2]}/s`;
    }
    return n;
  });
  return { cols: out, perInterval, byteUnit };
}

// Private keys inside a row's value map (never a column name: they start with NUL).
export const K_PER_INTERVAL = '\0pi';
export const K_BYTE_UNIT = '\0bu';

export interface ZoneToolConfig {
  tool: string;
  /** Column names (normalised) assumed before any header is seen; the last is `zone`. */
  defaultCols: string[];
  isTextHeader(toks: string[]): boolean;
  isCsvHeader(line: string): boolean;
  convert: RowConverter;
  /** Picks the columns from the first data row when no header has been seen (pasted without one). */
  guessCols?(toks: string[]): string[];
  /** Called with the normalised header; may set private keys copied into every row; returns a warning to print once. */
  onHeader?(cols: string[], extra: Map<string, number>): string | undefined;
}

/**
 * Parser for the SmartOS per-zone tools (vfsstat, ziostat): text rows `<numbers> <zone8> (<id>)`
 * under a header repeated per report, or `-r` CSV whose rows carry one more field (the zone id)
 * than the header. A zone seen twice in one report starts the next report (tools without -Z
 * print one row per report and a header only every 21 reports).
 */
export function createZoneToolParser(sink: RecordSink, opts: ParserOptions, cfg: ZoneToolConfig): Parser {
  const namer = new ZoneNamer(sink, cfg.tool);
  const asm = new BlockAssembler(sink, opts, cfg.tool, cfg.convert);
  let cols = cfg.defaultCols;
  let extra = new Map<string, number>();
  let perInterval = false;
  let byteUnit = 1024;
  let csv = false;
  let sawHeader = false;
  const warned = new Set<string>();

  const setHeader = (raw: string[]) => {
    sawHeader = true;
    const h = normaliseRateHeader(raw.map((c) => c.trim()));
    cols = h.cols;
    perInterval = h.perInterval;
    byteUnit = h.byteUnit;
    extra = new Map();
    const w = cfg.onHeader?.(cols, extra);
    if (w && !warned.has(w)) {
      warned.add(w);
      sink.warn(w);
    }
  };
  if (cfg.onHeader) {
    setHeader(cfg.defaultCols);
    sawHeader = false;
  }

  const addRow = (nums: number[], zoneShort: string, id: string | undefined, lineNo: number) => {
    const name = namer.name(zoneShort, id);
    if (asm.has(name)) asm.boundary();
    const values = new Map<string, number>();
    for (let i = 0; i < nums.length && i < cols.length - 1; i++) values.set(cols[i], nums[i]);
    values.set(K_PER_INTERVAL, perInterval ? 1 : 0);
    values.set(K_BYTE_UNIT, byteUnit);
    for (const [k, v] of extra) values.set(k, v);
    asm.add(name, { kind: 'zone', name, values, line: lineNo });
  };

  return lineParser(
    (text, lineNo) => {
      const t = text.trim();
      if (t === '') return;
      if (cfg.isCsvHeader(t)) {
        csv = true;
        setHeader(t.split(','));
        asm.boundary();
        return;
      }
      if (!csv || !t.includes(',')) {
        const toks = tokens(t);
        if (cfg.isTextHeader(toks)) {
          csv = false;
          setHeader(toks);
          asm.boundary();
          return;
        }
        if (!sawHeader && cfg.guessCols) {
          setHeader(cfg.guessCols(toks));
          sawHeader = true;
        }
        const nNum = cols.length - 1;
        const r = splitZoneRow(toks, nNum);
        if (!r) {
          sink.skip(lineNo, 'BAD_ROW', `${cfg.tool}: expected ${nNum} numbers then "zone (id)", found ${show(text)}`);
          return;
        }
        addRow(r.nums, r.zone, r.id, lineNo);
        return;
      }
      const nNum = cols.length - 1;
      const f = t.split(',');
      if (f.length !== nNum + 2 && f.length !== nNum + 1) {
        sink.skip(lineNo, 'FIELD_COUNT', `${cfg.tool} -r: expected ${nNum + 2} comma-separated fields (the header's ${nNum + 1} plus the zone id), found ${f.length}`);
        return;
      }
      const nums: number[] = [];
      for (let i = 0; i < nNum; i++) {
        const v = num(f[i].trim());
        if (!Number.isFinite(v)) {
          sink.skip(lineNo, 'NOT_A_NUMBER', `${cfg.tool} -r: field ${i + 1} (${cols[i]}) is not a number: ${show(f[i])}`);
          return;
        }
        nums.push(v);
      }
      const zone = f[nNum].trim();
      const id = f.length === nNum + 2 ? f[nNum + 1].trim() : undefined;
      if (zone === '' || (id !== undefined && !/^\d+$/.test(id))) {
        sink.skip(lineNo, 'NOT_A_NUMBER', `${cfg.tool} -r: expected a zone name and a numeric zone id, found ${show(f.slice(nNum).join(','))}`);
        return;
      }
      addRow(nums, zone, id, lineNo);
    },
    () => asm.end(),
  );
}
