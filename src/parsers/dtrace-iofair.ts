// Output of iofair's own D scripts (`iofair script dtrace`, src/scripts/dtrace.ts).
//
//   # iofair-dtrace v1 level=disk fields=timestamp_ns,latency_ns,device,op,bytes,zone
//   1718000000123456789<TAB>523000<TAB>sd1<TAB>R<TAB>8192<TAB>web01
//   # iofair-zone<TAB>5<TAB>web01            (zio level: zone id -> name)
//   # iofair-dtrace end
//
// Fields are TAB-separated (a copy that lost its tabs is split on whitespace, the last field
// taking the rest of the line). The field order comes from the header, so a later script
// version may reorder or add fields. timestamp_ns is `walltimestamp` (~1.7e18, beyond 2^53) and
// goes through TimeBase.toNs exactly.
//
// zio level: the zone field is a numeric id. Names come from --zones (wins), then from the
// script's `# iofair-zone` lines. Per-CPU buffers can deliver a record before the mapping line
// for its zone, so records with an unmapped id are held, in order with everything after them,
// until the mapping arrives (bounded: HOLD_MAX records or HOLD_NS of trace time); what is still
// unmapped then is reported as zone `zoneid:N` (':' cannot occur in an illumos zone name).

import type { Op, RecordSink } from '../records.js';
import type { InputFormat, Parser, ParserOptions } from './types.js';
import { wholeLineParser } from './lines.js';
import { DtraceMessages, contentLines, intOf, splitWs } from './dtrace-common.js';
import { opOf } from './vocabulary.js';

const HEADER_RE = /^#\s*iofair-dtrace\s+v(\d+)\b(.*)$/;
const ZONE_MAP_RE = /^#\s*iofair-zone\s+(\d+)\s+(.+?)\s*$/;
const END_RE = /^#\s*iofair-dtrace\s+end\s*$/;

const HOLD_MAX = 100000;
const HOLD_NS = 5e9;

const REQUIRED = ['timestamp_ns', 'latency_ns', 'device', 'op', 'bytes'];

interface Held {
  zone: string; // resolved name, or '' while the id is unmapped
  zoneId: string;
  device: string;
  op: Op;
  bytes: number;
  issueNs: number;
  doneNs: number;
}

