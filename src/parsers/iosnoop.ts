// DTraceToolkit iosnoop (opendtrace/toolkit `iosnoop`, Brendan Gregg), every column layout.
//
// Header, optional columns first, in this fixed order (each only with its flag):
//   -s STIME(us)  -t TIME(us)  -v STRTIME (%-20Y: 4 tokens, 1 s)  -e DEVICE  -i INS  -N MAJ MIN
//   -D DELTA(us)  -o DTIME(us)
// then `UID PID D BLOCK SIZE` and either `COMM PATHNAME` (default) or `PATHNAME ARGS` (-a, -g).
// -A dumps `TIME STIME DELTA DEVICE INS MAJ MIN UID PID PPID D BLOCK SIZE MOUNT FILE PATH COMM ARGS`.
// STIME/TIME are `timestamp`/1000: µs since boot, not wall-clock. PATHNAME and ARGS run to the end
// of the line (they may contain spaces).
//
// Two formats share this parser because the layout decides the fidelity:
// - `iosnoop` (events): needs start and completion per IO: -s -t, -s -D, -t -D, or -A.
// - `iosnoop-counts` (histograms): any layout. Per zone × device × op it reports the IO count,
//   plus a latency histogram when the layout has DELTA (or STIME and TIME); without timing
//   columns the histogram has one unbounded bucket, i.e. counts only, latency unknown.
//   Sniffing picks it for layouts without enough timing (default, -v, -e, -N, -o, -D alone ...).
//   Honest alternative to inventing latency 0: a layout without timing cannot say how long IOs
//   took or when the device was busy.
//
// iosnoop has no zone column: --zone-from comm|pid|uid|mount|path picks one (default comm) and a
// warning says which. mount and path map SmartOS zone roots `/zones/NAME[/...]` to NAME.

import type { Op, RecordSink } from '../records.js';
import type { InputFormat, Parser, ParserOptions } from './types.js';
import { wholeLineParser } from './lines.js';
import { DtraceMessages, contentLines, dtraceDateY, intOf } from './dtrace-common.js';
import { opOf } from './vocabulary.js';

type Col =
  | 'STIME' | 'TIME' | 'STRTIME' | 'DEVICE' | 'INS' | 'MAJ' | 'MIN' | 'DELTA' | 'DTIME'
  | 'UID' | 'PID' | 'PPID' | 'D' | 'BLOCK' | 'SIZE' | 'MOUNT' | 'FILE' | 'PATH' | 'COMM' | 'ARGS';

interface IosnoopLayout {
  /** Columns in order; the last one takes the rest of the line. */
  cols: Col[];
  dump: boolean;
}

const OPTIONAL: ReadonlyMap<string, Col> = new Map([
  ['STIME(us)', 'STIME'],
  ['TIME(us)', 'TIME'],
  ['STRTIME', 'STRTIME'],
  ['DEVICE', 'DEVICE'],
  ['INS', 'INS'],
  ['MAJ', 'MAJ'],
  ['MIN', 'MIN'],
  ['DELTA(us)', 'DELTA'],
  ['DTIME(us)', 'DTIME'],
]);
const OPT_ORDER: Col[] = ['STIME', 'TIME', 'STRTIME', 'DEVICE', 'INS', 'MAJ', 'MIN', 'DELTA', 'DTIME'];
const DUMP_HEADER = 'TIME STIME DELTA DEVICE INS MAJ MIN UID PID PPID D BLOCK SIZE MOUNT FILE PATH COMM ARGS';

/** The layout an iosnoop header line announces, or null when it is not one. */
export function iosnoopLayout(line: string): IosnoopLayout | null {
  const toks = line.trim().split(/\s+/);
  if (toks.join(' ') === DUMP_HEADER) return { cols: DUMP_HEADER.split(' ') as Col[], dump: true };
  const u = toks.indexOf('UID');
  if (u < 0 || toks.slice(u, u + 5).join(' ') !== 'UID PID D BLOCK SIZE') return null;
  const tail = toks.slice(u + 5).join(' ');
  let tailCols: Col[];
  if (tail === 'COMM PATHNAME') tailCols = ['COMM', 'PATH'];
  else if (tail === 'PATHNAME ARGS') tailCols = ['PATH', 'ARGS'];
  else return null;
  const pre: Col[] = [];
  let last = -1;
  for (const t of toks.slice(0, u)) {
    const c = OPTIONAL.get(t);
    if (c === undefined) return null;
    const at = OPT_ORDER.indexOf(c);
    if (at <= last) return null; // iosnoop prints them in a fixed order, each once
    last = at;
    pre.push(c);
  }
  if (pre.includes('MAJ') !== pre.includes('MIN')) return null;
  return { cols: [...pre, 'UID', 'PID', 'D', 'BLOCK', 'SIZE', ...tailCols], dump: false };
}

