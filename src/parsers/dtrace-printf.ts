// printf traces from D scripts in the style of Brendan Gregg's cloud scripts
// (brendangregg/dtrace-cloud-tools): a header line naming the columns, with units in parentheses,
// then one whitespace-separated line per operation. Examples:
//   zilt10k.d       ENDTIME(us) LATENCY(ns) TYPE SIZE(bytes) ZONENAME PROCESS
//   dilt.d          ENDTIME(us) LATENCY(us) DIR SIZE(bytes) PROCESS
//   zfsslowzone.d   TIME PROCESS ZONE D KB ms FILE          (TIME is %Y: "2012 Jun 28 01:44:19")
//
// Column roles are recognised by name; units come from the parentheses (ns, us, ms, s; bytes, KB,
// MB), or from the name itself for bare unit columns (`ms`, `KB`). The last column takes the
// rest of the line (file paths, process arguments). Rows whose TYPE is a file-system operation
// other than a read or a write (zilt10k also traces open/close/readdir/getattr) are not IO: they
// are counted in a warning. Any other TYPE is a bad row (BAD_OP).
// Without a zone column the zone comes from --zone-from (comm by default, i.e. PROCESS).

import type { RecordSink } from '../records.js';
import type { InputFormat, Parser, ParserOptions } from './types.js';
import { wholeLineParser } from './lines.js';
import { DtraceMessages, contentLines, dtraceDateY, intOf, looksLikeDateY, numOf } from './dtrace-common.js';
import { SIZE_UNITS, TIME_UNITS, isNonIoOp, opOf } from './vocabulary.js';
import { iosnoopLayout } from './iosnoop.js';
import { biosnoopLayout } from './biosnoop.js';

type Role = 'done' | 'start' | 'lat' | 'op' | 'bytes' | 'zone' | 'zoneid' | 'comm' | 'pid' | 'device' | 'path' | 'other';

interface Column {
  name: string;
  role: Role;
  /** ns per unit (times), bytes per unit (sizes); 0 = not stated. */
  unit: number;
  /** Tokens the column spans in a row (4 for a %Y date); set at the first row. */
  width: number;
  date: boolean;
}

const ROLE_NAMES: ReadonlyMap<string, Role> = new Map([
  ...['ENDTIME', 'TIME', 'DONE', 'END', 'ETIME', 'COMPLETION', 'TIMESTAMP', 'WALLTIME', 'ENDTS'].map((n) => [n, 'done'] as [string, Role]),
  ...['STARTTIME', 'STIME', 'START', 'ISSUE', 'STARTTS'].map((n) => [n, 'start'] as [string, Role]),
  ...['LATENCY', 'LAT', 'DELTA', 'ELAPSED', 'DURATION'].map((n) => [n, 'lat'] as [string, Role]),
  ...['TYPE', 'DIR', 'D', 'OP', 'RW', 'DIRECTION'].map((n) => [n, 'op'] as [string, Role]),
  ...['SIZE', 'BYTES', 'LEN', 'LENGTH'].map((n) => [n, 'bytes'] as [string, Role]),
  ...['ZONENAME', 'ZONE'].map((n) => [n, 'zone'] as [string, Role]),
  ['ZONEID', 'zoneid'],
  ...['PROCESS', 'COMM', 'EXECNAME', 'PROC', 'CMD'].map((n) => [n, 'comm'] as [string, Role]),
  ['PID', 'pid'],
  ...['DEVICE', 'DEV', 'DISK'].map((n) => [n, 'device'] as [string, Role]),
  ...['FILE', 'PATH', 'PATHNAME'].map((n) => [n, 'path'] as [string, Role]),
]);

const TOKEN_RE = /^([A-Za-z_%]+)(?:\(([^()\s]+)\))?$/;

/** The columns a header line announces, or null when it is not a printf-trace header. */
export function printfHeader(line: string): Column[] | null {
  // Tools with their own parser whose headers also name a time, a latency and an op or size
  if (iosnoopLayout(line) || biosnoopLayout(line)) return null;
  const toks = line.trim().split(/\s+/);
  if (toks.length < 3) return null;
  const cols: Column[] = [];
  for (const t of toks) {
    const m = TOKEN_RE.exec(t);
    if (!m) return null;
    const name = m[1].toUpperCase();
    const unitText = (m[2] ?? '').toLowerCase();
    let role: Role = ROLE_NAMES.get(name) ?? 'other';
    let unit = 0;
    if (role === 'other' && TIME_UNITS.has(m[1].toLowerCase()) && m[1].length > 1 && !m[2]) {
      // A bare unit column (`ms` in zfsslowzone.d) is a latency in that unit.
      role = 'lat';
      unit = TIME_UNITS.get(m[1].toLowerCase())!;
    } else if (role === 'other' && SIZE_UNITS.has(m[1].toLowerCase()) && m[1].length > 1 && !m[2]) {
      role = 'bytes';
      unit = SIZE_UNITS.get(m[1].toLowerCase())!;
    } else if (role === 'done' || role === 'start' || role === 'lat') {
      if (unitText) {
        const u = TIME_UNITS.get(unitText);
        if (u === undefined) return null;
        unit = u;
      }
    } else if (role === 'bytes') {
      unit = unitText ? (SIZE_UNITS.get(unitText) ?? 0) : 1;
      if (unit === 0) return null;
    }
    cols.push({ name: t, role, unit, width: 1, date: false });
  }
  const has = (r: Role) => cols.some((c) => c.role === r);
  const times = cols.filter((c) => c.role === 'done' || c.role === 'start').length;
  if (!(has('lat') || times >= 2) || times === 0) return null;
  if (!(has('op') || has('bytes') || has('zone') || has('zoneid'))) return null;
  return cols;
}

