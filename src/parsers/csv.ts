// CSV traces: one IO per row, columns found by header name (see resolveColumns).
//
// Plain lines (no quote character) are split by hand: csv-parse streams arrays at ~30 MB/s on the
// development machine, a byte splitter at ~365 MB/s. Lines with a quote go to
// csv-parse, which also handles quoted fields spanning lines; test/csv.test.ts property-tests that
// both paths give the same fields.

import { parse as csvParseSync } from 'csv-parse/sync';
import type { Op, RecordSink } from '../records.js';
import type { InputFormat, Parser, ParserOptions } from './types.js';
import { MAX_LINE_BYTES, NUL_REASON } from './lines.js';
import { opOf, timeUnitNs } from './vocabulary.js';

type Role = 'issue' | 'done' | 'latency' | 'zone' | 'device' | 'op' | 'bytes' | 'offset' | 'pid' | 'weight';

const ROLE_NAMES: [Role, string[]][] = [
  ['issue', ['issue', 'start', 'issue_time', 'start_time', 'stime']],
  ['done', ['done', 'end', 'done_time', 'end_time', 'timestamp', 'time', 'ts', 'complete']],
  ['latency', ['latency', 'lat', 'delta', 'elapsed']],
  ['zone', ['zone', 'zonename', 'cgroup', 'container', 'tenant']],
  ['device', ['device', 'dev', 'disk']],
  ['op', ['op', 'rw', 'dir', 'type']],
  ['bytes', ['bytes', 'size', 'b_bcount']],
  ['offset', ['offset', 'off']],
  ['pid', ['pid']],
  ['weight', ['weight', 'priority']],
];
/** Lines a quoted field may span (a zone name with a newline in it); beyond, its quote is stray. */
const MAX_QUOTED_LINES = 16;

// field roles of the fast path; the numeric ones first
const F_DONE = 1, F_ISSUE = 2, F_LAT = 3, F_BYTES = 4, F_OFFSET = 5, F_ZONE = 6, F_DEV = 7, F_OP = 8;
const TIME_ROLES = new Set<Role>(['issue', 'done', 'latency']);

interface Column {
  index: number;
  nsPerUnit: number;
}

/** Split "done_us" / "latency(us)" / "ts" into base name and unit. */
function splitUnit(raw: string): { base: string; unit?: string } {
  const n = raw.trim().toLowerCase().replace(/^"|"$/g, '');
  const m = /^(.*?)(?:[_ (\[]?(ns|us|µs|ms|s)\)?\]?)$/.exec(n);
  if (m && m[1] && roleOf(m[1])) return { base: m[1], unit: m[2] };
  return { base: n };
}

function roleOf(base: string): Role | undefined {
  for (const [role, names] of ROLE_NAMES) if (names.includes(base)) return role;
  return undefined;
}

interface ResolvedColumns {
  cols: Map<Role, Column>;
  problems: string[];
}

/** Map header cells to roles. `overrides` is --columns (role → column name). */
function resolveColumns(header: string[], opts: Pick<ParserOptions, 'columns' | 'timeUnitNs'>): ResolvedColumns {
  const cols = new Map<Role, Column>();
  const defaultUnit = opts.timeUnitNs ?? 1;
  const lower = header.map((h) => h.trim().toLowerCase());
  const unitOf = (cell: string) => {
    const u = splitUnit(cell).unit;
    return u ? timeUnitNs(u)! : defaultUnit;
  };
  header.forEach((cell, index) => {
    const { base } = splitUnit(cell);
    const role = roleOf(base);
    if (role && !cols.has(role)) cols.set(role, { index, nsPerUnit: TIME_ROLES.has(role) ? unitOf(cell) : 1 });
  });
  const problems: string[] = [];
  for (const [roleName, colName] of opts.columns ?? []) {
    const role = ROLE_NAMES.find(([r]) => r === roleName)?.[0];
    if (!role) {
      problems.push(`--columns: unknown field '${roleName}' (expected one of ${ROLE_NAMES.map(([r]) => r).join(', ')})`);
      continue;
    }
    const index = lower.indexOf(colName.trim().toLowerCase());
    if (index < 0) {
      problems.push(`--columns: the header has no column '${colName}' (it has: ${header.join(', ')})`);
      continue;
    }
    cols.set(role, { index, nsPerUnit: TIME_ROLES.has(role) ? unitOf(header[index]) : 1 });
  }
  if (!cols.has('done')) problems.push('no completion-time column (done, end, timestamp, time or ts)');
  if (!cols.has('issue') && !cols.has('latency')) problems.push('no issue-time column (issue, start) and no latency column (latency, lat, delta, elapsed)');
  if (!cols.has('zone')) problems.push('no zone column (zone, zonename, cgroup, container or tenant)');
  if (!cols.has('bytes')) problems.push('no size column (bytes, size or b_bcount)');
  return { cols, problems };
}

