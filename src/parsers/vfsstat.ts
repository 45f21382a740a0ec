// SmartOS vfsstat: per-zone VFS read/write rates, latency and the ZFS throttle's delays.
//
//   r/s   w/s  kr/s  kw/s ractv wactv read_t writ_t  %r  %w   d/s  del_t zone
//  66.3  32.4   0.4   0.4   0.0   0.0    0.1    0.1   0   0  27.4   73.1 ba1f8d92 (4)
//
// With -M the byte columns are Mr/s Mw/s, with -I rates are per interval (r/i, kr/i, d/i);
// -Z prints every zone and repeats the header every interval; -r prints CSV whose data rows carry
// one more field (the zone id) than the header. read_t/writ_t/del_t are µs (the 2011 version,
// recognisable by its extra wait_t column, printed ms). Zone names are truncated to 8 chars.

import type { IntervalSample } from '../records.js';
import type { InputFormat } from './types.js';
import {
  meanLatency,
  tokens,
  createZoneToolParser,
  K_PER_INTERVAL,
  K_BYTE_UNIT,
  NS_PER_S,
  type PendingRow,
} from './interval-common.js';

const DEFAULT_COLS = ['r/s', 'w/s', 'kr/s', 'kw/s', 'ractv', 'wactv', 'read_t', 'writ_t', '%r', '%w', 'd/s', 'del_t', 'zone'];

const K_LAT_UNIT = '\0lu';

function isTextHeader(toks: string[]): boolean {
  return toks.length >= 4 && toks[toks.length - 1] === 'zone' && toks.includes('ractv') && (toks.includes('read_t') || toks.includes('del_t'));
}

function isCsvHeader(line: string): boolean {
  const t = line.trim();
  return /^[kM]?r\/[si],/.test(t) && t.includes(',ractv,') && t.endsWith(',zone');
}

const HEADERLESS_ROW = /^\s*(?:\d+(?:\.\d+)?\s+){12}\S+\s+\(\d+\)\s*$/;

export function convertVfsstat(row: PendingRow, startNs: number, durationNs: number): IntervalSample | string {
  const v = row.values;
  const perInterval = v.get(K_PER_INTERVAL) === 1;
  const mult = perInterval ? 1 : durationNs / NS_PER_S;
  const byteUnit = v.get(K_BYTE_UNIT) ?? 1024;
  const latUnit = v.get(K_LAT_UNIT) ?? 1000;
  const r = v.get('r/s');
  const w = v.get('w/s');
  if (r === undefined || w === undefined) return `vfsstat row without r/s and w/s columns`;
  const readOps = r * mult;
  const writeOps = w * mult;
  const kr = v.get('kr/s');
  const kw = v.get('kw/s');
  const rt = v.get('read_t');
  const wt = v.get('writ_t');
  const readLatencyNs = rt === undefined ? undefined : rt * latUnit;
  const writeLatencyNs = wt === undefined ? undefined : wt * latUnit;
  const s: IntervalSample = {
    kind: 'zone',
    name: row.name,
    startNs,
    durationNs,
    readOps,
    writeOps,
    readBytes: kr === undefined ? 0 : kr * byteUnit * mult,
    writeBytes: kw === undefined ? 0 : kw * byteUnit * mult,
    readLatencyNs,
    writeLatencyNs,
    avgLatencyNs: meanLatency(readOps, readLatencyNs, writeOps, writeLatencyNs),
  };
  const pr = v.get('%r');
  const pw = v.get('%w');
  if (pr !== undefined || pw !== undefined) s.utilization = ((pr ?? 0) + (pw ?? 0)) / 100;
  const ra = v.get('ractv');
  const wa = v.get('wactv');
  if (ra !== undefined || wa !== undefined) s.queueDepth = (ra ?? 0) + (wa ?? 0);
  const d = v.get('d/s');
  if (d !== undefined) s.throttledOps = d * mult;
  const dt = v.get('del_t');
  if (dt !== undefined) s.throttleDelayNs = dt * 1000;
  return s;
}

export const vfsstatFormat: InputFormat = {
  name: 'vfsstat',
  fidelity: 'intervals',
  platform: 'illumos',
  description: 'SmartOS vfsstat [-MIZ] [-r] output: per-zone VFS ops, latency and ZFS throttle delays',
  sniff(head: string[]): number {
    let rows = 0;
    for (const line of head) {
      if (isCsvHeader(line)) return 0.95;
      if (isTextHeader(tokens(line))) return 0.95;
      if (HEADERLESS_ROW.test(line)) rows++;
    }
    // rows pasted without the header: 12 numbers then `zone (id)`
    return rows >= 1 ? 0.6 : 0;
  },
  resembles(head: string[]): string | undefined {
    for (const line of head) {
      const m = /^\s*((?:\d+(?:\.\d+)?\s+){3,16})\S+\s+\(\d+\)\s*$/.exec(line);
      if (!m) continue;
      const n = m[1].trim().split(/\s+/).length;
      if (n !== 6 && n !== 10 && n !== 12)
        return `SmartOS vfsstat or ziostat output (numbers, then a zone name and its id), but the header is missing or unknown and ${n} numbers match no known layout (vfsstat 12, ziostat 6 or 10)`;
    }
    return undefined;
  },
  create(sink, opts) {
    return createZoneToolParser(sink, opts, {
      tool: 'vfsstat',
      defaultCols: DEFAULT_COLS,
      isTextHeader,
      isCsvHeader,
      convert: convertVfsstat,
      onHeader(cols, values) {
        const old = cols.includes('wait_t');
        values.set(K_LAT_UNIT, old ? 1e6 : 1000);
        return old ? 'vfsstat: header has wait_t: the 2011 vfsstat, whose latencies are in ms' : undefined;
      },
    });
  },
};