function createDtraceIofairParser(sink: RecordSink, opts: ParserOptions): Parser {
  const msgs = new DtraceMessages(sink);
  const tb = opts.timeBase;
  let fields: string[] | null = null;
  let iTs = -1, iLat = -1, iDev = -1, iOp = -1, iBytes = -1, iZone = -1;
  let zoneIsId = false;
  let level = '';
  let warnedNoHeader = false;
  let sawEnd = false;
  const scriptZones = new Map<string, string>();
  const held: Held[] = [];
  let unmappedHeld = 0;
  const fallbackIds = new Set<string>();
  let records = 0;

  const resolve = (id: string): string | undefined => opts.zones?.get(id) ?? scriptZones.get(id);

  function emit(h: Held): void {
    records++;
    sink.io(h.zone, h.device, h.op, h.bytes, h.issueNs, h.doneNs);
  }

  /** Emit held records in order; stop at the first still-unmapped one unless `force`. */
  function flushHeld(force: boolean): void {
    let i = 0;
    for (; i < held.length; i++) {
      const h = held[i];
      if (h.zone === '') {
        const name = resolve(h.zoneId);
        if (name !== undefined) {
          h.zone = name;
          unmappedHeld--;
        } else if (force) {
          h.zone = `zoneid:${h.zoneId}`;
          fallbackIds.add(h.zoneId);
          unmappedHeld--;
        } else break;
      }
      emit(h);
    }
    held.splice(0, i);
  }

  function onHeader(text: string, version: number, rest: string, lineNo: number): void {
    if (version !== 1) {
      fields = null;
      sink.skip(lineNo, 'BAD_HEADER', `iofair-dtrace header version v${version} is not supported (expected v1): re-run 'iofair script dtrace' from this iofair version`);
      return;
    }
    const lv = /\blevel=(\S+)/.exec(rest);
    const fm = /\bfields=(\S+)/.exec(rest);
    if (!fm) {
      fields = null;
      sink.skip(lineNo, 'BAD_HEADER', `iofair-dtrace header without fields=...: "${text.slice(0, 120)}"`);
      return;
    }
    const f = fm[1].split(',');
    const missing = REQUIRED.filter((n) => !f.includes(n));
    const zi = f.indexOf('zone') >= 0 ? f.indexOf('zone') : f.indexOf('zoneid');
    if (zi < 0) missing.push('zone|zoneid');
    if (missing.length) {
      fields = null;
      sink.skip(lineNo, 'BAD_HEADER', `iofair-dtrace header lacks field(s) ${missing.join(', ')}`);
      return;
    }
    const newLevel = lv ? lv[1] : 'unknown';
    if (fields === null || newLevel !== level) {
      if (level !== '' && newLevel !== level) {
        sink.warn(`iofair-dtrace input mixes levels ${level} and ${newLevel}: their zone attribution and latency differ`);
      }
    }
    level = newLevel;
    fields = f;
    iTs = f.indexOf('timestamp_ns');
    iLat = f.indexOf('latency_ns');
    iDev = f.indexOf('device');
    iOp = f.indexOf('op');
    iBytes = f.indexOf('bytes');
    iZone = zi;
    zoneIsId = f[zi] === 'zoneid';
  }

  function onRecord(text: string, lineNo: number): void {
    if (fields === null) {
      if (!warnedNoHeader) {
        warnedNoHeader = true;
        sink.warn("iofair-dtrace records without a valid '# iofair-dtrace v1' header line were skipped");
      }
      sink.skip(lineNo, 'NO_HEADER', "expected the '# iofair-dtrace v1 ... fields=...' header before records");
      return;
    }
    const n = fields.length;
    let parts: string[];
    if (text.includes('\t')) {
      parts = text.split('\t');
      if (parts.length > n) parts = [...parts.slice(0, n - 1), parts.slice(n - 1).join('\t')];
    } else {
      const toks = splitWs(text);
      parts = toks.length > n ? [...toks.slice(0, n - 1), toks.slice(n - 1).join(' ')] : toks;
    }
    if (parts.length < n) {
      sink.skip(lineNo, 'FIELD_COUNT', `expected ${n} fields (${fields.join(',')}), found ${parts.length}`);
      return;
    }
    const tsTok = parts[iTs].trim();
    const doneNs = /^\d+$/.test(tsTok) ? tb.toNs(tsTok, 1) : NaN;
    if (!Number.isFinite(doneNs)) {
      sink.skip(lineNo, 'NOT_A_NUMBER', `timestamp_ns: expected a non-negative integer, found "${tsTok.slice(0, 40)}"`);
      return;
    }
    const lat = intOf(parts[iLat].trim());
    if (!(lat >= 0)) {
      sink.skip(lineNo, 'NOT_A_NUMBER', `latency_ns: expected a non-negative integer, found "${parts[iLat].trim().slice(0, 40)}"`);
      return;
    }
    const op = opOf(parts[iOp].trim());
    if (op === null) {
      sink.skip(lineNo, 'BAD_OP', `op: expected R or W, found "${parts[iOp].trim().slice(0, 20)}"`);
      return;
    }
    const bytes = intOf(parts[iBytes].trim());
    if (!(bytes >= 0)) {
      sink.skip(lineNo, 'NOT_A_NUMBER', `bytes: expected a non-negative integer, found "${parts[iBytes].trim().slice(0, 40)}"`);
      return;
    }
    const device = parts[iDev].trim();
    if (device === '') {
      sink.skip(lineNo, 'EMPTY_FIELD', 'device: empty');
      return;
    }
    const zoneRaw = iZone === n - 1 ? parts[iZone].replace(/^[ \t]+|[ \t\r]+$/g, '') : parts[iZone].trim();
    if (zoneRaw === '') {
      sink.skip(lineNo, 'EMPTY_FIELD', 'zone: empty');
      return;
    }
    const issueNs = doneNs - lat;
    if (!zoneIsId) {
      const h: Held = { zone: zoneRaw, zoneId: '', device, op, bytes, issueNs, doneNs };
      if (held.length) held.push(h);
      else emit(h);
      return;
    }
    if (!/^\d+$/.test(zoneRaw)) {
      sink.skip(lineNo, 'NOT_A_NUMBER', `zoneid: expected a numeric zone id, found "${zoneRaw.slice(0, 40)}"`);
      return;
    }
    const name = resolve(zoneRaw);
    const h: Held = { zone: name ?? '', zoneId: zoneRaw, device, op, bytes, issueNs, doneNs };
    if (name === undefined) unmappedHeld++;
    if (held.length || name === undefined) {
      held.push(h);
      if (held.length > HOLD_MAX || doneNs - held[0].doneNs > HOLD_NS) flushHeld(true);
    } else emit(h);
  }

  return wholeLineParser(
    sink,
    (text, lineNo) => {
      const t = text.trim();
      if (t === '') return;
      if (msgs.handle(text)) return;
      if (t.startsWith('#')) {
        const h = HEADER_RE.exec(t);
        if (h && !END_RE.test(t)) {
          onHeader(t, Number(h[1]), h[2], lineNo);
          return;
        }
        const z = ZONE_MAP_RE.exec(text.replace(/\t/g, ' ').trim());
        if (z) {
          const prev = scriptZones.get(z[1]);
          const user = opts.zones?.get(z[1]);
          if (user !== undefined && user !== z[2] && prev === undefined) {
            sink.warn(`--zones maps zone id ${z[1]} to "${user}" but the trace names it "${z[2]}"; using "${user}"`);
          }
          scriptZones.set(z[1], z[2]);
          if (unmappedHeld) flushHeld(false);
          return;
        }
        if (END_RE.test(t)) sawEnd = true;
        return; // other comments
      }
      onRecord(text, lineNo);
    },
    () => {
      flushHeld(true);
      if (fallbackIds.size) {
        sink.warn(
          `zone id(s) ${[...fallbackIds].sort().join(', ')} had no name in the trace: reported as zoneid:N; pass --zones id=name to name them`,
        );
      }
      if (level === 'disk') {
        sink.warn('dtrace level=disk: ZFS IO issued by kernel taskq threads is attributed to the global zone');
      } else if (level === 'vfs') {
        sink.warn('dtrace level=vfs: logical IO (includes cache hits and buffered writes); device = pool, device time is syscall service time, not disk time');
      } else if (level === 'zio') {
        sink.warn('dtrace level=zio: asynchronous (TXG sync) writes are attributed to the global zone; latency has microsecond resolution and excludes vdev queue wait');
      }
      if (records > 0 && !sawEnd) {
        sink.warn("no '# iofair-dtrace end' line: dtrace did not stop cleanly (killed, or the trace was cut short)");
      }
      msgs.finish();
    },
  );
}

export const dtraceIofairFormat: InputFormat = {
  name: 'dtrace-iofair',
  fidelity: 'events',
  platform: 'illumos',
  description: "output of iofair's own D scripts (iofair script dtrace): one line per IO",
  sniff(head: string[]): number {
    const lines = contentLines(head, 5);
    if (lines.length && HEADER_RE.test(lines[0].trim())) return 1;
    return lines.some((l) => HEADER_RE.test(l.trim())) ? 0.95 : 0;
  },
  create: createDtraceIofairParser,
};