/** Whether a layout gives start and completion of every IO (events fidelity). */
function layoutHasEvents(l: IosnoopLayout): boolean {
  const has = (c: Col) => l.cols.includes(c);
  return (has('STIME') && has('TIME')) || (has('DELTA') && (has('STIME') || has('TIME')));
}

function layoutHasLatency(l: IosnoopLayout): boolean {
  return l.cols.includes('DELTA') || (l.cols.includes('STIME') && l.cols.includes('TIME'));
}

const ZONE_FROM = ['comm', 'pid', 'uid', 'mount', 'path'];

function zonesRoot(p: string): string | null {
  const m = /^\/zones\/([^/\s]+)/.exec(p);
  return m ? m[1] : null;
}

/** Token start offsets of a line (whitespace-separated). */
function tokenize(text: string): { toks: string[]; at: number[] } {
  const toks: string[] = [];
  const at: number[] = [];
  const re = /\S+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    toks.push(m[0]);
    at.push(m.index);
  }
  return { toks, at };
}

/** Latency bucket (µs) for counts mode: exact to 1 ms, then 3 significant digits. */
function latencyBucketUs(us: number): [number, number] {
  if (us < 1000) return [us, us + 1];
  const w = 10 ** (Math.floor(Math.log10(us)) - 2);
  const lo = Math.floor(us / w) * w;
  return [lo, lo + w];
}

interface CountKey {
  zone: string;
  device: string;
  op: Op;
  /** lo µs → [hi µs, count]; key -1 = unknown latency. */
  buckets: Map<number, [number, number]>;
}