function detectDelimiter(line: string): string {
  if (line.includes(',')) return ',';
  if (line.includes('\t')) return '\t';
  if (line.includes(';')) return ';';
  return ',';
}

/** Fields of one record line (no quotes) split by the delimiter, cells trimmed of spaces. */
export function splitPlain(line: string, delim: string): string[] {
  const out = line.split(delim);
  for (let i = 0; i < out.length; i++) {
    const c = out[i];
    if (c.charCodeAt(0) === 32 || c.charCodeAt(c.length - 1) === 32) out[i] = c.trim();
  }
  return out;
}

/** Fields of one logical record that contains quotes, by csv-parse. */
export function splitQuoted(text: string, delim: string): string[] {
  const rows = csvParseSync(text, { delimiter: delim, relax_column_count: true, trim: true, max_record_size: 1 << 20 }) as string[][];
  return rows[0] ?? [];
}

function create(sink: RecordSink, opts: ParserOptions): Parser {
  let header: string[] | null = null;
  let headerLine = '';
  let delim = ',';
  let cols: Map<Role, Column> | null = null;
  let fatal = false;
  // a record whose quoted field spans lines: its lines so far, their numbers, its size
  let quoted: string[] = [];
  let quotedNos: number[] = [];
  let quotedBytes = 0;
  let quotedTruncated = false;
  const tb = opts.timeBase;
  let iIssue = -1, iDone = -1, iLat = -1, iZone = -1, iDev = -1, iOp = -1, iBytes = -1, iWeight = -1, iOffset = -1;
  let uIssue = 1, uDone = 1, uLat = 1;
  let colRole = new Uint8Array(0);
  let fastOk = false;
  let delimByte = 44;
  const zoneCache: [Buffer, string][] = [];
  const devCache: [Buffer, string][] = [];

  /** A text field the fast path may take as is: no space to trim at its ends. */
  function untrimmed(d: Buffer, a: number, b: number): boolean {
    return d[a] !== 32 && d[b - 1] !== 32;
  }

  /** A cached string equal to the UTF-8 bytes d[a, b), so the core gets the same few zone strings. */
  function intern(cache: [Buffer, string][], d: Buffer, a: number, b: number): string {
    const len = b - a;
    outer: for (let k = 0; k < cache.length; k++) {
      const c = cache[k][0];
      if (c.length !== len) continue;
      for (let j = 0; j < len; j++) if (c[j] !== d[a + j]) continue outer;
      return cache[k][1];
    }
    const v = d.toString('utf8', a, b);
    if (cache.length < 64) cache.push([Buffer.from(d.subarray(a, b)), v]);
    return v;
  }

  /**
   * The fast path for plain records, on the input's bytes: one pass over the line finds its
   * fields and its end, with no line or field strings but the interned zone and device (reading
   * a 1 MB chunk's bytes is ~5× faster than charCodeAt over its string). Finding the line's end
   * in the same pass is ~12 % faster than a Buffer.indexOf first; reading the digits during the
   * scan instead of after it is ~30 % slower. Returns the index of the line's newline when the
   * line was a record and went to the sink; -1 for anything unusual (quotes, NUL bytes, spaces,
   * signs, decimals, a bad value, no newline in d), which takes the general path, which also
   * words the error.
   */
  function fastLine(d: Buffer, start: number, special: number): number {
    if (!fastOk || header === null || fatal || quoted.length !== 0) return -1;
    let issue = NaN, done = NaN, lat = NaN, bytes = NaN, offset = NaN;
    let zone = '';
    let dev = 'all';
    let op: Op = 'R';
    let pos = start;
    let col = 0;
    const ncols = colRole.length;
    const n = d.length;
    const dl = delimByte;
    for (;;) {
      const role = col < ncols ? colRole[col] : 0;
      let fe = pos;
      let c = 0;
      while (fe < n && (c = d[fe]) !== dl && c !== 10) fe++;
      if (fe >= n) return -1; // no newline in d: the caller keeps the tail
      // the field's end, before a CR of a CRLF line end
      const e = c === 10 && fe > pos && d[fe - 1] === 13 ? fe - 1 : fe;
      if (role === 0) {
        // a column iofair does not use
      } else if (role <= F_OFFSET) {
        // a non-negative integer: hi = all but the last 9 digits, lo = the last 9
        const len = e - pos;
        if (len === 0 || len > 24) return -1; // hi stays exact (≤ 15 digits)
        let hi = 0;
        let lo = 0;
        const split = e - 9;
        for (let i = pos; i < e; i++) {
          const v = d[i] - 48;
          if (v < 0 || v > 9) return -1;
          if (i < split) hi = hi * 10 + v;
          else lo = lo * 10 + v;
        }
        if (role === F_BYTES) bytes = hi * 1e9 + lo;
        else if (role === F_OFFSET) offset = hi * 1e9 + lo;
        else if (role === F_DONE) done = tb.fromParts(hi, lo, uDone);
        else if (role === F_ISSUE) issue = tb.fromParts(hi, lo, uIssue);
        else lat = (hi * 1e9 + lo) * uLat;
      } else {
        if (e === pos) return -1;
        if (role === F_ZONE) {
          if (untrimmed(d, pos, e)) zone = intern(zoneCache, d, pos, e);
          else return -1;
        } else if (role === F_DEV) {
          if (untrimmed(d, pos, e)) dev = intern(devCache, d, pos, e);
          else return -1;
        } else {
          if (e - pos !== 1) return -1;
          const o = d[pos] | 32; // lower case
          if (o === 114) op = 'R';
          else if (o === 119) op = 'W';
          else return -1;
        }
      }
      col++;
      if (c === 10) {
        if (col < ncols) return -1;
        if (special >= start && special < fe) return -1; // a quote (csv-parse's business) or a NUL byte
        if (iIssue < 0) issue = done - lat;
        if (!(done >= issue)) return -1;
        sink.io(zone, dev, op, bytes, issue, done, undefined, offset);
        return fe;
      }
      pos = fe + 1;
    }
  }

  function onHeader(cells: string[], lineNo: number): void {
    header = cells;
    const r = resolveColumns(cells, opts);
    if (r.problems.length) {
      fatal = true;
      sink.skip(lineNo, 'BAD_HEADER', `CSV header '${cells.join(',')}' is unusable: ${r.problems.join('; ')}. Use --columns ROLE=COL to map columns`);
      return;
    }
    cols = r.cols;
    const g = (role: Role) => cols!.get(role);
    iIssue = g('issue')?.index ?? -1;
    uIssue = g('issue')?.nsPerUnit ?? 1;
    iDone = g('done')!.index;
    uDone = g('done')!.nsPerUnit;
    iLat = g('latency')?.index ?? -1;
    uLat = g('latency')?.nsPerUnit ?? 1;
    iZone = g('zone')!.index;
    iDev = g('device')?.index ?? -1;
    iOp = g('op')?.index ?? -1;
    iBytes = g('bytes')!.index;
    iWeight = g('weight')?.index ?? -1;
    iOffset = g('offset')?.index ?? -1;
    colRole = new Uint8Array(cells.length);
    const mark = (i: number, r: number) => {
      if (i >= 0) colRole[i] = r;
    };
    mark(iIssue, F_ISSUE);
    mark(iDone, F_DONE);
    mark(iLat, F_LAT);
    mark(iZone, F_ZONE);
    mark(iDev, F_DEV);
    mark(iOp, F_OP);
    mark(iBytes, F_BYTES);
    mark(iOffset, F_OFFSET);
    delimByte = delim.charCodeAt(0);
    fastOk = iWeight < 0 && delim.length === 1 && [uIssue, uDone, uLat].every((u) => Number.isInteger(u));
    if (iDev < 0) sink.warn(`CSV has no device column: all IO is taken to be on one device named "all"`);
    if (iOp < 0) sink.warn(`CSV has no op column: every IO is counted as a read`);
  }

  function record(f: string[], lineNo: number): void {
    const name = (i: number) => header![i];
    const need = Math.max(iIssue, iDone, iLat, iZone, iDev, iOp, iBytes);
    if (f.length <= need) {
      sink.skip(lineNo, 'FIELD_COUNT', `expected ${header!.length} fields, found ${f.length}`);
      return;
    }
    const done = tb.toNs(f[iDone], uDone);
    if (Number.isNaN(done)) return sink.skip(lineNo, 'NOT_A_NUMBER', `${name(iDone)} '${f[iDone]}' is not a number`);
    let issue: number;
    if (iIssue >= 0) {
      issue = tb.toNs(f[iIssue], uIssue);
      if (Number.isNaN(issue)) return sink.skip(lineNo, 'NOT_A_NUMBER', `${name(iIssue)} '${f[iIssue]}' is not a number`);
    } else {
      const lat = Number(f[iLat]) * uLat;
      if (f[iLat] === '' || !Number.isFinite(lat)) return sink.skip(lineNo, 'NOT_A_NUMBER', `${name(iLat)} '${f[iLat]}' is not a number`);
      if (lat < 0) return sink.skip(lineNo, 'NEGATIVE', `${name(iLat)} ${f[iLat]} is negative`);
      issue = done - Math.round(lat);
    }
    if (done < issue) return sink.skip(lineNo, 'DONE_BEFORE_ISSUE', `done (${f[iDone]}) is before issue (${iIssue >= 0 ? f[iIssue] : 'done − latency'})`);
    const bytesText = f[iBytes];
    const bytes = Number(bytesText);
    if (bytesText === '' || !Number.isFinite(bytes)) return sink.skip(lineNo, 'NOT_A_NUMBER', `${name(iBytes)} '${bytesText}' is not a number`);
    if (bytes < 0) return sink.skip(lineNo, 'NEGATIVE', `${name(iBytes)} ${bytesText} is negative`);
    const zone = f[iZone];
    if (zone === '') return sink.skip(lineNo, 'EMPTY_FIELD', `${name(iZone)} is empty`);
    let op: Op = 'R';
    if (iOp >= 0) {
      const o = opOf(f[iOp]);
      if (!o) return sink.skip(lineNo, 'BAD_OP', `${name(iOp)} '${f[iOp]}' is not a read or a write (R/W, r/w, read/write)`);
      op = o;
    }
    let weight: number | undefined;
    if (iWeight >= 0 && f[iWeight] !== undefined && f[iWeight] !== '') {
      weight = Number(f[iWeight]);
      if (!Number.isFinite(weight) || weight < 0) return sink.skip(lineNo, 'NOT_A_NUMBER', `${name(iWeight)} '${f[iWeight]}' is not a non-negative number`);
    }
    let offset: number | undefined;
    if (iOffset >= 0 && f[iOffset] !== undefined && f[iOffset] !== '') {
      offset = Number(f[iOffset]);
      if (!Number.isFinite(offset)) return sink.skip(lineNo, 'NOT_A_NUMBER', `${name(iOffset)} '${f[iOffset]}' is not a number`);
      if (offset < 0) return sink.skip(lineNo, 'NEGATIVE', `${name(iOffset)} ${f[iOffset]} is negative`);
    }
    sink.io(zone, iDev >= 0 ? f[iDev] || 'all' : 'all', op, bytes, issue, done, weight, offset);
  }

  function logical(text: string, lineNo: number): void {
    if (fatal) {
      if (text.trim() !== '') sink.skip(lineNo, 'BAD_HEADER', 'no usable CSV header (see the header line)');
      return;
    }
    if (!header) {
      if (text.trim() === '' || text.startsWith('#')) return;
      headerLine = text;
      delim = detectDelimiter(text);
      const cells = text.includes('"') ? safeSplit(text, delim) : splitPlain(text, delim);
      if (!cells) return sink.skip(lineNo, 'BAD_HEADER', 'unparsable CSV header');
      onHeader(cells, lineNo);
      return;
    }
    if (text === headerLine) return; // header repeated (concatenated files)
    if (text.trim() === '' || text.charCodeAt(0) === 35 /* # */) return;
    if (!text.includes('"')) return record(splitPlain(text, delim), lineNo);
    const cells = safeSplit(text, delim);
    if (!cells) return sink.skip(lineNo, 'BAD_QUOTES', `unparsable CSV (unbalanced or misplaced quotes)`);
    record(cells, lineNo);
  }

  function onLine(text: string, lineNo: number, truncated: boolean): void {
    if (quoted.length) {
      quoted.push(text);
      quotedNos.push(lineNo);
      quotedBytes += text.length + 1;
      quotedTruncated = truncated;
      if (quoteCount(text) % 2 === 1) {
        // this line closes the open field
        const t = quoted.join('\n');
        quoted = [];
        logical(t, quotedNos[0]);
      } else if (quoted.length > MAX_QUOTED_LINES || quotedBytes > MAX_LINE_BYTES) resync();
      return;
    }
    if (truncated && header) {
      // a cut-off last line (producer killed mid-write) is never a record
      if (text.trim() !== '') sink.skip(lineNo, 'TRUNCATED', 'truncated last line (no newline at end of input)');
      return;
    }
    if (text.includes('"') && quoteCount(text) % 2 === 1) {
      quoted = [text];
      quotedNos = [lineNo];
      quotedBytes = text.length;
      quotedTruncated = truncated;
      return;
    }
    logical(text, lineNo);
  }

  /**
   * A quote that opened a field and is not closed within MAX_QUOTED_LINES lines (or the end of
   * the input) is a stray quote: its line is skipped and the lines after it are read again, each
   * on its own, so one bad quote costs one line instead of the rest of the file.
   */
  function resync(atEnd = false): void {
    const lines = quoted;
    const nos = quotedNos;
    const lastTruncated = quotedTruncated;
    quoted = [];
    sink.skip(nos[0], 'BAD_QUOTES', `a quoted field opened on this line is not closed ${atEnd ? 'by the end of the input' : `within ${MAX_QUOTED_LINES} lines`}`);
    for (let i = 1; i < lines.length; i++) onLine(lines[i], nos[i], lastTruncated && i === lines.length - 1);
  }

  // Lines are split on the bytes: a plain record never becomes a string (see fastLine()).
  // the line cut at the last chunk's end: its pieces (copies: no chunk stays alive) and length
  let rest: Buffer[] = [];
  let restLen = 0;
  let lineNo = 0;
  let first = true;
  let skipping = false;
  function writeBytes(chunk: Buffer): void {
    if (skipping) {
      const nl = chunk.indexOf(10);
      if (nl < 0) return;
      skipping = false;
      chunk = chunk.subarray(nl + 1);
    }
    if (first && chunk.length) {
      first = false;
      if (chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3); // UTF-8 BOM
    }
    if (restLen) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        // still no line end: keep the piece (joined once, at the line's end, so that small
        // chunks of a long line cost linear time)
        keep(chunk, 0);
        return;
      }
      // finish the cut line, without copying the whole chunk
      rest.push(chunk.subarray(0, nl + 1));
      const head = Buffer.concat(rest);
      rest = [];
      restLen = 0;
      lines(head);
      chunk = chunk.subarray(nl + 1);
    }
    keep(chunk, lines(chunk));
  }

  /** Parses every complete line of d; returns where the unterminated tail starts. */
  function lines(d: Buffer): number {
    let start = 0;
    // one search per chunk for quotes and NUL bytes, then only past each one found
    let quote = d.indexOf(34);
    let nul = d.indexOf(0);
    for (;;) {
      if (quote >= 0 && quote < start) quote = d.indexOf(34, start);
      if (nul >= 0 && nul < start) nul = d.indexOf(0, start);
      const nl = fastLine(d, start, nul < 0 || (quote >= 0 && quote < nul) ? quote : nul);
      if (nl >= 0) {
        ++lineNo;
        start = nl + 1;
        continue;
      }
      const e = d.indexOf(10, start);
      if (e < 0) return start;
      let end = e;
      if (end > start && d[end - 1] === 13) end--;
      if (end - start > MAX_LINE_BYTES) sink.skip(++lineNo, 'LINE_TOO_LONG', `line longer than ${MAX_LINE_BYTES} bytes`);
      else if (nul >= 0 && nul < e) sink.skip(++lineNo, 'NUL_BYTE', NUL_REASON);
      else onLine(d.toString('utf8', start, end), ++lineNo, false);
      start = e + 1;
    }
  }

  /** Keeps d's unterminated tail, from `from`, as a piece of the cut line (a copy). */
  function keep(d: Buffer, from: number): void {
    if (from >= d.length) return;
    if (restLen + d.length - from > MAX_LINE_BYTES) {
      // no newline in over 1 MiB: not a trace line; drop it up to its end
      sink.skip(++lineNo, 'LINE_TOO_LONG', `line longer than ${MAX_LINE_BYTES} bytes`);
      skipping = true;
      rest = [];
      restLen = 0;
    } else {
      rest.push(Buffer.from(d.subarray(from)));
      restLen += d.length - from;
    }
  }

  return {
    writeBytes,
    write: (text: string) => writeBytes(Buffer.from(text, 'utf8')),
    end() {
      if (restLen) {
        let text = Buffer.concat(rest).toString('utf8');
        if (text.endsWith('\r')) text = text.slice(0, -1);
        rest = [];
        restLen = 0;
        onLine(text, ++lineNo, true);
      }
      while (quoted.length) resync(true);
    },
  };
}

function quoteCount(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
}

export const csvFormat: InputFormat = {
  name: 'csv',
  fidelity: 'events',
  platform: 'neutral',
  description: 'one IO per row; header names the columns (issue_ns,done_ns,zone,device,op,bytes and common spellings)',
  sniff(head) {
    const first = head.find((l) => l.trim() !== '' && !l.startsWith('#'));
    if (!first) return 0;
    const delim = detectDelimiter(first);
    const cells = first.includes('"') ? safeSplit(first, delim) : splitPlain(first, delim);
    if (!cells || cells.length < 3) return 0;
    const r = resolveColumns(cells, {});
    const known = cells.filter((c) => roleOf(splitUnit(c).base)).length;
    if (r.problems.length === 0) return 0.8;
    return known >= 3 ? 0.5 : 0;
  },
  create,
};

/** splitQuoted, or null when csv-parse rejects the text (bad quoting). */
function safeSplit(text: string, delim: string): string[] | null {
  try {
    return splitQuoted(text, delim);
  } catch {
    return null;
  }
}
