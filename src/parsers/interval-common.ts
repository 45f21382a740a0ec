// Shared helpers for the interval-tool parsers (vfsstat, ziostat, iostat illumos/Linux, sysstat
// JSON, cgroup io.stat): number and timestamp parsing, and the BlockAssembler that turns the
// rows of one report ("block") into IntervalSample records with a start and a duration.
//
// Interval tools print one block per interval. The first block averages everything since boot;
// it is dropped unless --keep-first, or unless it is the only block (a pasted single report),
// which is then read with a warning that it averages since boot. When the tool prints
// timestamps, a block's duration is the gap to the previous timestamp; otherwise blocks are
// consecutive and --interval long (else the interval on a pasted command line, else the tool's
// default), and a warning says which.

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

/** A command typed at a shell prompt, as pasted with a tool's output. */
export interface PromptCommand {
  /** The command's base name without a directory or `.py` (`./biolatency.py` → `biolatency`). */
  tool: string;
  args: string[];
  /** The command line as typed. */
  text: string;
}

// `[root@node01 ~] # cmd`, `[root@node01 ~]# cmd`, `user@host:~$ cmd`, `host# cmd`, `# cmd`, `$ cmd`
const PROMPT_RE = /^\s*(?:\[[^\]\n]*\]\s*[#$%>]?|[\w.-]+@[\w.-]+(?::[^\s#$%>]*)?\s*[#$%>]|[\w.-]*[#$%>])\s*(\S.*)$/;

/**
 * A shell prompt line followed by a command (`# ./biolatency -Q`, `[root@host ~] iostat -xn 5`),
 * or undefined. Callers look only for their own tool's name, so a `#` comment is harmless.
 */
export function parsePrompt(line: string): PromptCommand | undefined {
  const m = PROMPT_RE.exec(line);
  if (!m) return undefined;
  let words = m[1].trim().split(/\s+/);
  // `sudo -E ./biolatency -Q`, `time iostat -x 5`: the command is the first word after these
  while (words.length > 1 && /^(?:sudo|doas|env|time|nice|ionice|exec|command)$/.test(words[0].replace(/^.*\//, ''))) {
    words = words.slice(1);
    while (words.length > 1 && (words[0].startsWith('-') || /^\w+=/.test(words[0]))) words = words.slice(1);
  }
  const base = words[0].replace(/^.*\//, '').replace(/\.(?:py|bt|d|sh)$/, '');
  if (!/^[A-Za-z][\w.-]*$/.test(base)) return undefined;
  return { tool: base, args: words.slice(1), text: m[1].trim() };
}

/**
 * The interval (ns) of an `[interval [count]]` command line, or undefined: the first of the
 * trailing numbers, unless it is the argument of an option listed in `optionsWithArg`.
 */
export function promptIntervalNs(cmd: PromptCommand, optionsWithArg: string[] = []): number | undefined {
  // up to a pipe, redirection or the next command: `iostat -xn 5 | iofair analyze -`
  const cut = cmd.args.findIndex((x) => /^[|>;&]/.test(x));
  const args = cut >= 0 ? cmd.args.slice(0, cut) : cmd.args;
  let i = args.length;
  while (i > 0 && /^\d+(?:\.\d+)?$/.test(args[i - 1])) i--;
  let first = i;
  if (first > 0 && optionsWithArg.includes(args[first - 1])) first++;
  if (first >= args.length) return undefined;
  const v = Number(args[first]);
  return v > 0 ? v * NS_PER_S : undefined;
}

// eslint-disable-next-line no-control-regex
const ANSI_RE = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** The line without terminal escapes (top-like tools clear the screen before each refresh). */
export function stripAnsi(line: string): string {
  return line.includes('\x1b') ? line.replace(ANSI_RE, '') : line;
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

/**
 * Whether a report's length was assumed rather than read: not, because the output has no
 * timestamps, or because it is the first timestamped report (no earlier timestamp to measure from).
 */
type AssumedLength = 'no' | 'no timestamps' | 'first report';

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
  private badDurations = 0;
  private intervalNs: number;
  /** Where intervalNs came from when not --interval: a pasted command line. */
  private intervalFrom: string | undefined;
  /** The since-boot first block, held until a second block shows it is not the only one. */
  private first: { rows: Map<string, PendingRow>; start: number; dur: number; assumed: AssumedLength } | null = null;
  /** The first timestamped report was emitted with an assumed length (no earlier timestamp). */
  private assumedFirst = false;
  private firstDropped = false;
  private startNs: number | undefined;

  constructor(
    private readonly sink: RecordSink,
    private readonly opts: ParserOptions,
    private readonly tool: string,
    private readonly convert: RowConverter,
    /** false for tools whose first report covers the first interval (pidstat, top-like tools). */
    private readonly firstIsSinceBoot = true,
    /** The tool's own default interval, used when neither --interval nor a command line says. */
    defaultIntervalNs = DEFAULT_INTERVAL_NS,
  ) {
    const iv = opts.intervalNs;
    this.intervalNs = iv !== undefined && Number.isFinite(iv) && iv > 0 ? iv : defaultIntervalNs;
  }

  /**
   * The interval read from a pasted command line (`vfsstat -M -Z 5`); --interval wins. Takes
   * effect for the reports that follow.
   */
  commandInterval(ns: number, commandLine: string): void {
    if (this.opts.intervalNs || !(ns > 0)) return;
    this.intervalNs = ns;
    this.intervalFrom = commandLine;
  }

  get(key: string): PendingRow | undefined {
    return this.rows.get(key);
  }

  /**
   * The start of the current report, when the tool prints it (pidstat's header carries the time
   * its interval began): gives the first report its length without assuming one.
   */
  startedAt(ns: number): void {
    if (Number.isFinite(ns)) this.startNs = ns;
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
    if (this.first) {
      // the only report: read it rather than nothing, and say what it is
      const f = this.first;
      this.first = null;
      this.emit(f.rows, f.start, f.dur, f.assumed);
      this.sink.warn(
        `${this.tool}: the input has a single report, which averages everything since boot (or since the device or zone appeared), ` +
          `not one interval: its rates are read as since-boot averages, and ops and bytes as those rates over one ${fmtSeconds(f.dur)} interval`,
      );
    }
    if (this.firstDropped) {
      this.sink.warn(
        `${this.tool}: dropped the first report: it averages everything since boot, not an interval (--keep-first keeps it)`,
      );
    }
    if (this.assumedInterval) {
      const why = this.intervalFrom
          ? ` (from the pasted command line "${this.intervalFrom}"; --interval overrides)`
          : ' (assumed; pass --interval with the tool\'s interval)';
      this.sink.warn(`${this.tool}: the output has no timestamps, so reports were taken to be ${fmtSeconds(this.intervalNs)} apart${why}`);
    }
    if (this.assumedFirst) {
      const why = this.intervalFrom ? `from the pasted command line "${this.intervalFrom}"` : 'assumed; --interval sets it';
      this.sink.warn(`${this.tool}: the first report's length is not in the output (no earlier timestamp): taken to be ${fmtSeconds(this.intervalNs)} (${why})`);
    }
    if (this.badDurations > 0) {
      this.sink.warn(
        `${this.tool}: ${this.badDurations} timestamp(s) did not advance; those reports were taken to be ${fmtSeconds(this.intervalNs)} long`,
      );
    }
  }

  private flush(): void {
    const k = this.blockIndex++;
    const ts = this.blockTs;
    const startedAt = this.startNs;
    this.blockTs = undefined;
    this.startNs = undefined;
    let dur = this.intervalNs;
    let fromTs = false;
    let start: number;
    if (ts !== undefined) {
      if (this.prevTs !== undefined) {
        if (ts > this.prevTs) {
          dur = ts - this.prevTs;
          fromTs = true;
        } else this.badDurations++;
      } else if (startedAt !== undefined && ts > startedAt) {
        dur = ts - startedAt;
        fromTs = true;
      }
      start = ts - dur;
      this.prevTs = ts;
    } else {
      start = this.prevEnd;
    }
    this.prevEnd = start + dur;
    const rows = this.rows;
    this.rows = new Map();
    const assumed: AssumedLength = fromTs || this.opts.intervalNs ? 'no' : ts === undefined ? 'no timestamps' : 'first report';
    if (k === 0 && this.firstIsSinceBoot && !this.opts.keepFirst) {
      this.first = { rows, start, dur, assumed };
      return;
    }
    if (this.first) {
      this.first = null;
      this.firstDropped = true;
    }
    this.emit(rows, start, dur, assumed);
  }

  private emit(rows: Map<string, PendingRow>, start: number, dur: number, assumed: AssumedLength): void {
    if (assumed === 'no timestamps') this.assumedInterval = true;
    else if (assumed === 'first report') this.assumedFirst = true;
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

/** `5 s`, `0.5 s`. */
export function fmtSeconds(ns: number): string {
  return `${Number((ns / NS_PER_S).toPrecision(6))} s`;
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
  /** Options of the tool that take an argument (to find `[interval [count]]` on a pasted command line). */
  optionsWithArg?: string[];
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
  let headerless = false;

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
        const cmd = parsePrompt(t);
        if (cmd && cmd.tool === cfg.tool) {
          const iv = promptIntervalNs(cmd, cfg.optionsWithArg);
          if (iv) asm.commandInterval(iv, cmd.text);
          return;
        }
        if (!sawHeader && cfg.guessCols) {
          setHeader(cfg.guessCols(toks));
          sawHeader = true;
          headerless = true;
        }
        const nNum = cols.length - 1;
        const r = splitZoneRow(toks, nNum);
        if (!r) {
          sink.skip(lineNo, 'BAD_ROW', `${cfg.tool}: expected ${nNum} numbers then "zone (id)", found ${show(text)}`);
          return;
        }
        if (!sawHeader) headerless = true;
        if (headerless && !warned.has('\0headerless')) {
          warned.add('\0headerless');
          sink.warn(
            `${cfg.tool}: rows without a header line: columns assumed to be ${cols.join(' ')} ` +
              `(byte columns in KiB; a -M or -I paste needs its header to be read right)`,
          );
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