function createIosnoopParser(sink: RecordSink, opts: ParserOptions, mode: 'events' | 'counts'): Parser {
  const msgs = new DtraceMessages(sink);
  const tb = opts.timeBase;
  let zoneFrom = (opts.zoneFrom ?? 'comm').toLowerCase();
  if (!ZONE_FROM.includes(zoneFrom)) {
    sink.warn(`--zone-from ${opts.zoneFrom} is not one of ${ZONE_FROM.join('|')}; using comm`);
    zoneFrom = 'comm';
  }
  let layout: IosnoopLayout | null = null;
  let idx = new Map<Col, number>();
  let tokCount = 0; // tokens before the rest-of-line column
  let usable = false;
  const notes = new Set<string>();
  const counts = new Map<string, CountKey>();
  let warnedNoHeader = false;
  let zoneFromUsed = zoneFrom;

  const note = (s: string) => {
    if (!notes.has(s)) {
      notes.add(s);
      sink.warn(s);
    }
  };

  function setLayout(l: IosnoopLayout): void {
    layout = l;
    idx = new Map();
    let k = 0;
    for (const c of l.cols) {
      idx.set(c, k);
      k += c === 'STRTIME' ? 4 : 1;
    }
    tokCount = k - 1; // the last column is the rest of the line
    const has = (c: Col) => l.cols.includes(c);
    usable = mode === 'counts' || layoutHasEvents(l);
    if (!usable) {
      note(
        'iosnoop layout has no start and completion time per IO (needs -s -t, or -D with -s or -t, or -A): ' +
          'cannot build events; use --input-format iosnoop-counts for counts',
      );
    }
    // Zone source.
    let zf = zoneFrom;
    if (zf === 'mount' && !has('MOUNT')) {
      note('--zone-from mount needs iosnoop -A (MOUNT column); using comm');
      zf = 'comm';
    }
    const src = zf === 'comm' && !has('COMM') ? 'the first word of ARGS (this layout has no COMM)' : zf.toUpperCase();
    note(
      `iosnoop has no zone column: zones taken from ${src} (--zone-from ${zf}` +
        (zf === 'mount' || zf === 'path' ? '; /zones/NAME/... → NAME' : '') +
        ')',
    );
    zoneFromUsed = zf;
    if (!has('DEVICE')) {
      note(
        has('MAJ')
          ? 'iosnoop layout has no DEVICE column (-e): devices named MAJ,MIN'
          : has('INS')
            ? 'iosnoop layout has no DEVICE column (-e): devices named by instance (insN)'
            : "iosnoop layout has no DEVICE column (-e): all IO counted on one device 'all'",
      );
    }
    if (mode === 'counts') {
      note(
        layoutHasLatency(l)
          ? 'iosnoop counts: latency from DELTA/STIME-TIME per IO, no timestamps used: no device time, shares or replay'
          : 'iosnoop layout has no timing columns: counts only; latency and device time need iosnoop -D, or -s -t',
      );
    }
    if (has('STRTIME') && !has('TIME') && !has('STIME')) {
      note('iosnoop STRTIME has 1 s resolution: not used as a timestamp (use -t)');
    }
  }

  function onRow(text: string, lineNo: number): void {
    const l = layout!;
    const { toks, at } = tokenize(text);
    const last = l.cols[l.cols.length - 1];
    const minToks = last === 'ARGS' ? tokCount : tokCount + 1; // ARGS may be empty
    if (toks.length < minToks) {
      sink.skip(lineNo, 'FIELD_COUNT', `iosnoop row: expected at least ${minToks} fields for this header, found ${toks.length}`);
      return;
    }
    const tok = (c: Col): string | undefined => {
      const i = idx.get(c);
      return i === undefined ? undefined : toks[i];
    };
    const rest = at[tokCount] !== undefined ? text.slice(at[tokCount]).trimEnd() : '';
    const col = (c: Col): string | undefined => (c === last ? rest : tok(c));

    const op = opOf(tok('D') ?? '');
    if (op === null || !/^[RW]$/.test(tok('D') ?? '')) {
      sink.skip(lineNo, 'BAD_OP', `iosnoop D column: expected R or W, found "${(tok('D') ?? '').slice(0, 20)}"`);
      return;
    }
    const bytes = intOf(tok('SIZE'));
    if (!(bytes >= 0)) {
      sink.skip(lineNo, 'NOT_A_NUMBER', `iosnoop SIZE: expected a non-negative integer, found "${(tok('SIZE') ?? '').slice(0, 20)}"`);
      return;
    }
    for (const c of ['UID', 'PID', 'BLOCK'] as Col[]) {
      if (Number.isNaN(intOf(tok(c)))) {
        sink.skip(lineNo, 'NOT_A_NUMBER', `iosnoop ${c}: expected an integer, found "${(tok(c) ?? '').slice(0, 20)}"`);
        return;
      }
    }
    if (l.cols.includes('STRTIME') && Number.isNaN(dtraceDateY(toks, idx.get('STRTIME')!))) {
      sink.skip(lineNo, 'NOT_A_NUMBER', `iosnoop STRTIME: expected "YYYY Mon DD HH:MM:SS", found "${toks.slice(idx.get('STRTIME')!, idx.get('STRTIME')! + 4).join(' ')}"`);
      return;
    }
    // Device.
    let device = 'all';
    if (l.cols.includes('DEVICE')) device = tok('DEVICE')!;
    else if (l.cols.includes('MAJ')) device = `${tok('MAJ')},${tok('MIN')}`;
    else if (l.cols.includes('INS')) device = `ins${tok('INS')}`;
    // Zone.
    let zone: string;
    switch (zoneFromUsed) {
      case 'pid':
        zone = tok('PID')!;
        break;
      case 'uid':
        zone = tok('UID')!;
        break;
      case 'mount': {
        const m = col('MOUNT') ?? '';
        zone = zonesRoot(m) ?? m;
        break;
      }
      case 'path': {
        const p = col('PATH') ?? '';
        zone = zonesRoot(p) ?? (p.startsWith('/') ? 'global' : p);
        break;
      }
      default:
        zone = l.cols.includes('COMM') ? (col('COMM') ?? '') : (rest.split(/\s+/)[0] ?? '').replace(/:$/, '');
    }
    if (zone === '') zone = '<none>';

    // Timing (µs).
    const sTok = tok('STIME'), tTok = tok('TIME'), dTok = tok('DELTA');
    for (const [name, v] of [['STIME', sTok], ['TIME', tTok], ['DELTA', dTok]] as const) {
      if (v !== undefined && !/^\d+$/.test(v)) {
        sink.skip(lineNo, 'NOT_A_NUMBER', `iosnoop ${name}(us): expected a non-negative integer, found "${v.slice(0, 20)}"`);
        return;
      }
    }
    if (mode === 'events') {
      if (!usable) {
        sink.skip(lineNo, 'BAD_ROW', 'iosnoop row without start and completion times (see warning)');
        return;
      }
      let issueNs: number, doneNs: number;
      if (sTok !== undefined && tTok !== undefined) {
        issueNs = tb.toNs(sTok, 1000);
        doneNs = tb.toNs(tTok, 1000);
      } else if (tTok !== undefined) {
        doneNs = tb.toNs(tTok, 1000);
        issueNs = doneNs - Number(dTok) * 1000;
      } else {
        issueNs = tb.toNs(sTok!, 1000);
        doneNs = issueNs + Number(dTok) * 1000;
      }
      if (!(doneNs >= issueNs)) {
        sink.skip(lineNo, 'DONE_BEFORE_ISSUE', `iosnoop: completion TIME ${tTok} is before start STIME ${sTok}`);
        return;
      }
      sink.io(zone, device, op, bytes, issueNs, doneNs);
      return;
    }
    // counts
    let latUs = -1;
    if (dTok !== undefined) latUs = Number(dTok);
    else if (sTok !== undefined && tTok !== undefined) {
      const d = BigInt(tTok) - BigInt(sTok);
      latUs = d >= 0n ? Number(d) : -1;
    }
    const key = `${zone}\u0000${device}\u0000${op}`;
    let ck = counts.get(key);
    if (!ck) {
      ck = { zone, device, op, buckets: new Map() };
      counts.set(key, ck);
    }
    const [lo, hi] = latUs >= 0 ? latencyBucketUs(latUs) : [-1, -1];
    const b = ck.buckets.get(lo);
    if (b) b[1]++;
    else ck.buckets.set(lo, [hi, 1]);
  }

  return wholeLineParser(
    sink,
    (text, lineNo) => {
      if (text.trim() === '') return;
      if (msgs.handle(text)) return;
      const l = iosnoopLayout(text);
      if (l) {
        setLayout(l);
        return;
      }
      if (!layout) {
        if (!warnedNoHeader) {
          warnedNoHeader = true;
          sink.warn('iosnoop rows before any iosnoop header line were skipped (the header names the columns)');
        }
        sink.skip(lineNo, 'NO_HEADER', 'expected an iosnoop header (… UID PID D BLOCK SIZE COMM PATHNAME) before rows');
        return;
      }
      onRow(text, lineNo);
    },
    () => {
      if (mode === 'counts') {
        for (const ck of counts.values()) {
          const buckets = [...ck.buckets.entries()]
            .sort((a, b) => a[0] - b[0])
            .map(([lo, [hi, count]]) =>
              lo < 0 ? { lo: -Infinity, hi: Infinity, count } : { lo: lo * 1000, hi: hi * 1000, count },
            );
          sink.histogram({
            key: ck.zone,
            subkeys: [ck.device, ck.op],
            buckets,
            resolution: layout && layoutHasLatency(layout) ? 'iosnoop per-IO latency: 1 µs below 1 ms, 3 significant digits above' : 'count only (no latency)',
          });
        }
      }
      msgs.finish();
    },
  );
}

function sniffLayout(head: string[]): IosnoopLayout | null {
  for (const l of contentLines(head, 3)) {
    const lay = iosnoopLayout(l);
    if (lay) return lay;
  }
  return null;
}

export const iosnoopFormat: InputFormat = {
  name: 'iosnoop',
  fidelity: 'events',
  platform: 'illumos',
  description: 'DTraceToolkit iosnoop with start and completion times (-s -t, -D -t, -D -s, or -A)',
  sniff(head: string[]): number {
    const l = sniffLayout(head);
    if (!l) return 0;
    return layoutHasEvents(l) ? 0.95 : 0.5;
  },
  create: (sink, opts) => createIosnoopParser(sink, opts, 'events'),
};

export const iosnoopCountsFormat: InputFormat = {
  name: 'iosnoop-counts',
  fidelity: 'histograms',
  platform: 'illumos',
  description: 'DTraceToolkit iosnoop without per-IO start+completion times: counts (and DELTA latency) per zone',
  sniff(head: string[]): number {
    const l = sniffLayout(head);
    if (!l) return 0;
    return layoutHasEvents(l) ? 0.3 : 0.95;
  },
  create: (sink, opts) => createIosnoopParser(sink, opts, 'counts'),
};