function createDtracePrintfParser(sink: RecordSink, opts: ParserOptions): Parser {
  const msgs = new DtraceMessages(sink);
  const tb = opts.timeBase;
  let cols: Column[] | null = null;
  let laidOut = false;
  let minToks = 0;
  const notes = new Set<string>();
  const nonIo = new Map<string, number>();
  let warnedNoHeader = false;
  let zoneFrom = 'comm';

  const note = (s: string) => {
    if (!notes.has(s)) {
      notes.add(s);
      sink.warn(s);
    }
  };
  const find = (r: Role) => cols!.find((c) => c.role === r);

  function setHeader(c: Column[]): void {
    cols = c;
    laidOut = false;
    const names = c.map((x) => x.name).join(' ');
    if (/^TIME PROCESS ZONE D KB ms FILE$/.test(names)) {
      note('this looks like zfsslowzone.d: only IOs slower than its threshold were traced, so shares describe slow IO only');
    }
    // Time columns without a unit are decided at the first row (a %Y date, or --time-unit).
    if (!find('zone') && !find('zoneid')) {
      const want = (opts.zoneFrom ?? 'comm').toLowerCase();
      const avail: ReadonlyMap<string, Role> = new Map([
        ['comm', 'comm'],
        ['pid', 'pid'],
        ['path', 'path'],
      ]);
      const r = avail.get(want);
      if (r && find(r)) zoneFrom = want;
      else if (find('comm')) zoneFrom = 'comm';
      else if (find('pid')) zoneFrom = 'pid';
      else zoneFrom = 'none';
      note(
        zoneFrom === 'none'
          ? "trace has no zone column and nothing to take one from: all IO attributed to zone 'unknown'"
          : `trace has no zone column: zones taken from ${find(zoneFrom === 'comm' ? 'comm' : zoneFrom === 'pid' ? 'pid' : 'path')!.name} (--zone-from ${zoneFrom})`,
      );
    }
    if (!find('device')) note("trace has no device column: all IO counted on one device 'all'");
    if (!find('bytes')) note('trace has no size column: bytes reported as 0');
  }

  function layOut(toks: string[]): void {
    let k = 0;
    for (const c of cols!) {
      if ((c.role === 'done' || c.role === 'start') && c.unit === 0 && looksLikeDateY(toks, k)) {
        c.date = true;
        c.width = 4;
        note(`${c.name} is a %Y date: 1 s resolution (read as UTC), so busy periods and device time are approximate`);
      } else if ((c.role === 'done' || c.role === 'start' || c.role === 'lat') && c.unit === 0) {
        c.unit = opts.timeUnitNs ?? 1;
        note(`${c.name} has no unit: assuming ${c.unit === 1 ? 'ns' : `${c.unit} ns per unit`} (--time-unit)`);
      }
      k += c.width;
    }
    minToks = k; // the last column may absorb more tokens
    const lat = find('lat');
    if (lat && lat.unit >= 1e6) note(`latency column ${lat.name} has ${lat.unit === 1e6 ? 'millisecond' : 'second'} resolution`);
    laidOut = true;
  }

  function onRow(text: string, lineNo: number): void {
    const toks = text.trim().split(/\s+/);
    if (!laidOut) layOut(toks);
    const c = cols!;
    if (toks.length < minToks) {
      sink.skip(lineNo, 'FIELD_COUNT', `expected ${minToks} fields (${c.map((x) => x.name).join(' ')}), found ${toks.length}`);
      return;
    }
    const val = new Map<Role, string>();
    const colOf = new Map<Role, Column>();
    let k = 0;
    for (let i = 0; i < c.length; i++) {
      const x = c[i];
      const v = i === c.length - 1 ? toks.slice(k).join(' ') : toks.slice(k, k + x.width).join(' ');
      if (!val.has(x.role)) {
        val.set(x.role, v);
        colOf.set(x.role, x);
      }
      k += x.width;
    }
    // Op first: non-IO rows are not errors.
    const opTok = val.get('op');
    let op: 'R' | 'W' = 'R';
    if (opTok !== undefined) {
      const o = opOf(opTok);
      if (o === null) {
        if (isNonIoOp(opTok)) {
          nonIo.set(opTok, (nonIo.get(opTok) ?? 0) + 1);
          return;
        }
        sink.skip(lineNo, 'BAD_OP', `${colOf.get('op')!.name}: expected a read or a write (R/W, read/write) or a file-system operation such as open or getattr, found "${opTok.slice(0, 20)}"`);
        return;
      }
      op = o;
    } else note('trace has no read/write column: all IO counted as reads');

    const timeNs = (r: 'done' | 'start'): number | undefined => {
      const x = colOf.get(r);
      if (!x) return undefined;
      const v = val.get(r)!;
      if (x.date) {
        const s = dtraceDateY(v.split(' '), 0);
        return Number.isNaN(s) ? NaN : tb.toNs(String(s), 1e9);
      }
      if (!/^\d+(?:\.\d+)?$/.test(v)) return NaN;
      return tb.toNs(v, x.unit);
    };
    const done = timeNs('done');
    const start = timeNs('start');
    for (const [r, v] of [['done', done], ['start', start]] as const) {
      if (v !== undefined && !Number.isFinite(v)) {
        sink.skip(lineNo, 'NOT_A_NUMBER', `${colOf.get(r)!.name}: expected a time, found "${val.get(r)!.slice(0, 30)}"`);
        return;
      }
    }
    let latNs: number | undefined;
    if (colOf.has('lat')) {
      const n = numOf(val.get('lat'));
      if (!(n >= 0)) {
        sink.skip(lineNo, 'NOT_A_NUMBER', `${colOf.get('lat')!.name}: expected a non-negative number, found "${val.get('lat')!.slice(0, 20)}"`);
        return;
      }
      latNs = Math.round(n * colOf.get('lat')!.unit);
    }
    let issueNs: number, doneNs: number;
    if (done !== undefined && latNs !== undefined) {
      doneNs = done;
      issueNs = done - latNs;
    } else if (start !== undefined && latNs !== undefined) {
      issueNs = start;
      doneNs = start + latNs;
    } else {
      issueNs = start!;
      doneNs = done!;
      if (!(doneNs >= issueNs)) {
        sink.skip(lineNo, 'DONE_BEFORE_ISSUE', 'completion time before start time');
        return;
      }
    }
    let bytes = 0;
    if (colOf.has('bytes')) {
      const n = intOf(val.get('bytes'));
      if (!(n >= 0)) {
        sink.skip(lineNo, 'NOT_A_NUMBER', `${colOf.get('bytes')!.name}: expected a non-negative integer, found "${val.get('bytes')!.slice(0, 20)}"`);
        return;
      }
      bytes = n * colOf.get('bytes')!.unit;
    }
    let zone: string;
    if (val.has('zone')) zone = val.get('zone')!;
    else if (val.has('zoneid')) {
      const id = val.get('zoneid')!;
      const name = opts.zones?.get(id);
      if (name === undefined) note('numeric ZONEID without a --zones id=name entry reported as zoneid:N');
      zone = name ?? `zoneid:${id}`;
    } else if (zoneFrom === 'none') zone = 'unknown';
    else zone = val.get(zoneFrom === 'comm' ? 'comm' : zoneFrom === 'pid' ? 'pid' : 'path')!;
    if (zone === '') {
      sink.skip(lineNo, 'EMPTY_FIELD', 'zone: empty');
      return;
    }
    const device = val.get('device') ?? 'all';
    sink.io(zone, device === '' ? 'all' : device, op, bytes, issueNs, doneNs);
  }

  return wholeLineParser(
    sink,
    (text, lineNo) => {
      const t = text.trim();
      if (t === '') return;
      if (msgs.handle(text)) return;
      if (/^Tracing\b/i.test(t) || t.startsWith('#')) return;
      const h = printfHeader(text);
      if (h) {
        setHeader(h);
        return;
      }
      if (!cols) {
        if (!warnedNoHeader) {
          warnedNoHeader = true;
          sink.warn('rows before a header line naming the columns (e.g. ENDTIME(us) LATENCY(ns) ...) were skipped');
        }
        sink.skip(lineNo, 'NO_HEADER', 'expected a header line naming the columns, e.g. "ENDTIME(us) LATENCY(ns) TYPE SIZE(bytes) ZONENAME PROCESS"');
        return;
      }
      onRow(text, lineNo);
    },
    () => {
      if (nonIo.size) {
        const list = [...nonIo.entries()].map(([k, v]) => `${v} ${k}`).join(', ');
        sink.warn(`rows that are not reads or writes were ignored: ${list}`);
      }
      msgs.finish();
    },
  );
}

export const dtracePrintfFormat: InputFormat = {
  name: 'dtrace-printf',
  fidelity: 'events',
  platform: 'illumos',
  description: 'printf traces with a unit-naming header, e.g. zilt10k.d: ENDTIME(us) LATENCY(ns) TYPE SIZE(bytes) ZONENAME PROCESS',
  sniff(head: string[]): number {
    const lines = contentLines(head, 3);
    if (!lines.length) return 0;
    const cols = printfHeader(lines[0]);
    if (!cols) return 0;
    return lines[0].includes('(') ? 0.9 : 0.7;
  },
  create: createDtracePrintfParser,
};
