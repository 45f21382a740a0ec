// SmartOS ziostat: per-zone ZFS (zio-level) IO, from the zone_zfs kstat.
//
// Current tool (reads only):
//     r/s   kr/s   actv wsvc_t asvc_t  %b zone
//     5.4    0.0    0.1    0.0   13.8   0 a28faa4d (59)
// Older Perl tool:
//   r/s w/s kr/s kw/s wait actv wsvc_t asvc_t %w %b zone     (2011: zone name without (id))
// -r prints CSV `r/s,kr/s,actv,wsvc_t,asvc_t,%b,zone` with rows `...,<zone8>,<id>`; -M gives
// Mr/s, -I per-interval counts. wsvc_t/asvc_t are ms (wait before dispatch / active service).

import type { IntervalSample } from '../records.js';
import type { InputFormat } from './types.js';
import { createZoneToolParser, K_BYTE_UNIT, K_PER_INTERVAL, NS_PER_S, tokens, type PendingRow } from './interval-common.js';

const CURRENT_COLS = ['r/s', 'kr/s', 'actv', 'wsvc_t', 'asvc_t', '%b', 'zone'];
const OLD_COLS = ['r/s', 'w/s', 'kr/s', 'kw/s', 'wait', 'actv', 'wsvc_t', 'asvc_t', '%w', '%b', 'zone'];

function isTextHeader(toks: string[]): boolean {
  return toks.length >= 4 && toks[toks.length - 1] === 'zone' && toks.includes('asvc_t') && !toks.includes('ractv');
}

function isCsvHeader(line: string): boolean {
  const t = line.trim();
  return /^[kM]?r\/[si],/.test(t) && t.includes(',asvc_t,') && t.endsWith(',zone');
}

const ROW6 = /^\s*(?:\d+(?:\.\d+)?\s+){6}\S+\s+\(\d+\)\s*$/;
const ROW10 = /^\s*(?:\d+(?:\.\d+)?\s+){10}\S+(?:\s+\(\d+\))?\s*$/;

export function convertZiostat(row: PendingRow, startNs: number, durationNs: number): IntervalSample | string {
  const v = row.values;
  const mult = v.get(K_PER_INTERVAL) === 1 ? 1 : durationNs / NS_PER_S;
  const byteUnit = v.get(K_BYTE_UNIT) ?? 1024;
  const r = v.get('r/s');
  if (r === undefined) return 'ziostat row without an r/s column';
  const readOps = r * mult;
  const writeOps = (v.get('w/s') ?? 0) * mult;
  const ws = v.get('wsvc_t');
  const as = v.get('asvc_t');
  const s: IntervalSample = {
    kind: 'zone',
    name: row.name,
    startNs,
    durationNs,
    readOps,
    writeOps,
    readBytes: (v.get('kr/s') ?? 0) * byteUnit * mult,
    writeBytes: (v.get('kw/s') ?? 0) * byteUnit * mult,
  };
  if (ws !== undefined || as !== undefined) s.avgLatencyNs = ((ws ?? 0) + (as ?? 0)) * 1e6;
  if (as !== undefined) s.serviceLatencyNs = as * 1e6;
  if (!v.has('w/s') && s.avgLatencyNs !== undefined) s.readLatencyNs = s.avgLatencyNs;
  const b = v.get('%b');
  if (b !== undefined) s.utilization = b / 100;
  const actv = v.get('actv');
  const wait = v.get('wait');
  if (actv !== undefined || wait !== undefined) s.queueDepth = (actv ?? 0) + (wait ?? 0);
  return s;
}

export const ziostatFormat: InputFormat = {
  name: 'ziostat',
  fidelity: 'intervals',
  platform: 'illumos',
  description: 'SmartOS ziostat [-MIZ] [-r] output (current and older layouts): per-zone ZFS IO and service times',
  sniff(head: string[]): number {
    let r6 = 0;
    let r10 = 0;
    for (const line of head) {
      if (isCsvHeader(line)) return 0.95;
      if (isTextHeader(tokens(line))) return 0.95;
      if (ROW6.test(line)) r6++;
      else if (ROW10.test(line)) r10++;
    }
    // rows pasted without the header: one row with a `(zone id)` is enough
    return r6 >= 1 || r10 >= 2 ? 0.6 : 0;
  },
  create(sink, opts) {
    return createZoneToolParser(sink, opts, {
      tool: 'ziostat',
      defaultCols: CURRENT_COLS,
      isTextHeader,
      isCsvHeader,
      convert: convertZiostat,
      // pasted without the header: 10 numbers = the older layout, else the current one
      guessCols: (toks) => (toks.length >= 11 && toks.slice(0, 10).every((x) => /^\d+(\.\d+)?$/.test(x)) ? OLD_COLS : CURRENT_COLS),
    });
  },
};
